"""The one loop of the gradient attributions: options, images, labels, passes, NaN rule.

:func:`activations.gradient_attribution`, :func:`activations.smoothgrad` and
:func:`activations.integrated_gradients` differ only in the rows they feed the
score model per image (the image itself; noisy copies; points on a path) and in
how the rows' gradients are combined; everything else is here, once: the
shared preamble and batch loop of the engine, the score layer and labels of
:mod:`activations._explain.scores`, and the rule of :mod:`activations._explain.maps`
for images whose score is not finite.

One pass sends the rows of ``max(1, batch_size // samples)`` images through one
compiled step (forward, backward, the combination and the channel reduction on
the device); only the (k, H, W) maps come back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

from activations._engine.gradients import NoGradient, gradient_reduce
from activations._engine.layers import resolve_layer
from activations._engine.preamble import check_options, prepare_images
from activations._engine.predict import predict_batch
from activations._engine.progress import check_progress
from activations._engine.runtime import run_batches
from activations._explain.input_score import CHANNELS, ScoreModels, reduce_channels, score_models
from activations._explain.maps import blank_unexplained, finite_rows
from activations._explain.scores import (
    Reduction,
    batch_labels,
    check_label_total,
    check_labels,
    check_reduction,
    default_score_layer,
    given_score,
    label_count,
    predicted_score,
)
from activations._types import ImagesLike, LayerSpec

__all__ = ["METHODS", "MakeRows", "Rows", "Settings", "attribute", "check_method"]

METHODS = ("gradient", "guided-backprop")
"""MATLAB's ``gradientAttribution`` methods: the plain gradient, guided backpropagation."""

Rows = Callable[[NDArray[np.float32], int], tuple[NDArray[np.float32], list[NDArray]]]
"""``rows(batch, start) -> (rows, [weights, scale])``: a batch's (k * samples, ...) model
inputs, image-major, with the per-sample weights (samples,) of the combination and the
factor (k or 1, H, W, C) it is multiplied by."""

MakeRows = Callable[[NDArray | None, tuple], Rows]
"""``make(images_array_or_None, sample_shape) -> rows``, once the images are checked."""


@dataclass(frozen=True)
class Settings:
    """The options every gradient attribution shares (checked by :func:`attribute`)."""

    label: Any
    method: str
    channels: str | None
    reduction_layer: LayerSpec | None
    reduction: Reduction | None
    batch_size: int
    progress: bool | str


def check_method(method: Any) -> None:
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(
            f"Expected `method` to be one of {list(METHODS)}. Received: method={method!r}"
        )


def _single(channels: str | None) -> Callable[..., list[Any]]:
    reduce = CHANNELS[channels]

    def finish(inputs: Sequence[Any], outs: Sequence[Any], grad: Any, extras: Any) -> list[Any]:
        """The reduced gradient of each image, and its scores."""
        return [reduce(grad), outs[0]]

    return finish


def _combined(channels: str | None, squared: bool) -> Callable[..., list[Any]]:
    reduce = CHANNELS[channels]

    def finish(inputs: Sequence[Any], outs: Sequence[Any], grad: Any, extras: Any) -> list[Any]:
        """Each image's rows' gradients (or squares) weighted and summed, scaled, reduced."""
        weights, scale = extras
        grad = keras.ops.square(grad) if squared else grad
        # Dynamic sizes: TensorFlow may trace the step once for several batch shapes.
        size = keras.ops.shape(grad)
        grouped = keras.ops.reshape(grad, (-1, keras.ops.shape(weights)[0], *size[1:]))
        ones = (1,) * (len(size) - 1)
        summed = keras.ops.sum(grouped * keras.ops.reshape(weights, (1, -1, *ones)), axis=1)
        return [reduce(summed * scale)]

    return finish


_SINGLE = {channels: _single(channels) for channels in CHANNELS}
_COMBINED = {(c, squared): _combined(c, squared) for c in CHANNELS for squared in (False, True)}


def attribute(
    model: keras.Model,
    images: ImagesLike,
    settings: Settings,
    *,
    what: str,
    samples: int = 1,
    rows: MakeRows | None = None,
    squared: bool = False,
) -> NDArray[np.float32]:
    """The maps of one gradient attribution, (N, H, W) or (H, W) for one image.

    ``rows(source_array_or_None, sample_shape)`` makes the method's :data:`Rows`
    once the images are checked; without it each image is its own row
    (``samples=1``) and its predicted class is chosen inside the step.
    ``squared``: the rows' squared gradients are combined (SmoothGrad's squares).
    """
    check_options(model, batch_size=settings.batch_size)
    check_progress(settings.progress)
    check_method(settings.method)
    reduce_channels(settings.channels)
    check_reduction(settings.reduction, settings.label)
    source, spec = prepare_images(model, images, static=True)
    if spec.shape is None:
        raise ValueError(f"Expected at least one image. Received: images={images!r}")
    shape = tuple(spec.shape)
    layer = settings.reduction_layer
    ref = resolve_layer(model, default_score_layer(model, shape, what) if layer is None else layer)
    guided = settings.method == "guided-backprop"
    models = score_models(model, ref, settings.reduction, shape, spec.dtype, guided=guided)
    n = None if source.array is None else len(source.array)
    label = 0 if settings.reduction is not None else settings.label  # one score: "class" 0
    labels = check_labels(label, n if n is not None else label_count(label), models.n_classes)
    make = None if rows is None else rows(source.array, shape)
    pieces = [
        _one_pass(
            models, batch, batch_labels(labels, start, len(batch)), settings, make, start, squared
        )
        for start, batch, _ in run_batches(
            model,
            source,
            max(1, settings.batch_size // samples),
            lambda batch: batch,
            progress=settings.progress,
            desc=what,
        )
    ]
    check_label_total(labels, n, sum(len(maps) for maps, _ in pieces))
    maps = blank_unexplained(
        np.concatenate([m for m, _ in pieces]),
        np.concatenate([ok for _, ok in pieces]),
        what,
    )
    return maps[0] if source.one_image else maps


def _one_pass(
    models: ScoreModels,
    batch: NDArray,
    labels: NDArray | None,
    settings: Settings,
    rows: Rows | None,
    start: int,
    squared: bool = False,
) -> tuple[NDArray, NDArray[np.bool_]]:
    """One pass's (k, H, W) maps, and whether each image's explained score is finite."""
    eye = np.eye(models.n_classes, dtype=np.float32)
    try:
        if rows is None:
            weights = np.zeros((len(batch), models.n_classes), np.float32)
            target = predicted_score if labels is None else given_score
            weights = weights if labels is None else eye[labels]
            maps, scores = gradient_reduce(
                models.scorer, [batch, weights], 0, target, _SINGLE[settings.channels]
            )
            return maps, finite_rows(scores, labels)
        scores = predict_batch(models.forward, batch)[0]
        chosen = np.argmax(np.nan_to_num(scores), axis=-1) if labels is None else labels
        inputs, extras = rows(batch, start)
        weights = np.repeat(eye[chosen], len(inputs) // len(batch), axis=0)
        (maps,) = gradient_reduce(
            models.scorer,
            [inputs, weights],
            0,
            given_score,
            _COMBINED[settings.channels, squared],
            extras,
        )
    except NoGradient as err:  # an integer score, or a path without gradients
        raise ValueError(
            "The score to explain gives no gradient with respect to the input pixels (an "
            "integer score, or a path without gradients). Expected a float score on a "
            f"differentiable path from the input. Received: reduction_layer="
            f"{settings.reduction_layer!r}"
        ) from err
    return maps, finite_rows(scores, labels)
