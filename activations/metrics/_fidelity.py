"""``mu_fidelity``: hiding what the map values most should lower the score most.

Bhatt et al., "Evaluating and Aggregating Feature-based Model Explanations"
(2020), definition 3, as Xplique's ``MuFidelity`` computes it: random subsets
of grid cells are set to a baseline; over the subsets, the drop of the class
score is correlated (Spearman) with the sum of the map over the hidden pixels.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from numpy.typing import ArrayLike, NDArray

from activations._arrays.checks import check_int
from activations._arrays.masks import fill_values
from activations._explain.copies import score_copies
from activations._types import ImagesLike, LayerSpec
from activations.metrics._common import prepare_scored, spearman

__all__ = ["mu_fidelity"]


def _subsets(
    rng: np.random.Generator, num_samples: int, grid_size: int, fraction: float, hw: tuple
) -> NDArray[np.bool_]:
    """(num_samples, H, W): each grid cell hidden with probability ``fraction``."""
    cells = rng.random((num_samples, grid_size, grid_size)) < fraction
    rows = np.arange(hw[0]) * grid_size // hw[0]
    cols = np.arange(hw[1]) * grid_size // hw[1]
    return cells[:, rows[:, None], cols[None, :]]


def _check(grid_size: Any, subset_fraction: Any, num_samples: Any, seed: Any) -> None:
    check_int(grid_size, "grid_size", 1)
    check_int(num_samples, "num_samples", 2)
    if isinstance(subset_fraction, (bool, np.bool_)) or not isinstance(
        subset_fraction, (int, float, np.integer, np.floating)
    ):
        raise TypeError(
            "Expected `subset_fraction` to be a number. "
            f"Received: subset_fraction={subset_fraction!r}"
        )
    if not 0.0 < subset_fraction < 1.0:
        raise ValueError(
            f"Expected `subset_fraction` in (0, 1). Received: subset_fraction={subset_fraction!r}"
        )
    if seed is not None and (
        isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer))
    ):
        raise TypeError(f"Expected `seed` to be an int or None. Received: seed={seed!r}")


def mu_fidelity(
    model: keras.Model,
    images: ImagesLike,
    maps: ArrayLike,
    label: int | ArrayLike | None = None,
    *,
    grid_size: int = 9,
    subset_fraction: float = 0.2,
    baseline: float | ArrayLike | str = 0.0,
    num_samples: int = 200,
    seed: int | None = None,
    reduction_layer: LayerSpec | None = None,
    batch_size: int = 128,
    progress: bool | str = "auto",
) -> Any:
    """The correlation of the map's sums with the score's drops over random hidden subsets.

    For each image, ``num_samples`` random subsets S of a ``grid_size`` x
    ``grid_size`` grid of cells (each cell in S with probability
    ``subset_fraction``) are set to ``baseline``; the result is Spearman's
    rank correlation, over the subsets, between ``score(x) - score(x with S
    hidden)`` and the sum of the map over S. Bhatt et al. (2020), def. 3, with
    Xplique's ``MuFidelity`` defaults and choices (grid cells, Spearman, the
    same subsets for every image, a correlation without spread counted as 0).
    Higher is better; 1 when the map ranks every subset as the model does.

    Parameters
    ----------
    model : keras.Model
        An image classifier with an (N, classes) output. Never modified.
    images : array_like of shape (H, W, C) or (N, H, W, C), a list, or an iterable of batches
        One image or a batch (gathered first). Never modified.
    maps : array_like of shape (H, W) or (N, H, W), or with channels (..., C)
        One attribution map per image at the image's size (with channels:
        their mean).
    label : int or array_like of N ints, optional
        The class of each image; by default the predicted one.
    grid_size : int, default 9
        Cells per side of the grid the subsets are drawn on (Xplique's default).
    subset_fraction : float, default 0.2
        The probability of each cell to be hidden (Xplique's ``subset_percent``).
    baseline : "auto", float, array_like of shape (C,) or (H, W, C), default 0.0
        What hidden pixels become; "auto": each image's channel-wise mean.
    num_samples : int, default 200
        Subsets per image (Xplique's ``nb_samples``).
    seed : int, optional
        Seed of the subsets; None draws fresh ones.
    reduction_layer : str, int or keras.layers.Layer, optional
        The layer whose (N, classes) output is the score.
    batch_size : int, default 128
        Copies per forward pass.
    progress : {True, False, "auto"}, default "auto"
        A progress bar over the images and their copies (stderr).

    Returns
    -------
    float or ndarray of shape (N,), float64
        The correlation of each image, in [-1, 1]; NaN for an image whose
        class score is not finite.

    Raises
    ------
    TypeError
        If ``model`` is not a Keras model or an option has a wrong type.
    ValueError
        If a map's shape differs from its image's, an option is out of range,
        or the model takes no (H, W, C) images or gives no (N, classes) output.
    """
    _check(grid_size, subset_fraction, num_samples, seed)
    options = dict(batch_size=batch_size, progress=progress, reduction_layer=reduction_layer)
    scored = prepare_scored(model, images, maps, options, "mu_fidelity")
    batch = scored.images
    hidden = _subsets(
        np.random.default_rng(seed), num_samples, grid_size, subset_fraction, batch.shape[1:3]
    )
    got = score_copies(
        model, scored.extractor, batch, label, fill=fill_values(baseline, batch, "baseline"),
        positions=num_samples, hidden=lambda which, p: hidden[p], batch_size=batch_size,
        progress=progress, desc="mu_fidelity",
    )  # fmt: skip
    drops = got.base[:, None].astype(np.float64) - got.copies
    sums = scored.maps @ hidden.reshape(num_samples, -1).T.astype(np.float64)  # (N, samples)
    found = spearman(sums, drops)
    found[~(got.finite & np.isfinite(drops).all(axis=1))] = np.nan
    return float(found[0]) if scored.one_image else found
