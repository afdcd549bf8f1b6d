"""Build one multi-output Keras model that returns the outputs of chosen layers.

Any Keras 3 model is re-run symbolically on a fresh ``keras.Input``: its
``call`` is invoked directly, so the layers it calls receive symbolic tensors
and record a graph, whatever kind of model it is (Sequential, Functional,
subclassed). Nested models on the way to a requested layer are traced
through the same way. The requested layers are tapped by giving them, for the
duration of the trace only, a subclass whose ``__call__`` records the output;
the original class is restored in ``finally``. The result is an ordinary
functional ``keras.Model`` sharing the user's layers and weights, so
``predict_on_batch`` runs it as one compiled forward pass.

Keras behaviour we rely on beyond its documented API, why, and the test that
fails first if a Keras release changes it:

1. Swapping a layer's ``__class__`` for the trace (``_tap.tapped``). Keras has no
   hook that returns the output of a layer inside a subclassed model's
   ``call``; a subclass that records what ``__call__`` returns works on every
   model kind and backend. The swap happens only under :data:`BUILD_LOCK` and
   is undone in ``finally``; eager (non-symbolic) calls from other threads pass
   straight to the original ``__call__``. Guards: ``test_trace.py::
   test_classes_are_restored_when_the_trace_fails``, ``test_extract.py::
   test_threads_on_a_cold_cache_all_succeed_and_leave_the_model_alone``.
2. ``stage="pre"``: Conv and Dense layers apply ``self.activation`` at the end
   of ``call()``. A shallow ``copy.copy`` of the layer (same variables) with a
   linear activation gives the value before it; the user's layer is never
   changed, which matters under eager torch, where ``call()`` runs on every
   predict. Guards: ``test_extract.py::test_pre_stage_is_before_the_fused_relu``,
   ``::test_pre_stage_never_changes_what_other_threads_see``.
3. Keras' functional graph refuses two operations of one name. Tracing through
   nested models puts their layers in one graph, so ``a/fc1`` and ``b/fc1``
   clash; we recognise the error by its words ("names should be unique") and
   split the extractor. Guard: ``test_extract.py::
   test_nested_layers_whose_names_collide_come_together``.
4. ``model.predict_function([(batch,)])`` (TensorFlow, torch, in
   ``_predict.predict_batch``): the compiled step ``predict_on_batch`` runs, called
   with its private data convention (an iterable of 1-tuples), to skip
   ``predict_on_batch``'s extra copy of every output. On JAX we jit the public
   ``stateless_call`` instead, since Keras' JAX step donates the weight buffers
   the user's model shares. Guards: every ``core`` test, run on all three
   backends by ``scripts/test.sh``.
5. A Sequential model hides its ``InputLayer`` from ``layers``; its name is read
   from ``model.inputs[0]._keras_history.operation`` (``_layers``) to explain a
   request for it. Guard: ``test_extract.py::test_the_input_layer_by_name_is_explained``.
   ``_gradcam`` reads the layer behind each of ``model.outputs`` the same way to pick
   the default score layer. Guard: ``test_gradcam.py::test_defaults_label_and_one_image``.
6. Every derived model we build (extractors, Grad-CAM's, the dream's, the reducers)
   is built inside :func:`graph_kept`, which snapshots each layer's graph nodes
   (``_flatten_layers``, ``_inbound_nodes``, ``_outbound_nodes``) and restores them once
   the model is built: a functional model keeps its own list of nodes and needs the
   layers' lists only while it is constructed (and when it is serialized, which ours
   never are). Guard: ``test_model_unchanged.py``.
7. ``_receptive_field`` walks a traced graph backwards, from a tensor's
   ``_keras_history.operation`` to that operation's ``_inbound_nodes[i].input_tensors``:
   Keras has no public way to find what feeds a layer. Guards: the empirical tests of
   ``test_receptive_field.py`` (one lit pixel per image against every cell's box).
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import keras

from activations._engine.layers import LayerRef
from activations._engine.tap import tapped

__all__ = [
    "BUILD_LOCK",
    "STAGES",
    "Extractor",
    "build_extractor",
    "graph_kept",
    "parents",
    "producer",
    "structured",
    "trace",
    "trace_error",
    "upstream",
]

BUILD_LOCK = threading.RLock()
"""Held while layers are tapped: one trace at a time, so no thread sees another's swap."""

STAGES = ("output", "pre")


