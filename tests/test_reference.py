"""Tests for activations.reference: the NumPy forward pass against real Keras layers."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from _tolerance import assert_close

from activations.reference import conv2d, im2col, max_pool2d

pytestmark = pytest.mark.core


def _keras_conv(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, **kwargs) -> np.ndarray:
    layer = keras.layers.Conv2D(kernel.shape[3], kernel.shape[:2], **kwargs)
    layer.build(x.shape)
    layer.set_weights([kernel, bias])
    return keras.ops.convert_to_numpy(layer(x))


CONV_CASES = [
    # (H, W, C, F, kernel, strides, padding)
    (7, 7, 1, 4, (3, 3), 1, "same"),
    (7, 7, 1, 4, (3, 3), 1, "valid"),
    (8, 8, 3, 5, (3, 3), 2, "same"),
    (8, 8, 3, 5, (3, 3), 2, "valid"),
    (7, 6, 3, 2, (2, 2), 2, "same"),
    (7, 6, 3, 2, (2, 2), 1, "valid"),
    (9, 8, 2, 3, (3, 2), (2, 1), "same"),
    (9, 8, 2, 3, (5, 5), (1, 2), "valid"),
    (6, 6, 4, 3, (4, 4), 2, "same"),
    (5, 7, 3, 6, (1, 1), 2, "same"),
    (28, 28, 1, 32, (3, 3), 1, "same"),  # the Fashion-MNIST first layer
]


@pytest.mark.parametrize(("h", "w", "c", "f", "ksize", "strides", "padding"), CONV_CASES)
def test_conv2d_matches_keras(h, w, c, f, ksize, strides, padding) -> None:
    rng = np.random.default_rng(h * 100 + w * 10 + c)
    x = rng.normal(size=(2, h, w, c)).astype(np.float32)
    kernel = rng.normal(size=ksize + (c, f)).astype(np.float32)
    bias = rng.normal(size=(f,)).astype(np.float32)
    expected = _keras_conv(x, kernel, bias, strides=strides, padding=padding)
    out = conv2d(x, kernel, bias, strides=strides, padding=padding)
    assert out.shape == expected.shape
    assert_close(out, expected)


POOL_CASES = [
    # (H, W, pool_size, strides, padding)
    (8, 8, 2, None, "valid"),
    (7, 7, 2, None, "valid"),
    (7, 7, 2, None, "same"),
    (8, 6, 3, None, "same"),
    (8, 6, 3, 1, "valid"),
    (9, 9, 3, 2, "same"),
    (9, 8, (2, 3), (1, 2), "same"),
    (28, 28, 2, None, "valid"),  # the Fashion-MNIST pooling
]


@pytest.mark.parametrize(("h", "w", "pool", "strides", "padding"), POOL_CASES)
def test_max_pool2d_matches_keras(h, w, pool, strides, padding) -> None:
    rng = np.random.default_rng(h * 10 + w)
    x = rng.normal(size=(2, h, w, 3)).astype(np.float32)
    layer = keras.layers.MaxPooling2D(pool_size=pool, strides=strides, padding=padding)
    expected = keras.ops.convert_to_numpy(layer(x))
    out = max_pool2d(x, pool, strides=strides, padding=padding)
    assert out.shape == expected.shape
    assert_close(out, expected)


def test_all_ones_kernel_written_out(box_sums: np.ndarray) -> None:
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    kernel = np.ones((3, 3, 1, 1), dtype=np.float32)
    out = conv2d(x, kernel, padding="same")
    np.testing.assert_array_equal(out[0, :, :, 0], box_sums)
    keras_out = _keras_conv(x, kernel, np.zeros(1, np.float32), padding="same")
    assert_close(keras_out[0, :, :, 0], box_sums)


def test_all_ones_kernel_valid_with_bias() -> None:
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    out = conv2d(x, np.ones((3, 3, 1, 2)), np.array([0.0, 1.0]))
    np.testing.assert_array_equal(out[0, :, :, 0], np.array([[45.0, 54.0], [81.0, 90.0]]))
    np.testing.assert_array_equal(out[0, :, :, 1], np.array([[46.0, 55.0], [82.0, 91.0]]))


def test_max_pool_same_ignores_padding_on_negative_input() -> None:
    x = -np.arange(1, 10, dtype=np.float32).reshape(1, 3, 3, 1)
    out = max_pool2d(x, 2, padding="same")
    # windows: rows {0,1} / {2, pad}, cols {0,1} / {2, pad}; padding is -inf, never 0
    np.testing.assert_array_equal(out[0, :, :, 0], np.array([[-1.0, -3.0], [-7.0, -9.0]]))


def test_max_pool_integer_input_valid_keeps_dtype() -> None:
    out = max_pool2d(np.arange(16).reshape(1, 4, 4, 1), 2)
    np.testing.assert_array_equal(out[0, :, :, 0], np.array([[5, 7], [13, 15]]))
    assert out.dtype == np.arange(1).dtype


def test_im2col_rows_follow_kernel_layout() -> None:
    x = np.arange(18.0).reshape(1, 3, 3, 2)
    cols = im2col(x, 2, 2, 1, "valid")
    assert cols.shape == (1, 2, 2, 8)
    # the first window: pixels (0,0), (0,1), (1,0), (1,1), each with its 2 channels
    np.testing.assert_array_equal(cols[0, 0, 0], np.array([0, 1, 2, 3, 6, 7, 8, 9.0]))
    kernel = np.arange(8.0).reshape(2, 2, 2, 1)
    assert cols[0, 0, 0] @ kernel.reshape(-1) == conv2d(x, kernel)[0, 0, 0, 0]


def test_im2col_same_padding_puts_extra_on_bottom_right() -> None:
    x = np.ones((1, 2, 2, 1))
    cols = im2col(x, 2, 2, 1, "same", pad_value=-1.0)
    # out 2x2, pad_total 1: nothing on top/left, one row/column at bottom/right
    np.testing.assert_array_equal(cols[0, 0, 0], np.array([1.0, 1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(cols[0, 1, 1], np.array([1.0, -1.0, -1.0, -1.0]))


def test_output_size_formula() -> None:
    # (H + 2P - FH) / S + 1 with H=7, P=0, FH=3, S=2 -> 3
    assert conv2d(np.zeros((1, 7, 7, 1)), np.zeros((3, 3, 1, 1)), strides=2).shape == (1, 3, 3, 1)


def test_inputs_not_modified() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 5, 5, 2))
    kernel = rng.normal(size=(3, 3, 2, 2))
    bias = rng.normal(size=2)
    copies = (x.copy(), kernel.copy(), bias.copy())
    conv2d(x, kernel, bias, padding="same")
    max_pool2d(x, 2, padding="same")
    for original, copy in zip((x, kernel, bias), copies, strict=True):
        np.testing.assert_array_equal(original, copy)


def test_x_wrong_rank_raises() -> None:
    with pytest.raises(ValueError, match=r"\(N, H, W, C\). Received: x.shape=\(4, 4, 1\)"):
        conv2d(np.zeros((4, 4, 1)), np.zeros((3, 3, 1, 1)))


def test_x_complex_raises() -> None:
    with pytest.raises(TypeError, match="real-valued `x`"):
        max_pool2d(np.zeros((1, 2, 2, 1), dtype=complex), 2)


def test_kernel_channel_mismatch_raises() -> None:
    with pytest.raises(ValueError, match=r"\(KH, KW, 2, F\).*kernel.shape=\(3, 3, 1, 4\)"):
        conv2d(np.zeros((1, 4, 4, 2)), np.zeros((3, 3, 1, 4)))


def test_kernel_complex_raises() -> None:
    with pytest.raises(TypeError, match="real-valued `kernel`"):
        conv2d(np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 1), dtype=complex))


def test_bias_shape_raises() -> None:
    with pytest.raises(ValueError, match=r"`bias` of shape \(4,\). Received: bias.shape=\(3,\)"):
        conv2d(np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 4)), np.zeros(3))


def test_bias_complex_raises() -> None:
    with pytest.raises(TypeError, match="real-valued `bias`"):
        conv2d(np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 1)), np.zeros(1, dtype=complex))


def test_unknown_padding_raises() -> None:
    with pytest.raises(ValueError, match=r"\['valid', 'same'\]. Received: padding='full'"):
        conv2d(np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 1)), padding="full")


@pytest.mark.parametrize(
    ("strides", "error", "match"),
    [
        ("2", TypeError, "`strides` to be an int or a pair"),
        ((1, 2, 3), TypeError, "`strides` to be an int or a pair"),
        (0, ValueError, "`strides` to be positive"),
        ((2, 1.5), ValueError, "`strides` to be positive"),
    ],
)
def test_bad_strides_raise(strides, error, match: str) -> None:
    with pytest.raises(error, match=match):
        conv2d(np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 1)), strides=strides)


def test_bad_pool_size_raises() -> None:
    with pytest.raises(ValueError, match="`pool_size` to be positive"):
        max_pool2d(np.zeros((1, 4, 4, 1)), 0)


def test_window_larger_than_valid_input_raises() -> None:
    with pytest.raises(ValueError, match="input size 2, window 3"):
        conv2d(np.zeros((1, 2, 2, 1)), np.zeros((3, 3, 1, 1)))
