"""``integrated_gradients``: Sundararajan et al.'s path integral, on every model and backend.

``IG(x) = (x - x') * integral_0^1 dF(x' + a (x - x')) / dx da``, approximated by a
quadrature rule over ``steps`` points on the straight path from the baseline
``x'`` to the image. The points of each image are one pass's rows; the weighted
sum, the product with ``x - x'`` and the channel reduction run on the device
(:func:`activations._explain.attribute.attribute`).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from numpy.typing import ArrayLike, NDArray

from activations._arrays.checks import as_real_array, check_int
from activations._explain.attribute import MakeRows, Rows, Settings, attribute
from activations._explain.scores import Reduction
from activations._types import ImagesLike, LayerSpec

__all__ = ["INTEGRATION", "integrated_gradients", "path_rule"]

INTEGRATION = (
    "gausslegendre",
    "riemann_left",
    "riemann_right",
    "riemann_middle",
    "riemann_trapezoid",
)
"""Captum's names of the quadrature rules; ``"gausslegendre"`` is Captum's default."""


def path_rule(integration: str, steps: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The points ``a`` in [0, 1] and their weights (summing to 1) of a quadrature rule.

    Examples
    --------
    >>> path_rule("riemann_middle", 4)
    (array([0.125, 0.375, 0.625, 0.875]), array([0.25, 0.25, 0.25, 0.25]))
    """
    if integration == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(steps)
        return 0.5 * (nodes + 1.0), 0.5 * weights
    if integration == "riemann_trapezoid":
        if steps < 2:
            raise ValueError(
                "Expected `steps` >= 2 for the trapezoid rule (both ends of the path). "
                f"Received: steps={steps}"
            )
        weights = np.full(steps, 1.0 / (steps - 1))
        weights[[0, -1]] /= 2.0
        return np.linspace(0.0, 1.0, steps), weights
    offset = {"riemann_left": 0.0, "riemann_middle": 0.5, "riemann_right": 1.0}[integration]
    return (np.arange(steps) + offset) / steps, np.full(steps, 1.0 / steps)


def _baseline(baseline: Any, array: NDArray | None, shape: tuple) -> NDArray[np.float32]:
    """The checked baseline, broadcast to (1 or N, *shape)."""
    if baseline is None:
        return np.zeros((1, *shape), np.float32)
    if isinstance(baseline, numbers.Real) and not isinstance(baseline, (bool, np.bool_)):
        return np.full((1, *shape), baseline, np.float32)
    values = as_real_array(baseline, "baseline").astype(np.float32)
    n = None if array is None else len(array)
    if values.shape == shape or (values.ndim == len(shape) + 1 and values.shape[1:] == shape):
        batch = values.reshape((-1, *shape))
        if len(batch) in (1, n):
            return batch
    raise ValueError(
        f"Expected `baseline` to be None, a number, one image of shape {shape} or one per "
        f"image, ({n if n is not None else 'N'}, *{shape}) for an array of images. "
        f"Received: baseline.shape={values.shape}"
    )


def _path(baseline: Any, integration: str, steps: int) -> MakeRows:
    def make(array: NDArray | None, shape: tuple) -> Rows:
        alphas, weights = path_rule(integration, steps)
        start_points = _baseline(baseline, array, shape)
        a = alphas.astype(np.float32).reshape((1, -1) + (1,) * len(shape))

        def rows(batch: NDArray[np.float32], start: int) -> tuple[NDArray, list[NDArray]]:
            base = start_points if len(start_points) == 1 else start_points[start:][: len(batch)]
            diff = batch - base  # (k, *shape)
            points = base[:, None] + a * diff[:, None]  # (k, steps, *shape), image-major
            return points.reshape((-1, *shape)), [weights.astype(np.float32), diff]

        return rows

    return make


def integrated_gradients(
    model: keras.Model,
    images: ImagesLike,
    label: int | Sequence[int] | None = None,
    *,
    baseline: float | ArrayLike | None = None,
    steps: int = 50,
    integration: str = "gausslegendre",
    channels: str | None = "sum",
    reduction_layer: LayerSpec | None = None,
    reduction: Reduction | None = None,
    batch_size: int = 128,
    progress: bool | str = "auto",
) -> NDArray[np.float32]:
    """Integrated Gradients maps: each pixel's share of ``score(x) - score(baseline)``.

    The class score (before a fused softmax) is differentiated at ``steps``
    points on the straight path from ``baseline`` to the image; the
    quadrature-weighted gradients times ``x - baseline`` are the attribution
    (Sundararajan et al. 2017). Completeness: over all pixels and channels it
    sums to ``score(x) - score(baseline)``, up to the quadrature's error. There
    is no MATLAB function; the defaults are Captum's (zero baseline, 50 steps,
    Gauss-Legendre), and the channels are summed with their signs, so the map
    keeps completeness.

    Parameters
    ----------
    model, images, label, reduction_layer, reduction, progress
        As :func:`activations.gradient_attribution`; ``label=None`` explains the
        class predicted for the image.
    baseline : float, array_like or None, default None
        The path's start: None (zeros), a number for every pixel, one image of
        shape (H, W, C), or one per image (N, H, W, C) for an array of images.
    steps : int, default 50
        Points on the path (model evaluations per image).
    integration : str, default "gausslegendre"
        The quadrature rule, by Captum's names: ``"gausslegendre"``, or
        ``"riemann_left"``, ``"riemann_right"``, ``"riemann_middle"``,
        ``"riemann_trapezoid"`` (whose end weights are ``1 / (2 (steps - 1))``,
        summing to 1; Captum's sum to ``1 - 1 / steps``).
    channels : {"sum", "sum-abs", "max-abs", None}, default "sum"
        As :func:`activations.gradient_attribution`; None keeps the channels.
    batch_size : int, default 128
        Model evaluations per pass: ``batch_size // steps`` images, at least one.

    Returns
    -------
    ndarray of float32, shape (N, H, W), (H, W) for one image, or with C for ``channels=None``
        In units of the score; signed. Images whose score is not finite get
        all-NaN maps.

    Raises
    ------
    TypeError, ValueError
        As :func:`activations.gradient_attribution`; for an unknown
        ``integration``, ``steps`` < 1 or a baseline of the wrong shape.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten(),
    ...     keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")])
    >>> integrated_gradients(model, np.full((2, 2, 1), 3.0), label=0, steps=4)
    array([[3., 3.],
           [3., 3.]], dtype=float32)
    """
    check_int(steps, "steps", 1)
    if not isinstance(integration, str) or integration not in INTEGRATION:
        raise ValueError(
            f"Expected `integration` to be one of {list(INTEGRATION)}. "
            f"Received: integration={integration!r}"
        )
    path_rule(integration, int(steps))  # the trapezoid's steps >= 2, before any work
    options = (channels, reduction_layer, reduction, batch_size, progress)
    settings = Settings(label, "gradient", *options)
    return attribute(
        model,
        images,
        settings,
        what="integrated_gradients",
        samples=int(steps),
        rows=_path(baseline, integration, int(steps)),
    )
