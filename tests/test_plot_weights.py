"""Tests of activations.plot._weights (plot_kernels, plot_weight_histogram)."""

from __future__ import annotations

import numpy as np
import pytest
from _figures import pixel_of, rendered
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure

from activations.plot import plot_kernels, plot_weight_histogram


def _kernel(cin: int = 1, filters: int = 4) -> np.ndarray:
    size = 3 * 3 * cin * filters
    return (np.arange(size, dtype=np.float32).reshape(3, 3, cin, filters) / size) - 0.5


# ---- plot_kernels --------------------------------------------------------------------


def test_kernels_one_tile_per_filter_on_a_symmetric_range_that_holds_them():
    kernel = _kernel() * 4  # -2 .. 1.86
    fig = plot_kernels(kernel, grid_size=(1, 4))
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 5  # 4 filters + colour bar
    for k, ax in enumerate(fig.axes[:4]):
        np.testing.assert_array_equal(ax.images[0].get_array(), kernel[:, :, 0, k])
        assert ax.images[0].get_clim() == (-2.0, 2.0)
        assert ax.get_title() == str(k)
    assert fig.axes[4].get_ylim() == (-2.0, 2.0)
    assert fig.axes[4].get_ylabel() == "weight"  # nothing clipped, nothing said
    assert "kernel 3x3x1x4" in fig.get_suptitle()


def test_a_fixed_range_marks_clipped_weights():
    kernel = _kernel() * 2  # -1 .. 0.93: beyond -0.5..0.5
    fig = plot_kernels(kernel, grid_size=(1, 4), vmin=-0.5, vmax=0.5)
    below, above = int((kernel < -0.5).sum()), int((kernel > 0.5).sum())
    assert below > 0 and above > 0
    label = fig.axes[4].get_ylabel()
    assert label == f"weight\n{below} < -0.5 and {above} > 0.5 of 36 clipped (blue, red)"
    assert fig.axes[0].images[0].get_clim() == (-0.5, 0.5)
    pixels = rendered(fig)
    ax = fig.axes[3]  # filter 3 holds the largest weights
    row, col = np.unravel_index(np.argmax(kernel[:, :, 0, 3]), (3, 3))
    r, c = pixel_of(ax, col, row, pixels)
    assert tuple(pixels[r, c]) == (0xD0, 0x20, 0x20)  # OVER_COLOR, not white
    ax = fig.axes[0]
    row, col = np.unravel_index(np.argmin(kernel[:, :, 0, 0]), (3, 3))
    assert tuple(pixels[pixel_of(ax, col, row, pixels)]) == (0x20, 0x60, 0xD0)  # UNDER_COLOR


def test_one_limit_mirrors_the_other():
    fig = plot_kernels(_kernel(), grid_size=(1, 4), vmax=1.0)
    assert fig.axes[0].images[0].get_clim() == (-1.0, 1.0)


def test_kernels_default_grid_is_2x16_with_blank_spare_cells():
    kernel = np.random.default_rng(0).normal(scale=0.27, size=(3, 3, 1, 30))
    fig = plot_kernels(kernel, vmin=-1.0, vmax=1.0, title="trained")
    assert len(fig.axes) == 33  # 2 x 16 cells + colour bar
    assert [len(ax.images) for ax in fig.axes[:32]] == [1] * 30 + [0, 0]
    assert fig.axes[0].images[0].get_clim() == (-1.0, 1.0)
    assert fig.get_suptitle() == "trained"
    assert {ax.get_subplotspec().get_geometry()[:2] for ax in fig.axes[:32]} == {(2, 16)}


def test_kernels_near_square_grid_when_none():
    fig = plot_kernels(_kernel(filters=6), grid_size=None)
    assert len(fig.axes) == 7
    assert fig.axes[0].get_subplotspec().get_geometry()[:2] == (2, 3)


def test_kernels_rgb_are_mapped_from_the_range_with_one_colour_bar_per_component():
    kernel = _kernel(cin=3, filters=2) * 2  # -1..1, beyond vmin..vmax
    fig = plot_kernels(kernel, grid_size=(1, 2), vmin=-0.5, vmax=0.5)
    expected = np.clip((kernel[..., 1] + 0.5) / 1.0, 0.0, 1.0)
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), expected, rtol=0, atol=1e-7)
    bars = fig.axes[2:]
    assert len(bars) == 3
    clipped = int((np.abs(kernel) > 0.5).sum())
    below, above = int((kernel < -0.5).sum()), int((kernel > 0.5).sum())
    assert below + above == clipped
    expected = f"B weight\n{below} < -0.5 and {above} > 0.5 of 54 clipped"
    assert [bar.get_ylabel() for bar in bars] == [expected, "G", "R"]  # added B, G, R
    ramps = [c for bar in bars for c in bar.collections if isinstance(c, QuadMesh)]
    tops = [tuple(np.round(ramp.cmap(1.0)[:3], 3)) for ramp in ramps]
    assert tops == [(0.0, 0.0, 1.0), (0.0, 0.502, 0.0), (1.0, 0.0, 0.0)]  # not gray
    rendered(fig)  # lays the figure out
    lefts = [bar.get_position().x0 for bar in bars]
    assert lefts[2] < lefts[1] < lefts[0]  # R, G, B from left to right
    default = plot_kernels(_kernel(cin=3, filters=2), grid_size=(1, 2))
    assert default.axes[2].get_ylim() == pytest.approx((-0.5, 0.5))


def test_kernels_many_input_channels_are_averaged():
    kernel = _kernel(cin=2, filters=2)
    fig = plot_kernels(kernel, grid_size=(1, 2))
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), kernel[:, :, :, 0].mean(axis=-1))