# A model built inside graph_kept -> the node lists of the user's layers that the
# build changed, as they were then: what building another model on its outputs
# needs back for a moment (the reducers, the dream's model). Layers only, never
# the user's model itself, so the record keeps nothing of the user's alive.
_GRAPHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@contextmanager
def graph_kept(model: keras.Model) -> Iterator[Callable[[keras.Model], None]]:
    """Leave ``model``'s layers holding exactly the graph nodes they held before.

    Tracing a model, or building a model on the traced outputs, adds nodes to
    the user's layers (one per symbolic call, one per op that consumes an
    output). Inside this block, under :data:`BUILD_LOCK`, they may; on the way
    out each layer's node lists are restored, so the user's model (``layer.output``,
    its config, saving) is left exactly as found. Models built inside keep
    working: they hold their own nodes.

    Parameters
    ----------
    model : keras.Model
        The user's model, or a model built inside an earlier block (an
        extractor), whose graph is put back for the duration of this one so
        that new models can be built on its outputs.

    Yields
    ------
    keep : callable
        ``keep(new_model)`` records the graph ``new_model`` was built on, so
        that later blocks can build on it in turn.
    """
    with BUILD_LOCK:
        graph = _GRAPHS.get(model, [])
        every = [*model._flatten_layers(include_self=True, recursive=True), *(g[0] for g in graph)]
        layers = list({id(layer): layer for layer in every}.values())
        saved = _nodes(layers)
        _install(graph)
        kept: list[keras.Model] = []
        try:
            yield kept.append
            before = {id(layer): (len(inb), len(out)) for layer, inb, out in saved}
            now = [
                entry
                for entry in _nodes(layers)
                if (len(entry[1]), len(entry[2])) != before[id(entry[0])]
            ]
            for built in kept:
                _GRAPHS[built] = now
        finally:
            _install(saved)


def _nodes(layers: Sequence[Any]) -> list[tuple[Any, list, list]]:
    return [(layer, list(layer._inbound_nodes), list(layer._outbound_nodes)) for layer in layers]


def _install(graph: list[tuple[Any, list, list]]) -> None:
    for layer, inbound, outbound in graph:
        layer._inbound_nodes[:] = inbound
        layer._outbound_nodes[:] = outbound


def producer(tensor: Any) -> Any:
    """The operation (a layer, or a ``keras.ops`` op) that produced a symbolic tensor."""
    history = getattr(tensor, "_keras_history", None)
    return getattr(history, "operation", None)


def parents(tensor: Any) -> list[Any]:
    """The tensors a traced tensor is computed from (none for an input)."""
    history = getattr(tensor, "_keras_history", None)
    op = getattr(history, "operation", None)
    if history is None or op is None or isinstance(op, keras.layers.InputLayer):
        return []
    return list(op._inbound_nodes[history.node_index].input_tensors)


def upstream(output: Any) -> list[Any]:
    """The tensors ``output`` depends on, each after all of its inputs (no recursion)."""
    order, seen, stack = [], set(), [(output, False)]
    while stack:
        tensor, done = stack.pop()
        if done:
            order.append(tensor)
        elif id(tensor) not in seen:
            seen.add(id(tensor))
            stack += [(tensor, True)] + [(p, False) for p in parents(tensor)]
    return order


def trace_error(model: keras.Model, refs: Sequence[LayerRef], err: Exception) -> ValueError:
    first_line = (str(err).splitlines() or [""])[0]
    return ValueError(
        f"Could not tap layers {[r.name for r in refs]} of model '{model.name}': running its "
        f"`call()` on a symbolic `keras.Input` failed with {type(err).__name__}: "
        f"{first_line} "
        "A model can be tapped when its `call()` uses Keras layers and `keras.ops` only "
        "(backend calls such as `tf.*` on the inputs cannot be traced)."
    )


def structured(model: keras.Model, inputs: keras.KerasTensor) -> Any:
    """``inputs`` in the nesting the model was built with (``inputs=[x]`` takes a list)."""
    try:
        declared = model.input
    except (AttributeError, ValueError):  # subclassed models declare no input
        return inputs
    if isinstance(declared, (list, tuple, dict)):
        return keras.tree.pack_sequence_as(declared, [inputs])
    return inputs


def trace(
    model: keras.Model,
    refs: Sequence[LayerRef],
    *,
    input_shape: tuple,
    dtype: str = "float32",
    stage: str | Mapping[int, str] = "output",
    shifts: Mapping[int, Any] | None = None,
    swaps: Mapping[int, Any] | None = None,
) -> tuple[keras.KerasTensor, dict[int, list]]:
    """Run ``model.call`` on a fresh ``keras.Input`` with ``refs`` tapped.

    Holds :data:`BUILD_LOCK` while the layers are tapped. ``stage`` is one stage
    for every ref or ``id(layer) -> stage``; ``shifts`` and ``swaps`` as in
    :func:`activations._engine.tap.tapped` (Grad-CAM's shift of its feature maps,
    guided backpropagation's ReLUs).

    Returns
    -------
    inputs : KerasTensor
        The symbolic input.
    captures : dict
        ``id(layer)`` -> list of the symbolic outputs of each call of that layer.

    Raises
    ------
    ValueError
        If the model's ``call`` cannot run on symbolic tensors.
    """
    captures: dict[int, list] = {}
    inputs = keras.Input(shape=input_shape, dtype=dtype, name="activations_input")
    with BUILD_LOCK, tapped(refs, stage, captures, shifts=shifts, swaps=swaps):
        try:
            model.call(structured(model, inputs))
        except Exception as err:  # any failure of a user's call() during tracing
            raise trace_error(model, refs, err) from err
    return inputs, captures


