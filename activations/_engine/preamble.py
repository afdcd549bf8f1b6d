"""The one preamble of every model-facing function: options, images, extractor.

``check_options`` checks the model and the options every function shares (a wrong
type is a ``TypeError``, a wrong value a ``ValueError``, the same everywhere);
``prepare_images`` checks the images for the model (and takes a subclassed or
free-size model's input shape from them); ``prepare`` adds the cached extractor
of the layers asked for. What follows is :func:`activations._engine.runtime.run_batches`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

import keras
import numpy as np

from activations._arrays.checks import check_int
from activations._engine.extractors import check_built, extractor_for
from activations._engine.input_range import check_input_range
from activations._engine.inputs import (
    ImageSource,
    ModelInput,
    as_image_source,
    check_model,
    input_spec,
)
from activations._engine.layers import LayerRef
from activations._engine.trace import STAGES, Extractor
from activations._types import ImagesLike, LayersLike

__all__ = ["OUTPUT_AS", "check_options", "prepare", "prepare_images"]

OUTPUT_AS = ("channels", "rows", "columns")


def check_options(
    model: object, output_as: str = "channels", batch_size: int = 1, stage: str = "output"
) -> None:
    """The options every model-facing function shares: the model, then each option given.

    A wrong type is a ``TypeError`` and a wrong value a ``ValueError``, the same in
    every function (``batch_size="a"`` and ``batch_size=0`` alike everywhere).
    """
    check_model(model)
    if output_as not in OUTPUT_AS:
        raise ValueError(
            f"Expected `output_as` to be one of {list(OUTPUT_AS)}. "
            f"Received: output_as={output_as!r}"
        )
    if stage not in STAGES:
        raise ValueError(
            f"Expected `stage` to be one of {list(STAGES)}. Received: stage={stage!r}"
        )
    check_int(batch_size, "batch_size", 1)  # TypeError for a non-int, ValueError below 1


def _chain(first: np.ndarray, rest: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    yield first
    yield from rest


def prepare_images(
    model: keras.Model, images: ImagesLike, *, static: bool = False
) -> tuple[ImageSource, ModelInput]:
    """Check ``images`` for ``model``: the one preamble of every model-facing function.

    Returns the checked images and the input they are fed as: the model's
    declared input, or for a subclassed model (``static=True``: any model with
    free sizes) the images' own per-sample shape, read from the array or from
    the first batch of a stream (which stays in the stream). Arrays are
    checked against the model's declared pixel range here (streams per batch,
    in :func:`activations._engine.runtime.run_batches`).
    """
    check_built(model)
    spec = input_spec(model)
    source = as_image_source(images, spec)
    if spec.shape is None or (static and None in spec.shape):
        sample_shape = None
        if source.array is None and source.batches is not None:
            first = next(source.batches)
            source.batches = _chain(first, source.batches)
            sample_shape = tuple(first.shape[1:])
        elif source.array is not None:
            sample_shape = tuple(source.array.shape[1:])
        spec = dataclasses.replace(spec, shape=sample_shape)
    if source.array is not None:
        check_input_range(model, source.array)
    return source, spec


def prepare(
    model: keras.Model,
    images: ImagesLike,
    layers: LayersLike,
    *,
    stage: str,
    static: bool = False,
) -> tuple[ImageSource, list[LayerRef], bool, Extractor]:
    """Check ``images`` and ``layers`` and fetch the cached extractor for them.

    ``static=True`` builds the extractor for the images' own size when the model
    takes free sizes (a reduction that needs the map's shape, such as top_images).
    """
    source, spec = prepare_images(model, images, static=static)
    refs, one_layer, extractor, _ = extractor_for(model, layers, stage=stage, spec=spec)
    return source, refs, one_layer, extractor
