"""Tests for activations._arrays.resize (imresize)."""

from __future__ import annotations

import numpy as np
import pytest

from activations import imresize

pytestmark = pytest.mark.core


# Expected values below are worked out by hand from MATLAB's documented algorithm
# (pixel centre u = x / scale + 0.5 * (1 - 1 / scale), Keys' cubic a = -0.5 or the
# triangle, the kernel widened by 1 / scale when shrinking, mirrored edges, weights
# normalized to sum 1). Float64 results differ from them only by float64 rounding of
# a handful of products; float32 ones by float32 rounding, relative to the values.
F64 = 1e-12


def _atol32(expected: np.ndarray) -> float:
    """A few float32 ulps at the magnitude of ``expected``."""
    return 4 * float(np.finfo(np.float32).eps) * max(1.0, float(np.abs(expected).max()))


# MATLAB: imresize([1 2; 3 4], 2), the default bicubic; it overshoots [1, 4].
BICUBIC_2X2_BY_2 = np.array(
    [
        [0.71875, 1.015625, 1.609375, 1.90625],
        [1.3125, 1.609375, 2.203125, 2.5],
        [2.5, 2.796875, 3.390625, 3.6875],
        [3.09375, 3.390625, 3.984375, 4.28125],
    ]
)


def test_default_is_bicubic_and_matches_matlab() -> None:
    out = imresize(np.array([[1.0, 2.0], [3.0, 4.0]]), 2)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, BICUBIC_2X2_BY_2, rtol=0, atol=F64)


def test_bicubic_overshoots_like_matlab() -> None:
    out = imresize(np.array([[1.0, 2.0], [3.0, 4.0]]), 2, method="bicubic")
    assert out.min() == pytest.approx(0.71875, abs=F64)
    assert out.max() == pytest.approx(4.28125, abs=F64)


def test_bicubic_float32_within_float32_rounding() -> None:
    out = imresize(np.array([[1, 2], [3, 4]], dtype=np.float32), 2)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, BICUBIC_2X2_BY_2, rtol=0, atol=_atol32(BICUBIC_2X2_BY_2))


def test_bilinear_double_matches_matlab() -> None:
    # MATLAB: imresize([0 1; 2 3], 2, "bilinear")
    expected = np.array(
        [
            [0.0, 0.25, 0.75, 1.0],
            [0.5, 0.75, 1.25, 1.5],
            [1.5, 1.75, 2.25, 2.5],
            [2.0, 2.25, 2.75, 3.0],
        ]
    )
    out = imresize(np.arange(4, dtype=np.float32).reshape(2, 2), 2, method="bilinear")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=0, atol=_atol32(expected))


def test_non_square_size_matches_matlab() -> None:
    # MATLAB: imresize([1 2; 3 4], [4 3]): rows at scale 2, columns at scale 1.5.
    # Along the rows the weights of in1/in2 are (1.09375, -0.09375), (0.796875,
    # 0.203125) and mirrored, giving a = 0.8125, 1.40625, 2.59375, 3.1875 for the
    # first column; along the columns a row [a, a + 1] becomes
    # [(462a - 30(a + 1)) / 432, a + 1/2, (462(a + 1) - 30a) / 432].
    a = np.array([0.8125, 1.40625, 2.59375, 3.1875])
    expected = a[:, None] + np.array([-5.0, 36.0, 77.0]) / 72
    out = imresize(np.array([[1.0, 2.0], [3.0, 4.0]]), (4, 3))
    np.testing.assert_allclose(out, expected, rtol=0, atol=F64)


def test_bicubic_shrink_is_antialiased_like_matlab() -> None:
    # MATLAB: imresize(0:3, 0.5). The kernel is 8 pixels wide; after mirroring
    # and normalizing, output 1 weighs 0..3 by 0.546875, 0.3984375, 0.1015625,
    # -0.046875; output 2 is its mirror image.
    out = imresize(np.arange(4.0)[None, :], 0.5)
    np.testing.assert_allclose(out, [[0.4609375, 2.5390625]], rtol=0, atol=F64)


def test_bicubic_shrink_2d_is_separable() -> None:
    # Rows and columns each give the 1-D weights above: 4 * r + c.
    r = np.array([0.4609375, 2.5390625])
    out = imresize(np.arange(16.0).reshape(4, 4), 0.5)
    np.testing.assert_allclose(out, 4 * r[:, None] + r[None, :], rtol=0, atol=F64)


def test_bilinear_shrink_is_antialiased_like_matlab() -> None:
    # MATLAB: imresize(0:3, 0.5, "bilinear"): a triangle 4 pixels wide,
    # weights 0.5, 0.375, 0.125 on 0, 1, 2 after mirroring.
    out = imresize(np.arange(4.0)[None, :], 0.5, method="bilinear")
    np.testing.assert_allclose(out, [[0.625, 2.375]], rtol=0, atol=F64)


def test_shrink_of_nyquist_stripes_is_smoothed() -> None:
    x = np.tile(np.array([0.0, 1.0], dtype=np.float32), (8, 4))  # (8, 8) stripes 0 1 0 1
    out = imresize(x, (4, 4), method="bilinear")
    # without antialiasing every output pixel would copy one stripe (all 1)
    expected = np.tile(np.array([0.375, 0.5, 0.5, 0.625], dtype=np.float32), (4, 1))
    np.testing.assert_allclose(out, expected, rtol=0, atol=_atol32(expected))
    assert np.all(imresize(x, (4, 4), method="nearest") == 1.0)


