"""Small layers the tests build models from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras

__all__ = ["Elementwise"]


class Elementwise(keras.layers.Layer):
    """``fn(x)`` of a ``keras.ops`` function, e.g. ``keras.ops.log`` to make NaN from -1.

    A layer rather than ``keras.layers.Lambda``, which is not traced the same way.
    """

    def __init__(self, fn: Callable[[Any], Any], **kwargs: Any):
        super().__init__(**kwargs)
        self.fn = fn

    def call(self, x: Any) -> Any:
        return self.fn(x)
