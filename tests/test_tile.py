"""Tests for activations._arrays.tile (imtile)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from activations import imtile, mat2gray
from activations._arrays.tile import grid_shape

pytestmark = pytest.mark.core


def test_default_grid_is_near_square_row_by_row() -> None:
    frames = np.arange(12).reshape(3, 2, 2)
    expected = np.array(
        [
            [0, 1, 4, 5],
            [2, 3, 6, 7],
            [8, 9, 0, 0],
            [10, 11, 0, 0],
        ]
    )
    out = imtile(frames)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == frames.dtype


@pytest.mark.parametrize(
    ("k", "shape"),
    [(1, (1, 1)), (2, (1, 2)), (3, (2, 2)), (5, (2, 3)), (7, (3, 3)), (10, (3, 4)), (64, (8, 8))],
)
def test_default_grid_shapes(k: int, shape: tuple[int, int]) -> None:
    out = imtile(np.zeros((k, 1, 1)))
    assert out.shape == shape


@pytest.mark.parametrize(("k", "shape"), [(1, (3, 3)), (5, (6, 9)), (10, (9, 12)), (16, (12, 12))])
def test_default_grid_for_square_frames_is_ceil_sqrt(k: int, shape: tuple[int, int]) -> None:
    # square frames: cols = ceil(sqrt(K)), rows = ceil(K / cols), as before
    assert imtile(np.zeros((k, 3, 3))).shape == shape


def test_default_grid_of_wide_frames_is_square_in_pixels() -> None:
    # 16 frames of 2 x 8: cols = ceil(sqrt(16 * 2 / 8)) = 2, rows = 8 -> 16 x 16 pixels
    frames = np.arange(16).reshape(16, 1, 1) * np.ones((1, 2, 8), dtype=np.int64)
    out = imtile(frames)
    assert out.shape == (16, 16)
    expected = np.repeat(np.repeat(np.arange(16).reshape(8, 2), 2, axis=0), 8, axis=1)
    np.testing.assert_array_equal(out, expected)  # row by row: frame k at (k // 2, k % 2)


@pytest.mark.parametrize(
    ("k", "frame_hw", "shape"),
    [
        (16, (8, 2), (16, 16)),  # cols = ceil(sqrt(64)) = 8, rows = 2
        (4, (4, 1), (4, 4)),  # cols = 4, one row
        (3, (8, 2), (8, 6)),  # sqrt(12) -> 4 columns, capped at the 3 frames
        (6, (3, 1), (6, 5)),  # cols = ceil(sqrt(18)) = 5, rows = 2
    ],
)
def test_default_grid_of_tall_frames(
    k: int, frame_hw: tuple[int, int], shape: tuple[int, int]
) -> None:
    assert imtile(np.zeros((k, *frame_hw))).shape == shape


def test_default_grid_counts_borders() -> None:
    # cells of 2 x 8 frames with a 1-px border are 4 x 10: cols = ceil(sqrt(6.4)) = 3
    out = imtile(np.zeros((16, 2, 8)), border_size=1)
    assert out.shape == (6 * 4, 3 * 10)


def test_default_grid_uses_the_largest_frame() -> None:
    # cells are 1 x 4 (the largest frame): cols = ceil(sqrt(4 / 4)) = 1
    out = imtile([np.ones((1, 4)), np.ones((1, 1)), np.ones((1, 2)), np.ones((1, 3))])
    np.testing.assert_array_equal(out.sum(axis=1), [4, 1, 2, 3])


def test_grid_size_with_none_columns() -> None:
    out = imtile(np.arange(5).reshape(5, 1, 1), grid_size=(2, None))
    np.testing.assert_array_equal(out, np.array([[0, 1, 2], [3, 4, 0]]))


def test_grid_size_with_none_rows() -> None:
    out = imtile(np.arange(5).reshape(5, 1, 1), grid_size=(None, 2))
    np.testing.assert_array_equal(out, np.array([[0, 1], [2, 3], [4, 0]]))


def test_grid_size_larger_than_needed_uses_background() -> None:
    out = imtile(np.arange(1, 3).reshape(2, 1, 1), grid_size=(2, 2), background_color=9)
    np.testing.assert_array_equal(out, np.array([[1, 2], [9, 9]]))


def test_grid_size_int_means_square() -> None:
    out = imtile(np.arange(1, 3).reshape(2, 1, 1), grid_size=2)
    np.testing.assert_array_equal(out, np.array([[1, 2], [0, 0]]))


def test_channels_of_activation_with_frame_axis_minus_one() -> None:
    act = np.arange(16, dtype=np.float32).reshape(2, 2, 4)  # (H, W, C)
    out = imtile(act, frame_axis=-1, grid_size=(1, 4))
    expected = np.array(
        [[0, 4, 1, 5, 2, 6, 3, 7], [8, 12, 9, 13, 10, 14, 11, 15]], dtype=np.float32
    )
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.float32


def test_mat2gray_then_imtile_workflow() -> None:
    act = np.arange(8, dtype=np.float32).reshape(2, 2, 2)
    out = imtile(mat2gray(act), frame_axis=-1, grid_size=(2, 1))
    expected = np.array([[0, 2], [4, 6], [1, 3], [5, 7]]) / 7
    # mat2gray rounds k / 7 to float32 (half an ulp of values <= 1); imtile only copies
    np.testing.assert_allclose(out, expected, rtol=0, atol=float(np.finfo(np.float32).eps))


def test_border_pads_around_each_frame() -> None:
    frames = np.arange(1, 3).reshape(2, 1, 1)
    out = imtile(frames, border_size=1, background_color=0)
    expected = np.array(
        [
            [0, 0, 0, 0, 0, 0],
            [0, 1, 0, 0, 2, 0],
            [0, 0, 0, 0, 0, 0],
        ]
    )
    np.testing.assert_array_equal(out, expected)


def test_border_rows_cols_pair() -> None:
    out = imtile(np.array([[[7]]]), border_size=(1, 2), background_color=0)
    expected = np.array([[0, 0, 0, 0, 0], [0, 0, 7, 0, 0], [0, 0, 0, 0, 0]])
    np.testing.assert_array_equal(out, expected)


def test_rgb_frames() -> None:
    frames = np.arange(2 * 1 * 1 * 3, dtype=np.uint8).reshape(2, 1, 1, 3)  # (K, H, W, 3)
    out = imtile(frames)
    np.testing.assert_array_equal(out, np.array([[[0, 1, 2], [3, 4, 5]]], dtype=np.uint8))
    assert out.dtype == np.uint8


def test_rgb_background_promotes_gray_to_rgb() -> None:
    frames = np.array([[[0.5]], [[0.25]], [[1.0]]])
    out = imtile(frames, background_color=(1.0, 0.0, 0.0))
    expected = np.array(
        [
            [[0.5, 0.5, 0.5], [0.25, 0.25, 0.25]],
            [[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]],
        ]
    )
    np.testing.assert_array_equal(out, expected)


def test_mixed_gray_and_rgb_list_promotes_to_rgb() -> None:
    gray = np.array([[3]], dtype=np.uint8)
    rgb = np.array([[[1, 2, 3]]], dtype=np.uint8)
    out = imtile([gray, rgb])
    np.testing.assert_array_equal(out, np.array([[[3, 3, 3], [1, 2, 3]]], dtype=np.uint8))


def test_single_channel_frames_are_gray() -> None:
    out = imtile(np.arange(2).reshape(2, 1, 1, 1))
    np.testing.assert_array_equal(out, np.array([[0, 1]]))


def test_frames_of_different_sizes_go_top_left() -> None:
    big = np.arange(1, 5).reshape(2, 2)
    small = np.array([[9]])
    out = imtile([big, small], background_color=0)
    expected = np.array([[1, 2, 9, 0], [3, 4, 0, 0]])
    np.testing.assert_array_equal(out, expected)


def test_none_in_list_is_a_blank_tile() -> None:
    out = imtile([np.array([[1]]), None, np.array([[3]])], grid_size=(1, 3), background_color=5)
    np.testing.assert_array_equal(out, np.array([[1, 5, 3]]))


def test_thumbnail_size_resizes_every_frame() -> None:
    frames = [np.array([[1.0, 2.0], [3.0, 4.0]]), np.full((4, 4), 7.0)]
    out = imtile(frames, thumbnail_size=(1, 1))
    # bilinear shrink to one pixel: the mean of the 2 x 2 frame (MATLAB's widened
    # triangle weighs both rows and both columns 1/2); a constant frame stays
    # constant. Float64 weights that sum to 1 up to rounding: a few ulps of 7.
    np.testing.assert_allclose(out, [[2.5, 7.0]], rtol=0, atol=4 * np.finfo(float).eps * 7)


def test_thumbnail_size_enlarges_with_nearest_for_bool() -> None:
    out = imtile([np.array([[True, False]])], thumbnail_size=(2, 4))
    expected = np.array([[True, True, False, False], [True, True, False, False]])
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.bool_


def test_thumbnail_size_keeps_integer_dtype() -> None:
    out = imtile([np.array([[0, 100]], dtype=np.uint8)], thumbnail_size=(1, 4))
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, np.array([[0, 25, 75, 100]], dtype=np.uint8))


def test_float64_stays_float64() -> None:
    assert imtile(np.zeros((2, 2, 2))).dtype == np.float64


def test_input_not_modified() -> None:
    frames = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    copy = frames.copy()
    imtile(frames, border_size=2, background_color=-1.0, frame_axis=-1, thumbnail_size=(2, 2))
    np.testing.assert_array_equal(frames, copy)


def test_grid_choice_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="activations._arrays.tile"):
        imtile(np.zeros((5, 1, 1)))
    assert "5 frames on a 2 x 3 grid" in caplog.text


def test_grid_too_small_raises() -> None:
    with pytest.raises(
        ValueError, match=r"room for all 5 frames.*frames\[:4\].*grid_size=\(2, 2\)"
    ):
        imtile(np.zeros((5, 1, 1)), grid_size=(2, 2))


@pytest.mark.parametrize(
    ("grid_size", "error", "match"),
    [
        ("ab", TypeError, "`grid_size` to be an int or a pair"),
        ((1, 2, 3), ValueError, "`grid_size` to be a pair"),
        ((0, 2), ValueError, "integers >= 1 or None"),
        ((1.5, 2), ValueError, "integers >= 1 or None"),
    ],
)
def test_bad_grid_size_raises(grid_size, error, match: str) -> None:
    with pytest.raises(error, match=match):
        imtile(np.zeros((2, 1, 1)), grid_size=grid_size)


@pytest.mark.parametrize(
    ("border", "error", "match"),
    [
        (-1, ValueError, "integers >= 0. Received: border_size=-1"),
        ((1, None), ValueError, "integers >= 0"),
        (1.0, TypeError, "`border_size` to be an int or a pair"),
    ],
)
def test_bad_border_raises(border, error, match: str) -> None:
    with pytest.raises(error, match=match):
        imtile(np.zeros((2, 1, 1)), border_size=border)


def test_bad_thumbnail_size_raises() -> None:
    with pytest.raises(ValueError, match="`thumbnail_size` entries to be integers >= 1"):
        imtile(np.zeros((2, 1, 1)), thumbnail_size=(0, 3))


@pytest.mark.parametrize(
    ("color", "error", "match"),
    [
        ("red", TypeError, "number or an RGB triple"),
        ((1, 2), ValueError, "number or an RGB triple"),
        ([[1, 2, 3]], TypeError, "number or an RGB triple"),
        (0.5, ValueError, "representable in the frames' dtype uint8"),
        (300, ValueError, "representable in the frames' dtype uint8"),
    ],
)
def test_bad_background_raises(color, error, match: str) -> None:
    with pytest.raises(error, match=match):
        imtile(np.zeros((2, 1, 1), dtype=np.uint8), background_color=color)


@pytest.mark.parametrize("shape", [(4, 4), (2, 2, 2, 2, 2)])
def test_array_of_wrong_rank_raises(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="3 or 4 dimensions"):
        imtile(np.zeros(shape))


def test_frames_with_many_channels_raise() -> None:
    with pytest.raises(ValueError, match=r"pass frame_axis=-1.*frame 0 shape=\(2, 2, 5\)"):
        imtile(np.zeros((3, 2, 2, 5)))


def test_empty_list_raises() -> None:
    with pytest.raises(ValueError, match="at least one frame"):
        imtile([])


def test_all_none_raises() -> None:
    with pytest.raises(ValueError, match="at least one frame"):
        imtile([None, None])


def test_empty_frame_raises() -> None:
    with pytest.raises(ValueError, match=r"frame 0 shape=\(0, 2\)"):
        imtile([np.zeros((0, 2))])


def test_complex_frames_raise() -> None:
    with pytest.raises(TypeError, match="real-valued frames. Received: frame 1"):
        imtile([np.zeros((1, 1)), np.zeros((1, 1), dtype=complex)])


@pytest.mark.parametrize(("axis", "error"), [(3, ValueError), (-4, ValueError), (0.0, TypeError)])
def test_bad_frame_axis_raises(axis, error) -> None:
    with pytest.raises(error, match="`frame_axis`"):
        imtile(np.zeros((2, 2, 2)), frame_axis=axis)


@pytest.mark.parametrize(
    ("n", "grid"),
    [(1, (1, 1)), (2, (1, 2)), (3, (2, 2)), (7, (3, 3)), (12, (3, 4)), (32, (4, 8)),
     (48, (6, 8)), (64, (8, 8)), (96, (8, 12)), (128, (8, 16)), (13, (4, 4))],
)  # fmt: skip
def test_grid_shape_of_the_plots_prefers_an_exact_split(n, grid):
    assert grid_shape(n, exact_split=True) == grid


def test_grid_shape_of_the_plots_follows_the_cell_shape():
    assert grid_shape(16, (2, 8), exact_split=True) == (8, 2)  # 16x16 pixels
    assert grid_shape(32, (28, 28), exact_split=True) == (4, 8)
