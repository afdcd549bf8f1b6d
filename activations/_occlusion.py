"""``occlusion_sensitivity``: MATLAB's occlusionSensitivity, in compiled mini-batches."""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Iterator
from typing import Any

import keras
import numpy as np
from numpy.typing import ArrayLike, NDArray

from activations._checks import check_int
from activations._extract import prepare
from activations._inputs import check_model
from activations._predict import run_extractor
from activations._resize import imresize
from activations._trace import Extractor
from activations._types import ImagesLike

__all__ = ["mask_positions", "occlusion_sensitivity"]

logger = logging.getLogger("activations")

UPSAMPLING = ("bicubic", "nearest", "none")


def _round(x: float) -> int:
    """MATLAB's ``round``: halves away from zero (Python's ``round`` goes to even)."""
    return int(math.floor(x + 0.5))


def _pair(value: Any, name: str, hw: tuple[int, int], fraction: float) -> tuple[int, int]:
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


def _fill_values(mask_value: Any, images: NDArray) -> NDArray:
    """The replacement values, broadcastable to (N, H, W, C)."""
    n, h, w, c = images.shape
    if isinstance(mask_value, str):
        if mask_value != "auto":
            raise ValueError(
                'Expected `mask_value` to be "auto", a number, one value per channel or an '
                f"array of the image's shape. Received: mask_value={mask_value!r}"
            )
        return images.mean(axis=(1, 2), keepdims=True, dtype=np.float64).astype(images.dtype)
    if isinstance(mask_value, (bool, np.bool_)) or not isinstance(
        mask_value, (numbers.Real, list, tuple, np.ndarray)
    ):
        raise TypeError(
            "Expected `mask_value` to be a number or an array. "
            f"Received: mask_value={mask_value!r}"
        )
    arr = np.asarray(mask_value, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"Expected finite `mask_value`. Received: mask_value={mask_value!r}")
    if arr.ndim == 0 or arr.shape == (c,):
        return np.broadcast_to(arr, (1, 1, 1, c)).astype(images.dtype)
    if arr.shape == (h, w, c):
        return arr[None].astype(images.dtype)
    raise ValueError(
        f"Expected `mask_value` as a number, {c} channel values or an array of shape "
        f"{(h, w, c)}. Received: mask_value with shape {arr.shape}"
    )


def _scores(extractor: Extractor, batch: NDArray) -> NDArray[np.float32]:
    (out,) = run_extractor(extractor, batch)
    if out.ndim != 2:
        raise ValueError(
            "Expected a model with one output of shape (N, classes), such as a softmax "
            f"classifier. Received: a model whose last layer gives shape {out.shape[1:]} per image"
        )
    return out


def _labels(label: Any, base: NDArray) -> NDArray[np.intp]:
    n, k = base.shape
    if label is None:
        return np.argmax(base, axis=1)
    arr = np.asarray(label)
    if arr.dtype.kind not in "iu" or arr.ndim > 1 or (arr.ndim == 1 and len(arr) != n):
        raise TypeError(
            f"Expected `label` to be None, an int or {n} ints (one per image). "
            f"Received: label={label!r}"
        )
    if ((arr < 0) | (arr >= k)).any():
        raise ValueError(
            f"Expected `label` in [0, {k - 1}] (the model has {k} outputs). "
            f"Received: label={label!r}"
        )
    return np.broadcast_to(arr, (n,)).astype(np.intp)


def _span_masks(spans: list[tuple[int, int]], size: int) -> NDArray[np.bool_]:
    """(len(spans), size) booleans: row p is True on the pixels of span p."""
    pixels = np.arange(size)
    starts, stops = np.array(spans, dtype=np.intp).reshape(-1, 2).T
    return (pixels >= starts[:, None]) & (pixels < stops[:, None])