def test_kernels_into_a_given_subfigure():
    fig = Figure()
    sub = fig.subfigures(1, 2)[0]
    assert plot_kernels(_kernel(), grid_size=(2, 2), fig=sub) is fig
    assert len(sub.axes) == 5


def test_kernels_errors():
    with pytest.raises(ValueError, match=r"\(KH, KW, Cin, F\).*kernel.shape=\(3, 3, 4\)"):
        plot_kernels(np.zeros((3, 3, 4)))
    with pytest.raises(TypeError, match="kernel.dtype=<U1"):
        plot_kernels(np.full((3, 3, 1, 2), "a"))
    with pytest.raises(ValueError, match="`vmin` < `vmax`.*vmin=0.5, vmax=0.5"):
        plot_kernels(_kernel(), vmin=0.5, vmax=0.5)
    with pytest.raises(ValueError, match=r"all 4 filters.*1x3 holds 3.*grid_size=\(1, 3\)"):
        plot_kernels(_kernel(), grid_size=(1, 3))
    with pytest.raises(ValueError, match=r"two positive ints.*grid_size=\(0, 4\)"):
        plot_kernels(_kernel(), grid_size=(0, 4))
    with pytest.raises(ValueError, match="grid_size=4"):
        plot_kernels(_kernel(), grid_size=4)
    with pytest.raises(TypeError, match="Expected `fig` to be a matplotlib Figure"):
        plot_kernels(_kernel(), fig="figure")


@pytest.mark.parametrize(
    "shape",
    [
        (30, 1, 5, 5),  # the tutorials' first layer: 30 filters of 1 channel, 5x5
        (16, 3, 3, 3),  # 16 RGB filters, 3x3
        (4, 1, 5, 5),  # fewer filters than the window is wide
        (64, 32, 3, 3),  # a deeper layer
        (8, 16, 11, 11),  # the largest window detected
    ],
)
def test_kernels_refuse_channels_first_and_show_the_transpose(shape):
    fn, c, fh, fw = shape
    with pytest.raises(ValueError, match="looks channels-first") as caught:
        plot_kernels(np.zeros(shape))
    message = str(caught.value)
    assert f"(FN, C, FH, FW) = {shape}: {fn} filters of {c} channel(s), {fh}x{fw} each" in message
    assert f"np.transpose(kernel, (2, 3, 1, 0)), of shape ({fh}, {fw}, {c}, {fn})" in message
    assert message.endswith(f"Received: kernel.shape={shape}")
    fixed = plot_kernels(np.transpose(np.zeros(shape), (2, 3, 1, 0)), grid_size=None)
    tiles = [ax for ax in fixed.axes if ax.images and ax.get_title().isdigit()]
    assert len(tiles) == fn and tiles[0].images[0].get_array().shape[:2] == (fh, fw)


@pytest.mark.parametrize(
    "shape",
    [
        (5, 5, 1, 30),  # Keras' layout of the tutorials' kernel
        (3, 3, 5, 5),  # square window: ambiguous, read as Keras'
        (1, 1, 8, 8),  # a 1x1 conv
        (1, 7, 64, 64),  # a factorized window with many channels
        (7, 1, 12, 12),  # Cin == F above 11
        (3, 1, 4, 6),  # a non-square window with Cin != F
    ],
)
def test_kernels_accept_keras_layouts(shape):
    fig = plot_kernels(np.zeros(shape), grid_size=None)
    assert fig.axes[0].images[0].get_array().shape == shape[:2]


# ---- plot_weight_histogram ---------------------------------------------------------


def test_histogram_shared_bins_and_legend_statistics():
    rng = np.random.default_rng(0)
    trained = rng.normal(-0.04, 0.27, size=(3, 3, 1, 32))
    untrained = rng.uniform(-0.15, 0.15, size=(3, 3, 1, 32))
    fig = plot_weight_histogram(trained, compare=untrained, bins=20)
    ax = fig.axes[0]
    assert len(fig.axes) == 1
    edges = np.histogram_bin_edges(np.concatenate([trained.ravel(), untrained.ravel()]), bins=20)
    for container, values in zip(ax.containers, (trained, untrained), strict=True):
        lefts = [patch.get_x() for patch in container.patches]
        np.testing.assert_allclose(lefts, edges[:-1])
        heights = [patch.get_height() for patch in container.patches]
        np.testing.assert_array_equal(heights, np.histogram(values, bins=edges)[0])
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == [
        f"trained (mean {np.mean(trained):.3f}, std {np.std(trained):.3f})",
        f"untrained (mean {np.mean(untrained):.3f}, std {np.std(untrained):.3f})",
    ]
    assert ax.get_xlabel() == "weight value"


def test_histogram_single_array_on_a_given_axes():
    fig = Figure()
    ax = fig.add_subplot()
    weights = np.arange(10.0)
    assert plot_weight_histogram(weights, captions=("conv1",), bins=5, ax=ax) is fig
    assert len(ax.containers) == 1
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["conv1 (mean 4.500, std 2.872)"]


def test_histogram_errors():
    with pytest.raises(ValueError, match="finite `weights`.*1 NaN or inf"):
        plot_weight_histogram(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="non-empty `compare`"):
        plot_weight_histogram(np.ones(3), compare=np.array([]))
    with pytest.raises(ValueError, match=r"one caption per array \(2\).*captions=\('a',\)"):
        plot_weight_histogram(np.ones(3), compare=np.ones(3), captions=("a",))
    with pytest.raises(TypeError, match="pair of str.*captions='ab'"):
        plot_weight_histogram(np.ones(3), captions="ab")
    with pytest.raises(TypeError, match="weights.dtype=<U1"):
        plot_weight_histogram(np.array(["a"]))
