"""``deletion`` and ``insertion``: the causal curves of a map (Petsiuk et al., RISE, 2018).

Pixels are hidden (deletion) or revealed (insertion) in the order the map
ranks them, most important first, and the class score is followed step by
step. Every step of every image is one masked copy in the stream of
:func:`activations._explain.copies.score_copies`: with ``batch_size`` at least
the number of images, one batched forward pass per step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
from numpy.typing import ArrayLike, NDArray

from activations._arrays.checks import check_int
from activations._arrays.display import HTML_ROWS, html_result, number
from activations._arrays.masks import fill_values
from activations._explain.copies import score_copies
from activations._types import ImagesLike, LayerSpec
from activations.metrics._common import prepare_scored

__all__ = ["CausalCurve", "deletion", "insertion"]


@dataclass(frozen=True)
class CausalCurve:
    """The class score as pixels are deleted or inserted, most important first.

    Attributes
    ----------
    fractions : ndarray of shape (steps + 1,), float64
        The fraction of each image's pixels deleted (inserted) at each step,
        from 0 to ``max_fraction``.
    scores : ndarray of shape (steps + 1,) or (N, steps + 1), float32
        The class score of each image at each step.
    area : float or ndarray of shape (N,)
        The area under each curve by the trapezoidal rule over equal steps
        (Xplique's ``CausalFidelity``): the mean score along the curve.
        Deletion: lower is better; insertion: higher is better.
    """

    fractions: NDArray[np.float64]
    scores: NDArray[np.float32]
    area: Any

    def __repr__(self) -> str:
        scores, area = np.atleast_2d(self.scores), np.atleast_1d(self.area)
        start, end = float(np.nanmean(scores[:, 0])), float(np.nanmean(scores[:, -1]))
        return (
            f"CausalCurve({len(area)} image(s), {len(self.fractions) - 1} steps to "
            f"{number(float(self.fractions[-1]))} of the pixels)\n"
            f"  mean area {number(float(np.nanmean(area)))}; mean score "
            f"{number(start)} -> {number(end)}"
        )

    def _repr_html_(self) -> str:
        scores, area = np.atleast_2d(self.scores), np.atleast_1d(self.area)
        rows = [
            [i, number(area[i]), number(scores[i, 0]), number(scores[i, -1])]
            for i in range(min(len(area), HTML_ROWS))
        ]
        facts = [f"{len(self.fractions) - 1} steps", f"mean area {number(np.nanmean(area))}"]
        columns = ["image", "area", "score at start", "score at end"]
        return html_result("CausalCurve", facts, columns, rows, total=len(area), noun="images")


def _check_steps(steps: Any, max_fraction: Any) -> None:
    check_int(steps, "steps", 1)
    if isinstance(max_fraction, (bool, np.bool_)) or not isinstance(
        max_fraction, (int, float, np.integer, np.floating)
    ):
        raise TypeError(
            f"Expected `max_fraction` to be a number. Received: max_fraction={max_fraction!r}"
        )
    if not 0.0 < max_fraction <= 1.0:
        raise ValueError(
            f"Expected `max_fraction` in (0, 1]. Received: max_fraction={max_fraction!r}"
        )


def _curve(
    mode: str,
    model: keras.Model,
    images: ImagesLike,
    maps: ArrayLike,
    label: Any,
    steps: int,
    baseline: Any,
    max_fraction: float,
    options: dict[str, Any],
) -> CausalCurve:
    _check_steps(steps, max_fraction)
    scored = prepare_scored(model, images, maps, options, mode)
    batch = scored.images
    hw = batch.shape[1:3]
    order = np.argsort(-scored.maps, axis=1, kind="stable")  # ties: the first pixel first
    rank = np.empty(order.shape, np.intp)
    np.put_along_axis(rank, order, np.arange(order.shape[1]), axis=1)
    counts = np.linspace(0, int(np.floor(order.shape[1] * max_fraction)), steps + 1)
    counts = counts.astype(np.intp)

    def deleted(which: NDArray[np.intp], step: NDArray[np.intp]) -> NDArray[np.bool_]:
        # copy p is step p + 1 (the image itself is step 0)
        return (rank[which] < counts[step + 1, None]).reshape(len(which), *hw)

    def not_inserted(which: NDArray[np.intp], step: NDArray[np.intp]) -> NDArray[np.bool_]:
        # copy p is step p (the image itself is the last step)
        return (rank[which] >= counts[step, None]).reshape(len(which), *hw)

    got = score_copies(
        model, scored.extractor, batch, label, fill=fill_values(baseline, batch, "baseline"),
        positions=steps, hidden=deleted if mode == "deletion" else not_inserted,
        batch_size=options["batch_size"], progress=options["progress"], desc=mode,
    )  # fmt: skip
    base = got.base[:, None]
    scores = np.hstack([base, got.copies] if mode == "deletion" else [got.copies, base])
    scores[~got.finite] = np.nan
    area = ((scores[:, 1:] + scores[:, :-1]) / 2.0).mean(axis=1)
    fractions = counts / (order.shape[1])
    if scored.one_image:
        return CausalCurve(fractions, scores[0], float(area[0]))
    return CausalCurve(fractions, scores, area.astype(np.float32))


_PARAMETERS = """
    Parameters
    ----------
    model : keras.Model
        An image classifier with an (N, classes) output. Never modified.
    images : array_like of shape (H, W, C) or (N, H, W, C), a list, or an iterable of batches
        One image or a batch (gathered first). Never modified.
    maps : array_like of shape (H, W) or (N, H, W), or with channels (..., C)
        One attribution map per image at the image's size (a map with
        channels is averaged over them, as Xplique does): ours (gradcam,
        occlusion_sensitivity, image_lime's score_map, ...) or anyone's.
    label : int or array_like of N ints, optional
        The class of each image; by default the predicted one.
    steps : int, default 10
        Steps between the first and the last state (Xplique's default).
    baseline : "auto", float, array_like of shape (C,) or (H, W, C), default 0.0
        What hidden pixels become (Xplique's ``baseline_mode``, default 0);
        "auto": each image's channel-wise mean.
    max_fraction : float, default 1.0
        The fraction of the pixels changed at the last step (Xplique's
        ``max_percentage_perturbed``).
    reduction_layer : str, int or keras.layers.Layer, optional
        The layer whose (N, classes) output is the score (needed for models
        with several outputs).
    batch_size : int, default 128
        Copies per forward pass; at least N gives one pass per step.
    progress : {True, False, "auto"}, default "auto"
        A progress bar over the images and their copies (stderr).

    Returns
    -------
    CausalCurve
        The fractions, the scores per step and the area under each curve; an
        image whose class score is not finite gets NaN scores and area.

    Raises
    ------
    TypeError
        If ``model`` is not a Keras model or an option has a wrong type.
    ValueError
        If a map's shape differs from its image's, an option is out of range,
        or the model takes no (H, W, C) images or gives no (N, classes) output.
"""


def deletion(
    model: keras.Model,
    images: ImagesLike,
    maps: ArrayLike,
    label: int | ArrayLike | None = None,
    *,
    steps: int = 10,
    baseline: float | ArrayLike | str = 0.0,
    max_fraction: float = 1.0,
    reduction_layer: LayerSpec | None = None,
    batch_size: int = 128,
    progress: bool | str = "auto",
) -> CausalCurve:
    """The class score as the map's most important pixels are deleted first.

    Petsiuk et al., "RISE" (2018), as Xplique's ``Deletion`` computes it: at
    step k the ``fractions[k]`` of the pixels the map ranks highest (all
    channels of a pixel together) are set to ``baseline``. A faithful map
    makes the score fall fast: a smaller area is better.
    """
    options = dict(batch_size=batch_size, progress=progress, reduction_layer=reduction_layer)
    return _curve("deletion", model, images, maps, label, steps, baseline, max_fraction, options)


def insertion(
    model: keras.Model,
    images: ImagesLike,
    maps: ArrayLike,
    label: int | ArrayLike | None = None,
    *,
    steps: int = 10,
    baseline: float | ArrayLike | str = 0.0,
    max_fraction: float = 1.0,
    reduction_layer: LayerSpec | None = None,
    batch_size: int = 128,
    progress: bool | str = "auto",
) -> CausalCurve:
    """The class score as the map's most important pixels are inserted first.

    Petsiuk et al., "RISE" (2018), as Xplique's ``Insertion`` computes it:
    the image starts as ``baseline`` everywhere and at step k the
    ``fractions[k]`` of the pixels the map ranks highest are the image's
    own. A faithful map makes the score rise fast: a larger area is better.
    """
    options = dict(batch_size=batch_size, progress=progress, reduction_layer=reduction_layer)
    return _curve("insertion", model, images, maps, label, steps, baseline, max_fraction, options)


deletion.__doc__ = (deletion.__doc__ or "") + _PARAMETERS
insertion.__doc__ = (insertion.__doc__ or "") + _PARAMETERS
