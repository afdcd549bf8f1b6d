"""``embed(acts, method)``: per-image activations as 2-D points (t-SNE or PCA).

MATLAB's "View Network Behavior Using tsne" example: ``Y = tsne(act)`` on the
activations of a layer for many test images, then ``gscatter(Y(:,1), Y(:,2),
labels)``. :func:`embed` is the first step on the arrays of
:func:`activations.activations`; :func:`activations.plot.plot_embedding` the
second.
"""

from __future__ import annotations

import logging
import numbers
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from threadpoolctl import threadpool_limits

from activations._arrays.checks import as_real_array, check_int

__all__ = ["FIT_THREADS", "METHODS", "embed", "limited_threads"]

logger = logging.getLogger("activations")

#: The embedding methods, and the scikit-learn estimator behind each.
METHODS = {"tsne": "sklearn.manifold.TSNE", "pca": "sklearn.decomposition.PCA"}
#: scikit-learn's default perplexity, kept whenever there are enough images for it.
DEFAULT_PERPLEXITY = 30.0
# Options of the estimators that embed() sets itself or refuses: `copy=False` would
# let PCA centre the user's array in place; TSNE's own `method` is shadowed by ours.
_NOT_OPTIONS = {"n_components", "random_state", "copy", "method"}
#: Threads of scikit-learn's OpenMP and BLAS pools during a fit. More is slower where
#: TensorFlow's own pools are awake in the same process: t-SNE of 1,000 Fashion-MNIST
#: images at conv2d (25,088 features) took 78 s with the default pools on the 2-core
#: machine and a few seconds with one thread (issue 16; measured again in
#: scripts/measure_demo.py's demo).
FIT_THREADS = 1


def embed(
    acts: ArrayLike,
    method: str = "tsne",
    *,
    n_components: int = 2,
    random_state: int | None = 0,
    **kwargs: Any,
) -> NDArray[np.float32]:
    """Each image's activations as one point in ``n_components`` dimensions.

    The activations of one image are flattened (row-major) to a vector of
    ``D`` features, then the ``N`` vectors are embedded with t-SNE
    (:class:`sklearn.manifold.TSNE`, Barnes-Hut, ``init="pca"``) or PCA
    (:class:`sklearn.decomposition.PCA`). Images the network sees alike end
    up close together: coloured by class, the points show how well a layer
    separates the classes.

    t-SNE's ``perplexity`` (about how many neighbours each point attends to)
    must be below ``N``. When it is not given it is scikit-learn's 30, lowered
    to ``(N - 1) / 3`` for fewer than 91 images (logged), so that small
    batches work; a given ``perplexity >= N`` is a ``ValueError``. Activations
    that are the same for every image (nothing to embed) give all-zero
    coordinates, with a warning in the log, never NaN. The activations are
    centred and divided by their largest deviation before the fit, so any
    scale works alike (PCA's coordinates are given back in the activations'
    units; t-SNE's do not depend on the scale). The fit runs with
    scikit-learn's OpenMP and BLAS pools bounded to ``FIT_THREADS`` (1)
    thread: beside TensorFlow's own threads, more are slower.

    Parameters
    ----------
    acts : array_like of shape (N, ...)
        Activations of N images, e.g. (N, h, w, c) from
        :func:`activations.activations` or (N, features); real-valued, finite.
        Never modified.
    method : {"tsne", "pca"}, default "tsne"
        t-SNE (non-linear, keeps neighbourhoods; the distances between
        clusters mean little) or PCA (linear; the first axes of largest
        variance).
    n_components : int, default 2
        Dimensions of the embedding: at most 3 for t-SNE (Barnes-Hut), at most
        ``min(N, D)`` for PCA and for t-SNE's PCA initialization.
    random_state : int or None, default 0
        Seed of t-SNE (and of PCA's randomized solver); the same seed gives the
        same coordinates. ``None``: a fresh random start each call.
    **kwargs
        Further options of the estimator, e.g. ``perplexity=10``,
        ``max_iter=500`` or ``init="random"`` for t-SNE, ``whiten=True`` for
        PCA. ``copy`` is not accepted (the input is never modified) and t-SNE's
        own ``method`` is not reachable (always Barnes-Hut).

    Returns
    -------
    ndarray of float32 of shape (N, n_components)
        One row per image, in the order of ``acts``. For PCA, column k is the
        k-th principal component (sign as scikit-learn fixes it).

    Raises
    ------
    TypeError
        If ``acts`` is not real-valued, ``n_components`` is not an int, or an
        option is not one of the method's.
    ValueError
        For an unknown ``method``, ``acts`` with fewer than 2 images or one
        dimension, NaN or infinite values, too many ``n_components`` or a
        ``perplexity`` of ``N`` or more.

    Examples
    --------
    >>> acts = np.arange(24.0).reshape(6, 2, 2)  # 6 "images" on a line in 4-D
    >>> coords = embed(acts, "pca")
    >>> coords.shape, coords.dtype
    ((6, 2), dtype('float32'))
    >>> bool(np.all(np.diff(coords[:, 0]) > 0)), bool(np.abs(coords[:, 1]).max() < 1e-4)
    (True, True)
    >>> embed(acts, perplexity=2).shape
    (6, 2)
    """
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"Expected `method` in {list(METHODS)}. Received: method={method!r}")
    n_components = check_int(n_components, "n_components", 1)
    _check_seed(random_state)
    flat = _features(acts)
    n, d = flat.shape
    options = _options(method, kwargs, n)
    _check_components(method, n_components, n, d, options)
    if np.all(flat == flat[0]):
        logger.warning(
            "embed: the activations are the same for all %d images; every point is at 0.", n
        )
        return np.zeros((n, n_components), np.float32)
    logger.info(
        "embed: %s of %d images x %d features -> %d dimensions%s",
        method, n, d, n_components,
        f" (perplexity {options['perplexity']:.3g})" if method == "tsne" else "",
    )  # fmt: skip
    scale, unit = _unit_scale(flat)
    estimator = _estimator(method, n_components, random_state, options)
    with limited_threads(FIT_THREADS):
        coords = estimator.fit_transform(unit)
    if method == "pca":  # linear: back to the activations' own units
        coords = coords * scale
    return np.asarray(coords, dtype=np.float32)


