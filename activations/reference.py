"""NumPy reference forward pass (im2col), channels-last, to check what layers compute.

``conv2d`` and ``max_pool2d`` follow Keras' ``Conv2D`` and ``MaxPooling2D``
(TensorFlow "same" padding). Both unfold the input with :func:`im2col`; the
output size is ``(H + 2P - FH) / S + 1`` (floor), with ``2P`` the total padding.
Loops run over kernel offsets only, never over pixels.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["conv2d", "im2col", "max_pool2d"]

_PADDINGS = ("valid", "same")


def _pair(value: int | tuple[int, int], name: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, numbers.Integral) else value
    if isinstance(pair, (str, bytes)) or not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(
            f"Expected `{name}` to be an int or a pair of ints. Received: {name}={value!r}"
        )
    for v in pair:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
            raise ValueError(
                f"Expected `{name}` to be positive integers. Received: {name}={value!r}"
            )
    return int(pair[0]), int(pair[1])


def _check_x(x: ArrayLike) -> NDArray:
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Expected a real-valued `x`. Received: x.dtype={arr.dtype}")
    if arr.ndim != 4:
        raise ValueError(f"Expected `x` of shape (N, H, W, C). Received: x.shape={arr.shape}")
    return arr


def _padding_1d(size: int, k: int, stride: int, padding: str) -> tuple[int, int, int]:
    """(output size, pad before, pad after) along one axis, TensorFlow rules."""
    if padding == "valid":
        if size < k:
            raise ValueError(
                f"Expected an input at least as large as the window with padding='valid'. "
                f"Received: input size {size}, window {k}"
            )
        return (size - k) // stride + 1, 0, 0
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + k - size, 0)
    return out, total // 2, total - total // 2


def im2col(
    x: ArrayLike,
    kh: int,
    kw: int,
    strides: int | tuple[int, int] = 1,
    padding: str = "valid",
    *,
    pad_value: float = 0.0,
) -> NDArray:
    """Unfold every (kh, kw) window of a channels-last batch into one row.

    Parameters
    ----------
    x : array_like of shape (N, H, W, C)
    kh, kw : int
        Window height and width.
    strides : int or pair of int, default 1
    padding : {"valid", "same"}, default "valid"
        "same" gives ``ceil(H / stride)`` outputs, padding ``pad_total // 2``
        before and the rest after (TensorFlow / Keras).
    pad_value : float, default 0.0
        Value of the padded border (``-inf`` for max pooling).

    Returns
    -------
    ndarray of shape (N, OH, OW, kh * kw * C)
        Each window flattened in (kh, kw, C) order, matching
        ``kernel.reshape(kh * kw * C, F)`` for a Keras (KH, KW, C, F) kernel.

    Raises
    ------
    TypeError
        If ``x`` is not real-valued or ``strides`` not an int or a pair.
    ValueError
        If ``x`` is not 4-D, a size is not positive, ``padding`` is unknown or
        a "valid" window is larger than the input.

    Examples
    --------
    >>> import numpy as np
    >>> im2col(np.arange(9.0).reshape(1, 3, 3, 1), 2, 2)[0, :, :, :]
    array([[[0., 1., 3., 4.],
            [1., 2., 4., 5.]],
    <BLANKLINE>
           [[3., 4., 6., 7.],
            [4., 5., 7., 8.]]])
    """
    arr = _check_x(x)
    kh, kw = _pair((kh, kw), "kernel size")
    sh, sw = _pair(strides, "strides")
    if padding not in _PADDINGS:
        raise ValueError(f"Expected `padding` in {list(_PADDINGS)}. Received: padding={padding!r}")
    oh, top, bottom = _padding_1d(arr.shape[1], kh, sh, padding)
    ow, left, right = _padding_1d(arr.shape[2], kw, sw, padding)
    pad = ((0, 0), (top, bottom), (left, right), (0, 0))
    padded = top + bottom + left + right > 0
    needs_float = padded and arr.dtype.kind in "biu" and not float(pad_value).is_integer()
    dtype = np.result_type(arr.dtype, np.float32) if needs_float else arr.dtype
    xp = arr.astype(dtype, copy=False)
    if padded:
        xp = np.pad(xp, pad, constant_values=pad_value)
    windows = [
        xp[:, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw, :]
        for i in range(kh)
        for j in range(kw)
    ]
    cols = np.stack(windows, axis=3)  # (N, OH, OW, kh * kw, C)
    return cols.reshape(cols.shape[:3] + (-1,))


def conv2d(
    x: ArrayLike,
    kernel: ArrayLike,
    bias: ArrayLike | None = None,
    *,
    strides: int | tuple[int, int] = 1,
    padding: str = "valid",
) -> NDArray:
    """2-D convolution (cross-correlation, as Keras' ``Conv2D``) without activation.

    Parameters
    ----------
    x : array_like of shape (N, H, W, C)
    kernel : array_like of shape (KH, KW, C, F)
        Keras layout (``layer.get_weights()[0]``).
    bias : array_like of shape (F,), optional
    strides : int or pair of int, default 1
    padding : {"valid", "same"}, default "valid"

    Returns
    -------
    ndarray of shape (N, OH, OW, F)
        ``OH = (H - KH) // SH + 1`` for "valid", ``ceil(H / SH)`` for "same";
        the dtype is the common type of ``x``, ``kernel`` and ``bias``.

    Raises
    ------
    TypeError
        If an input is not real-valued or ``strides`` has a wrong type.
    ValueError
        If a shape does not match, or see :func:`im2col`.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> conv2d(x, np.ones((2, 2, 1, 1)), strides=2)[0, :, :, 0]
    array([[10., 18.],
           [42., 50.]])
    """
    arr = _check_x(x)
    w = np.asarray(kernel)
    if w.dtype.kind not in "biuf":
        raise TypeError(f"Expected a real-valued `kernel`. Received: kernel.dtype={w.dtype}")
    if w.ndim != 4 or w.shape[2] != arr.shape[3]:
        raise ValueError(
            f"Expected `kernel` of shape (KH, KW, {arr.shape[3]}, F) for x with "
            f"{arr.shape[3]} channels. Received: kernel.shape={w.shape}"
        )
    cols = im2col(arr, w.shape[0], w.shape[1], strides, padding)
    out = cols @ w.reshape(-1, w.shape[3])
    if bias is not None:
        b = np.asarray(bias)
        if b.dtype.kind not in "biuf":
            raise TypeError(f"Expected a real-valued `bias`. Received: bias.dtype={b.dtype}")
        if b.shape != (w.shape[3],):
            raise ValueError(
                f"Expected `bias` of shape ({w.shape[3]},). Received: bias.shape={b.shape}"
            )
        out = out + b
    return out


def max_pool2d(
    x: ArrayLike,
    pool_size: int | tuple[int, int],
    *,
    strides: int | tuple[int, int] | None = None,
    padding: str = "valid",
) -> NDArray:
    """2-D max pooling, as Keras' ``MaxPooling2D``.

    Parameters
    ----------
    x : array_like of shape (N, H, W, C)
    pool_size : int or pair of int
    strides : int or pair of int, optional
        Defaults to ``pool_size``.
    padding : {"valid", "same"}, default "valid"
        "same" pads with ``-inf``, so padded cells never win.

    Returns
    -------
    ndarray of shape (N, OH, OW, C)
        Same dtype as ``x`` (floating for integer ``x`` when "same" pads).

    Raises
    ------
    TypeError, ValueError
        See :func:`im2col`.

    Examples
    --------
    >>> import numpy as np
    >>> max_pool2d(np.arange(16.0).reshape(1, 4, 4, 1), 2)[0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    arr = _check_x(x)
    ph, pw = _pair(pool_size, "pool_size")
    stride = (ph, pw) if strides is None else strides
    cols = im2col(arr, ph, pw, stride, padding, pad_value=-np.inf)
    windows = cols.reshape(cols.shape[:3] + (ph * pw, arr.shape[3]))
    return windows.max(axis=3)
