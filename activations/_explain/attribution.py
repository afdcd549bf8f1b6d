"""``gradient_attribution`` (MATLAB's ``gradientAttribution``) and ``smoothgrad``.

The gradient of the class score with respect to each input pixel (Simonyan et
al. 2014), or guided backpropagation's (Springenberg et al. 2015), and SmoothGrad's
average of either over noisy copies of the image (Smilkov et al. 2017). Each is
one compiled step per pass through :func:`activations._explain.attribute.attribute`.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

from activations._arrays.checks import check_int
from activations._explain.attribute import MakeRows, Rows, Settings, attribute
from activations._explain.scores import Reduction
from activations._types import ImagesLike, LayerSpec

__all__ = ["gradient_attribution", "smoothgrad"]


def gradient_attribution(
    model: keras.Model,
    images: ImagesLike,
    label: int | Sequence[int] | None = None,
    *,
    method: str = "gradient",
    channels: str | None = "sum-abs",
    reduction_layer: LayerSpec | None = None,
    reduction: Reduction | None = None,
    batch_size: int = 128,
    progress: bool | str = "auto",
) -> NDArray[np.float32]:
    """Pixel maps of the class score's gradient, as MATLAB's ``gradientAttribution``.

    The gradient of the class score (taken before a fused softmax, as
    :func:`activations.gradcam`) with respect to the input image, one value per
    pixel and channel, reduced over channels (``channels``). ``"guided-backprop"``
    lets each ReLU layer pass back only positive gradients where its input was
    positive (the model itself is never changed).

    Parameters
    ----------
    model : keras.Model
        Any Keras 3 model :func:`activations.activations` accepts; never changed.
    images : array_like of shape (H, W, C) or (N, H, W, C), a list, or an iterable of batches
        As :func:`activations.activations` takes them.
    label : int, sequence of int or None, default None
        The class to explain, one for all or one per image; None: the class
        the model predicts for each image.
    method : {"gradient", "guided-backprop"}, default "gradient"
        MATLAB's ``Method``.
    channels : {"sum-abs", "max-abs", "sum", None}, default "sum-abs"
        How the (H, W, C) gradient becomes an (H, W) map: the sum of absolute
        values over channels (as MathWorks' gradient attribution examples do),
        their maximum (Simonyan et al.), the signed sum, or None to keep the
        channels, (N, H, W, C).
    reduction_layer : str, int or keras.layers.Layer, optional
        The layer giving the score, (N, classes). Default: the model's (single)
        output layer; required for a model with several outputs.
    reduction : callable, optional
        MATLAB's ``ReductionFcn``, as in :func:`activations.gradcam`: explain
        ``reduction(output)`` (one score per image, ``keras.ops``) instead of a
        class score. Not with ``label``.
    batch_size : int, default 128
        Images per forward and backward pass (MATLAB's ``MiniBatchSize``).
    progress : {True, False, "auto"}, default "auto"
        A progress bar over the images (stderr).

    Returns
    -------
    ndarray of float32, shape (N, H, W), (H, W) for one image, or with C for ``channels=None``
        In units of the score per unit of pixel value (the gradient). An
        image whose explained score is not finite gets an all-NaN map (one
        ``RuntimeWarning`` names them).

    Raises
    ------
    TypeError, ValueError
        As :func:`activations.gradcam`; for an unknown ``method`` or ``channels``
        (the message lists the choices).

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
    ...                           keras.layers.Dense(2, activation="softmax")])
    >>> gradient_attribution(model, np.ones((4, 4, 1)), label=0).shape
    (4, 4)
    """
    settings = Settings(label, method, channels, reduction_layer, reduction, batch_size, progress)
    return attribute(model, images, settings, what="gradient_attribution")


def _check_noise(noise: Any) -> float:
    if isinstance(noise, (bool, np.bool_)) or not isinstance(noise, numbers.Real):
        raise TypeError(f"Expected `noise` to be a number. Received: noise={noise!r}")
    if not 0.0 <= float(noise) < np.inf:
        raise ValueError(f"Expected `noise` >= 0 and finite. Received: noise={noise}")
    return float(noise)


def _check_seed(seed: Any) -> None:
    if seed is not None:
        check_int(seed, "seed", 0)


def _noisy(noise: float, samples: int, seed: int | None) -> MakeRows:
    """SmoothGrad's rows: ``samples`` copies of each image plus Gaussian noise."""
    rng = np.random.default_rng(seed)

    def make(array: NDArray | None, shape: tuple) -> Rows:
        weights = np.full(samples, 1.0 / samples, np.float32)
        scale = np.ones((1,) * (len(shape) + 1), np.float32)

        def rows(batch: NDArray[np.float32], start: int) -> tuple[NDArray, list[NDArray]]:
            flat = batch.reshape(len(batch), -1)
            sigma = noise * (flat.max(axis=1) - flat.min(axis=1))  # per image, as Smilkov
            draws = rng.standard_normal((len(batch), samples, *shape), dtype=np.float32)
            spread = sigma.astype(np.float32).reshape((-1, 1) + (1,) * len(shape))
            copies = batch[:, None] + spread * draws
            return copies.reshape((-1, *shape)), [weights, scale]

        return rows

    return make


