"""``image_lime``: MATLAB's imageLIME, a simple model fitted to the network's scores.

The image is split into features (SLIC superpixels or a grid); synthetic
copies with random features switched off (their pixels set to the image's
mean colour) go through the compiled forward pass ``batch_size`` at a time,
by the loop occlusion uses (:mod:`activations._explain.copies`); a weighted
regression tree or linear model of the class score on which features were
on gives each feature its importance.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
from numpy.typing import ArrayLike, NDArray

from activations._arrays.checks import check_int
from activations._arrays.display import HTML_ROWS, bar, html_result, number
from activations._arrays.embed import limited_threads
from activations._arrays.masks import fill_values
from activations._arrays.segments import grid_segments, grid_shape, superpixel_segments
from activations._engine.extractors import extractor_for
from activations._engine.preamble import check_options, prepare_images
from activations._engine.progress import check_progress
from activations._explain.copies import score_copies
from activations._explain.maps import blank_unexplained, to_size
from activations._explain.scores import default_score_layer
from activations._types import ImagesLike, LayerSpec

__all__ = ["LimeMaps", "image_lime"]

logger = logging.getLogger("activations")

SEGMENTATIONS = ("superpixels", "grid")
MODEL_TYPES = ("tree", "linear")
UPSAMPLING = ("bicubic", "nearest", "none")
#: LIME's kernel width for images (Ribeiro et al.'s ``lime_image``), on the cosine distance.
KERNEL_WIDTH = 0.25


@dataclass(frozen=True)
class LimeMaps:
    """What :func:`image_lime` returns: MATLAB's ``[scoreMap, featureMap, featureImportance]``.

    Unpacks as a tuple: ``score_map, feature_map, importance = image_lime(...)``.

    Attributes
    ----------
    score_map : ndarray of float32, shape (H, W) or (N, H, W)
        Each pixel's feature's importance; (rows, cols) or (N, rows, cols)
        per grid cell with ``segmentation="grid"`` and ``output_upsampling="none"``.
    feature_map : ndarray of int, shape (H, W) or (N, H, W)
        The feature (from 0) each pixel belongs to.
    feature_importance : ndarray of float32, shape (F,) or (N, F)
        The importance of each feature; with several images F is the largest
        feature count and an image's missing features are NaN.
    """

    score_map: NDArray[np.float32]
    feature_map: NDArray[np.intp]
    feature_importance: NDArray[np.float32]

    def _ranked(self) -> NDArray[np.intp]:
        """The first image's features by importance, largest first (NaN last)."""
        first = np.atleast_2d(self.feature_importance)[0]
        return np.argsort(-np.nan_to_num(first, nan=-np.inf), kind="stable")

    def __repr__(self) -> str:
        first = np.atleast_2d(self.feature_importance)[0]
        top = ", ".join(f"{f} ({number(first[f])})" for f in self._ranked()[:5])
        return (
            f"LimeMaps(score_map {self.score_map.shape}, {first.size} features)\n"
            f"  most important features (first image): {top}"
        )

    def _repr_html_(self) -> str:
        first = np.atleast_2d(self.feature_importance)[0]
        order = self._ranked()[:HTML_ROWS]
        peak = float(np.nanmax(np.abs(first))) if np.isfinite(first).any() else 0.0
        features = self.feature_map if self.feature_map.ndim == 2 else self.feature_map[0]
        rows = [
            [int(f), number(first[f]), int((features == f).sum()),
             bar(abs(float(first[f])) / peak if peak > 0 else 0.0)]
            for f in order
        ]  # fmt: skip
        facts = [f"score_map {self.score_map.shape}", "first image's features, strongest first"]
        columns = ["feature", "importance", "pixels", "|importance|"]
        return html_result("LimeMaps", facts, columns, rows, total=first.size, noun="features")

    def __iter__(self) -> Any:
        return iter((self.score_map, self.feature_map, self.feature_importance))


