"""The extractors of a model: built once per set of layers, under a lock, kept LRU."""

from __future__ import annotations

import logging
import weakref
from collections import OrderedDict

import keras

from activations._inputs import ModelInput, input_spec
from activations._layers import LayerRef, resolve_layers
from activations._tap import fused_activation
from activations._trace import BUILD_LOCK, Extractor, build_extractor
from activations._types import LayersLike

__all__ = ["CACHE_SIZE", "check_built", "extractor_for"]

logger = logging.getLogger("activations")

CACHE_SIZE = 8
"""Extractors kept per model (the most recently used); older ones are freed."""

# model -> OrderedDict {key: (refs, one_layer, extractor)}, least recently used first;
# entries die with the model.
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _check_stage(refs: list[LayerRef], stage: str) -> None:
    if stage != "pre":
        return
    for ref in refs:
        if fused_activation(ref.layer) is None:
            raise ValueError(
                "`stage='pre'` needs a layer with a fused activation, such as "
                f"Conv2D(..., activation='relu'). Layer '{ref.name}' "
                f"({type(ref.layer).__name__}) has none: its output is already the value before "
                "any activation that follows it as a separate layer. "
                f"Received: stage='pre', layer={ref.name!r}"
            )


def _layers_key(layers: LayersLike) -> tuple | None:
    """A hashable cache key for the ``layers`` argument, or None."""
    items = tuple(layers) if isinstance(layers, (list, tuple)) else (layers,)
    key = (isinstance(layers, (list, tuple)), items)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def extractor_for(
    model: keras.Model,
    layers: LayersLike,
    *,
    stage: str = "output",
    sample_shape: tuple | None = None,
    spec: ModelInput | None = None,
) -> tuple[list[LayerRef], bool, Extractor, ModelInput]:
    """Resolve ``layers`` and return a cached multi-output extractor model.

    Parameters
    ----------
    model : keras.Model
    layers : str, int, keras.layers.Layer or list of these
    stage : {"output", "pre"}
    sample_shape : tuple, optional
        Shape of one sample, used only when the model does not declare its
        input shape (subclassed models).
    spec : ModelInput, optional
        ``input_spec(model)``, when the caller already has it.

    Returns
    -------
    refs : list of LayerRef
    one_layer : bool
        Whether ``layers`` named one layer (not a list).
    extractor : Extractor
        Returns one tensor per ref.
    spec : ModelInput
    """
    spec = input_spec(model) if spec is None else spec
    input_shape = spec.shape if spec.shape is not None else sample_shape
    key = _layers_key(layers)
    full_key = None if key is None else (key, stage, input_shape, spec.dtype)
    with BUILD_LOCK:  # one build at a time; a second thread then finds it cached
        per_model = _CACHE.setdefault(model, OrderedDict())
        if full_key is not None and full_key in per_model:
            per_model.move_to_end(full_key)
            refs, one_layer, extractor = per_model[full_key]
            return refs, one_layer, extractor, spec
        refs, one_layer = resolve_layers(model, layers)
        _check_stage(refs, stage)
        check_built(model)
        if input_shape is None:
            raise ValueError(
                f"Model '{model.name}' does not declare its input shape; pass images so the "
                "shape can be read from them."
            )
        logger.debug("Building an extractor for %s (stage=%s)", [r.name for r in refs], stage)
        extractor = build_extractor(
            model, refs, input_shape=tuple(input_shape), dtype=spec.dtype, stage=stage
        )
        if keras.backend.backend() != "jax":
            for part in extractor.models:
                part.make_predict_function()
        if full_key is not None:
            per_model[full_key] = (refs, one_layer, extractor)
            while len(per_model) > CACHE_SIZE:
                per_model.popitem(last=False)
    return refs, one_layer, extractor, spec


def check_built(model: keras.Model) -> None:
    if not model.built:
        raise ValueError(
            f"Model '{model.name}' is not built: it has no weights yet and does not know its "
            "input shape. activations() never builds or changes a model; build it first, "
            "e.g. with `keras.Input(shape)` as its first layer, `model.build((None, ...))` "
            f"or one call `model(x)`. Received: model '{model.name}' with built=False"
        )
