"""``activations(model, images, layers)``: MATLAB's activations for Keras 3."""

from __future__ import annotations

import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal, overload

import keras
import numpy as np
from numpy.typing import NDArray

from activations._input_range import check_input_range
from activations._inputs import ImageSource, ModelInput, as_image_source, check_model, input_spec
from activations._layers import LayerRef, resolve_layers
from activations._stop import check_stop
from activations._trace import BUILD_LOCK, STAGES, Extractor, build_extractor, fused_activation
from activations._types import ImagesLike, LayersLike, LayerSpec

__all__ = [
    "CACHE_SIZE",
    "activations",
    "check_options",
    "extractor_for",
    "predict_batch",
    "prepare",
    "run_extractor",
]

logger = logging.getLogger("activations")

OUTPUT_AS = ("channels", "rows", "columns")

CACHE_SIZE = 8
"""Extractors kept per model (the most recently used); older ones are freed."""

# model -> OrderedDict {key: (refs, one_layer, extractor)}, least recently used first;
# entries die with the model.
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def check_options(model: object, output_as: str, batch_size: int, stage: str) -> None:
    """Validate the options shared by ``activations()`` and ``channel_stats()``."""
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
        _check_built(model)
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


def _check_built(model: keras.Model) -> None:
    if not model.built:
        raise ValueError(
            f"Model '{model.name}' is not built: it has no weights yet and does not know its "
            "input shape. activations() never builds or changes a model; build it first, "
            "e.g. with `keras.Input(shape)` as its first layer, `model.build((None, ...))` "
            f"or one call `model(x)`. Received: model '{model.name}' with built=False"
        )


class _RetraceFilter(logging.Filter):
    """Drop TensorFlow's 'triggered tf.function retracing' warning for our own steps.

    Every extractor is its own compiled model, traced once (and once more for a
    smaller last batch): tracing many of them in a row is what TF warns about,
    and it is expected here. The warning is kept for everything else.
    """

    active = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        ours = getattr(self.active, "on", False)
        return not (ours and "triggered tf.function retracing" in record.getMessage())


_RETRACE_FILTER = _RetraceFilter()


def _quiet_retracing() -> None:
    tf_logger = logging.getLogger("tensorflow")
    if _RETRACE_FILTER not in tf_logger.filters:
        tf_logger.addFilter(_RETRACE_FILTER)


# Keras' own JAX predict step donates the weight buffers and writes new ones back
# to the variables, which the extractors share with the user's model: a thread
# calling the model while we predict would find its buffers deleted. On JAX we
# compile the public `stateless_call` ourselves, without donation: nothing is
# written back, so the user's variables are never touched.
_JAX_STEPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _jax_step(model: keras.Model) -> Callable[..., Any]:
    if model not in _JAX_STEPS:
        import jax

        def step(trainable: list[Any], non_trainable: list[Any], x: Any) -> Any:
            return model.stateless_call(trainable, non_trainable, x, training=False)[0]

        _JAX_STEPS[model] = jax.jit(step)
    return _JAX_STEPS[model]


def predict_batch(model: keras.Model, batch: np.ndarray) -> list[np.ndarray]:
    """One compiled forward pass of one model; the outputs as float32 host arrays."""
    if keras.backend.backend() == "jax":
        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]
        outs = _jax_step(model)(trainable, non_trainable, batch)
    else:
        # The same compiled step predict_on_batch runs, without its extra copy
        # of every output: on the CPU np.asarray shares the tensor's buffer.
        model.make_predict_function()
        _quiet_retracing()
        _RetraceFilter.active.on = True
        try:
            outs = model.predict_function([(batch,)])
        finally:
            _RetraceFilter.active.on = False
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    return [np.asarray(_host(o), dtype=np.float32) for o in outs]


def run_extractor(extractor: Extractor, batch: np.ndarray) -> list[np.ndarray]:
    """All outputs of ``extractor`` for one batch, in the requested order.

    Arrays may share memory with the backend's tensors (read-only).
    """
    check_stop()  # a batch is a safe point to honour the command line's SIGTERM
    outs: list[np.ndarray | None] = [None] * sum(len(s) for s in extractor.slots)
    for model, slots in zip(extractor.models, extractor.slots):
        for slot, out in zip(slots, predict_batch(model, batch)):
            outs[slot] = out
    return outs  # type: ignore[return-value]  # every slot is filled: slots number the outputs


def _host(tensor: Any) -> Any:
    # torch tensors may live on a GPU; TF CPU tensors convert without a copy.
    return keras.ops.convert_to_numpy(tensor) if keras.backend.backend() == "torch" else tensor


