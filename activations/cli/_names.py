"""Class names for the command line's captions: which model says which classes.

The Fashion CNN's ten classes for the zoo model and for model files with its
layer layout (the tutorials' own trained files), the face score's two, and
ImageNet's thousand for SqueezeNet when :mod:`activations.zoo` provides them.
Any other model's classes are shown by index.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

__all__ = ["FACE_CLASSES", "class_names", "has_fashion_layout"]

logger = logging.getLogger(__name__)

#: The classes of the face network's ``face_score`` output, in order.
FACE_CLASSES = ("not a face", "a face")


def has_fashion_layout(model: Any) -> bool:
    """Whether ``model``'s layers are the Fashion CNN's (types, activations, weight shapes).

    Layer names are not compared: a model trained from the tutorials' code
    may name its layers otherwise.
    """
    from activations.zoo._fashion import _ARCHITECTURE, _describe

    layers = getattr(model, "layers", None)
    if layers is None or len(layers) != len(_ARCHITECTURE):
        return False
    found = [_describe(layer) for layer in layers]
    return [(t, a, w) for t, _, a, w in found] == [(t, a, w) for t, _, a, w in _ARCHITECTURE]


def class_names(
    spec: str, model: Any, score_layer: str | None, n_classes: int
) -> Sequence[str] | None:
    """The names of the ``n_classes`` scores of ``score_layer``, or None (shown by index).

    ``spec`` is the MODEL argument (a zoo name or a file); ``score_layer``
    the layer explained (None: the model's single output).
    """
    from activations import zoo
    from activations.datasets import CLASS_NAMES

    names: Sequence[str] | None = None
    if spec == "fashion" or (spec not in ("face", "squeezenet") and has_fashion_layout(model)):
        names = CLASS_NAMES
    elif spec == "face" and score_layer == "face_score":
        names = FACE_CLASSES
    elif spec == "squeezenet" and hasattr(zoo, "imagenet_classes"):
        found = zoo.imagenet_classes
        names = list(found() if callable(found) else found)
    if names is not None and len(names) != n_classes:
        logger.info("%d class names for %d scores: shown by index", len(names), n_classes)
        return None
    return names
