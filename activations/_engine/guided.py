"""Guided backpropagation's ReLUs: a traced copy of a model whose ReLUs pass back less.

Guided backpropagation (Springenberg et al. 2015) changes only the backward pass
of each ReLU: the gradient flows where the ReLU's input was positive *and* the
gradient arriving from above is positive (MATLAB's ``"guided-backprop"``,
Captum's ``GuidedBackprop``). The forward pass is the model's own.

The model is never changed: :func:`guided_swaps` names its ReLU layers and,
for each, what it computes in the traced copy instead (:data:`tap.Swap`): a
``keras.layers.ReLU`` becomes :class:`GuidedReLU`; a layer with a fused ReLU
(``Conv2D(..., activation="relu")``, ``Activation("relu")``) runs as its linear
twin followed by :func:`guided_relu`. The gradient rule is one
``keras.ops.custom_gradient``, so it holds on TensorFlow, JAX and PyTorch.

ReLUs that are not layers (``keras.ops.relu`` inside a subclassed ``call()``)
keep their plain gradient, as in Captum, which overrides ``nn.ReLU`` modules only.
"""

from __future__ import annotations

import itertools
from typing import Any

import keras

from activations._engine.layers import LayerRef, iter_layers
from activations._engine.tap import Swap, activation_swapped, fused_activation

__all__ = ["GuidedReLU", "guided_relu", "guided_swaps", "is_relu"]


@keras.ops.custom_gradient
def guided_relu(x: Any) -> Any:
    """``relu(x)``, whose gradient passes only where ``x > 0`` and the upstream is > 0."""

    def grad(*args: Any, upstream: Any = None) -> Any:
        # TensorFlow and JAX call grad(upstream); torch calls grad(*inputs, upstream=...).
        if upstream is None:
            (upstream,) = args
        zero = keras.ops.zeros_like(upstream)
        open_ = keras.ops.logical_and(keras.ops.greater(x, 0), keras.ops.greater(upstream, 0))
        return keras.ops.where(open_, upstream, zero)

    return keras.ops.relu(x), grad


class GuidedReLU(keras.layers.Layer):
    """A ReLU layer with guided backpropagation's backward pass."""

    def call(self, inputs: Any) -> Any:
        return guided_relu(inputs)

    def compute_output_spec(self, inputs: Any) -> Any:
        return keras.KerasTensor(inputs.shape, dtype=inputs.dtype)


def is_relu(layer: keras.layers.Layer) -> bool:
    """Whether ``layer`` applies a plain ReLU: a default ``ReLU`` layer or a fused ``relu``."""
    if isinstance(layer, keras.Model):
        return False
    if type(layer) is keras.layers.ReLU:
        plain = (layer.max_value, layer.negative_slope, layer.threshold)
        return plain[0] is None and float(plain[1]) == 0.0 and float(plain[2]) == 0.0
    activation = fused_activation(layer)
    return getattr(activation, "__name__", "") == "relu"


_CALLS = itertools.count()


def _guided_layer(layer: keras.layers.Layer, base: type, args: tuple, kwargs: dict) -> Any:
    # One name per call: a model may call one ReLU layer after every conv.
    name = f"{layer.name}__guided{next(_CALLS)}"
    return GuidedReLU(name=name, dtype=layer.dtype_policy)(args[0])


def _guided_fused(layer: keras.layers.Layer, base: type, args: tuple, kwargs: dict) -> Any:
    return activation_swapped(layer, base, guided_relu, *args)


def guided_swaps(model: keras.Model) -> tuple[list[LayerRef], dict[int, Swap]]:
    """The ReLU layers of ``model`` (nested ones too) and their guided replacements.

    Returns
    -------
    refs : list of LayerRef
        To tap in the trace (their paths are traced through).
    swaps : dict
        ``id(layer) -> swap``, for :func:`activations._engine.trace.trace`.
    """
    refs = [ref for ref in iter_layers(model) if is_relu(ref.layer)]
    swaps: dict[int, Swap] = {
        id(ref.layer): _guided_layer if type(ref.layer) is keras.layers.ReLU else _guided_fused
        for ref in refs
    }
    return refs, swaps
