"""``imresize``: resize a 2-D map or an (H, W, C) stack, as MATLAB's ``imresize``."""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from skimage.transform import resize

from activations._normalize import _as_real_array

__all__ = ["imresize"]

logger = logging.getLogger(__name__)

_ORDERS = {"nearest": 0, "bilinear": 1, "bicubic": 3}


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, numbers.Real) and math.isnan(value))


def _output_size(size: float | Sequence[float | None], in_hw: tuple[int, int]) -> tuple[int, int]:
    """Turn a scale factor or (rows, cols) with at most one None/NaN into (rows, cols)."""
    if isinstance(size, (bool, np.bool_)):
        raise TypeError(f"Expected `size` to be a scale factor or (rows, cols). Received: {size=}")
    if isinstance(size, numbers.Real):
        if not (math.isfinite(size) and size > 0):
            raise ValueError(f"Expected a positive, finite scale factor. Received: {size=}")
        # MATLAB: ceil(scale * size); the rounding guards against 0.1 * 30 = 3.0000000000000004.
        return tuple(max(1, math.ceil(round(size * n, 9))) for n in in_hw)
    if isinstance(size, (str, bytes)) or not isinstance(size, (Sequence, np.ndarray)):
        raise TypeError(f"Expected `size` to be a scale factor or (rows, cols). Received: {size=}")
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be (rows, cols). Received: {size=}")
    missing = [_is_missing(v) for v in size]
    if all(missing):
        raise ValueError(f"Expected at most one None/NaN in `size`. Received: {size=}")
    for value, miss in zip(size, missing, strict=True):
        ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
        if not miss and not (ok and value >= 1 and float(value).is_integer()):
            raise ValueError(
                f"Expected `size` entries to be positive integers or None. Received: {size=}"
            )
    if not any(missing):
        return int(size[0]), int(size[1])
    known = 1 if missing[0] else 0
    scale = float(size[known]) / in_hw[known]
    out = [0, 0]
    out[known] = int(size[known])
    out[1 - known] = max(1, math.ceil(round(scale * in_hw[1 - known], 9)))
    return out[0], out[1]


def imresize(
    array: ArrayLike,
    size: float | Sequence[float | None],
    *,
    method: str = "bilinear",
) -> NDArray:
    """Resize a 2-D map or an (H, W, C) stack, as MATLAB's ``imresize``.

    Interpolation is :func:`skimage.transform.resize` with ``preserve_range=True``
    (values keep their scale) and clipping to the input range (bicubic never
    overshoots). As in MATLAB, anti-aliasing is on for "bilinear" and "bicubic"
    when either side shrinks, and off for "nearest"; scikit-image's Gaussian
    pre-filter is used, so shrunk values differ slightly from MATLAB's.
    Pixels are centre-aligned and edges mirrored, as in MATLAB.

    Parameters
    ----------
    array : array_like of shape (H, W) or (H, W, C)
        Real values. Channels are resized independently. Never modified.
    size : float or pair of (int or None)
        A positive scale factor (output ``ceil(scale * H), ceil(scale * W)``, as
        MATLAB), or ``(rows, cols)``. One entry may be None or NaN: it is
        computed to keep the aspect ratio, like MATLAB's ``[rows NaN]``.
    method : {"bilinear", "nearest", "bicubic"}, default "bilinear"
        Interpolation (spline order 1, 0 and 3).

    Returns
    -------
    ndarray of shape (rows, cols) or (rows, cols, C)
        "nearest" keeps the input dtype (it only copies values). The other
        methods keep a float32/float64 dtype and return float32 for integer,
        bool and float16 input: unlike MATLAB they do not round back to the
        integer class, since rounding interpolated activations loses detail.

    Raises
    ------
    TypeError
        If ``array`` is not real-valued, ``size`` is neither a number nor a
        pair, or ``method`` is not a string.
    ValueError
        If ``array`` is not 2-D or 3-D, is empty or holds NaN, ``size`` is not
        a positive scale or a pair of positive integers with at most one None,
        or ``method`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> imresize(np.arange(4.0).reshape(2, 2), 2)
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
    arr = _as_real_array(array)
    if arr.ndim not in (2, 3):
        raise ValueError(
            f"Expected `array` of shape (H, W) or (H, W, C). Received: array.shape={arr.shape}"
        )
    if not isinstance(method, str):
        raise TypeError(f"Expected `method` to be a string. Received: {method=}")
    if method not in _ORDERS:
        raise ValueError(
            f"Unknown interpolation method. Expected one of {sorted(_ORDERS)}. Received: {method=}"
        )
    out_hw = _output_size(size, arr.shape[:2])
    order = _ORDERS[method]
    shrinking = out_hw[0] < arr.shape[0] or out_hw[1] < arr.shape[1]
    if order == 0:
        source, out_dtype = arr, arr.dtype
    else:
        keep = arr.dtype in (np.float32, np.float64)
        out_dtype = arr.dtype if keep else np.dtype(np.float32)
        source = arr.astype(out_dtype, copy=False)
    out = resize(
        source,
        out_hw + arr.shape[2:],
        order=order,
        mode="symmetric",
        preserve_range=True,
        anti_aliasing=bool(order > 0 and shrinking),
    )
    logger.debug("imresize %s -> %s (%s)", arr.shape, out.shape, method)
    return out.astype(out_dtype, copy=False)
