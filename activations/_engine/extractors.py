"""The extractors of a model: built once per set of layers, in the one cache (:mod:`._cache`)."""

from __future__ import annotations

import logging

import keras

from activations._engine.cache import DerivedCache
from activations._engine.inputs import ModelInput, input_spec
from activations._engine.layers import LayerRef, resolve_layers
from activations._engine.tap import fused_activation
from activations._engine.trace import BUILD_LOCK, Extractor, build_extractor
from activations._types import LayersLike

__all__ = ["check_built", "extractor_for"]

logger = logging.getLogger("activations")

# model -> {key: (refs, one_layer, extractor)}, least recently used first.
_EXTRACTORS: DerivedCache = DerivedCache("extractors")


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

    def build() -> tuple[list[LayerRef], bool, Extractor]:
        return _build(model, layers, stage, input_shape, spec.dtype)

    if full_key is None:  # unhashable layer specs: built each time, never kept
        with BUILD_LOCK:
            refs, one_layer, extractor = build()
    else:
        refs, one_layer, extractor = _EXTRACTORS.get(model, full_key, build)
    return refs, one_layer, extractor, spec


def _build(
    model: keras.Model, layers: LayersLike, stage: str, input_shape: tuple | None, dtype: str
) -> tuple[list[LayerRef], bool, Extractor]:
    """Resolve ``layers`` and build their extractor (the cache calls this once)."""
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
        model, refs, input_shape=tuple(input_shape), dtype=dtype, stage=stage
    )
    if keras.backend.backend() != "jax":
        for part in extractor.models:
            part.make_predict_function()
    return refs, one_layer, extractor


def check_built(model: keras.Model) -> None:
    if not model.built:
        raise ValueError(
            f"Model '{model.name}' is not built: it has no weights yet and does not know its "
            "input shape. activations() never builds or changes a model; build it first, "
            "e.g. with `keras.Input(shape)` as its first layer, `model.build((None, ...))` "
            f"or one call `model(x)`. Received: model '{model.name}' with built=False"
        )
