"""``imresize``: resize a 2-D map or an (H, W, C) stack, as MATLAB's ``imresize``.

MATLAB's algorithm is separable: for each of the two axes it builds the weights
each output pixel gives to the input pixels, then resizes along one axis and
then the other. Here each axis gets a dense (out, in) weight matrix, applied
with one matrix product over the whole stack, so all channels go at once.
"""

from __future__ import annotations

import functools
import logging
import math
import numbers
from collections.abc import Callable, Sequence
from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from activations._arrays.checks import as_real_array

__all__ = ["imresize"]

logger = logging.getLogger(__name__)


def _box(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Nearest neighbour: 1 on [-0.5, 0.5).

    So a pixel centre exactly between two input pixels takes the second one.
    """
    return ((x >= -0.5) & (x < 0.5)).astype(np.float64)


def _triangle(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Linear interpolation: ``1 - |x|`` on [-1, 1]."""
    return np.maximum(1.0 - np.abs(x), 0.0)


def _cubic(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Keys' cubic convolution kernel with a = -0.5.

    It has negative lobes, so results can overshoot the input range.
    """
    ax = np.abs(x)
    ax2, ax3 = ax * ax, ax * ax * ax
    inner = (1.5 * ax3 - 2.5 * ax2 + 1.0) * (ax <= 1.0)
    outer = (-0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0) * ((ax > 1.0) & (ax <= 2.0))
    return inner + outer


# method -> (kernel, kernel width in input pixels at scale 1)
_KERNELS: dict[str, tuple[Callable[[NDArray[np.float64]], NDArray[np.float64]], float]] = {
    "nearest": (_box, 1.0),
    "bilinear": (_triangle, 2.0),
    "bicubic": (_cubic, 4.0),
}


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, numbers.Real) and math.isnan(value))


def _output_size(
    size: float | Sequence[float | None], in_hw: tuple[int, int]
) -> tuple[tuple[int, int], tuple[float, float]]:
    """The output (rows, cols) and the scale of each axis, as MATLAB gets them.

    ``size`` is a scale factor or (rows, cols) with at most one None/NaN. A
    scale factor is used as given, an output size gives the scale ``out / in``.
    """
    if isinstance(size, (bool, np.bool_)):
        raise TypeError(f"Expected `size` to be a scale factor or (rows, cols). Received: {size=}")
    if isinstance(size, numbers.Real):
        # typeshed does not register float as a numbers.Real, so mypy narrows `size`
        # to an impossible Sequence-and-Real; the isinstance above is the guarantee.
        # (float(size) would not do: np.float32(0.1) * 30 is 3.0, float(...) * 30 is not.)
        factor = cast(float, size)
        if not (math.isfinite(factor) and factor > 0):
            raise ValueError(f"Expected a positive, finite scale factor. Received: {size=}")
        # MATLAB: ceil(scale * size); the rounding guards against 0.1 * 30 = 3.0000000000000004.
        rows, cols = (max(1, math.ceil(round(factor * n, 9))) for n in in_hw)
        return (rows, cols), (float(factor), float(factor))
    if isinstance(size, (str, bytes)) or not isinstance(size, (Sequence, np.ndarray)):
        raise TypeError(f"Expected `size` to be a scale factor or (rows, cols). Received: {size=}")
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be (rows, cols). Received: {size=}")
    missing = [_is_missing(v) for v in size]
    if all(missing):
        raise ValueError(f"Expected at most one None/NaN in `size`. Received: {size=}")
    given = [0, 0]  # the entries that are not missing, as ints
    for axis, (value, miss) in enumerate(zip(size, missing, strict=True)):
        if miss:
            continue
        if not (
            isinstance(value, numbers.Real)
            and not isinstance(value, (bool, np.bool_))
            and value >= 1
            and float(value).is_integer()
        ):
            raise ValueError(
                f"Expected `size` entries to be positive integers or None. Received: {size=}"
            )
        given[axis] = int(value)
    out = given
    if any(missing):
        known = 1 if missing[0] else 0
        scale = given[known] / in_hw[known]
        out[1 - known] = max(1, math.ceil(round(scale * in_hw[1 - known], 9)))
    return (out[0], out[1]), (out[0] / in_hw[0], out[1] / in_hw[1])


@functools.lru_cache(maxsize=64)
def _weights(n_in: int, n_out: int, scale: float, method: str) -> NDArray[np.float64]:
    """The (n_out, n_in) matrix of MATLAB's contributions along one axis.

    Read-only and cached: the same sizes come back call after call (every
    batch of maps resized to the image).

    Output pixel x (1-based) sits at input coordinate
    ``u = x / scale + 0.5 * (1 - 1 / scale)`` (pixel centres aligned). When
    shrinking, "bilinear" and "bicubic" widen the kernel by ``1 / scale``
    (antialiasing); "nearest" never does. Input indices past an edge are
    mirrored (symmetric padding, the edge pixel repeated), and each row of
    weights is normalized to sum to 1.
    """
    kernel, width = _KERNELS[method]
    stretch = scale if (scale < 1 and method != "nearest") else 1.0
    width = width / stretch
    u = np.arange(1, n_out + 1, dtype=np.float64) / scale + 0.5 * (1.0 - 1.0 / scale)
    left = np.floor(u - width / 2.0)
    taps = math.ceil(width) + 2
    index = left[:, None] + np.arange(taps)  # 1-based, may fall outside [1, n_in]
    weight = stretch * kernel(stretch * (u[:, None] - index))
    weight /= weight.sum(axis=1, keepdims=True)
    mirror = np.concatenate([np.arange(n_in), np.arange(n_in)[::-1]])
    column = mirror[(index.astype(np.int64) - 1) % (2 * n_in)]
    matrix = np.zeros((n_out, n_in))
    np.add.at(matrix, (np.repeat(np.arange(n_out), taps), column.ravel()), weight.ravel())
    matrix.flags.writeable = False
    return matrix


def _along(arr: NDArray, axis: int, n_out: int, scale: float, method: str) -> NDArray:
    """Resize ``arr`` (2-D or 3-D) along ``axis`` (0 or 1)."""
    matrix = _weights(arr.shape[axis], n_out, scale, method)
    if method == "nearest":  # one weight of 1 per row: copy, in any dtype
        return np.take(arr, matrix.argmax(axis=1), axis=axis)
    matrix = matrix.astype(arr.dtype, copy=False)
    if axis == 0:
        return (matrix @ arr.reshape(arr.shape[0], -1)).reshape((n_out, *arr.shape[1:]))
    if arr.ndim == 2:
        return arr @ matrix.T
    return np.matmul(matrix, arr)  # (out, W) @ each (W, C) row of the stack


def imresize(
    array: ArrayLike,
    size: float | Sequence[float | None],
    *,
    method: str = "bicubic",
) -> NDArray:
    """Resize a 2-D map or an (H, W, C) stack, as MATLAB's ``imresize``.

    This is MATLAB's algorithm, written out (scikit-image's ``resize`` differs
    in pixel mapping, kernel and antialiasing). Each output pixel ``x`` of an
    axis (1-based) sits at input coordinate ``u = x / scale + 0.5 * (1 - 1 /
    scale)``, so pixel centres are aligned. Its value is a weighted sum of the
    input pixels near ``u``: weights from the kernel ("nearest": a box of
    width 1, "bilinear": a triangle of width 2, "bicubic": Keys' cubic with
    a = -0.5, width 4), normalized to sum to 1. Input indices past an edge are
    mirrored (symmetric padding). When an axis shrinks (scale < 1),
    "bilinear" and "bicubic" widen the kernel by ``1 / scale``, which
    antialiases; "nearest" never does. The two axes are resized one after the
    other, the one with the smaller scale first, as MATLAB does. "bicubic"
    can overshoot the input range (as in MATLAB: nothing is clipped).

    Parameters
    ----------
    array : array_like of shape (H, W) or (H, W, C)
        Real, finite values. Channels are resized independently. Never
        modified.
    size : float or pair of (int or None)
        A positive scale factor (output ``ceil(scale * H), ceil(scale * W)``,
        as MATLAB, and that scale used for both axes), or ``(rows, cols)``
        (each axis then has scale ``out / in``). One entry may be None or NaN:
        it is computed to keep the aspect ratio, like MATLAB's ``[rows NaN]``.
    method : {"bicubic", "bilinear", "nearest"}, default "bicubic"
        The interpolation kernel; MATLAB's default is "bicubic" too.

    Returns
    -------
    ndarray of shape (rows, cols) or (rows, cols, C)
        "nearest" keeps the input dtype (it only copies values). The other
        methods compute and return float64 for float64 input and float32 for
        any other input (float32, float16, integer, bool). Unlike MATLAB, which
        rounds back to the input's class (uint8 in, uint8 out), integer input
        is not rounded or saturated: rounding interpolated activations loses
        detail, and "bicubic" overshoot would be cut off.

    Raises
    ------
    TypeError
        If ``array`` is not real-valued, ``size`` is neither a number nor a
        pair, or ``method`` is not a string.
    ValueError
        If ``array`` is not 2-D or 3-D, is empty or holds NaN or inf, ``size``
        is not a positive scale or a pair of positive integers with at most one
        None, or ``method`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> imresize(np.array([[1.0, 2.0], [3.0, 4.0]]), 2)
    array([[0.71875 , 1.015625, 1.609375, 1.90625 ],
           [1.3125  , 1.609375, 2.203125, 2.5     ],
           [2.5     , 2.796875, 3.390625, 3.6875  ],
           [3.09375 , 3.390625, 3.984375, 4.28125 ]])
    >>> imresize(np.arange(4.0).reshape(2, 2), 2, method="bilinear")
    array([[0.  , 0.25, 0.75, 1.  ],
           [0.5 , 0.75, 1.25, 1.5 ],
           [1.5 , 1.75, 2.25, 2.5 ],
           [2.  , 2.25, 2.75, 3.  ]])
    >>> imresize(np.arange(6).reshape(2, 3), (4, None), method="nearest")
    array([[0, 0, 1, 1, 2, 2],
           [0, 0, 1, 1, 2, 2],
           [3, 3, 4, 4, 5, 5],
           [3, 3, 4, 4, 5, 5]])
    """
    arr = as_real_array(array)
    if arr.ndim not in (2, 3):
        raise ValueError(
            f"Expected `array` of shape (H, W) or (H, W, C). Received: array.shape={arr.shape}"
        )
    if not isinstance(method, str):
        raise TypeError(f"Expected `method` to be a string. Received: {method=}")
    if method not in _KERNELS:
        raise ValueError(
            f"Unknown interpolation method. Expected one of {sorted(_KERNELS)}. "
            f"Received: {method=}"
        )
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValueError(
            f"Expected finite values in `array`; found {int(np.isinf(arr).sum())} inf. "
            f"Received: array with shape {arr.shape}"
        )
    out_hw, scales = _output_size(size, arr.shape[:2])
    out = arr
    if method != "nearest" and arr.dtype != np.float64:
        out = arr.astype(np.float32, copy=False)
    # MATLAB resizes along the axis with the smaller scale first (rows on a tie).
    for axis in sorted((0, 1), key=lambda a: scales[a]):
        if out_hw[axis] != arr.shape[axis] or scales[axis] != 1.0:
            out = _along(out, axis, out_hw[axis], scales[axis], method)
    logger.debug("imresize %s -> %s (%s)", arr.shape, out.shape, method)
    return out if out is not arr else arr.copy()
