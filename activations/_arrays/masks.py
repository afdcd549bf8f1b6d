"""Occlusion masks: sizes, positions, fill values and the stream of occluded copies."""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from activations._arrays.checks import check_int

__all__ = [
    "fill_values",
    "mask_pair",
    "mask_positions",
    "masked_batches",
    "occluded_batches",
    "span_masks",
]

logger = logging.getLogger("activations")


def _round(x: float) -> int:
    """MATLAB's ``round``: halves away from zero (Python's ``round`` goes to even)."""
    return int(math.floor(x + 0.5))


def mask_pair(value: Any, name: str, hw: tuple[int, int], fraction: float) -> tuple[int, int]:
    """``"auto"`` (``fraction`` of the size, rounded, at least 1), an int or a pair of ints."""
    if isinstance(value, str):
        if value != "auto":
            raise ValueError(
                f'Expected `{name}` to be "auto", an int or a pair of ints. Received: '
                f"{name}={value!r}"
            )
        pair = tuple(max(1, _round(fraction * n)) for n in hw)
        logger.info("occlusion_sensitivity: %s='auto' -> %s for a %sx%s input", name, pair, *hw)
        return pair[0], pair[1]
    items = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value, value]
    if len(items) != 2:
        raise ValueError(
            f"Expected `{name}` to be an int or a pair (rows, cols). Received: {name}={value!r}"
        )
    rows, cols = (check_int(v, name, 1) for v in items)
    return rows, cols


def mask_positions(size: int, mask: int, stride: int, clipping: bool) -> list[tuple[int, int]]:
    """The ``[start, stop)`` spans of the masks along one axis of ``size`` pixels.

    ``clipping=True`` (MATLAB's MaskClipping "on"): mask centres at pixels 0,
    stride, 2 * stride, ... < size; a mask spans ``centre - mask // 2`` to
    ``centre - mask // 2 + mask``, cut at the edges. ``clipping=False``: full
    masks starting at 0, stride, ... while they fit.

    Examples
    --------
    >>> mask_positions(5, 3, 2, True)
    [(0, 2), (1, 4), (3, 5)]
    >>> mask_positions(5, 3, 2, False)
    [(0, 3), (2, 5)]
    """
    if clipping:
        return [
            (max(0, c - mask // 2), min(size, c - mask // 2 + mask))
            for c in range(0, size, stride)
        ]
    return [(s, s + mask) for s in range(0, size - mask + 1, stride)]


def fill_values(mask_value: Any, images: NDArray, name: str = "mask_value") -> NDArray:
    """The replacement values, broadcastable to (N, H, W, C); ``name`` is the option's."""
    n, h, w, c = images.shape
    if isinstance(mask_value, str):
        if mask_value != "auto":
            raise ValueError(
                f'Expected `{name}` to be "auto", a number, one value per channel or an '
                f"array of the image's shape. Received: {name}={mask_value!r}"
            )
        return images.mean(axis=(1, 2), keepdims=True, dtype=np.float64).astype(images.dtype)
    if isinstance(mask_value, (bool, np.bool_)) or not isinstance(
        mask_value, (numbers.Real, list, tuple, np.ndarray)
    ):
        raise TypeError(
            f"Expected `{name}` to be a number or an array. Received: {name}={mask_value!r}"
        )
    arr = np.asarray(mask_value, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"Expected finite `{name}`. Received: {name}={mask_value!r}")
    if arr.ndim == 0 or arr.shape == (c,):
        return np.broadcast_to(arr, (1, 1, 1, c)).astype(images.dtype)
    if arr.shape == (h, w, c):
        return arr[None].astype(images.dtype)
    raise ValueError(
        f"Expected `{name}` as a number, {c} channel values or an array of shape "
        f"{(h, w, c)}. Received: {name} with shape {arr.shape}"
    )


def span_masks(spans: list[tuple[int, int]], size: int) -> NDArray[np.bool_]:
    """(len(spans), size) booleans: row p is True on the pixels of span p."""
    pixels = np.arange(size)
    starts, stops = np.array(spans, dtype=np.intp).reshape(-1, 2).T
    return (pixels >= starts[:, None]) & (pixels < stops[:, None])


def masked_batches(
    images: NDArray,
    fill: NDArray,
    positions: int,
    hidden: Callable[[NDArray[np.intp], NDArray[np.intp]], NDArray[np.bool_]],
    batch_size: int,
) -> Iterator[NDArray]:
    """The N images as they are, then every image x mask position, ``batch_size`` at a time.

    Row ``N + i * P + p`` of the stream is image ``i`` with mask ``p`` (of P =
    ``positions``); ``hidden(which, p)`` gives the (b, H, W) pixels to hide for
    images ``which`` at positions ``p`` (two (b,) index arrays; a new array).
    Each batch is one fancy-indexed copy of the images with the masks written
    by one broadcast ``np.copyto``: the input is never touched and at most one
    batch of copies exists. Occlusion (a sliding box), LIME (features off) and
    the faithfulness metrics (pixels deleted, inserted or hidden at random)
    differ only in ``hidden``.
    """
    n = len(images)
    total = n * (1 + positions)
    for start in range(0, total, batch_size):
        index = np.arange(start, min(total, start + batch_size))
        copy = np.maximum(index - n, 0)
        which = np.where(index < n, index, copy // max(positions, 1))
        hide = hidden(which, copy % max(positions, 1))
        hide &= (index >= n)[:, None, None]  # the images as they are hide nothing
        copies = images[which]  # fancy indexing: a new array, the input is never touched
        np.copyto(copies, fill[which] if len(fill) > 1 else fill, where=hide[..., None])
        yield copies


def occluded_batches(
    images: NDArray, fill: NDArray, rows: NDArray, cols: NDArray, batch_size: int
) -> Iterator[NDArray]:
    """:func:`masked_batches` whose position ``p`` hides box ``p`` of rows x cols.

    ``rows`` and ``cols`` are :func:`span_masks`; box ``p`` is row span
    ``p // len(cols)`` and column span ``p % len(cols)``.
    """

    def boxes(which: NDArray[np.intp], box: NDArray[np.intp]) -> NDArray[np.bool_]:
        return rows[box // len(cols), :, None] & cols[box % len(cols), None, :]

    return masked_batches(images, fill, len(rows) * len(cols), boxes, batch_size)
