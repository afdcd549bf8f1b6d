"""Tests for activations._arrays.normalize (mat2gray)."""

from __future__ import annotations

import numpy as np
import pytest

from activations import mat2gray

pytestmark = pytest.mark.core

# Results are float32 in [0, 1] computed in float64: off by at most half a float32
# ulp (< eps32) from the exact value. Exact equality is kept where every value is
# exactly representable (0, 0.25, 0.5, ...).
ATOL32 = float(np.finfo(np.float32).eps)


def test_global_min_max_on_arange() -> None:
    out = mat2gray(np.arange(6).reshape(2, 3))
    expected = np.array([[0.0, 0.2, 0.4], [0.6, 0.8, 1.0]])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=0, atol=ATOL32)


def test_negative_values_map_min_to_zero() -> None:
    out = mat2gray(np.array([-2.0, 0.0, 2.0]))
    np.testing.assert_array_equal(out, np.array([0.0, 0.5, 1.0], dtype=np.float32))


def test_limits_clip_outside_values() -> None:
    out = mat2gray(np.arange(6), limits=(1, 4))
    expected = np.array([0.0, 0.0, 1 / 3, 2 / 3, 1.0, 1.0], dtype=np.float32)
    np.testing.assert_allclose(out, expected, rtol=0, atol=ATOL32)


def test_limits_with_equal_bounds_is_a_step() -> None:
    out = mat2gray(np.arange(5), limits=(2, 2))
    np.testing.assert_array_equal(out, np.array([0, 0, 1, 1, 1], dtype=np.float32))


def test_equal_limits_differ_from_matlab_on_purpose() -> None:
    # MATLAB: mat2gray([-2 0 0.5 0.9 5], [2 2]) clips the raw values to [0, 1],
    # giving [0 0 0.5 0.9 1] whatever the limits; here it is a step at 2.
    out = mat2gray(np.array([-2.0, 0.0, 0.5, 0.9, 5.0]), limits=(2, 2))
    np.testing.assert_array_equal(out, np.array([0, 0, 0, 0, 1], dtype=np.float32))


def test_reversed_limits_invert_as_matlab() -> None:
    # MATLAB: mat2gray(0:5, [4 1]) = (A - 4) / (1 - 4), clipped: amin -> 0, amax -> 1
    out = mat2gray(np.arange(6), limits=(4, 1))
    np.testing.assert_allclose(out, [1.0, 1.0, 2 / 3, 1 / 3, 0.0, 0.0], rtol=0, atol=ATOL32)
    assert not np.signbit(out).any()  # no -0.0 where A == amin


def test_reversed_limits_with_inf_values() -> None:
    out = mat2gray(np.array([-np.inf, 0.5, np.inf]), limits=(1, 0))
    np.testing.assert_array_equal(out, np.array([1.0, 0.5, 0.0], dtype=np.float32))


def test_limits_accept_inf_values() -> None:
    out = mat2gray(np.array([-np.inf, 0.5, np.inf]), limits=(0, 1))
    np.testing.assert_array_equal(out, np.array([0.0, 0.5, 1.0], dtype=np.float32))


def test_axis_minus_one_normalizes_each_channel() -> None:
    act = np.arange(12, dtype=np.float32).reshape(2, 2, 3)  # (H, W, C)
    act[..., 2] *= -1  # a channel with negative values
    out = mat2gray(act, axis=-1)
    # channel 0 holds 0, 3, 6, 9; channel 1 holds 1, 4, 7, 10; channel 2 holds -2, -5, -8, -11
    expected = np.array(
        [
            [[0.0, 0.0, 1.0], [1 / 3, 1 / 3, 2 / 3]],
            [[2 / 3, 2 / 3, 1 / 3], [1.0, 1.0, 0.0]],
        ],
        dtype=np.float32,
    )
    np.testing.assert_allclose(out, expected, rtol=0, atol=ATOL32)


def test_axis_on_batch_pools_images_and_pixels() -> None:
    act = np.arange(8).reshape(2, 2, 1, 2)  # (N, H, W, C)
    out = mat2gray(act, axis=3)
    # channel 0 holds 0, 2, 4, 6 across both images; channel 1 holds 1, 3, 5, 7
    expected = np.array([0, 0, 1 / 3, 1 / 3, 2 / 3, 2 / 3, 1, 1], dtype=np.float32)
    np.testing.assert_allclose(out.ravel(), expected, rtol=0, atol=ATOL32)


