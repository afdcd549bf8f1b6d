"""``mat2gray``: scale an array to [0, 1], as MATLAB's ``mat2gray``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from activations._arrays.checks import as_real_array

__all__ = ["mat2gray"]


def _check_limits(limits: Sequence[float]) -> tuple[float, float]:
    if isinstance(limits, (str, bytes)) or not isinstance(limits, (Sequence, np.ndarray)):
        raise TypeError(
            f"Expected `limits` to be a pair (amin, amax). Received: limits={limits!r}"
        )
    if len(limits) != 2:
        raise ValueError(
            f"Expected `limits` to be a pair (amin, amax). Received: limits={limits!r}"
        )
    try:
        amin, amax = (float(v) for v in limits)
    except (TypeError, ValueError):
        raise TypeError(
            f"Expected `limits` to hold two real numbers. Received: limits={limits!r}"
        ) from None
    if not (np.isfinite(amin) and np.isfinite(amax)):
        raise ValueError(f"Expected finite `limits`. Received: limits={limits!r}")
    return amin, amax


def _scale(
    values: NDArray[np.float64],
    amin: float | NDArray[np.float64],
    amax: float | NDArray[np.float64],
) -> NDArray[np.float64]:
    """Map amin to 0 and amax to 1 linearly (amin > amax inverts), clipped to [0, 1].

    Where amin == amax the result is 0 (a constant, dead channel).
    """
    delta = amax - amin
    safe = np.where(delta != 0, delta, 1.0)
    scaled = np.clip(np.where(delta != 0, (values - amin) / safe, 0.0), 0.0, 1.0)
    return scaled + 0.0  # an inverted ramp gives -0.0 at amin: make it 0.0


def mat2gray(
    array: ArrayLike,
    limits: Sequence[float] | None = None,
    *,
    axis: int | None = None,
) -> NDArray[np.float32]:
    """Scale an array to the range [0, 1], as MATLAB's ``mat2gray``.

    Parameters
    ----------
    array : array_like of any shape, e.g. (H, W), (H, W, C) or (N, H, W, C)
        Real values (bool, integer or float). Never modified.
    limits : pair of float, optional
        ``(amin, amax)``: ``amin`` maps to 0, ``amax`` to 1, values in between
        linearly and values beyond them are clipped, as in MATLAB: with
        ``amin < amax``, values <= ``amin`` give 0 and values >= ``amax`` give 1;
        with ``amin > amax`` the ramp is inverted (values >= ``amin`` give 0,
        values <= ``amax`` give 1), as MATLAB's formula does. By default the
        global minimum and maximum of ``array`` are used. When ``amin == amax``
        the result is a step: values >= ``amax`` give 1, the others 0 (the limit
        of the ramp as it narrows; MATLAB instead clips the raw values to [0, 1],
        ignoring the limits).
    axis : int, optional
        Normalize each slice along this axis on its own, with that slice's own
        minimum and maximum: ``axis=-1`` scales every channel of an (H, W, C) or
        (N, H, W, C) activation separately. Cannot be combined with ``limits``.

    Returns
    -------
    ndarray of float32, same shape as ``array``
        Values in [0, 1]. A constant array (or a constant slice when ``axis`` is
        given, e.g. a dead ReLU channel) gives zeros, never NaN. (MATLAB clips
        the raw values to [0, 1] there, so a constant 0.5 would stay 0.5 and a
        constant 4 become 1: the grey would depend on the activation's units.)

    Raises
    ------
    TypeError
        If ``array`` is not real-valued (complex, object, strings), ``limits`` is
        not a pair or ``axis`` is not an int.
    ValueError
        If ``array`` is empty or holds NaN (MATLAB would ignore NaN when finding
        the limits; a NaN activation means a broken model, so it is reported),
        holds +-inf without ``limits``, ``limits`` is not finite, ``axis`` is
        out of range, or both ``limits`` and ``axis`` are given.

    Examples
    --------
    >>> import numpy as np
    >>> mat2gray(np.arange(5))
    array([0.  , 0.25, 0.5 , 0.75, 1.  ], dtype=float32)
    >>> mat2gray(np.arange(5), limits=(1, 3))
    array([0. , 0. , 0.5, 1. , 1. ], dtype=float32)
    >>> mat2gray(np.arange(5), limits=(3, 1))  # inverted
    array([1. , 1. , 0.5, 0. , 0. ], dtype=float32)
    >>> mat2gray(np.arange(6).reshape(3, 2), axis=-1)
    array([[0. , 0. ],
           [0.5, 0.5],
           [1. , 1. ]], dtype=float32)
    """
    arr = as_real_array(array)
    values = arr.astype(np.float64)  # a copy: the input is never touched
    if limits is not None:
        if axis is not None:
            raise ValueError(
                "Expected either `limits` or `axis`, not both. "
                f"Received: limits={limits!r}, axis={axis!r}"
            )
        amin, amax = _check_limits(limits)
        if amin == amax:
            return (values >= amax).astype(np.float32)
        return _scale(values, amin, amax).astype(np.float32)
    if not np.isfinite(values).all():
        raise ValueError(
            "Expected finite values when `limits` is not given (the range would be "
            f"infinite). Received: array with {int(np.isinf(values).sum())} inf values"
        )
    if axis is None:
        reduce_axes = None
    else:
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"Expected `axis` to be an int or None. Received: axis={axis!r}")
        if not -arr.ndim <= axis < arr.ndim:
            raise ValueError(
                f"Expected `axis` in [{-arr.ndim}, {arr.ndim - 1}] for an array of shape "
                f"{arr.shape}. Received: axis={axis}"
            )
        reduce_axes = tuple(i for i in range(arr.ndim) if i != axis % arr.ndim)
    amin = values.min(axis=reduce_axes, keepdims=True)
    amax = values.max(axis=reduce_axes, keepdims=True)
    return _scale(values, amin, amax).astype(np.float32)
