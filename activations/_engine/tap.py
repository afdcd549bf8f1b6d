"""Tapping layers for one trace: a recording subclass, and the pre-activation twin.

:func:`tapped` swaps the class of each requested layer (and of the nested
models on the way) for a subclass whose ``__call__`` records its symbolic
output, and restores it in ``finally``; see :mod:`activations._engine.trace` for the
Keras behaviour this relies on and the tests that guard it.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import keras

from activations._engine.layers import LayerRef

__all__ = ["Swap", "activation_swapped", "fused_activation", "tapped"]

Swap = Callable[[keras.layers.Layer, type, tuple, dict], Any]
"""``swap(layer, base, args, kwargs) -> output``: what a tapped layer computes instead."""


def fused_activation(layer: keras.layers.Layer) -> Callable[..., Any] | None:
    """The activation a layer applies at the end of its ``call``, or None.

    Conv and Dense layers with ``activation="relu"`` (and similar) return one;
    layers without an ``activation`` attribute or with a linear one return None.
    """
    activation = getattr(layer, "activation", None)
    if not callable(activation) or isinstance(activation, keras.layers.Layer):
        return None
    if getattr(activation, "__name__", "") == "linear":
        return None
    return activation


def _linear_twin(layer: keras.layers.Layer, base: type) -> keras.layers.Layer:
    """A shallow copy of ``layer`` (same weight variables) whose activation is linear.

    The user's layer is never touched: another thread may call it at any time.
    Not ``copy.copy``: Keras layers pickle themselves through an H5 file, so
    that makes a new layer with copies of the weights, stale once the user
    sets new ones (and it costs a save and a load).
    """
    twin: keras.layers.Layer = object.__new__(base)
    object.__setattr__(twin, "__dict__", dict(layer.__dict__))
    object.__setattr__(twin, "activation", keras.activations.linear)
    return twin


class _PreActivation(keras.layers.Layer):
    """Run a layer without its fused activation; return (pre, post)."""

    def __init__(
        self,
        inner: keras.layers.Layer,
        base: type,
        activation: Callable[..., Any],
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        name = name or f"{inner.name}__pre"
        super().__init__(name=name, dtype=inner.dtype_policy, **kwargs)
        self.inner = inner  # tracked, so the extractor lists the layer's weights
        object.__setattr__(self, "_twin", _linear_twin(inner, base))
        self.fused = activation

    def call(self, inputs: Any) -> tuple[Any, Any]:
        pre = self._twin.call(inputs)
        return pre, self.fused(pre)


_SWAPPED = itertools.count()


def activation_swapped(
    layer: keras.layers.Layer, base: type, activation: Callable[..., Any], *args: Any
) -> Any:
    """The symbolic output of ``layer`` on ``args`` with its fused activation replaced.

    ``layer`` runs as its linear twin (same weights), and ``activation``
    (written with ``keras.ops``) is applied to that: guided backpropagation's
    ReLU in place of a ``Conv2D(..., activation="relu")``'s own. Each call gets its
    own name: a layer a model calls twice (one ReLU layer after every conv) gives
    two wrappers, and a Keras graph refuses two operations of one name.
    """
    name = f"{layer.name}__swapped{next(_SWAPPED)}"
    return _PreActivation(layer, base, activation, name=name)(*args)[1]


def _is_symbolic(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    return any(isinstance(t, keras.KerasTensor) for t in keras.tree.flatten((args, kwargs)))


def _tap_class(
    base: type,
    captures: dict,
    *,
    record: bool,
    through: bool,
    pre: bool,
    shift: Any = None,
    swap: Swap | None = None,
) -> type:
    """A subclass of ``base`` whose ``__call__`` traces through and/or records.

    With ``shift`` (a symbolic tensor of the output's shape or one that
    broadcasts to it, or a callable that makes one from the output) the recorded
    output is the layer's own, and what flows on is ``output + shift``: the rest
    of the model becomes a function of the shift, so its gradient there is the
    gradient with respect to this layer's output, summed over the broadcast axes
    (Grad-CAM's shift of shape (N, 1, 1, C) gives each channel's summed gradient).
    With ``swap``, the layer computes ``swap(layer, base, args, kwargs)`` instead of
    its own ``__call__`` (guided backpropagation's ReLUs).
    """

    def __call__(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_symbolic(args, kwargs):
            return base.__call__(self, *args, **kwargs)
        if through:
            out = self.call(*args, **kwargs)
        elif pre:
            activation = fused_activation(self)
            assert activation is not None, "stage='pre' layers are checked to have one"
            pre_out, out = _PreActivation(self, base, activation)(*args)
        elif swap is not None:
            out = swap(self, base, args, kwargs)
        else:
            out = base.__call__(self, *args, **kwargs)
        if record:
            captures.setdefault(id(self), []).append(pre_out if pre else out)
        if shift is not None:
            delta = shift(out) if callable(shift) else shift
            out = out if delta is None else keras.ops.add(out, delta)
        return out

    return type(base.__name__, (base,), {"__call__": __call__, "__module__": base.__module__})


@contextlib.contextmanager
def tapped(
    refs: Sequence[LayerRef],
    stage: str | Mapping[int, str],
    captures: dict,
    *,
    shifts: Mapping[int, Any] | None = None,
    swaps: Mapping[int, Swap] | None = None,
) -> Iterator[None]:
    """While inside, the layers of ``refs`` record their symbolic outputs in ``captures``.

    ``stage`` is one stage for all, or ``id(layer) -> stage``; ``shifts`` maps
    ``id(layer)`` to a symbolic tensor added to that layer's output downstream,
    or to a callable that makes that tensor from the output (its shape known then);
    ``swaps`` maps ``id(layer)`` to what the layer computes instead (:data:`Swap`).
    """
    targets = {id(ref.layer) for ref in refs}
    stages = stage if isinstance(stage, Mapping) else dict.fromkeys(targets, stage)
    shifts, swaps = shifts or {}, swaps or {}
    containers = {id(p): p for ref in refs for p in ref.path}
    layers = {id(ref.layer): ref.layer for ref in refs} | containers
    saved = {}
    try:
        for key, layer in layers.items():
            base = type(layer)
            saved[key] = (layer, base)
            cls = _tap_class(
                base,
                captures,
                record=key in targets,
                through=key in containers,
                pre=stages.get(key) == "pre" and key in targets and key not in containers,
                shift=shifts.get(key),
                swap=swaps.get(key) if key not in containers else None,
            )
            object.__setattr__(layer, "__class__", cls)
        yield
    finally:
        for layer, base in saved.values():
            object.__setattr__(layer, "__class__", base)
