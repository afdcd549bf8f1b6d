"""The class score an explanation explains: the default score layer and checked labels.

Shared by :func:`activations.gradcam`, :func:`activations.occlusion_sensitivity` and
the gradient attributions, so all pick the same layer, take the score at the same
stage (before a fused softmax), read a ``reduction`` function (MATLAB's
``ReductionFcn``) the same way and refuse the same labels the same way.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

from activations._engine.tap import fused_activation
from activations._engine.trace import producer
from activations._probes.network import NetworkTable, analyze_network

__all__ = [
    "batch_labels",
    "check_label_total",
    "check_labels",
    "check_reduction",
    "class_score",
    "default_score_layer",
    "given_score",
    "label_count",
    "network_table",
    "output_names",
    "predicted_score",
    "reduced_score",
    "score_stage",
    "softmax_output",
]

Reduction = Callable[[Any], Any]
"""MATLAB's ``ReductionFcn``: the reduction layer's output (n, ...) -> one score per image."""

_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def network_table(model: keras.Model, input_shape: tuple | None) -> NetworkTable:
    """The network table default layers come from (cached: it traces the model)."""
    per_model = _TABLES.setdefault(model, {})
    if input_shape not in per_model:
        per_model[input_shape] = analyze_network(model, input_shape=input_shape)
    return per_model[input_shape]


def default_score_layer(model: keras.Model, input_shape: tuple | None, what: str) -> str:
    """The layer of the model's single output (a subclassed model: its last layer).

    ``what`` names the method in the error for a model with several outputs.
    """
    names = output_names(model)
    if len(names) > 1:
        raise ValueError(
            f"Model '{model.name}' has {len(names)} outputs {names}; {what} needs the one "
            f"whose score to explain. Pass `reduction_layer`, one of {names}. "
            "Received: reduction_layer=None"
        )
    if names:
        return names[0]
    return network_table(model, input_shape).rows[-1].name


def output_names(model: keras.Model) -> list[str]:
    """The names of the layers of a model's outputs, in order; [] for a subclassed model."""
    try:
        outputs = list(model.outputs or [])
    except (AttributeError, ValueError):  # a subclassed model
        return []
    return [str(getattr(producer(o), "name", "?")) for o in outputs]


def softmax_output(model: keras.Model) -> str | None:
    """The layer of the only softmax output of a model with several outputs, or None.

    The default score layer of the command line and the report, where the
    library asks for ``reduction_layer``: the face network's ``face_score``
    beside its box and landmarks. None for a model with one output (the
    library's own default applies) or with no or several (N, classes) softmax
    outputs (no choice to make for the user).
    """
    try:
        outputs = list(model.outputs or [])
    except (AttributeError, ValueError):  # a subclassed model
        return None
    found = []
    for output in outputs if len(outputs) > 1 else []:
        layer = producer(output)
        activation = getattr(getattr(layer, "activation", None), "__name__", "")
        if len(output.shape) == 2 and "softmax" in (activation, type(layer).__name__.lower()):
            found.append(str(layer.name))
    return found[0] if len(found) == 1 else None


def check_labels(label: Any, n: int, n_classes: int) -> NDArray[np.int64] | None:
    """None (the predicted classes), or one checked class index per image, shape (n,).

    Raises
    ------
    TypeError
        For labels that are not integers.
    ValueError
        For a count other than 1 or ``n``, or a class out of range.
    """
    if label is None:
        return None
    values = np.atleast_1d(np.asarray(label))
    if values.dtype.kind not in "iu":
        raise TypeError(
            f"Expected `label` to be None, a class index or one index per image ({n}). "
            f"Received: label={label!r}"
        )
    if values.ndim != 1 or len(values) not in (1, n):
        raise ValueError(
            f"Expected `label` to be None, a class index or one index per image ({n}). "
            f"Received: label={label!r}"
        )
    if values.min() < 0 or values.max() >= n_classes:
        raise ValueError(
            f"Expected `label` in [0, {n_classes - 1}] (the score has {n_classes} classes). "
            f"Received: label={label!r}"
        )
    return np.broadcast_to(values, (n,)).astype(np.int64)


def score_stage(layer: keras.layers.Layer) -> str:
    """The score before a fused softmax, as Grad-CAM takes it; else the output."""
    activation = fused_activation(layer)
    return "pre" if getattr(activation, "__name__", "") == "softmax" else "output"


