"""Tests of activations.plot._overlay (plot_overlay, plot_compare)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from activations import imresize, overlay
from activations.plot import plot_compare, plot_overlay


@pytest.fixture
def image(rng) -> np.ndarray:
    return rng.uniform(size=(8, 8, 3))


@pytest.fixture
def act() -> np.ndarray:
    return np.arange(4 * 4 * 3, dtype=np.float32).reshape(4, 4, 3) - 10.0


# ---- plot_overlay --------------------------------------------------------------------


def test_overlay_panels(image, act):
    fig = plot_overlay(image, act, 1, alpha=0.3, layer="conv1")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 4  # image, channel, blend, colour bar
    ax_image, ax_channel, ax_blend, _ = fig.axes
    np.testing.assert_array_equal(ax_image.images[0].get_array(), image)
    np.testing.assert_array_equal(ax_channel.images[0].get_array(), imresize(act[..., 1], (8, 8)))
    np.testing.assert_array_equal(
        ax_blend.images[0].get_array(), overlay(image, act[..., 1], alpha=0.3, cmap="jet")
    )
    assert ax_channel.get_title() == "conv1, channel 1"
    assert ax_blend.get_title() == "overlay (jet, alpha 0.3)"
    assert ax_channel.images[0].get_cmap().name == "gray"


def test_overlay_gray_image_into_given_figure(act):
    fig = Figure()
    gray = np.linspace(0, 1, 36).reshape(6, 6)
    assert plot_overlay(gray, act, np.int64(2), fig=fig) is fig
    assert fig.axes[0].images[0].get_cmap().name == "gray"
    assert fig.axes[1].get_title() == "channel 2"
    assert fig.axes[1].images[0].get_array().shape == (6, 6)


def test_overlay_errors(image, act):
    with pytest.raises(ValueError, match=r"`channel` in \[0, 2\].*3 channels.*channel=3"):
        plot_overlay(image, act, 3)
    with pytest.raises(TypeError, match="`channel` to be an int. Received: channel=1.0"):
        plot_overlay(image, act, 1.0)
    with pytest.raises(TypeError, match="channel=True"):
        plot_overlay(image, act, True)
    with pytest.raises(ValueError, match=r"act.shape=\(1, 4, 4, 3\)"):
        plot_overlay(image, act[None], 0)
    with pytest.raises(ValueError, match=r"image.shape=\(8, 8, 4\)"):
        plot_overlay(np.zeros((8, 8, 4)), act, 0)


# ---- plot_compare --------------------------------------------------------------------


def test_compare_shares_one_colour_scale(image, act):
    image_b = image[:6]  # a different size
    act_b = act * 0.5
    fig = plot_compare(image, image_b, act, act_b, [2, 0], labels=("open", "closed"), layer="c5")
    assert len(fig.axes) == 2 * 3 + 1
    maps = [imresize(act[..., c], (8, 8)) for c in (2, 0)]
    maps += [imresize(act_b[..., c], (6, 8)) for c in (2, 0)]
    shared = (min(m.min() for m in maps), max(m.max() for m in maps))
    drawn = [ax for ax in fig.axes[:-1] if ax.images and ax.images[0].get_cmap().name == "gray"]
    assert len(drawn) == 4
    for ax, expected in zip(drawn, [maps[0], maps[1], maps[2], maps[3]], strict=True):
        np.testing.assert_array_equal(ax.images[0].get_array(), expected)
        assert ax.images[0].get_clim() == pytest.approx(shared)
    titles = [ax.get_title() for ax in fig.axes[:-1]]
    assert titles == [
        "open", "open: channel 2", "open: channel 0",
        "closed", "closed: channel 2", "closed: channel 0",
    ]  # fmt: skip
    assert fig.get_suptitle() == "c5: channels 2, 0 on open and closed"
    assert fig.axes[-1].get_ylim() == pytest.approx(shared)


def test_compare_single_channel_and_constant_maps(image):
    flat = np.full((4, 4, 2), 3.0)
    fig = plot_compare(image, image, flat, flat, 1)
    assert len(fig.axes) == 2 * 2 + 1
    assert fig.axes[1].images[0].get_clim() == (3.0, 4.0)
    assert fig.axes[1].get_title() == "image a: channel 1"


def test_compare_leaves_inputs_alone(image, act):
    before = (image.copy(), act.copy())
    plot_compare(image, image, act, act, [0])
    np.testing.assert_array_equal(image, before[0])
    np.testing.assert_array_equal(act, before[1])


def test_compare_errors(image, act):
    with pytest.raises(ValueError, match=r"same number of channels.*act_b.shape=\(4, 4, 2\)"):
        plot_compare(image, image, act, act[..., :2], [0])
    with pytest.raises(ValueError, match=r"at least one channel. Received: channels=\[\]"):
        plot_compare(image, image, act, act, [])
    with pytest.raises(ValueError, match=r"`channels` in \[0, 2\].*channels=5"):
        plot_compare(image, image, act, act, [0, 5])
    with pytest.raises(TypeError, match="int or a sequence of ints.*channels='0'"):
        plot_compare(image, image, act, act, "0")
    with pytest.raises(ValueError, match=r"pair of str.*labels=\('a',\)"):
        plot_compare(image, image, act, act, [0], labels=("a",))
    with pytest.raises(TypeError, match=r"pair of str.*labels=\('a', 1\)"):
        plot_compare(image, image, act, act, [0], labels=("a", 1))
    with pytest.raises(ValueError, match=r"image_b.shape=\(8,\)"):
        plot_compare(image, np.zeros(8), act, act, [0])