def _writeable(x: np.ndarray) -> np.ndarray:
    return x if x.flags.writeable else x.copy()


def _run(extractor: Extractor, source: ImageSource, batch_size: int) -> list[np.ndarray]:
    """Every output for every image, as new writeable float32 arrays."""
    if source.array is None:  # an iterable of batches: length unknown, keep the pieces
        pieces: list[list[np.ndarray]] = []
        for batch in source.iter_batches(batch_size):
            outs = run_extractor(extractor, batch)
            pieces = pieces or [[] for _ in outs]
            for kept, out in zip(pieces, outs):
                kept.append(out)
        return [np.concatenate(kept) for kept in pieces]
    total = len(source.array)
    if total <= batch_size:
        return [_writeable(o) for o in run_extractor(extractor, source.array)]
    results: list[np.ndarray] = []
    for start, batch in zip(range(0, total, batch_size), source.iter_batches(batch_size)):
        outs = run_extractor(extractor, batch)
        results = results or [np.empty((total,) + o.shape[1:], np.float32) for o in outs]
        for full, out in zip(results, outs):
            full[start : start + len(out)] = out
    return results


def _shape_output(x: np.ndarray, output_as: str, one_image: bool) -> np.ndarray:
    if output_as == "channels":
        return x[0] if one_image else x
    rows = x.reshape(len(x), -1)
    return rows if output_as == "rows" else rows.T


# "all" is a str, and gives a dict: the overloads overlap. mypy sees that only when
# keras is typed (here keras.layers.Layer in LayerSpec is Any), hence unused-ignore.
@overload
def activations(  # type: ignore[overload-overlap, unused-ignore]
    model: keras.Model,
    images: ImagesLike,
    layers: Literal["all"] | list[Any] | tuple[Any, ...],
    *,
    output_as: str = ...,
    batch_size: int = ...,
    stage: str = ...,
) -> dict[str, NDArray[np.float32]]: ...


@overload
def activations(
    model: keras.Model,
    images: ImagesLike,
    layers: LayerSpec,
    *,
    output_as: str = ...,
    batch_size: int = ...,
    stage: str = ...,
) -> NDArray[np.float32]: ...


def activations(
    model: keras.Model,
    images: ImagesLike,
    layers: LayersLike,
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
    layers : str, int, keras.layers.Layer, list of these, or "all"
        Layer name (``"inner/conv1"`` for a layer of a nested model; a unique
        plain name is found anywhere), index into ``model.layers`` (negative
        allowed) or the layer object. ``"all"``: every layer that has an output
        (nested models and their layers included, input layers excluded), as
        a dict in the order of ``analyze_network``.
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
        One array for one layer; for a list, a dict keyed by layer name (as
        asked: ``"inner/conv1"`` stays a path) in the order given. Always new,
        writeable arrays that share no memory with the backend.

    Raises
    ------
    TypeError
        For a model, images or layer of the wrong type.
    ValueError
        For an unknown layer or index, images that do not fit the model input,
        NaN or infinite pixels (also float64 values beyond float32's range),
        an empty batch, an unbuilt model, ``stage="pre"`` on a layer
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
    check_options(model, output_as, batch_size, stage)
    source, refs, one_layer, extractor = prepare(model, images, layers, stage=stage)
    outs = _run(extractor, source, int(batch_size))
    shaped = [_shape_output(o, output_as, source.one_image) for o in outs]
    if one_layer:
        return shaped[0]
    return {ref.name: out for ref, out in zip(refs, shaped)}


def _chain(first: np.ndarray, rest: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    yield first
    yield from rest


def prepare(
    model: keras.Model, images: ImagesLike, layers: LayersLike, *, stage: str
) -> tuple[ImageSource, list[LayerRef], bool, Extractor]:
    """Check ``images`` and ``layers`` and fetch the cached extractor for them."""
    _check_built(model)
    spec = input_spec(model)
    source = as_image_source(images, spec)
    sample_shape = None
    if spec.shape is None:  # a subclassed model: the images tell the input shape
        if source.array is None and source.batches is not None:
            first = next(source.batches)
            source.batches = _chain(first, source.batches)
            sample_shape = first.shape[1:]
        elif source.array is not None:
            sample_shape = source.array.shape[1:]
    if source.array is not None:
        check_input_range(model, source.array)
    refs, one_layer, extractor, _ = extractor_for(
        model, layers, stage=stage, sample_shape=sample_shape, spec=spec
    )
    return source, refs, one_layer, extractor
