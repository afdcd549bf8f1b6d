"""Tests of activations.plot._overlay (plot_overlay)."""

from __future__ import annotations

import numpy as np
import pytest
from _figures import is_red_near, pixel_of, rendered
from matplotlib.figure import Figure

from activations import imresize, overlay
from activations._arrays.region import cell_blocks
from activations.plot import plot_overlay


@pytest.fixture
def image(rng) -> np.ndarray:
    return rng.uniform(size=(8, 8, 3))


@pytest.fixture
def act() -> np.ndarray:
    return np.arange(4 * 4 * 3, dtype=np.float32).reshape(4, 4, 3) - 10.0


def test_overlay_panels(image, act):
    fig = plot_overlay(image, act, 1, alpha=0.3, layer_name="conv1")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 5  # image, channel, blend, two colour bars
    ax_image, ax_channel, ax_blend, bar_channel, bar_blend = fig.axes
    np.testing.assert_array_equal(ax_image.images[0].get_array(), image)
    # 2 photo pixels per cell: a fine map, smoothed bilinearly.
    expected = imresize(act[..., 1], (8, 8), method="bilinear")
    np.testing.assert_array_equal(ax_channel.images[0].get_array(), expected)
    np.testing.assert_array_equal(
        ax_blend.images[0].get_array(),
        overlay(image, act[..., 1], alpha=0.3, cmap="jet", method="bilinear"),
    )
    assert ax_channel.get_title() == "conv1, channel 1"
    assert ax_channel.texts[0].get_text() == (
        "4x4 map, bilinear; both panels: -9 to 36, the channel's min to max"
    )
    assert ax_blend.get_title() == "overlay (jet, alpha 0.3)"
    assert ax_channel.images[0].get_cmap().name == "gray"


def test_the_jet_overlay_has_a_colour_bar_in_activation_units(image, act):
    fig = plot_overlay(image, act, 2, alpha=0.5)
    bar = fig.axes[4]
    assert bar.get_ylabel() == "activation (jet, blended at alpha 0.5)"
    assert bar.get_ylim() == pytest.approx((act[..., 2].min(), act[..., 2].max()))
    assert bar.collections or bar.images  # the colour ramp is drawn


def test_gray_panel_and_overlay_share_the_channels_scale(image, act):
    # Smoothing a 4x4 map up to 8x8 lowers its peak: the gray panel still tops at the
    # channel's maximum, as the jet bar does, so one colour means one value in both.
    peaked = np.zeros((4, 4, 1), np.float32)
    peaked[1, 2, 0] = 1.25
    fig = plot_overlay(image, peaked, 0)
    gray, (bar_gray, bar_jet) = fig.axes[1].images[0], fig.axes[3:]
    assert gray.get_array().max() < 1.25  # the enlarged map's own peak is lower
    assert (gray.norm.vmin, gray.norm.vmax) == pytest.approx((0.0, 1.25))
    assert bar_gray.get_ylim() == pytest.approx((0.0, 1.25))
    assert bar_jet.get_ylim() == pytest.approx((0.0, 1.25))
    assert "both panels: 0 to 1.25, the channel's min to max" in fig.axes[1].texts[0].get_text()


def test_a_coarse_map_is_drawn_as_blocks(act):
    photo = np.zeros((40, 40, 3), np.uint8)  # 10 pixels per cell: coarse
    fig = plot_overlay(photo, act, 0)
    np.testing.assert_array_equal(
        fig.axes[1].images[0].get_array(), cell_blocks(act[..., 0], (40, 40))
    )
    assert fig.axes[1].texts[0].get_text().startswith("4x4 map, one block per cell; ")
    smooth = plot_overlay(photo, act, 0, resample="bilinear")
    np.testing.assert_array_equal(
        smooth.axes[1].images[0].get_array(), imresize(act[..., 0], (40, 40), method="bilinear")
    )


def test_region_is_outlined_on_every_panel(act):
    photo = np.full((40, 40, 3), 128, np.uint8)
    fig = plot_overlay(photo, act, 0, region=(10, 12, 30, 20))
    pixels = rendered(fig)
    for ax in fig.axes[:3]:
        assert is_red_near(pixels, *pixel_of(ax, 19.5, 11.5, pixels))  # top edge
        assert is_red_near(pixels, *pixel_of(ax, 9.5, 15.5, pixels))  # left edge
        assert not is_red_near(pixels, *pixel_of(ax, 19.5, 15.5, pixels))  # inside


def test_overlay_gray_image_into_given_figure(act):
    fig = Figure()
    gray = np.linspace(0, 1, 36).reshape(6, 6)
    assert plot_overlay(gray, act, np.int64(2), fig=fig) is fig
    assert fig.axes[0].images[0].get_cmap().name == "gray"
    assert fig.axes[1].get_title() == "channel 2"
    assert fig.axes[1].images[0].get_array().shape == (6, 6)


def test_a_dollar_in_the_layer_name_is_drawn_as_written(image, act):
    fig = plot_overlay(image, act, 0, layer_name="conv$x^^$")  # bad mathtext if parsed
    rendered(fig)  # drawing must not fail
    assert fig.axes[1].get_title() == "conv$x^^$, channel 0"


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
    with pytest.raises(ValueError, match="`resample` in"):
        plot_overlay(image, act, 0, resample="cubic")
    with pytest.raises(ValueError, match=r"0 <= x0 < x1 <= 8"):
        plot_overlay(image, act, 0, region=(0, 0, 9, 2))