def _check_choice(value: Any, name: str, choices: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(
            f"Expected `{name}` to be one of {list(choices)}. Received: {name}={value!r}"
        )


def _segments(batch: NDArray, segmentation: str, num_features: int) -> NDArray[np.intp]:
    """(N, H, W) feature labels of each image, from 0."""
    hw = (int(batch.shape[1]), int(batch.shape[2]))
    if segmentation == "grid":
        return np.broadcast_to(grid_segments(hw, num_features), batch.shape[:3]).copy()
    return np.stack([superpixel_segments(image, num_features) for image in batch])


def _weights(on: NDArray[np.bool_]) -> NDArray[np.float64]:
    """LIME's sample weights: an exponential kernel of the cosine distance to all-on.

    For a 0/1 vector with k of F features on, cos = sqrt(k / F).
    """
    cosine = np.sqrt(on.sum(axis=1) / on.shape[1])
    return np.sqrt(np.exp(-((1.0 - cosine) ** 2) / KERNEL_WIDTH**2))


def _importance(
    on: NDArray[np.bool_], scores: NDArray, model_type: str, seed: int
) -> NDArray[np.float32]:
    """Each feature's importance from the (P, F) on/off samples and their (P,) scores."""
    from sklearn.linear_model import Ridge
    from sklearn.tree import DecisionTreeRegressor

    x, y, weights = on.astype(np.float64), scores.astype(np.float64), _weights(on)
    if model_type == "linear":
        return Ridge(alpha=1.0).fit(x, y, sample_weight=weights).coef_.astype(np.float32)
    tree = DecisionTreeRegressor(min_samples_split=10, random_state=seed)
    return tree.fit(x, y, sample_weight=weights).feature_importances_.astype(np.float32)


def _check_lime(num_features: Any, num_samples: Any, options: dict[str, Any]) -> None:
    check_int(num_features, "num_features", 1)
    check_int(num_samples, "num_samples", 2)
    _check_choice(options["segmentation"], "segmentation", SEGMENTATIONS)
    _check_choice(options["model_type"], "model_type", MODEL_TYPES)
    _check_choice(options["output_upsampling"], "output_upsampling", UPSAMPLING)
    seed = options["seed"]
    if seed is not None and (
        isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer))
    ):
        raise TypeError(f"Expected `seed` to be an int or None. Received: seed={seed!r}")


