"""What the faithfulness metrics share: the checked images, maps and score; rank correlation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
from numpy.typing import ArrayLike, NDArray

from activations._arrays.checks import as_real_array
from activations._engine.extractors import extractor_for
from activations._engine.preamble import check_options, prepare_images
from activations._engine.progress import check_progress
from activations._engine.trace import Extractor
from activations._explain.scores import default_score_layer
from activations._types import ImagesLike, LayerSpec

__all__ = ["Scored", "prepare_scored", "spearman"]


@dataclass(frozen=True)
class Scored:
    """Checked images, their maps and the extractor of the score they explain.

    Attributes
    ----------
    images : ndarray of shape (N, H, W, C)
    maps : ndarray of shape (N, H * W), float64
        Each image's map, flattened (a map with channels is their mean).
    extractor : Extractor
        The score layer's output, (N, classes).
    one_image : bool
        Whether one image was given (results lose their batch axis).
    """

    images: NDArray
    maps: NDArray[np.float64]
    extractor: Extractor
    one_image: bool


def _maps(maps: ArrayLike, images: NDArray, one_image: bool) -> NDArray[np.float64]:
    n, h, w = images.shape[:3]
    arr = as_real_array(maps, "maps")
    if one_image:
        arr = arr[None]
    if arr.ndim == 4:  # per channel, as Xplique: their mean
        arr = arr.mean(axis=-1)
    if arr.shape != (n, h, w):
        raise ValueError(
            f"Expected `maps` of shape {(n, h, w)[one_image:]} (one map per image at the "
            "image's size, or with channels), e.g. gradcam's or occlusion_sensitivity's "
            "with their default upsampling; resize smaller maps with `imresize`. "
            f"Received: maps.shape={np.shape(maps)}"
        )
    return arr.reshape(n, h * w).astype(np.float64)


def prepare_scored(
    model: keras.Model,
    images: ImagesLike,
    maps: ArrayLike,
    options: dict[str, Any],
    what: str,
) -> Scored:
    """Check the model, the options every metric takes, the images and their maps.

    ``options`` holds ``batch_size``, ``progress`` and ``reduction_layer``;
    ``what`` names the metric in errors.
    """
    check_options(model, batch_size=options["batch_size"])
    check_progress(options["progress"])
    source, spec = prepare_images(model, images)
    batch = source.array
    if batch is None:  # a stream: gathered, since each image is copied per step
        batch = np.concatenate(list(source.iter_batches(options["batch_size"])))
    layer: LayerSpec | None = options["reduction_layer"]
    if layer is None:
        shape = spec.shape if spec.shape is not None else batch.shape[1:]
        layer = default_score_layer(model, shape, what)
    _, _, extractor, _ = extractor_for(model, layer, spec=spec)
    if batch.ndim != 4:
        raise ValueError(
            f"Expected a model that takes images of shape (H, W, C): {what} hides pixels of "
            f"each image. Received: model '{model.name}' and images of shape {batch.shape}"
        )
    return Scored(batch, _maps(maps, batch, source.one_image), extractor, source.one_image)


def _ranks(x: NDArray) -> NDArray[np.float64]:
    """Average ranks (ties share the mean of their positions) along the rows of (M, K)."""
    order = np.argsort(x, axis=1, kind="stable")
    ordered = np.take_along_axis(x, order, axis=1)
    positions = np.broadcast_to(np.arange(x.shape[1]), x.shape)
    differs = ordered[:, 1:] != ordered[:, :-1]
    first = np.concatenate([np.ones((len(x), 1), bool), differs], axis=1)
    last = np.concatenate([differs, np.ones((len(x), 1), bool)], axis=1)
    start = np.maximum.accumulate(np.where(first, positions, 0), axis=1)
    stop = np.minimum.accumulate(np.where(last, positions, x.shape[1])[:, ::-1], axis=1)[:, ::-1]
    ranks = np.empty(x.shape, np.float64)
    np.put_along_axis(ranks, order, (start + stop) / 2.0, axis=1)
    return ranks


def spearman(a: NDArray, b: NDArray) -> NDArray[np.float64]:
    """Spearman's rank correlation of the rows of two (M, K) arrays, shape (M,).

    A row without any spread (all values tied) has no ranking: its
    correlation is 0, as Xplique's MuFidelity counts it.

    Examples
    --------
    >>> spearman(np.array([[1.0, 2, 3, 4], [1, 1, 1, 1]]), np.array([[1.0, 4, 9, 16]] * 2))
    array([1., 0.])
    """
    ra, rb = _ranks(np.asarray(a, np.float64)), _ranks(np.asarray(b, np.float64))
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    norm = np.sqrt((ra**2).sum(axis=1) * (rb**2).sum(axis=1))
    dot = (ra * rb).sum(axis=1)
    return np.divide(dot, norm, out=np.zeros(len(ra)), where=norm > 0)
