"""Tests for activations._resize (imresize)."""

from __future__ import annotations

import numpy as np
import pytest

from activations import imresize

pytestmark = pytest.mark.core


def test_bilinear_double_matches_matlab() -> None:
    # MATLAB: imresize([0 1; 2 3], 2, "bilinear")
    expected = np.array(
        [
            [0.0, 0.25, 0.75, 1.0],
            [0.5, 0.75, 1.25, 1.5],
            [1.5, 1.75, 2.25, 2.5],
            [2.0, 2.25, 2.75, 3.0],
        ],
        dtype=np.float32,
    )
    out = imresize(np.arange(4, dtype=np.float32).reshape(2, 2), 2)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_nearest_keeps_dtype_and_repeats() -> None:
    x = np.arange(4, dtype=np.uint8).reshape(2, 2)
    out = imresize(x, (4, 4), method="nearest")
    expected = np.array([[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]], dtype=np.uint8)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.uint8


def test_nearest_shrink_has_no_antialiasing() -> None:
    x = np.arange(16.0).reshape(4, 4)
    out = imresize(x, 0.5, method="nearest")
    assert set(out.ravel()) <= set(x.ravel())  # only copies of input values


def test_scale_output_size_is_ceil() -> None:
    assert imresize(np.zeros((7, 5)), 0.5).shape == (4, 3)
    assert imresize(np.zeros((30, 30)), 0.1).shape == (3, 3)
    assert imresize(np.zeros((3, 3)), 1.5).shape == (5, 5)


@pytest.mark.parametrize(
    ("size", "shape"),
    [((6, None), (6, 8)), ((None, 2), (2, 2)), ((np.nan, 6), (5, 6)), ((5, float("nan")), (5, 7))],
)
def test_none_or_nan_keeps_aspect_ratio(size, shape: tuple[int, int]) -> None:
    assert imresize(np.zeros((3, 4)), size).shape == shape


def test_stack_resizes_each_channel() -> None:
    x = np.stack([np.zeros((2, 2)), np.ones((2, 2)) * 5], axis=-1).astype(np.float32)
    out = imresize(x, (3, 5))
    assert out.shape == (3, 5, 2)
    np.testing.assert_array_equal(out[..., 0], 0.0)
    np.testing.assert_allclose(out[..., 1], 5.0)


def test_bicubic_never_overshoots_input_range() -> None:
    x = np.zeros((6, 6), dtype=np.float32)
    x[2:4, 2:4] = 1.0
    out = imresize(x, (17, 17), method="bicubic")
    assert out.min() >= 0.0
    assert out.max() <= 1.0


def test_shrink_is_antialiased_for_bilinear() -> None:
    x = np.tile(np.array([0.0, 1.0], dtype=np.float32), (8, 4))  # stripes at Nyquist
    out = imresize(x, (4, 4))
    # without anti-aliasing the stripes would alias to a constant 0 or 1 pattern
    assert np.all((out > 0.2) & (out < 0.8))


def test_range_preserved_not_rescaled() -> None:
    x = np.array([[100.0, 200.0], [300.0, 400.0]])
    out = imresize(x, (3, 3))
    assert out.dtype == np.float64
    assert out.min() >= 100.0
    assert out.max() <= 400.0


def test_integer_input_gives_float32_for_bilinear() -> None:
    out = imresize(np.array([[0, 10]], dtype=np.int64), (1, 4))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, np.array([[0.0, 2.5, 7.5, 10.0]], dtype=np.float32))


def test_bool_input_gives_float32_for_bilinear() -> None:
    out = imresize(np.array([[True, False]]), (1, 4))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, np.array([[1.0, 0.75, 0.25, 0.0]], dtype=np.float32))


def test_same_size_is_identity() -> None:
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(imresize(x, (2, 3)), x)


def test_input_not_modified() -> None:
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    copy = x.copy()
    imresize(x, 0.5, method="bicubic")
    np.testing.assert_array_equal(x, copy)


def test_unknown_method_lists_choices() -> None:
    with pytest.raises(ValueError, match=r"\['bicubic', 'bilinear', 'nearest'\].*'lanczos'"):
        imresize(np.zeros((2, 2)), 2, method="lanczos")


def test_method_wrong_type_raises() -> None:
    with pytest.raises(TypeError, match="`method` to be a string"):
        imresize(np.zeros((2, 2)), 2, method=1)


@pytest.mark.parametrize("shape", [(4,), (2, 2, 2, 2)])
def test_wrong_rank_raises(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"\(H, W\) or \(H, W, C\)"):
        imresize(np.zeros(shape), 2)


def test_complex_input_raises() -> None:
    with pytest.raises(TypeError, match="real-valued"):
        imresize(np.zeros((2, 2), dtype=complex), 2)


def test_nan_input_raises() -> None:
    with pytest.raises(ValueError, match="NaN"):
        imresize(np.array([[0.0, np.nan]]), 2)


@pytest.mark.parametrize(
    ("size", "error", "match"),
    [
        (True, TypeError, "scale factor or"),
        ("2", TypeError, "scale factor or"),
        (0, ValueError, "positive, finite scale"),
        (-1.5, ValueError, "positive, finite scale"),
        (float("inf"), ValueError, "positive, finite scale"),
        ((1, 2, 3), ValueError, r"\(rows, cols\)"),
        ((None, None), ValueError, "at most one None/NaN"),
        ((0, 3), ValueError, "positive integers or None"),
        ((2.5, 3), ValueError, "positive integers or None"),
        ((True, 3), ValueError, "positive integers or None"),
    ],
)
def test_bad_size_raises(size, error, match: str) -> None:
    with pytest.raises(error, match=match):
        imresize(np.zeros((2, 2)), size)
