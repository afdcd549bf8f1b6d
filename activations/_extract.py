"""``activations(model, images, layers)``: MATLAB's activations for Keras 3."""

from __future__ import annotations

import logging
import weakref
from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

from activations._inputs import ImageSource, ModelInput, as_image_source, check_model, model_input
from activations._layers import LayerRef, resolve_layers
from activations._trace import STAGES, build_extractor, fused_activation

__all__ = ["activations", "extractor_for", "prepare"]

logger = logging.getLogger("activations")

OUTPUT_AS = ("channels", "rows", "columns")

# model -> {key: (refs, single, extractor)}; entries die with the model.
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _check_options(model, output_as: str, batch_size: int, stage: str) -> None:
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
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or (batch_size < 1)
    ):
        raise ValueError(
            f"Expected `batch_size` to be a positive integer. Received: batch_size={batch_size!r}"
        )


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


def _layers_key(layers: Any) -> tuple | None:
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
    layers: Any,
    *,
    stage: str = "output",
    sample_shape: tuple | None = None,
    spec: ModelInput | None = None,
) -> tuple[list[LayerRef], bool, keras.Model, ModelInput]:
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
        ``model_input(model)``, when the caller already has it.

    Returns
    -------
    refs : list of LayerRef
    single : bool
        Whether ``layers`` named one layer.
    extractor : keras.Model
        Returns one tensor per ref.
    spec : ModelInput
    """
    per_model = _CACHE.setdefault(model, {})
    spec = model_input(model) if spec is None else spec
    input_shape = spec.shape if spec.shape is not None else sample_shape
    key = _layers_key(layers)
    full_key = None if key is None else (key, stage, input_shape, spec.dtype)
    if full_key is not None and full_key in per_model:
        refs, single, extractor = per_model[full_key]
        return refs, single, extractor, spec
    refs, single = resolve_layers(model, layers)
    _check_stage(refs, stage)
    if input_shape is None:
        raise ValueError(
            f"Model '{model.name}' does not declare its input shape; pass images so the shape "
            "can be read from them."
        )
    logger.debug("Building an extractor for %s (stage=%s)", [r.name for r in refs], stage)
    extractor = build_extractor(
        model, refs, input_shape=tuple(input_shape), dtype=spec.dtype, stage=stage
    )
    if full_key is not None:
        per_model[full_key] = (refs, single, extractor)
    return refs, single, extractor, spec


def _predict(extractor: keras.Model, batch: np.ndarray) -> list[np.ndarray]:
    """One compiled forward pass; the outputs as float32 host arrays."""
    if keras.backend.backend() == "jax":
        outs = extractor.predict_on_batch(batch)
    else:
        # The same compiled step predict_on_batch runs, without its extra copy
        # of every output: on the CPU np.asarray shares the tensor's buffer.
        extractor.make_predict_function()
        outs = extractor.predict_function([(batch,)])
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    return [np.asarray(_host(o), dtype=np.float32) for o in outs]


def _host(tensor):
    # torch tensors may live on a GPU; TF CPU tensors convert without a copy.
    return keras.ops.convert_to_numpy(tensor) if keras.backend.backend() == "torch" else tensor


def _run(extractor: keras.Model, source: ImageSource, batch_size: int) -> list[np.ndarray]:
    if source.array is None:  # an iterable of batches: length unknown, keep the pieces
        pieces: list[list[np.ndarray]] = []
        for batch in source.iter_batches(batch_size):
            outs = _predict(extractor, batch)
            pieces = pieces or [[] for _ in outs]
            for kept, out in zip(pieces, outs):
                kept.append(out)
        return [np.concatenate(kept) for kept in pieces]
    total = len(source.array)
    if total <= batch_size:
        return _predict(extractor, source.array)
    results: list[np.ndarray] = []
    for start, batch in zip(range(0, total, batch_size), source.iter_batches(batch_size)):
        outs = _predict(extractor, batch)
        results = results or [np.empty((total,) + o.shape[1:], np.float32) for o in outs]
        for full, out in zip(results, outs):
            full[start : start + len(out)] = out
    return results


def _shape_output(x: np.ndarray, output_as: str, single: bool) -> np.ndarray:
    if output_as == "channels":
        return x[0] if single else x
    rows = x.reshape(len(x), -1)
    return rows if output_as == "rows" else rows.T


def activations(
    model: keras.Model,
    images: Any,
    layers: Any,
    *,
    output_as: str = "channels",
    batch_size: int = 32,
    stage: str = "output",
) -> NDArray[np.float32] | dict[str, NDArray[np.float32]]:
    """Outputs of one or more layers of a Keras model for some images.

    The Keras counterpart of MATLAB's ``act = activations(net, im, layer)``.
    All requested layers come from one forward pass per mini-batch, through a
    compiled extractor that is built once per (model, layers) and cached.
    The model is never compiled, trained or left changed.

    Parameters
    ----------
    model : keras.Model
        Any Keras 3 model with one input: Sequential, Functional, a model nested
        in another, or a subclassed model whose ``call`` uses Keras layers.
    images : array_like, list of arrays, or iterable of batches
        One image of shape (H, W, C) (or (H, W) for one-channel models), a batch
        (N, H, W, C), a list of same-size images, or an iterable such as a
        ``tf.data.Dataset`` yielding batches (or ``(x, y)`` tuples). Any real
        dtype; values are passed to the model as they are (no scaling).
    layers : str, int, keras.layers.Layer, or list of these
        Layer name (``"inner/conv1"`` for a layer of a nested model; a unique
        plain name is found anywhere), index into ``model.layers`` (negative
        allowed) or the layer object.
    output_as : {"channels", "rows", "columns"}
        ``"channels"``: (N, h, w, c), or (h, w, c) for one image. ``"rows"``:
        (N, h*w*c). ``"columns"``: (h*w*c, N). Flattening is row-major over
        (h, w, c).
    batch_size : int
        Images per forward pass; memory is bounded by one batch of activations
        plus the result.
    stage : {"output", "pre"}
        ``"pre"`` returns a layer's value before its fused activation (e.g. a
        Conv2D with ``activation="relu"``): the pre-ReLU map.

    Returns
    -------
    ndarray of float32 or dict of str to ndarray
        One array for one layer; for a list, a dict keyed by layer name in the
        order given.

    Raises
    ------
    TypeError
        For a model, images or layer of the wrong type.
    ValueError
        For an unknown layer or index, images that do not fit the model input,
        NaN or infinite pixels, an empty batch, ``stage="pre"`` on a layer
        without a fused activation, an unknown option, or a model whose layers
        cannot be tapped.

    Examples
    --------
    >>> import keras, numpy as np
    >>> model = keras.Sequential([keras.Input((4, 4, 1)),
    ...                           keras.layers.Conv2D(2, 3, name="conv")])
    >>> activations(model, np.zeros((4, 4, 1)), "conv").shape
    (2, 2, 2)
    """
    _check_options(model, output_as, batch_size, stage)
    source, refs, single, extractor = prepare(model, images, layers, stage=stage)
    outs = _run(extractor, source, int(batch_size))
    shaped = [_shape_output(o, output_as, source.single) for o in outs]
    if single:
        return shaped[0]
    return {ref.name: out for ref, out in zip(refs, shaped)}


def _chain(first, rest):
    yield first
    yield from rest


def prepare(
    model: keras.Model, images: Any, layers: Any, *, stage: str
) -> tuple[ImageSource, list[LayerRef], bool, keras.Model]:
    """Check ``images`` and ``layers`` and fetch the cached extractor for them."""
    spec = model_input(model)
    source = as_image_source(images, spec)
    sample_shape = None
    if spec.shape is None:  # a subclassed model: the images tell the input shape
        if source.array is None:
            first = next(source.batches)
            source.batches = _chain(first, source.batches)
            sample_shape = first.shape[1:]
        else:
            sample_shape = source.array.shape[1:]
    refs, single, extractor, _ = extractor_for(
        model, layers, stage=stage, sample_shape=sample_shape, spec=spec
    )
    return source, refs, single, extractor