def _batches(
    images: NDArray, fill: NDArray, rows: NDArray, cols: NDArray, batch_size: int
) -> Iterator[NDArray]:
    """The N images as they are, then every image x mask position, ``batch_size`` at a time.

    Row ``N + i * P + p`` of the stream is image ``i`` with mask ``p`` (of P =
    rows x cols positions). Each batch is one fancy-indexed copy of the images
    with the masks written by one broadcast ``np.copyto``: the input is never
    touched and at most one batch of copies exists.
    """
    n, positions = len(images), len(rows) * len(cols)
    total = n * (1 + positions)
    for start in range(0, total, batch_size):
        index = np.arange(start, min(total, start + batch_size))
        copy = np.maximum(index - n, 0)
        which = np.where(index < n, index, copy // positions)
        box = copy % positions
        hidden = rows[box // len(cols), :, None] & cols[box % len(cols), None, :]
        hidden &= (index >= n)[:, None, None]  # the unoccluded images hide nothing
        copies = images[which]  # fancy indexing: a new array, the input is never touched
        np.copyto(copies, fill[which] if len(fill) > 1 else fill, where=hidden[..., None])
        yield copies


def _drops(
    extractor: Extractor,
    images: NDArray,
    label: Any,
    fill: NDArray,
    rows: NDArray,
    cols: NDArray,
    batch_size: int,
) -> NDArray[np.float32]:
    """score(image) - score(occluded copy), shape (N, len(rows), len(cols)).

    The unoccluded images lead the stream of copies, so their scores come from
    the same forward passes (no extra pass) and are known before any copy's.
    """
    n, positions = len(images), len(rows) * len(cols)
    drops = np.empty(n * positions, np.float32)
    base: list[NDArray] = []
    classes, wanted = np.empty(0, np.intp), np.empty(0, np.float32)
    start = 0
    for batch in _batches(images, fill, rows, cols, batch_size):
        out = _scores(extractor, batch)
        stop, take = start + len(out), max(0, min(len(out), n - start))
        if take:
            base.append(np.array(out[:take]))  # a copy: `out` may be the backend's buffer
            if start + take == n:
                scores = np.concatenate(base)
                classes = _labels(label, scores)
                wanted = scores[np.arange(n), classes]
        copies = np.arange(start + take, stop) - n
        which = copies // positions
        drops[copies] = wanted[which] - out[np.arange(take, len(out)), classes[which]]
        start = stop
    return drops.reshape(n, len(rows), len(cols))


def occlusion_sensitivity(
    model: keras.Model,
    images: ImagesLike,
    label: int | ArrayLike | None = None,
    *,
    mask_size: int | tuple[int, int] | str = "auto",
    stride: int | tuple[int, int] | str = "auto",
    mask_value: float | ArrayLike | str = "auto",
    output_upsampling: str = "bicubic",
    mask_clipping: bool = True,
    batch_size: int = 128,
) -> NDArray[np.float32]:
    """How much the class score drops when each part of the image is hidden.

    MATLAB's ``occlusionSensitivity(net, X, label)``: a mask slides over the
    image; for each position the occluded copy goes through the model and the
    map holds ``score(image) - score(occluded copy)`` for the class, so high
    values mark regions that support the class. The score is the model output
    (for a softmax output layer the probability, as in MATLAB). The images
    and then their copies run through the compiled forward pass
    ``batch_size`` at a time (the unoccluded scores come from the same
    passes; at most one batch of copies in memory), never one predict per
    mask. Each mask position gives one cell of the map; the cells are then
    resized to the image (MATLAB's OutputUpsampling) with MATLAB's
    ``imresize``.

    Parameters
    ----------
    model : keras.Model
        An image classifier with one output of shape (N, classes). Never
        modified.
    images : array_like of shape (H, W, C) or (N, H, W, C)
        One image or a batch, as the model takes them (a 2-D array is one
        grayscale image). Never modified.
    label : int or array_like of N ints, optional
        The class of each image; by default the predicted one (the argmax of
        the unoccluded output). MATLAB requires it, and there a vector of
        classes gives one map per class of one image; here it is one class
        per image (call again for another class).
    mask_size : "auto", int or (rows, cols), default "auto"
        "auto": 20% of the image size, rounded (at least 1 pixel).
    stride : "auto", int or (rows, cols), default "auto"
        Step between mask positions; "auto": 10% of the image size, rounded.
    mask_value : "auto", float, array_like of shape (C,) or (H, W, C), default "auto"
        What the hidden pixels become; "auto": each image's channel-wise mean.
    output_upsampling : {"bicubic", "nearest", "none"}, default "bicubic"
        "bicubic"/"nearest": the map at the image's size; "none": one value
        per mask position.
    mask_clipping : bool, default True
        True (MATLAB's "on"): the first mask is centred on the top-left pixel
        and masks at the edges are cut; False: only full masks inside the
        image (see :func:`mask_positions`).
    batch_size : int, default 128
        Images per forward pass, the unoccluded ones included (MATLAB's
        MiniBatchSize, default 128 as there).

    Returns
    -------
    ndarray of float32, shape (H, W) or (N, H, W)
        One map per image; (rows, cols) of mask positions per image with
        ``output_upsampling="none"``.

    Raises
    ------
    TypeError
        If ``model`` is not a Keras model, ``images`` is not an array, or an
        option has a wrong type.
    ValueError
        If a shape or value is wrong, a mask is larger than the image or the
        model output is not (N, classes).

    Examples
    --------
    >>> import keras, numpy as np
    >>> dense = keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")
    >>> model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), dense])
    >>> occlusion_sensitivity(model, np.arange(16.0).reshape(4, 4, 1), mask_size=2, stride=2,
    ...                       mask_value=0.0, output_upsampling="none", mask_clipping=False)
    array([[10., 18.],
           [42., 50.]], dtype=float32)
    """
    check_model(model)
    batch_size = check_int(batch_size, "batch_size", 1)
    if output_upsampling not in UPSAMPLING:
        raise ValueError(
            f"Expected `output_upsampling` to be one of {list(UPSAMPLING)}. "
            f"Received: output_upsampling={output_upsampling!r}"
        )
    if not isinstance(mask_clipping, (bool, np.bool_)):
        raise TypeError(
            f"Expected `mask_clipping` to be a bool. Received: mask_clipping={mask_clipping!r}"
        )
    source, _, _, extractor = prepare(model, images, model.layers[-1], stage="output")
    batch = source.array
    if batch is None or batch.ndim != 4:
        raise TypeError(
            "Expected `images` as one image (H, W, C) or a batch (N, H, W, C) in an array. "
            f"Received: images of type {type(images).__name__}"
        )
    hw = (int(batch.shape[1]), int(batch.shape[2]))
    masks = _pair(mask_size, "mask_size", hw, 0.2)
    steps = _pair(stride, "stride", hw, 0.1)
    if masks[0] > hw[0] or masks[1] > hw[1]:
        raise ValueError(
            f"Expected `mask_size` at most the image size {hw}. Received: mask_size={mask_size!r}"
        )
    fill = _fill_values(mask_value, batch)
    rows = mask_positions(hw[0], masks[0], steps[0], bool(mask_clipping))
    cols = mask_positions(hw[1], masks[1], steps[1], bool(mask_clipping))
    row_masks, col_masks = _span_masks(rows, hw[0]), _span_masks(cols, hw[1])
    maps = _drops(extractor, batch, label, fill, row_masks, col_masks, batch_size)
    if output_upsampling != "none":
        stack = np.moveaxis(maps, 0, -1)  # (rows, cols, N): imresize resizes channels at once
        maps = np.moveaxis(imresize(stack, hw, method=output_upsampling), -1, 0)
    maps = np.ascontiguousarray(maps, dtype=np.float32)
    return maps[0] if source.one_image else maps