@dataclass(frozen=True, eq=False)
class Extractor:
    """Functional models that together return the outputs of some layers.

    Usually one model. Layers of nested models whose names collide once the
    nesting is traced through (``"a/fc1"`` and ``"b/fc1"``) cannot live in one
    Keras graph, so they get one model per group.

    Attributes
    ----------
    models : tuple of keras.Model
        Each shares layers and weights with the user's model.
    slots : tuple of tuple of int
        For each model, the positions (in the requested order) of its outputs.
    """

    models: tuple[keras.Model, ...]
    slots: tuple[tuple[int, ...], ...]

    @property
    def outputs(self) -> list[keras.KerasTensor]:
        """The symbolic outputs, in the requested order."""
        found: dict[int, keras.KerasTensor] = {}
        for model, slots in zip(self.models, self.slots):
            found.update(zip(slots, model.outputs))
        return [found[i] for i in range(len(found))]


def _tapped_outputs(
    model: keras.Model, refs: Sequence[LayerRef], captures: dict[int, list[Any]]
) -> list[keras.KerasTensor]:
    outputs = []
    for ref in refs:
        found = captures.get(id(ref.layer), [])
        if len(found) != 1:
            how = "never" if not found else f"{len(found)} times"
            raise ValueError(
                f"Layer '{ref.name}' of model '{model.name}' is called {how} in the model's "
                "forward pass, so its output cannot be tapped unambiguously. "
                f"Received: layer={ref.name!r}"
            )
        out = found[0]
        if not isinstance(out, keras.KerasTensor):
            raise ValueError(
                f"Layer '{ref.name}' returns {len(keras.tree.flatten(out))} tensors; "
                f"activations() taps layers with one output. Received: layer={ref.name!r}"
            )
        outputs.append(out)
    return outputs


def _scope_safe(name: str) -> str:
    """``name`` with what TensorFlow refuses in a root name scope replaced by ``_``.

    A model named e.g. ``'my<model>'`` is a valid Keras model, but TensorFlow's
    root scope names take only ASCII letters, digits and ``_ . - / >``, and
    start with a letter, a digit or a dot.
    """
    safe = re.sub(r"[^A-Za-z0-9_.\-]", "_", name)
    return safe if safe[:1].isalnum() or safe[:1] == "." else f"m{safe}"


def _one_model(
    model: keras.Model, refs: Sequence[LayerRef], *, input_shape: tuple, dtype: str, stage: str
) -> keras.Model:
    with graph_kept(model) as keep:
        inputs, captures = trace(model, refs, input_shape=input_shape, dtype=dtype, stage=stage)
        outputs = _tapped_outputs(model, refs, captures)
        extractor = keras.Model(inputs, outputs, name=f"{_scope_safe(model.name)}_activations")
        keep(extractor)
    return extractor


def _name_clash(err: ValueError) -> bool:
    return "names should be unique" in str(err)


def _groups(refs: Sequence[LayerRef]) -> list[list[int]]:
    """Positions of refs grouped by the nested model they sit in."""
    by_path: dict[tuple, list[int]] = {}
    for i, ref in enumerate(refs):
        by_path.setdefault(tuple(id(p) for p in ref.path), []).append(i)
    return list(by_path.values())


def build_extractor(
    model: keras.Model,
    refs: Sequence[LayerRef],
    *,
    input_shape: tuple,
    dtype: str = "float32",
    stage: str = "output",
) -> Extractor:
    """Build the functional model(s) returning the outputs of ``refs`` in order.

    Parameters
    ----------
    model : keras.Model
        Any built Keras 3 model with one input.
    refs : sequence of LayerRef
        The layers to tap (from :func:`activations._engine.layers.resolve_layers`).
    input_shape : tuple
        Shape of one sample, without the batch axis; ``None`` for free sizes.
    dtype : str
        Input dtype.
    stage : {"output", "pre"}
        ``"pre"`` taps the value before each layer's fused activation.

    Returns
    -------
    Extractor
        One model for all refs, or one per nested model when layer names
        collide across nested models, then one per ref if they still do.

    Raises
    ------
    ValueError
        If the model cannot be traced, or a layer is not called exactly once
        in the traced forward pass, or returns several tensors.
    """
    options: dict[str, Any] = {"input_shape": input_shape, "dtype": dtype, "stage": stage}
    groups = [list(range(len(refs)))]
    for regroup in (_groups, lambda refs: [[i] for i in range(len(refs))], None):
        try:
            models = [_one_model(model, [refs[i] for i in g], **options) for g in groups]
            return Extractor(tuple(models), tuple(tuple(g) for g in groups))
        except ValueError as err:
            if regroup is None or not _name_clash(err):
                raise
        groups = regroup(refs)
    raise AssertionError("unreachable")  # pragma: no cover
