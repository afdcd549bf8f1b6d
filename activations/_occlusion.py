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


def _occluded_batches(
    images: NDArray, fill: NDArray, boxes: list[tuple[int, int, int, int]], batch_size: int
) -> Iterator[tuple[NDArray[np.intp], NDArray]]:
    """(image index, copies) for every image x box, ``batch_size`` copies at a time."""
    n, h, w, c = images.shape
    total = n * len(boxes)
    for start in range(0, total, batch_size):
        index = np.arange(start, min(total, start + batch_size))
        which = index // len(boxes)
        copies = images[which]  # fancy indexing: a new array, the input is never touched
        for j, (i, k) in enumerate(zip(which, index % len(boxes))):
            r0, r1, c0, c1 = boxes[k]
            source = np.broadcast_to(fill[i if len(fill) > 1 else 0], (h, w, c))
            copies[j, r0:r1, c0:c1] = source[r0:r1, c0:c1]
        yield which, copies


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
    (for a softmax output layer the probability, as in MATLAB). The copies run
    through the compiled forward pass ``batch_size`` at a time (at most one
    batch of copies in memory), never one predict per mask. Each mask
    position gives one cell of the map; the cells are then resized to the
    image (MATLAB's OutputUpsampling) with MATLAB's ``imresize``.

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
        the unoccluded output).
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
        Occluded copies per forward pass (MATLAB's MiniBatchSize).

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
    boxes = [(r0, r1, c0, c1) for r0, r1 in rows for c0, c1 in cols]
    base = np.concatenate([_scores(extractor, b) for b in source.iter_batches(batch_size)])
    classes = _labels(label, base)
    drops = np.empty(len(batch) * len(boxes), np.float32)
    done = 0
    for which, copies in _occluded_batches(batch, fill, boxes, batch_size):
        scores = _scores(extractor, copies)[np.arange(len(which)), classes[which]]
        drops[done : done + len(which)] = base[which, classes[which]] - scores
        done += len(which)
    maps = drops.reshape(len(batch), len(rows), len(cols))
    if output_upsampling != "none":
        stack = np.moveaxis(maps, 0, -1)  # (rows, cols, N): imresize resizes channels at once
        maps = np.moveaxis(imresize(stack, hw, method=output_upsampling), -1, 0)
    maps = np.ascontiguousarray(maps, dtype=np.float32)
    return maps[0] if source.one_image else maps
