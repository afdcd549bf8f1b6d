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

from activations._network import NetworkTable, analyze_network

__all__ = ["check_labels", "default_score_layer", "network_table"]

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
    try:
        outputs = list(model.outputs or [])
    except (AttributeError, ValueError):  # a subclassed model: its last layer
        outputs = []
    if len(outputs) > 1:
        names = [getattr(o._keras_history.operation, "name", "?") for o in outputs]
        raise ValueError(
            f"Model '{model.name}' has {len(outputs)} outputs {names}; {what} needs the one "
            f"whose score to explain. Pass `reduction_layer`, one of {names}. "
            "Received: reduction_layer=None"
        )
    if outputs:
        return str(outputs[0]._keras_history.operation.name)
    return network_table(model, input_shape).rows[-1].name


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