def check_reduction(reduction: Any, label: Any) -> None:
    """A ``reduction`` is None or a callable, and replaces ``label`` (MATLAB: one or the other)."""
    if reduction is not None and not callable(reduction):
        raise TypeError(
            "Expected `reduction` to be None or a function of the reduction layer's output "
            f"that returns one score per image. Received: reduction={reduction!r}"
        )
    if reduction is not None and label is not None:
        raise ValueError(
            "Expected either `label` (a class score) or `reduction` (a function of the output, "
            f"e.g. for regression), not both. Received: label={label!r}, reduction={reduction!r}"
        )


def class_score(
    score: Any, reduction: Reduction | None, layer_name: str, purpose: str = ""
) -> Any:
    """The symbolic score to differentiate, checked: ``reduction(score)`` or (N, classes).

    ``score`` is the traced output of the reduction layer ``layer_name``;
    ``purpose`` ends the float check's sentence (e.g. ``" for Grad-CAM"``).
    """
    if reduction is not None:
        score = reduced_score(score, reduction, layer_name)
    elif len(score.shape) != 2:
        raise ValueError(
            "Expected the reduction layer to give one score per class, (N, classes), or a "
            f"`reduction` function of its output. Received: reduction_layer={layer_name!r} "
            f"with output shape {score.shape}"
        )
    if not keras.backend.is_float_dtype(score.dtype):
        raise ValueError(
            f"Expected a float score to differentiate{purpose}. Layer '{layer_name}' gives "
            f"{score.dtype}. Received: reduction_layer={layer_name!r}"
        )
    return score


def reduced_score(output: keras.KerasTensor, reduction: Reduction, layer_name: str) -> Any:
    """``reduction(output)`` as a symbolic (N, 1) score, checked.

    ``reduction`` is written with ``keras.ops`` and called once, on the traced
    (symbolic) output, so it becomes part of the derived model.
    """
    try:
        value = reduction(output)
    except Exception as err:  # any failure of the user's function on a symbolic tensor
        raise ValueError(
            f"Calling `reduction` on the output of layer '{layer_name}' (shape "
            f"{tuple(output.shape)}) failed with {type(err).__name__}: "
            f"{(str(err).splitlines() or [''])[0]} Expected a function written with "
            f"`keras.ops` that returns one score per image. Received: reduction={reduction!r}"
        ) from err
    shape = tuple(getattr(value, "shape", ()))
    one_per_image = len(shape) in (1, 2) and shape[1:] in ((), (1,))
    if not isinstance(value, keras.KerasTensor) or not one_per_image:
        raise ValueError(
            f"Expected `reduction` to return one score per image, shape (N,) or (N, 1), from "
            f"the output of layer '{layer_name}' of shape {tuple(output.shape)}. Received: "
            f"a result of shape {shape}"
        )
    return keras.ops.reshape(value, (-1, 1))


def given_score(outputs: Sequence[Any]) -> Any:
    """The summed score of each image's given class (``outputs[-1]``: score x one-hot)."""
    return keras.ops.sum(outputs[-1])


def predicted_score(outputs: Sequence[Any]) -> Any:
    """The summed score of each image's predicted class (the argmax of ``outputs[-2]``)."""
    score = outputs[-2]
    chosen = keras.ops.one_hot(keras.ops.argmax(score, axis=-1), score.shape[-1])
    return keras.ops.sum(score * keras.ops.stop_gradient(keras.ops.cast(chosen, score.dtype)))


def label_count(label: Any) -> int:
    """How many labels a stream's ``label`` holds (its images are counted later)."""
    return 1 if label is None else len(np.atleast_1d(np.asarray(label)))


def batch_labels(labels: NDArray | None, start: int, n: int) -> NDArray | None:
    """The labels of the batch of ``n`` images from ``start`` on (one label: for all)."""
    if labels is None:
        return None
    if len(labels) == 1:
        return np.broadcast_to(labels, (n,))
    if start + n > len(labels):
        raise ValueError(
            f"Expected `label` to be None, a class index or one index per image (at least "
            f"{start + n}). Received: {len(labels)} labels"
        )
    return labels[start : start + n]


def check_label_total(labels: NDArray | None, n: int | None, total: int) -> None:
    """A stream's labels, once its ``total`` images are counted: 1 or one per image."""
    if labels is not None and n is None and len(labels) not in (1, total):
        raise ValueError(
            f"Expected `label` to be None, a class index or one index per image "
            f"({total}). Received: {len(labels)} labels"
        )