def test_nearest_at_scale_0_4_picks_matlab_rows() -> None:
    # MATLAB: imresize((0:11)', 0.4, "nearest") takes rows 2, 4, 7, 9, 12 (1-based):
    # u = 2.5 x - 0.75 = 1.75, 4.25, 6.75, 9.25, 11.75, rounded half up.
    x = np.arange(12)[:, None].repeat(2, axis=1)
    out = imresize(x, 0.4, method="nearest")
    np.testing.assert_array_equal(out[:, 0], [1, 3, 6, 8, 11])


def test_nearest_scale_is_used_as_given() -> None:
    # A scale keeps its value (7 rows at 0.5: u = 1.5, 3.5, 5.5, 7.5; ties go up,
    # 8 mirrors to 7), an output size of 4 rows uses 4 / 7 (u = 1.375, 3.125, ...).
    x = np.arange(7)[:, None].repeat(3, axis=1)
    np.testing.assert_array_equal(imresize(x, 0.5, method="nearest")[:, 0], [1, 3, 5, 6])
    np.testing.assert_array_equal(imresize(x, (4, 3), method="nearest")[:, 0], [0, 2, 4, 6])


def test_nearest_keeps_dtype_and_repeats() -> None:
    x = np.arange(4, dtype=np.uint8).reshape(2, 2)
    out = imresize(x, (4, 4), method="nearest")
    expected = np.array([[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]], dtype=np.uint8)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.uint8


def test_nearest_shrink_has_no_antialiasing() -> None:
    x = np.arange(16.0).reshape(4, 4)
    out = imresize(x, 0.5, method="nearest")
    np.testing.assert_array_equal(out, np.array([[5.0, 7.0], [13.0, 15.0]]))  # rows/cols 1, 3


def test_nearest_bool_stays_bool() -> None:
    out = imresize(np.array([[True, False]]), (1, 4), method="nearest")
    np.testing.assert_array_equal(out, [[True, True, False, False]])
    assert out.dtype == np.bool_


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


def test_stack_resizes_each_channel(rng: np.random.Generator) -> None:
    x = rng.standard_normal((5, 6, 3)).astype(np.float32)
    out = imresize(x, (9, 4))
    assert out.shape == (9, 4, 3)
    for c in range(3):  # one product for the stack vs one per channel: float32 rounding
        alone = imresize(x[..., c], (9, 4))
        np.testing.assert_allclose(out[..., c], alone, rtol=0, atol=_atol32(alone))


def test_constant_map_stays_constant() -> None:
    # weights of every output pixel sum to 1
    out = imresize(np.full((3, 5), 5.0, dtype=np.float32), (7, 2))
    np.testing.assert_allclose(out, 5.0, rtol=0, atol=_atol32(np.array(5.0)))


def test_float32_agrees_with_float64_in_either_axis_order(rng: np.random.Generator) -> None:
    # MATLAB resizes the axis with the smaller scale first; in exact arithmetic the
    # order does not matter, in float32 it moves results by about one ulp.
    x = rng.standard_normal((46, 46)).astype(np.float32)
    for size in [(160, 100), (20, 100)]:
        exact = imresize(x.astype(np.float64), size)
        np.testing.assert_allclose(imresize(x, size), exact, rtol=0, atol=_atol32(exact))


def test_bilinear_upscale_keeps_the_range() -> None:
    x = np.array([[100.0, 200.0], [300.0, 400.0]])
    out = imresize(x, (3, 3), method="bilinear")
    assert out.dtype == np.float64
    assert out.min() >= 100.0
    assert out.max() <= 400.0


def test_integer_input_gives_float32_for_bilinear() -> None:
    out = imresize(np.array([[0, 10]], dtype=np.int64), (1, 4), method="bilinear")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, np.array([[0.0, 2.5, 7.5, 10.0]], dtype=np.float32))


def test_uint8_bicubic_is_neither_rounded_nor_saturated() -> None:
    # MATLAB would return uint8 [0 20 80 109]; here the float values are kept.
    out = imresize(np.array([[0, 100]], dtype=np.uint8), (1, 4))
    assert out.dtype == np.float32
    expected = np.array([[-9.375, 20.3125, 79.6875, 109.375]], dtype=np.float32)
    np.testing.assert_allclose(out, expected, rtol=0, atol=_atol32(expected))


def test_bool_input_gives_float32_for_bilinear() -> None:
    out = imresize(np.array([[True, False]]), (1, 4), method="bilinear")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, np.array([[1.0, 0.75, 0.25, 0.0]], dtype=np.float32))


@pytest.mark.parametrize("size", [(2, 3), 1, 1.0])
def test_same_size_is_identity(size) -> None:
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = imresize(x, size)
    np.testing.assert_array_equal(out, x)  # no arithmetic at all: exact
    assert out is not x


@pytest.mark.parametrize("method", ["bicubic", "bilinear", "nearest"])
def test_input_not_modified(method: str) -> None:
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    copy = x.copy()
    imresize(x, 0.5, method=method)
    imresize(x, (3, 4), method=method)
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


def test_inf_input_raises() -> None:
    with pytest.raises(ValueError, match=r"finite values in `array`; found 1 inf"):
        imresize(np.array([[0.0, np.inf]]), 2)


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
