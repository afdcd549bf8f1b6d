"""plot_top_images(): one row per channel, patches centred on the peak."""

from __future__ import annotations

import numpy as np
import pytest
from _figures import is_red_near, pixel_of, rendered
from matplotlib.patches import Rectangle

from activations import top_images
from activations.plot import plot_top_images


@pytest.fixture
def scanned(small_cnn):
    x = np.random.default_rng(3).random((12, 12, 12, 1), dtype=np.float32)
    return top_images(small_cnn, x, "conv2d_1", k=3, progress=False), x


def test_patches_centred_on_the_peak(scanned):
    top, x = scanned
    fig = plot_top_images(top, x, channels=[4, 1])
    axes = fig.axes
    assert len(axes) == 2 * 3
    assert axes[0].get_ylabel() == "ch 4" and axes[3].get_ylabel() == "ch 1"
    row4 = list(top.channels).index(4)
    assert axes[0].get_xlabel() == f"#{top.indices[row4, 0]}: {top.values[row4, 0]:.3g}"
    size = top.field.size
    pixels = rendered(fig)
    for ax in axes:
        shown = ax.images[0].get_array()
        assert shown.shape == size  # cut patches are padded to the full field
        assert is_red_near(pixels, *pixel_of(ax, (size[1] - 1) / 2, (size[0] - 1) / 2, pixels))
    # the shown patch holds the image pixels of the field's box (padding is masked)
    r, c = top.positions[row4, 0]
    c0, r0, c1, r1 = top.field.patch(int(r), int(c))
    image = x[top.indices[row4, 0], :, :, 0]
    shown = np.ma.filled(axes[0].images[0].get_array(), np.nan)
    rows = slice(max(-r0, 0), size[0] - max(r1 - 12, 0))
    inside = shown[rows, max(-c0, 0) : size[1] - max(c1 - 12, 0)]
    np.testing.assert_allclose(inside, image[max(r0, 0) : r1, max(c0, 0) : c1])


def test_full_images_outline_the_patch(scanned):
    top, x = scanned
    fig = plot_top_images(top, x, channels=0, full=True)
    assert len(fig.axes) == 3
    for ax in fig.axes:
        assert ax.images[0].get_array().shape == (12, 12)
        assert sum(isinstance(p, Rectangle) for p in ax.patches) == 1
    assert "patch outlined" in fig.texts[0].get_text()


def test_dense_layers_show_whole_images(small_cnn):
    x = np.random.default_rng(4).random((5, 12, 12, 1), dtype=np.float32)
    top = top_images(small_cnn, x, "dense", k=2, progress=False)
    fig = plot_top_images(top, x, channels=[0, 7])
    assert len(fig.axes) == 4 and fig.axes[0].images[0].get_array().shape == (12, 12)


def test_uint8_images_and_errors(scanned):
    top, x = scanned
    as_uint8 = (x * 255).astype(np.uint8)[..., 0]
    fig = plot_top_images(top, as_uint8, channels=[2])
    assert np.nanmax(fig.axes[0].images[0].get_array()) <= 255
    with pytest.raises(ValueError, match=r"channels that top_images ranked: \[0, 1, 2"):
        plot_top_images(top, x, channels=[9])
    with pytest.raises(TypeError, match="TopImages"):
        plot_top_images({"indices": []}, x)


def test_images_other_than_the_scanned_ones_are_named():
    import keras

    model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(2, 3, name="c")])
    x = np.random.default_rng(0).random((5, 6, 6, 1), dtype=np.float32)
    top = top_images(model, x, "c", k=2, progress=False)
    with pytest.raises(ValueError, match=r"`images` to be the 5 images top_images\(\) scanned"):
        plot_top_images(top, x[:3])


def test_images_of_another_size_are_named(scanned):
    # Before: as many images of another size were drawn, with the peaks and patches
    # of the scanned ones in the wrong place.
    top, x = scanned
    assert top.image_shape == (12, 12, 1)
    bigger = np.random.default_rng(0).random((12, 16, 16, 1), dtype=np.float32)
    with pytest.raises(ValueError, match=r"size 12x12 .* Received: images\[\d+\] of shape"):
        plot_top_images(top, bigger)
    with pytest.raises(ValueError, match=r"size 12x12"):
        plot_top_images(top, bigger, full=True)
    plot_top_images(top, x[..., 0])  # (N, H, W) grayscale of the same size is fine
