"""The score as a function of the input pixels: what the gradient attributions differentiate.

The model is traced once (as for :func:`activations.activations`) into two
functional models sharing its layers: ``scorer``, inputs (x, class weights) and
outputs (score, score x weights), whose summed weighted score
:func:`activations._engine.gradients.gradient_reduce` differentiates with
respect to x; and ``forward``, x -> score, the clean images' scores of SmoothGrad
and Integrated Gradients (their predicted class and the rule for scores that
are not finite). For guided backpropagation the trace swaps the model's ReLU
layers for guided ones (:mod:`activations._engine.guided`); the user's model is
never changed. The channel reductions below run on the device, inside the step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import keras

from activations._engine.cache import DerivedCache
from activations._engine.guided import guided_swaps
from activations._engine.layers import LayerRef
from activations._engine.trace import graph_kept, trace
from activations._explain.scores import Reduction, class_score, score_stage

__all__ = ["CHANNELS", "ScoreModels", "reduce_channels", "score_models"]

logger = logging.getLogger("activations")

CHANNELS: dict[str | None, Callable[[Any], Any]] = {
    "sum-abs": lambda g: keras.ops.sum(keras.ops.abs(g), axis=-1),
    "max-abs": lambda g: keras.ops.max(keras.ops.abs(g), axis=-1),
    "sum": lambda g: keras.ops.sum(g, axis=-1),
    None: lambda g: g,
}
"""How a (N, H, W, C) attribution becomes a map: ``channels=`` of every method."""


def reduce_channels(channels: Any) -> Callable[[Any], Any]:
    """The reduction named ``channels`` (checked), written with ``keras.ops``."""
    if not isinstance(channels, (str, type(None))) or channels not in CHANNELS:
        raise ValueError(
            f"Expected `channels` to be one of {list(CHANNELS)}. Received: channels={channels!r}"
        )
    return CHANNELS[channels]


@dataclass(frozen=True, eq=False)
class ScoreModels:
    """The two traced models of one score (see the module docstring)."""

    scorer: keras.Model
    forward: keras.Model

    @property
    def n_classes(self) -> int:
        return int(self.scorer.outputs[0].shape[-1])


# model -> {(layer, function, guided, input shape, dtype): ScoreModels}
_MODELS: DerivedCache = DerivedCache("attribution models")


def score_models(
    model: keras.Model,
    ref: LayerRef,
    reduction: Reduction | None,
    input_shape: tuple,
    dtype: str,
    *,
    guided: bool,
) -> ScoreModels:
    """The cached score models of layer ``ref`` (or of ``reduction`` of its output)."""
    key = (ref.name, reduction, guided, input_shape, dtype)
    return _MODELS.get(
        model, key, lambda: _build(model, ref, reduction, input_shape, dtype, guided)
    )


def _one_output(model: keras.Model, ref: LayerRef, found: Sequence[Any]) -> keras.KerasTensor:
    if len(found) != 1 or not isinstance(found[0], keras.KerasTensor):
        raise ValueError(
            f"Layer '{ref.name}' of model '{model.name}' must be called once and return one "
            f"tensor to give the score to explain. Received: reduction_layer={ref.name!r}"
        )
    return found[0]


def _build(
    model: keras.Model,
    ref: LayerRef,
    reduction: Reduction | None,
    input_shape: tuple,
    dtype: str,
    guided: bool,
) -> ScoreModels:
    relus, swaps = guided_swaps(model) if guided else ([], {})
    if guided and not relus:
        logger.warning(
            "Model '%s' has no ReLU layers: its guided backpropagation is its plain gradient.",
            model.name,
        )
    stages = {id(r.layer): "output" for r in relus}
    stages[id(ref.layer)] = "output" if reduction is not None else score_stage(ref.layer)
    with graph_kept(model):
        x, captures = trace(
            model, [ref, *relus], input_shape=input_shape, dtype=dtype, stage=stages, swaps=swaps
        )
        score = _one_output(model, ref, captures.get(id(ref.layer), []))
        score = class_score(score, reduction, ref.name)
        weights = keras.Input(shape=tuple(score.shape[1:]), name="class_weights")
        weighted = keras.ops.multiply(score, weights)
        scorer = keras.Model([x, weights], [score, weighted], name="attribution")
        forward = keras.Model(x, score, name="attribution_score")
    return ScoreModels(scorer, forward)
