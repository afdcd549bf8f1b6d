"""A hand-set model whose class k scores the mean of quadrant k of the image."""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

__all__ = ["quadrant_model"]


def quadrant_model(shape: tuple[int, int, int], classes: int = 1) -> keras.Model:
    """Class 0's score is the mean of the top-left quadrant's first channel (no bias).

    Further classes score the other quadrants' means (top right, bottom left, ...).
    """
    h, w, c = shape
    kernel = np.zeros((h, w, c, classes), np.float32)
    corners = [(0, 0), (0, w // 2), (h // 2, 0), (h // 2, w // 2)]
    for k, (r, q) in enumerate(corners[:classes]):
        kernel[r : r + h // 2, q : q + w // 2, 0, k] = 1.0 / (h // 2 * w // 2)
    model = keras.Sequential(
        [keras.Input(shape), layers.Flatten(), layers.Dense(classes, use_bias=False)],
        name="quadrant",
    )
    model.layers[-1].set_weights([kernel.reshape(-1, classes)])
    return model