def image_lime(
    model: keras.Model,
    images: ImagesLike,
    label: int | ArrayLike | None = None,
    *,
    num_features: int = 49,
    num_samples: int = 2048,
    segmentation: str = "superpixels",
    model_type: str = "tree",
    output_upsampling: str = "bicubic",
    reduction_layer: LayerSpec | None = None,
    batch_size: int = 128,
    seed: int | None = None,
    progress: bool | str = "auto",
) -> LimeMaps:
    """Which features of the image the class score depends on, as MATLAB's ``imageLIME``.

    The image is split into about ``num_features`` features; ``num_samples``
    versions of it (the image itself and ``num_samples - 1`` synthetic
    copies, each feature switched off with probability 1/2, its pixels set to
    the image's mean colour as MATLAB does) go through the model
    ``batch_size`` at a time. A simple model of the class score on which
    features were on, each sample weighted by its closeness to the image,
    gives each feature its importance; the score map paints each feature
    with it. The score is the model output (for a softmax output layer the
    probability), as in :func:`occlusion_sensitivity`.

    Parameters
    ----------
    model : keras.Model
        An image classifier with an (N, classes) output. Never modified.
    images : array_like of shape (H, W, C) or (N, H, W, C), a list, or an iterable of batches
        One image or a batch (gathered first). Each image gets its own
        features and samples. Never modified.
    label : int or array_like of N ints, optional
        The class of each image; by default the predicted one.
    num_features : int, default 49
        MATLAB's NumFeatures: the target number of features; the grid or
        the superpixels may give a few more or fewer.
    num_samples : int, default 2048
        MATLAB's NumSamples: the images scored per image, the image itself
        included (at least 2).
    segmentation : {"superpixels", "grid"}, default "superpixels"
        "superpixels": SLIC (:func:`skimage.segmentation.slic`, as MATLAB's
        ``superpixels``); "grid": near-square cells following the aspect ratio.
    model_type : {"tree", "linear"}, default "tree"
        MATLAB's Model. "tree": a regression tree (scikit-learn's
        ``DecisionTreeRegressor``, at least 10 samples to split a node as
        MATLAB's ``fitrtree``), importance = its impurity decrease per feature,
        normalized to sum 1 (>= 0); "linear": ridge regression (``alpha=1``,
        as the ``lime`` package), importance = the signed coefficient.
    output_upsampling : {"bicubic", "nearest", "none"}, default "bicubic"
        For a grid: "bicubic" smooths the cell values to the image's size
        with :func:`imresize`, "nearest" paints each cell, "none" gives one
        value per cell (rows, cols). Superpixel maps are painted at the
        image's size whatever this says.
    reduction_layer : str, int or keras.layers.Layer, optional
        The layer whose (N, classes) output is the score, as in
        :func:`occlusion_sensitivity` (needed for models with several outputs).
    batch_size : int, default 128
        Images per forward pass (MATLAB's MiniBatchSize, default 128).
    seed : int, optional
        Seed of the samples and of the tree; None draws fresh ones (MATLAB
        uses its global ``rng``). The same seed gives the same result.
    progress : {True, False, "auto"}, default "auto"
        A progress bar over the images and their samples (stderr).

    Returns
    -------
    LimeMaps
        ``(score_map, feature_map, feature_importance)``; an image whose
        class score is not finite gets an all-NaN map and importance.

    Raises
    ------
    TypeError
        If ``model`` is not a Keras model or an option has a wrong type.
    ValueError
        If an option is out of range, the model takes no (H, W, C) images or
        its output is not (N, classes).

    Notes
    -----
    The defaults rest on our reading of MathWorks' ``imageLIME`` page
    (NumFeatures 49, NumSamples 2048, Segmentation "superpixels", Model
    "tree", OutputUpsampling "bicubic", MiniBatchSize 128), not on a run of
    MATLAB. The page gives neither the sample weights nor the linear model's
    penalty: those follow Ribeiro et al.'s ``lime`` package (an exponential
    kernel of width 0.25 on the cosine distance to the image, ridge
    ``alpha=1``). Features are switched off with probability 1/2, as there.

    Examples
    --------
    >>> import keras, numpy as np
    >>> dense = keras.layers.Dense(1, use_bias=False)
    >>> model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), dense])
    >>> dense.set_weights([np.tile([1.0, 1.0, 0.0, 0.0], 4)[:, None]])  # the left half's sum
    >>> x = np.zeros((4, 4, 1)); x[:, :2] = 1.0
    >>> found = image_lime(model, x, 0, num_features=4, segmentation="grid",
    ...                    model_type="linear", output_upsampling="none", seed=0)
    >>> bool(found.score_map[:, 0].min() > 10 * np.abs(found.score_map[:, 1]).max())
    True
    """
    check_options(model, batch_size=batch_size)
    check_progress(progress)
    options = dict(
        segmentation=segmentation, model_type=model_type,
        output_upsampling=output_upsampling, seed=seed,
    )  # fmt: skip
    _check_lime(num_features, num_samples, options)
    source, spec = prepare_images(model, images)
    batch = source.array
    if batch is None:  # a stream: gathered, since each image is copied per sample
        batch = np.concatenate(list(source.iter_batches(batch_size)))
    if reduction_layer is None:
        shape = spec.shape if spec.shape is not None else batch.shape[1:]
        reduction_layer = default_score_layer(model, shape, "image_lime")
    _, _, extractor, _ = extractor_for(model, reduction_layer, spec=spec)
    if batch.ndim != 4:
        raise ValueError(
            "Expected a model that takes images of shape (H, W, C): LIME switches parts of "
            f"each image off. Received: model '{model.name}' and images of shape {batch.shape}"
        )
    labels = _segments(batch, segmentation, num_features)
    counts = labels.reshape(len(batch), -1).max(axis=1) + 1
    rng = np.random.default_rng(seed)
    on = rng.random((len(batch), num_samples - 1, int(counts.max()))) < 0.5
    flat = labels.reshape(len(batch), -1)

    def off(which: NDArray[np.intp], sample: NDArray[np.intp]) -> NDArray[np.bool_]:
        kept = np.take_along_axis(on[which, sample], flat[which], axis=1)
        return ~kept.reshape(len(which), *batch.shape[1:3])

    got = score_copies(
        model, extractor, batch, label, fill=fill_values("auto", batch),
        positions=num_samples - 1, hidden=off, batch_size=batch_size,
        progress=progress, desc="image_lime",
    )  # fmt: skip
    importance = np.full((len(batch), int(counts.max())), np.nan, np.float32)
    tree_seeds = rng.integers(0, 2**31 - 1, len(batch))
    with limited_threads():  # scikit-learn's OpenMP and BLAS pools, bounded once for all fits
        for i, count in enumerate(counts):
            if not got.finite[i] or not np.isfinite(got.copies[i]).all():
                continue
            samples = np.vstack([np.ones((1, count), bool), on[i, :, :count]])
            scores = np.concatenate([got.base[i : i + 1], got.copies[i]])
            importance[i, :count] = _importance(samples, scores, model_type, int(tree_seeds[i]))
    grid = grid_shape(batch.shape[1:3], num_features) if segmentation == "grid" else None
    maps = _score_maps(importance, labels, grid, output_upsampling)
    maps = blank_unexplained(maps, got.finite & np.isfinite(got.copies).all(axis=1), "image_lime")
    importance[np.isnan(maps.reshape(len(maps), -1)).any(axis=1)] = np.nan
    if source.one_image:
        return LimeMaps(maps[0], labels[0], importance[0])
    return LimeMaps(maps, labels, importance)


def _score_maps(
    importance: NDArray, labels: NDArray, grid: tuple[int, int] | None, upsampling: str
) -> NDArray[np.float32]:
    """(N, H, W) maps painting each feature with its importance; (N, rows, cols) cells."""
    values = np.nan_to_num(importance, nan=0.0)
    if grid is None or upsampling == "nearest":
        flat = labels.reshape(len(labels), -1)
        return np.take_along_axis(values, flat, axis=1).reshape(labels.shape).astype(np.float32)
    cells = np.ascontiguousarray(values.reshape(len(labels), *grid), dtype=np.float32)
    return cells if upsampling == "none" else to_size(cells, labels.shape[1:], "bicubic")
