"""Masked copies of images and their scores: the one loop of the perturbation methods.

Occlusion sensitivity (a sliding box), LIME (features switched off) and the
faithfulness metrics (pixels deleted, inserted or hidden at random) all do
the same: stream each image, then its masked copies, through the compiled
forward pass ``batch_size`` at a time (:func:`activations._arrays.masks.masked_batches`
and :func:`activations._engine.runtime.run_batches`), and keep one score per
copy. They differ in the masks and in the score: a class's (the default) or a
channel's total activation (MATLAB's ``occlusionSensitivity(net, X, layer, channel)``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

from activations._arrays.masks import masked_batches
from activations._engine.inputs import ImageSource
from activations._engine.predict import run_extractor
from activations._engine.runtime import run_batches
from activations._engine.trace import Extractor
from activations._explain.maps import finite_rows
from activations._explain.scores import check_labels

__all__ = ["CopyScores", "Scorer", "channel_total", "class_scores", "score_copies"]

#: ``scorer(extractor, batch)``: the (b, K) scores of one batch, K classes (or 1).
Scorer = Callable[[Extractor, NDArray], NDArray]


def class_scores(extractor: Extractor, batch: NDArray) -> NDArray[np.float32]:
    """The (b, classes) output of the score layer; refuses any other shape."""
    (out,) = run_extractor(extractor, batch)
    if out.ndim != 2:
        raise ValueError(
            "Expected a model with one output of shape (N, classes), such as a softmax "
            f"classifier. Received: a model whose last layer gives shape {out.shape[1:]} per image"
        )
    return out


def channel_total(channel: int) -> Scorer:
    """A scorer: the sum of one channel's map over all its positions, shape (b, 1).

    The "total activation" of MATLAB's ``occlusionSensitivity(net, X, layer,
    channel)``; for a layer without a map (Dense) the channel's value itself.
    """

    def total(extractor: Extractor, batch: NDArray) -> NDArray[np.float32]:
        (out,) = run_extractor(extractor, batch)
        values = out[..., channel].reshape(len(out), -1)
        return values.sum(axis=1, dtype=np.float64).astype(np.float32)[:, None]

    return total


@dataclass(frozen=True)
class CopyScores:
    """The scores of N images and of their P masked copies each.

    Attributes
    ----------
    base : ndarray of shape (N,), float32
        Each image's own score (of its class).
    copies : ndarray of shape (N, P), float32
        The same score on each masked copy.
    classes : ndarray of shape (N,), intp
        The class scored per image: the label, or the image's predicted class.
    finite : ndarray of shape (N,), bool
        Whether each image's score is finite (with the predicted class: every
        class's), i.e. whether it can be explained at all.
    """

    base: NDArray[np.float32]
    copies: NDArray[np.float32]
    classes: NDArray[np.intp]
    finite: NDArray[np.bool_]


def _classes(label: Any, scores: NDArray) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    labels = check_labels(label, *scores.shape)
    if labels is None:
        return np.argmax(scores, axis=1), finite_rows(scores, None)
    return labels.astype(np.intp), finite_rows(scores, labels.astype(np.intp))


def score_copies(
    model: keras.Model,
    extractor: Extractor,
    images: NDArray,
    label: Any,
    *,
    fill: NDArray,
    positions: int,
    hidden: Callable[[NDArray[np.intp], NDArray[np.intp]], NDArray[np.bool_]],
    batch_size: int,
    progress: bool | str,
    desc: str,
    scorer: Scorer = class_scores,
) -> CopyScores:
    """Score ``images`` (N, H, W, C) and ``positions`` masked copies of each.

    Copy ``p`` of image ``i`` has ``hidden(i, p)`` set to ``fill`` (see
    :func:`activations._arrays.masks.masked_batches`). The unmasked images lead
    the stream, so their scores (and with ``label=None`` their predicted
    classes) come from the same forward passes as the copies' and are known
    before any copy's.
    """
    n = len(images)
    copies = np.empty(n * positions, np.float32)
    base: list[NDArray] = []
    classes, wanted = np.empty(0, np.intp), np.empty(0, np.float32)
    finite = np.ones(n, bool)
    stream = ImageSource(None, masked_batches(images, fill, positions, hidden, batch_size), False)
    for start, _, out in run_batches(
        model, stream, batch_size, lambda batch: scorer(extractor, batch),
        progress=progress, desc=desc, total=n * (1 + positions),
    ):  # fmt: skip
        stop, take = start + len(out), max(0, min(len(out), n - start))
        if take:
            base.append(np.array(out[:take]))  # a copy: `out` may be the backend's buffer
            if start + take == n:
                scores = np.concatenate(base)
                classes, finite = _classes(label, scores)
                wanted = scores[np.arange(n), classes]
        index = np.arange(start + take, stop) - n
        copies[index] = out[np.arange(take, len(out)), classes[index // positions]]
    return CopyScores(wanted.astype(np.float32), copies.reshape(n, positions), classes, finite)
