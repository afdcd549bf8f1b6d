"""What the explorer shows of one layer's embedding: each image as a point, t-SNE or PCA.

The layer's activations of the first images of the set go through
:func:`activations.embed` (scikit-learn's t-SNE or PCA, its thread pools
bounded); the page draws the points coloured by class and shows an image when
the pointer is over its point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from activations._arrays.embed import embed
from activations._probes.activations import activations
from activations._probes.network import NetworkTable

__all__ = ["DEFAULT_EMBEDDED", "Embedding", "default_embedding_layer", "embedding_data"]

_REPEATS = ("Dropout", "Noise")  # layer types that repeat their input at inference

#: Images embedded by default: t-SNE of 1,000 points takes a few seconds on two cores.
DEFAULT_EMBEDDED = 1000


@dataclass(frozen=True)
class Embedding:
    """Points of the first N images of the set, from one layer.

    Attributes
    ----------
    layer : str
    method : str
        ``"tsne"`` or ``"pca"``.
    points : ndarray of shape (N, 2), float32
    """

    layer: str
    method: str
    points: NDArray[np.float32]


def default_embedding_layer(table: NetworkTable) -> str | None:
    """The layer before the last one with a 1-D output (the features a classifier reads).

    Dropout and noise layers are passed over (at inference they repeat the layer
    before them). Falls back to the last layer with a 1-D output; None if there is none.

    Examples
    --------
    >>> from activations._probes.network import LayerInfo
    >>> rows = (LayerInfo("c", "Conv2D", (4, 4, 2), ""), LayerInfo("f", "Dense", (8,), "relu"),
    ...         LayerInfo("d", "Dense", (3,), "softmax"))
    >>> default_embedding_layer(NetworkTable("m", (4, 4, 1), rows))
    'f'
    """
    flat = [
        row.name
        for row in table.rows
        if len(tuple(row.output_shape)) == 1 and not any(w in row.type for w in _REPEATS)
    ]
    flat = [n for n in flat if n != (table.rows[-1].name if table.rows else None)] or flat
    return flat[-1] if flat else None


def embedding_data(
    model: Any, x: NDArray[np.float32], layer: str, *, method: str = "tsne"
) -> Embedding:
    """Embed the activations of ``layer`` for every image of ``x`` in two dimensions.

    Parameters
    ----------
    model : keras.Model
    x : ndarray of shape (N, H, W, C), float32
        The model's inputs (already scaled), N >= 2.
    layer : str
    method : {"tsne", "pca"}, default "tsne"

    Returns
    -------
    Embedding
    """
    acts = activations(model, x, layer, progress=False)
    points = embed(acts.reshape(len(acts), -1), method)  # t-SNE's perplexity fits small N
    return Embedding(layer, method, np.asarray(points, np.float32))
