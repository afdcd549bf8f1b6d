"""Small layers the tests build models from, and the model kinds the attribution tests cover."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras

__all__ = ["KINDS", "Elementwise"]

#: The model kinds every attribution method is tested on, each: the fixture that
#: builds it (``two_heads`` is each test module's own), its image shape, the
#: reduction layer to pass, and the layer read before its softmax (or None).
KINDS = {
    "sequential": ("small_cnn", (12, 12, 1), None, "dense_1"),
    "functional+nested": ("nested_model", (8, 8, 3), None, None),
    "subclassed": ("subclassed_model", (10, 10, 3), "fc", None),
    "multi-output": ("two_heads", (7, 7, 2), "score", "score"),
}


class Elementwise(keras.layers.Layer):
    """``fn(x)`` of a ``keras.ops`` function, e.g. ``keras.ops.log`` to make NaN from -1.

    A layer rather than ``keras.layers.Lambda``, which is not traced the same way.
    """

    def __init__(self, fn: Callable[[Any], Any], **kwargs: Any):
        super().__init__(**kwargs)
        self.fn = fn

    def call(self, x: Any) -> Any:
        return self.fn(x)