def test_axis_zero() -> None:
    out = mat2gray(np.array([[0, 5, 10], [3, 3, 3]]), axis=0)
    expected = np.array([[0.0, 0.5, 1.0], [0.0, 0.0, 0.0]], dtype=np.float32)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("value", [7.5, 0.5, 0.0, -2.0])
def test_constant_array_gives_zeros(value: float) -> None:
    # MATLAB would clip the raw value to [0, 1] (7.5 -> 1, 0.5 -> 0.5, -2 -> 0)
    out = mat2gray(np.full((3, 4), value))
    np.testing.assert_array_equal(out, np.zeros((3, 4), dtype=np.float32))


def test_constant_channel_gives_zeros_not_nan() -> None:
    act = np.zeros((2, 2, 2), dtype=np.float32)
    act[..., 1] = np.array([[0.0, 1.0], [2.0, 4.0]])  # channel 0 is a dead ReLU channel
    out = mat2gray(act, axis=-1)
    assert not np.isnan(out).any()
    np.testing.assert_array_equal(out[..., 0], np.zeros((2, 2), dtype=np.float32))
    np.testing.assert_array_equal(out[..., 1], np.array([[0.0, 0.25], [0.5, 1.0]], np.float32))


def test_uint8_input() -> None:
    out = mat2gray(np.array([0, 51, 255], dtype=np.uint8))
    np.testing.assert_allclose(out, [0.0, 0.2, 1.0], rtol=0, atol=ATOL32)


def test_bool_input() -> None:
    out = mat2gray(np.array([True, False, True]))
    np.testing.assert_array_equal(out, np.array([1.0, 0.0, 1.0], dtype=np.float32))


def test_list_input() -> None:
    np.testing.assert_array_equal(mat2gray([1, 2, 3]), np.array([0, 0.5, 1], np.float32))


@pytest.mark.parametrize("kwargs", [{}, {"axis": -1}, {"limits": (0, 3)}])
def test_input_not_modified(kwargs: dict) -> None:
    x = np.arange(12, dtype=np.float32).reshape(2, 2, 3)
    copy = x.copy()
    mat2gray(x, **kwargs)
    np.testing.assert_array_equal(x, copy)


def test_complex_input_raises() -> None:
    with pytest.raises(TypeError, match=r"real-valued array.*Received: array.dtype=complex128"):
        mat2gray(np.array([1 + 2j]))


def test_string_input_raises() -> None:
    with pytest.raises(TypeError, match="real-valued array"):
        mat2gray(np.array(["a", "b"]))


@pytest.mark.parametrize("kwargs", [{}, {"axis": 0}, {"limits": (0, 1)}])
def test_nan_raises(kwargs: dict) -> None:
    # MATLAB would ignore NaN when finding the limits; here NaN is an error
    with pytest.raises(ValueError, match="without NaN values; found 1 NaN"):
        mat2gray(np.array([0.0, np.nan, 1.0]), **kwargs)


def test_inf_without_limits_raises() -> None:
    with pytest.raises(ValueError, match="Expected finite values when `limits` is not given"):
        mat2gray(np.array([0.0, np.inf]))


def test_empty_raises() -> None:
    with pytest.raises(ValueError, match=r"non-empty `array`. Received: array.shape=\(0,\)"):
        mat2gray(np.array([]))


@pytest.mark.parametrize(
    ("limits", "error", "match"),
    [
        (3, TypeError, "pair"),
        ("ab", TypeError, "pair"),
        ((1, 2, 3), ValueError, "pair"),
        (("a", 1), TypeError, "two real numbers"),
        ((0, np.inf), ValueError, "finite `limits`"),
        ((np.nan, 1), ValueError, "finite `limits`"),
    ],
)
def test_bad_limits_raise(limits, error, match: str) -> None:
    with pytest.raises(error, match=match):
        mat2gray(np.arange(4), limits=limits)


def test_limits_and_axis_raise() -> None:
    with pytest.raises(ValueError, match="either `limits` or `axis`, not both"):
        mat2gray(np.arange(4), limits=(0, 1), axis=0)


@pytest.mark.parametrize("axis", [2, -3])
def test_axis_out_of_range_raises(axis: int) -> None:
    with pytest.raises(ValueError, match=r"`axis` in \[-2, 1\]"):
        mat2gray(np.zeros((2, 2)), axis=axis)


@pytest.mark.parametrize("axis", [1.0, True, "x"])
def test_axis_wrong_type_raises(axis) -> None:
    with pytest.raises(TypeError, match="`axis` to be an int or None"):
        mat2gray(np.zeros((2, 2)), axis=axis)
