"""Names for what the public functions take: images and layer specifications."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeAlias

import keras
from numpy.typing import ArrayLike

__all__ = ["ImagesLike", "LayerSpec", "LayersLike"]

ImagesLike: TypeAlias = ArrayLike | Sequence[ArrayLike] | Iterable[ArrayLike]
"""What ``activations()`` reads images from.

One image (H, W, C) or (H, W), a batch (N, H, W, C), a list of same-size
images, or an iterable of batches (a generator, a ``tf.data.Dataset``; items
may be ``(x, y)`` tuples as Keras' ``fit`` takes).
"""

LayerSpec: TypeAlias = str | int | keras.layers.Layer
"""One layer: a name (``"inner/conv1"`` reaches into a nested model), an index
into ``model.layers`` (negative allowed), or the layer object."""

LayersLike: TypeAlias = LayerSpec | Sequence[LayerSpec]
"""One layer, a list of them (the result is then a dict keyed by name), or ``"all"``."""
