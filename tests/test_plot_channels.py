"""Tests of activations.plot._channels (plot_channels)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from activations import imtile, mat2gray
from activations.plot import plot_channels
from activations.plot._channels import FRAME_COLOR


def _act() -> np.ndarray:
    # channel k holds [[k, k + 3], [k + 6, k + 9]], minus 2: values -2..9
    return np.arange(12, dtype=np.float32).reshape(2, 2, 3) - 2.0


def test_global_image_is_the_tiled_mat2gray():
    act = _act()
    fig = plot_channels(act)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2  # the image and its colour bar
    drawn = fig.axes[0].images[0].get_array()
    expected = imtile(mat2gray(act), frame_axis=-1, grid_size=(2, 2), border_size=1)
    np.testing.assert_array_equal(np.ma.getdata(drawn), expected)
    # 2x2 tiles of 2x2 pixels inside 1-px borders; tile 3 is empty.
    tile_1 = (np.array([[1, 4], [7, 10]]) / 11).astype(np.float32)
    np.testing.assert_array_equal(np.ma.getdata(drawn)[1:3, 5:7], tile_1)
    data_pixels = np.zeros((8, 8), dtype=bool)
    for top, left in [(1, 1), (1, 5), (5, 1)]:
        data_pixels[top : top + 2, left : left + 2] = True
    np.testing.assert_array_equal(np.ma.getmaskarray(drawn), ~data_pixels)
    assert fig.axes[0].images[0].get_clim() == (0.0, 1.0)


def test_channel_normalization_and_its_colorbar_label():
    act = _act() * np.array([1.0, 10.0, -1.0], dtype=np.float32)
    fig = plot_channels(act, normalize="channel")
    drawn = fig.axes[0].images[0].get_array()
    expected = imtile(mat2gray(act, axis=-1), frame_axis=-1, grid_size=(2, 2), border_size=1)
    np.testing.assert_array_equal(np.ma.getdata(drawn), expected)
    assert fig.axes[1].get_ylabel() == "activation, each channel scaled to [0, 1]"
    assert "channel normalization" in fig.axes[0].get_title()


def test_global_colorbar_ticks_are_activation_values():
    fig = plot_channels(_act())  # values -2..9
    colorbar = fig.axes[1]
    labels = [t.get_text() for t in colorbar.get_yticklabels()]
    positions = colorbar.get_yticks()
    assert "0" in labels
    assert positions[labels.index("0")] == pytest.approx(2 / 11)
    assert positions[labels.index("8")] == pytest.approx(10 / 11)
    assert colorbar.get_ylabel() == "activation"


def test_white_is_strong_positive_black_strong_negative_borders_not_gray():
    act = _act()
    image = plot_channels(act).axes[0].images[0]
    rgba = image.to_rgba(image.get_array())
    assert tuple(rgba[6, 2]) == (1.0, 1.0, 1.0, 1.0)  # act max (9): act[1, 1, 2] in tile 2
    assert tuple(rgba[1, 1]) == (0.0, 0.0, 0.0, 1.0)  # act min (-2): act[0, 0, 0] in tile 0
    assert to_rgba(FRAME_COLOR) == pytest.approx(tuple(rgba[0, 0]), abs=1 / 255)
    assert len(set(to_rgba(FRAME_COLOR)[:3])) == 3  # not a gray level


def test_constant_layer_draws_zeros_and_one_tick():
    fig = plot_channels(np.full((3, 3, 4), 2.5))
    drawn = fig.axes[0].images[0].get_array()
    assert not np.isnan(np.ma.getdata(drawn)).any()
    assert np.ma.getdata(drawn)[~np.ma.getmaskarray(drawn)].max() == 0.0
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == ["2.5"]


def test_channel_numbers_in_tile_corners():
    act = np.random.default_rng(0).normal(size=(14, 14, 64))
    ax = plot_channels(act).axes[0]
    assert [t.get_text() for t in ax.texts] == [str(k) for k in range(64)]
    # tile k of the 8x8 grid starts at pixel (16 * (k // 8) + 1, 16 * (k % 8) + 1)
    for k in (0, 9, 63):
        x, y = ax.texts[k].get_position()
        assert x == pytest.approx(16 * (k % 8) + 1 - 0.5 + 0.6)
        assert y == pytest.approx(16 * (k // 8) + 1 - 0.5 + 0.4)
    assert 4.0 <= ax.texts[0].get_fontsize() <= 8.0


def test_no_channel_numbers_when_asked_or_tiles_are_tiny():
    act = np.random.default_rng(0).normal(size=(4, 4, 64))
    assert len(plot_channels(act, label_channels=False).axes[0].texts) == 0
    tiny = np.random.default_rng(0).normal(size=(2, 2, 400))
    assert len(plot_channels(tiny).axes[0].texts) == 0


@pytest.mark.parametrize(
    ("n_channels", "grid", "shape"),
    [(32, (4, 8), (4 * 4, 8 * 4)), (64, (8, 8), (8 * 4, 8 * 4)), (7, (3, 3), (3 * 4, 3 * 4))],
)
def test_default_grid_is_near_square(n_channels, grid, shape):
    act = np.random.default_rng(0).normal(size=(2, 2, n_channels))
    drawn = plot_channels(act).axes[0].images[0].get_array()
    assert drawn.shape == shape
    expected = imtile(mat2gray(act), frame_axis=-1, grid_size=grid, border_size=1)
    np.testing.assert_array_equal(np.ma.getdata(drawn), expected)


def test_grid_size_and_titles():
    fig = plot_channels(_act(), grid_size=(1, 3), title="conv1")
    assert fig.axes[0].images[0].get_array().shape == (4, 12)
    assert fig.axes[0].get_title() == "conv1"
    assert "3 channels" in plot_channels(_act()).axes[0].get_title()
    assert plot_channels(_act(), title="").axes[0].get_title() == ""


def test_draws_into_a_given_axes_and_leaves_input_alone():
    fig = Figure()
    sub = fig.subfigures(1, 2)[1]
    ax = sub.add_subplot()
    act = _act()
    before = act.copy()
    assert plot_channels(act, ax=ax) is fig
    assert len(ax.images) == 1
    np.testing.assert_array_equal(act, before)


def test_errors():
    with pytest.raises(ValueError, match=r"Expected `act` of shape \(H, W, C\).*act\[0\].*"
                       r"Received: act.shape=\(1, 2, 2, 3\)"):  # fmt: skip
        plot_channels(_act()[None])
    with pytest.raises(ValueError, match=r"Received: act.shape=\(4, 3\)"):
        plot_channels(np.zeros((4, 3)))
    with pytest.raises(TypeError, match="real-valued.*act.dtype=complex128"):
        plot_channels(np.zeros((2, 2, 2), dtype=complex))
    with pytest.raises(ValueError, match=r"one of \['global', 'channel'\].*normalize='layer'"):
        plot_channels(_act(), normalize="layer")
    with pytest.raises(ValueError, match="room for all 3 frames"):
        plot_channels(_act(), grid_size=(1, 2))
    with pytest.raises(TypeError, match="Expected `ax` to be a matplotlib Axes"):
        plot_channels(_act(), ax=Figure())
    with pytest.raises(ValueError, match="Unknown colormap.*cmap='grey_ish'"):
        plot_channels(_act(), cmap="grey_ish")


def test_given_limits_put_two_layers_on_one_scale():
    act = _act()  # -2..9
    relu = np.maximum(act, 0)
    figs = [plot_channels(a, vmin=-2.0, vmax=9.0) for a in (act, relu)]
    for fig, a in zip(figs, (act, relu), strict=True):
        drawn = np.ma.getdata(fig.axes[0].images[0].get_array())
        expected = imtile(mat2gray(a, (-2.0, 9.0)), frame_axis=-1, grid_size=(2, 2), border_size=1)
        np.testing.assert_array_equal(drawn, expected)
        labels = [t.get_text() for t in fig.axes[1].get_yticklabels()]
        assert fig.axes[1].get_yticks()[labels.index("0")] == pytest.approx(2 / 11)
    # Without the limits the ReLU layer gets its own scale, black = 0.
    own = np.ma.getdata(plot_channels(relu).axes[0].images[0].get_array())
    assert own[1, 1] == 0.0  # relu channel 0 at (0, 0) is 0: black on its own scale
    shared = np.ma.getdata(figs[1].axes[0].images[0].get_array())
    assert shared[1, 1] == pytest.approx(2 / 11)  # 0 is a dark gray on the shared one


def test_limits_errors_and_plain_text_titles():
    with pytest.raises(ValueError, match='do not go with normalize="channel"'):
        plot_channels(_act(), normalize="channel", vmin=0.0)
    with pytest.raises(ValueError, match="`vmin` < `vmax`. Received: vmin=1.0, vmax=1.0"):
        plot_channels(_act(), vmin=1.0, vmax=1.0)
    fig = plot_channels(_act(), title="conv$^^$: 3 channels")
    fig.savefig(io.BytesIO(), format="png")  # mathtext would fail to parse it
    assert fig.axes[0].get_title() == "conv$^^$: 3 channels"