def _unit_scale(flat: NDArray[np.floating]) -> tuple[float, NDArray[np.float64]]:
    """``flat`` divided by one number, its largest distance from the mean image.

    scikit-learn fits in float64 but its t-SNE breaks at extreme scales (at
    1e-30 it crashed the process, at 1e19 every point fell on (0, 0)). One
    factor for all features changes neither t-SNE (its perplexity search
    adapts each bandwidth to the distances) nor PCA's axes; PCA's coordinates
    are multiplied back. The centring is done in float64, so float32 input
    near its range limits loses nothing.
    """
    centred = np.asarray(flat, np.float64) - np.asarray(flat, np.float64).mean(axis=0)
    scale = float(np.abs(centred).max())
    return scale, centred / scale


@contextmanager
def limited_threads(n: int = FIT_THREADS) -> Iterator[None]:
    """Bound the OpenMP and BLAS thread pools to ``n`` threads inside the block.

    The pools (scikit-learn's OpenMP loops, NumPy's BLAS) get their own sizes back
    on leaving, also after an error.
    """
    with threadpool_limits(limits=n):
        yield


def _check_seed(seed: Any) -> None:
    if seed is not None and (
        isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral)
    ):
        raise TypeError(
            f"Expected `random_state` to be an int or None. Received: random_state={seed!r}"
        )


def _features(acts: ArrayLike) -> NDArray[np.floating]:
    """``acts`` as a float (N, D) array: one flattened row per image."""
    arr = as_real_array(acts, "acts")
    if arr.ndim < 2:
        raise ValueError(
            "Expected `acts` of shape (N, ...): the activations of N >= 2 images, one row "
            "or map per image (for one feature each, pass acts[:, None]). "
            f"Received: acts.shape={arr.shape}"
        )
    if len(arr) < 2:
        raise ValueError(
            f"Expected `acts` of at least 2 images to embed. Received: acts.shape={arr.shape}"
        )
    flat = arr.reshape(len(arr), -1)
    if flat.dtype.kind != "f":
        flat = flat.astype(np.float64)
    elif not np.isfinite(flat).all():
        raise ValueError(
            f"Expected finite `acts`; found {int(np.isinf(flat).sum())} infinite values. "
            f"Received: acts with shape {arr.shape}"
        )
    return flat


def _options(method: str, kwargs: dict[str, Any], n: int) -> dict[str, Any]:
    """The estimator's options: the caller's, checked, plus embed's defaults."""
    accepted = sorted(set(_estimator(method, 2, 0, {}).get_params()) - _NOT_OPTIONS)
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise TypeError(
            f"Unknown option for method={method!r}. Expected keyword arguments of "
            f"{METHODS[method]}: {accepted}. Received: {', '.join(unknown)}"
        )
    options = dict(kwargs)
    if method == "tsne":
        options.setdefault("init", "pca")
        if "perplexity" not in options:
            options["perplexity"] = min(DEFAULT_PERPLEXITY, (n - 1) / 3)
            if options["perplexity"] < DEFAULT_PERPLEXITY:
                logger.info(
                    "embed: perplexity %.3g for %d images ((N - 1) / 3; 30 needs >= 91)",
                    options["perplexity"], n,
                )  # fmt: skip
        perplexity = options["perplexity"]
        if isinstance(perplexity, numbers.Real) and float(perplexity) >= n:
            raise ValueError(
                f"Expected `perplexity` below the number of images ({n}) for method='tsne'; "
                f"e.g. perplexity={(n - 1) / 3:.3g}. Received: perplexity={perplexity}"
            )
    return options


def _check_components(
    method: str, n_components: int, n: int, d: int, options: dict[str, Any]
) -> None:
    if method == "tsne" and n_components > 3:
        raise ValueError(
            "Expected `n_components` <= 3 for method='tsne' (Barnes-Hut t-SNE). "
            f"Received: n_components={n_components}"
        )
    init = options.get("init")
    uses_pca = method == "pca" or (isinstance(init, str) and init == "pca")
    if uses_pca and n_components > min(n, d):
        hint = " (or pass init='random')" if method == "tsne" else ""
        raise ValueError(
            f"Expected `n_components` <= min(images, features per image) = min({n}, {d}) "
            f"for method={method!r}{hint}. Received: n_components={n_components}"
        )


def _estimator(method: str, n_components: int, random_state: int | None, options: dict) -> Any:
    if method == "tsne":
        from sklearn.manifold import TSNE

        return TSNE(n_components, random_state=random_state, **options)
    from sklearn.decomposition import PCA

    return PCA(n_components, random_state=random_state, **options)