def smoothgrad(
    model: keras.Model,
    images: ImagesLike,
    label: int | Sequence[int] | None = None,
    *,
    method: str = "gradient",
    noise: float = 0.15,
    samples: int = 25,
    seed: int | None = 0,
    squared: bool = False,
    channels: str | None = "sum-abs",
    reduction_layer: LayerSpec | None = None,
    reduction: Reduction | None = None,
    batch_size: int = 128,
    progress: bool | str = "auto",
) -> NDArray[np.float32]:
    """SmoothGrad: the gradient map averaged over noisy copies of each image.

    For each image ``x``, ``samples`` copies ``x + e`` with Gaussian noise ``e``
    of standard deviation ``noise * (max(x) - min(x))`` (Smilkov et al. 2017);
    the gradients of the class score (``method``) at the copies are averaged
    (or their squares, ``squared=True``), then reduced over channels as in
    :func:`gradient_attribution`. The class with ``label=None`` is the one
    predicted for the clean image. The noise and sample defaults (15 %, 25) are
    those of the authors' reference code (PAIR ``saliency``); the plain average
    is Captum's ``NoiseTunnel`` default (``"smoothgrad"``), the squares PAIR's
    (``magnitude=True``) and Captum's ``"smoothgrad_sq"``.

    Parameters
    ----------
    model, images, label, method, channels, reduction_layer, reduction, progress
        As :func:`gradient_attribution`.
    noise : float, default 0.15
        The noise's standard deviation as a fraction of each image's value range.
    samples : int, default 25
        Noisy copies per image.
    seed : int or None, default 0
        The noise's seed: the same seed gives the same noise (and maps) on every
        backend and for every ``batch_size``; None draws fresh noise.
    squared : bool, default False
        Average the squared gradients instead (a map >= 0, in squared units).
    batch_size : int, default 128
        Model evaluations (noisy copies) per pass: ``batch_size // samples``
        images, at least one.

    Returns
    -------
    ndarray of float32, shape (N, H, W) or (H, W) for one image
        As :func:`gradient_attribution`.

    Raises
    ------
    TypeError, ValueError
        As :func:`gradient_attribution`; for a negative ``noise``, ``samples`` < 1
        or a seed that is not a non-negative int.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
    ...                           keras.layers.Dense(2)])
    >>> smoothgrad(model, np.ones((4, 4, 1)), label=1, samples=4).shape
    (4, 4)
    """
    level = _check_noise(noise)
    if not isinstance(squared, (bool, np.bool_)):
        raise TypeError(f"Expected `squared` to be a bool. Received: squared={squared!r}")
    check_int(samples, "samples", 1)
    _check_seed(seed)
    settings = Settings(label, method, channels, reduction_layer, reduction, batch_size, progress)
    return attribute(
        model,
        images,
        settings,
        what="smoothgrad",
        samples=int(samples),
        rows=_noisy(level, int(samples), seed),
        squared=bool(squared),
    )
