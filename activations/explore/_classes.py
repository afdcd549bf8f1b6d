"""What the explorer shows of the model's classes: confident, unsure and misclassified images.

MATLAB's "maximal and minimal activating images" example and its UNPIC app:
per class, the images the model is most and least sure of, the ones it gets
wrong, and a confusion matrix. The scores come from one forward pass of the
model's last layer through :func:`activations.activations`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from activations._probes.activations import activations
from activations._probes.network import NetworkTable

__all__ = ["ClassData", "class_data", "score_layer"]


@dataclass(frozen=True)
class ClassData:
    """The model's classes over the set.

    Attributes
    ----------
    layer : str
        The layer the scores come from (the model's last, one score per class).
    names : list of str
        A name per class (``"0"``, ``"1"``, ... unless given).
    scores : ndarray of shape (N, K), float32
        Each image's score of each class.
    labels : ndarray of shape (N,), int, or None
        The true classes, where the set has them.
    """

    layer: str
    names: list[str]
    scores: NDArray[np.float32]
    labels: NDArray[np.int64] | None

    @property
    def predicted(self) -> NDArray[np.intp]:
        """Ndarray of shape (N,): each image's class with the highest score."""
        return np.argmax(self.scores, axis=1)

    def confusion(self) -> NDArray[np.int64] | None:
        """Ndarray of shape (K, K): images of true class i predicted j; None without labels."""
        if self.labels is None:
            return None
        k = self.scores.shape[1]
        matrix = np.zeros((k, k), np.int64)
        np.add.at(matrix, (self.labels, self.predicted), 1)
        return matrix

    def ranked(self, c: int, k: int) -> dict[str, list[int]]:
        """Image indices for class ``c``: ``most``, ``least`` sure and ``wrong``, ``k`` each.

        With labels: the images of class ``c`` by their score of ``c``, highest
        (``most``) and lowest (``least``) first, and those predicted as another
        class, most confident first (``wrong``). Without labels, the images
        predicted as ``c`` stand for its members and ``wrong`` is empty. Ties
        go to the earlier image.

        Examples
        --------
        >>> data = ClassData("s", ["a", "b"], np.array([[.9, .1], [.6, .4], [.2, .8]]),
        ...                  np.array([0, 0, 0]))
        >>> data.ranked(0, 2)
        {'most': [0, 1], 'least': [2, 1], 'wrong': [2]}
        """
        members = self.labels == c if self.labels is not None else self.predicted == c
        index = np.flatnonzero(members)
        score = self.scores[index, c]
        by_score = index[np.argsort(-score, kind="stable")]
        least = index[np.argsort(score, kind="stable")]
        wrong: NDArray[np.intp] = np.array([], np.intp)
        if self.labels is not None:
            missed = index[self.predicted[index] != c]
            best = self.scores[missed].max(axis=1) if len(missed) else np.array([])
            wrong = missed[np.argsort(-best, kind="stable")]
        return {
            "most": [int(i) for i in by_score[:k]],
            "least": [int(i) for i in least[:k]],
            "wrong": [int(i) for i in wrong[:k]],
        }


def score_layer(table: NetworkTable) -> str | None:
    """The last layer if it gives one score per class (shape (K,), K >= 2), else None.

    Examples
    --------
    >>> from activations._probes.network import LayerInfo
    >>> rows = (LayerInfo("c", "Conv2D", (4, 4, 2), ""), LayerInfo("d", "Dense", (3,), "softmax"))
    >>> score_layer(NetworkTable("m", (4, 4, 1), rows))
    'd'
    """
    if not table.rows:
        return None
    last = table.rows[-1]
    shape = tuple(last.output_shape)
    return last.name if len(shape) == 1 and isinstance(shape[0], int) and shape[0] >= 2 else None


def class_data(
    model: Any,
    x: NDArray[np.float32],
    layer: str,
    *,
    labels: Sequence[int] | NDArray | None = None,
    names: Sequence[str] | None = None,
) -> ClassData:
    """The scores of ``layer`` for every image of ``x``, with their labels and class names.

    Parameters
    ----------
    model : keras.Model
    x : ndarray of shape (N, H, W, C), float32
        The model's inputs (already scaled).
    layer : str
        A layer with one score per class (see :func:`score_layer`).
    labels : sequence of int, optional
        The true class of each image, in ``0..K-1``.
    names : sequence of str, optional
        A name per class (default: the class numbers).

    Returns
    -------
    ClassData

    Raises
    ------
    ValueError
        If ``labels`` or ``names`` do not fit the images or the classes.
    """
    scores = activations(model, x, layer, progress=False)
    k = scores.shape[1]
    found = None
    if labels is not None:
        found = np.asarray(labels)
        if (
            found.shape != (len(x),)
            or found.dtype.kind not in "iu"
            or (len(found) and (found.min() < 0 or found.max() >= k))
        ):
            raise ValueError(
                f"Expected one label in 0..{k - 1} per image ({len(x)}). Received: labels "
                f"of shape {found.shape}, dtype {found.dtype}"
            )
        found = found.astype(np.int64)
    class_names = [str(c) for c in range(k)] if names is None else [str(n) for n in names]
    if len(class_names) != k:
        raise ValueError(
            f"Expected a name for each of the {k} classes of layer '{layer}'. "
            f"Received: {len(class_names)} names"
        )
    return ClassData(layer, class_names, scores, found)
