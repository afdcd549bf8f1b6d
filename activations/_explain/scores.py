"""The class score an explanation explains: the default score layer and checked labels.

Shared by :func:`activations.gradcam` and :func:`activations.occlusion_sensitivity`,
so both pick the same layer and refuse the same labels the same way.
"""

from __future__ import annotations

import weakref
from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

from activations._engine.trace import producer
from activations._probes.network import NetworkTable, analyze_network

__all__ = [
    "check_labels",
    "default_score_layer",
    "network_table",
    "output_names",
    "softmax_output",
]

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
