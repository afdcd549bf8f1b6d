"""Tests for activations._arrays.overlay (overlay, map_method, map_to_image)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from activations import imresize, overlay
from activations._arrays.overlay import map_method, map_to_image
from activations._arrays.region import cell_blocks

pytestmark = pytest.mark.core


def test_alpha_zero_gives_the_image() -> None:
    image = np.arange(12, dtype=np.float32).reshape(2, 2, 3) / 11
    out = overlay(image, np.arange(4.0).reshape(2, 2), alpha=0.0)
    assert out.dtype == np.float32
    assert out.shape == (2, 2, 3)
    np.testing.assert_allclose(out, image, atol=1e-7)


def test_alpha_one_gives_the_colour_of_the_normalized_map() -> None:
    out = overlay(np.zeros((2, 2)), np.array([[-5.0, 0.0], [5.0, 15.0]]), alpha=1.0, cmap="gray")
    # mat2gray: 0, 0.25, 0.5, 1 -> the gray colormap's 256-entry table
    expected = np.array([[0.0, 64 / 255], [128 / 255, 1.0]], dtype=np.float32)
    for c in range(3):
        np.testing.assert_allclose(out[..., c], expected, atol=1e-6)


def test_blend_uint8_image_with_jet() -> None:
    image = np.full((1, 2), 255, dtype=np.uint8)
    out = overlay(image, np.array([[0.0, 1.0]]), alpha=0.25)
    jet = matplotlib.colormaps["jet"]
    expected = 0.75 * 1.0 + 0.25 * np.array([jet(0.0)[:3], jet(1.0)[:3]])
    np.testing.assert_allclose(out[0], expected, atol=1e-6)


def test_map_is_resized_to_the_image() -> None:
    out = overlay(np.zeros((8, 6, 3)), np.arange(4.0).reshape(2, 2), alpha=1.0, cmap="gray")
    assert out.shape == (8, 6, 3)
    # bilinear and monotone along both axes: top-left darkest, bottom-right brightest
    assert out[0, 0, 0] == out.min()
    assert out[-1, -1, 0] == out.max()


def test_constant_map_gives_the_lowest_colour() -> None:
    out = overlay(np.ones((2, 2)), np.full((3, 3), 7.0), alpha=1.0, cmap="gray")
    np.testing.assert_array_equal(out, np.zeros((2, 2, 3), dtype=np.float32))


def test_gray_image_with_single_channel_axis() -> None:
    out = overlay(np.full((2, 2, 1), 0.5), np.zeros((2, 2)), alpha=0.0)
    np.testing.assert_allclose(out, np.full((2, 2, 3), 0.5, dtype=np.float32))


def test_bool_image_and_colormap_object() -> None:
    image = np.array([[True, False]])
    out = overlay(image, np.zeros((1, 2)), alpha=0.0, cmap=matplotlib.colormaps["viridis"])
    np.testing.assert_array_equal(out[..., 0], np.array([[1.0, 0.0]], dtype=np.float32))


def test_output_stays_in_unit_range() -> None:
    rng = np.random.default_rng(0)
    out = overlay(rng.random((5, 5, 3)), rng.normal(size=(3, 3)), alpha=0.7)
    assert out.min() >= 0.0
    assert out.max() <= 1.0


def test_inputs_not_modified() -> None:
    image = np.linspace(0, 1, 12, dtype=np.float32).reshape(2, 2, 3)
    heat = np.arange(4.0).reshape(2, 2)
    copies = (image.copy(), heat.copy())
    overlay(image, heat)
    np.testing.assert_array_equal(image, copies[0])
    np.testing.assert_array_equal(heat, copies[1])


@pytest.mark.parametrize("alpha", [-0.1, 1.5])
def test_alpha_out_of_range_raises(alpha: float) -> None:
    with pytest.raises(ValueError, match=r"`alpha` in \[0, 1\]"):
        overlay(np.zeros((2, 2)), np.zeros((2, 2)), alpha=alpha)


@pytest.mark.parametrize("alpha", ["0.5", True, None])
def test_alpha_wrong_type_raises(alpha) -> None:
    with pytest.raises(TypeError, match="`alpha` to be a number"):
        overlay(np.zeros((2, 2)), np.zeros((2, 2)), alpha=alpha)


def test_unknown_cmap_lists_names() -> None:
    with pytest.raises(ValueError, match=r"such as jet, viridis.*Received: cmap='nope'"):
        overlay(np.zeros((2, 2)), np.zeros((2, 2)), cmap="nope")


def test_cmap_wrong_type_raises() -> None:
    with pytest.raises(TypeError, match="`cmap` to be a colormap name"):
        overlay(np.zeros((2, 2)), np.zeros((2, 2)), cmap=3)


def test_float_image_outside_unit_range_raises() -> None:
    with pytest.raises(ValueError, match=r"values in \[0, 1\].*range \[0, 255\]"):
        overlay(np.array([[0.0, 255.0]]), np.zeros((2, 2)))


def test_int_image_raises() -> None:
    with pytest.raises(
        TypeError, match="uint8, float or bool `image`. Received: image.dtype=int64"
    ):
        overlay(np.zeros((2, 2), dtype=np.int64), np.zeros((2, 2)))


@pytest.mark.parametrize("shape", [(4,), (2, 2, 4), (1, 2, 2, 3)])
def test_image_wrong_shape_raises(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"`image` of shape \(H, W\) or \(H, W, 3\)"):
        overlay(np.zeros(shape), np.zeros((2, 2)))


def test_channel_map_wrong_shape_raises() -> None:
    with pytest.raises(ValueError, match=r"`channel_map` of shape \(h, w\)"):
        overlay(np.zeros((2, 2)), np.zeros((2, 2, 3)))


def test_nan_in_channel_map_raises() -> None:
    with pytest.raises(ValueError, match="`channel_map` without NaN"):
        overlay(np.zeros((2, 2)), np.array([[0.0, np.nan]]))


def test_complex_channel_map_raises() -> None:
    with pytest.raises(TypeError, match="channel_map.dtype=complex128"):
        overlay(np.zeros((2, 2)), np.zeros((2, 2), dtype=complex))


def test_nearest_draws_each_cell_as_a_block() -> None:
    out = overlay(np.zeros((4, 4)), np.array([[0.0, 1.0], [2.0, 3.0]]), alpha=1.0,
                  cmap="gray", method="nearest")  # fmt: skip
    levels = np.array([0, 85, 170, 255]) / 255  # mat2gray 0, 1/3, 2/3, 1 on 256 grays
    expected = np.repeat(np.repeat(levels.reshape(2, 2), 2, axis=0), 2, axis=1)
    np.testing.assert_allclose(out[..., 0], expected, atol=1e-6)


def test_map_method_picks_blocks_for_coarse_maps() -> None:
    assert map_method((8, 8), (160, 160)) == "nearest"  # 20 pixels per cell
    assert map_method((21, 21), (160, 160)) == "bilinear"  # 7.6
    assert map_method((20, 20), (160, 160)) == "nearest"  # exactly 8
    assert map_method((3, 100), (160, 160)) == "bilinear"  # coarse along one side only


def test_map_to_image_follows_the_method() -> None:
    channel = np.arange(4.0).reshape(2, 2)
    np.testing.assert_array_equal(
        map_to_image(channel, (4, 4, 3), method="nearest"), cell_blocks(channel, (4, 4))
    )
    np.testing.assert_array_equal(
        map_to_image(channel, (4, 4), method="bilinear"),
        imresize(channel, (4, 4), method="bilinear"),
    )
    np.testing.assert_array_equal(
        map_to_image(channel, (16, 16)), cell_blocks(channel, (16, 16))
    )  # auto: 8 pixels per cell
    with pytest.raises(ValueError, match=r"one of \['auto', 'nearest'.*method='box'"):
        map_to_image(channel, (4, 4), method="box")
    with pytest.raises(TypeError, match="`method` to be a string"):
        overlay(np.zeros((4, 4)), channel, method=1)
