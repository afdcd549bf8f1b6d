"""``deep_dream``: MATLAB's ``deepDreamImage``, the pattern a channel wants to see.

Gradient ascent on the channel's mean activation, with respect to the input
image, coarse to fine over an image pyramid. The model's input size is fixed
for most networks, so the pyramid works on the step rather than on the image:
at level ``l`` of ``L`` the gradient is first brought down to the input size
divided by ``pyramid_scale ** (L - 1 - l)`` and back up (bilinear), so early
steps change only coarse structure and later ones add detail. All channels
are dreamed together, one image each, in one batch.

The bilinear round trip is linear and separable, so it is one matrix per
axis (made once per level, by resizing the identity with :func:`imresize`);
each step (forward, backward, the round trip, the normalized step and the
clip to the model's input range) runs in one compiled call on the device.
"""

from __future__ import annotations

import logging
import math
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

from activations._arrays.checks import check_int
from activations._arrays.resize import imresize
from activations._engine.cache import DerivedCache
from activations._engine.extractors import check_built, extractor_for
from activations._engine.gradients import NoGradient, gradient_reduce
from activations._engine.input_range import input_range
from activations._engine.inputs import input_spec
from activations._engine.preamble import check_options
from activations._engine.progress import check_progress, progress_bar
from activations._engine.stop import check_stop
from activations._engine.trace import Extractor, graph_kept
from activations._types import LayerSpec

__all__ = ["deep_dream", "start_noise"]

logger = logging.getLogger(__name__)

# model -> {(layer, input shape): two-input keras.Model}
_MODELS: DerivedCache = DerivedCache("dream models")


def _dream_model(model: keras.Model, layer: LayerSpec, input_shape: tuple) -> keras.Model:
    """Inputs (x, channel weights); outputs (maps, weighted channel means)."""
    refs, _, extractor, _ = extractor_for(model, layer, sample_shape=input_shape)
    return _MODELS.get(model, (refs[0].name, input_shape), lambda: _build(extractor, layer))


def _build(extractor: Extractor, layer: LayerSpec) -> keras.Model:
    (tapped,) = extractor.models
    maps = tapped.outputs[0]
    if len(maps.shape) < 2:
        raise ValueError(f"Expected a layer with channels. Received: layer={layer!r}")
    if not keras.backend.is_float_dtype(maps.dtype):
        raise _no_gradient(layer, f"{maps.dtype} values")
    axes = tuple(range(1, len(maps.shape) - 1))
    with graph_kept(tapped):
        weights = keras.Input(shape=(int(maps.shape[-1]),), name="channel_weights")
        means = keras.ops.mean(maps, axis=axes) if axes else maps
        weighted = keras.ops.multiply(means, weights)
        return keras.Model([tapped.inputs[0], weights], [means, weighted], name="dream")


def _total(outputs: Sequence[Any]) -> Any:
    """The summed mean activation of each image's own channel: what is climbed."""
    return keras.ops.sum(outputs[1])


def _channels(channels: int | Sequence[int], n: int) -> list[int]:
    values = [channels] if isinstance(channels, (int, np.integer)) else list(channels)
    if not values or not all(isinstance(c, (int, np.integer)) for c in values):
        raise TypeError(
            f"Expected `channels` to be a channel index or a list of them. Received: {channels!r}"
        )
    bad = [int(c) for c in values if not 0 <= c < n]
    if bad:
        raise ValueError(
            f"Expected channels in [0, {n - 1}] (the layer has {n}). Received: channels={bad}"
        )
    return [int(c) for c in values]


def start_noise(
    model: keras.Model, shape: tuple[int, ...], n: int | None = None
) -> NDArray[np.float32]:
    """Seeded uniform noise around the middle of the model's input range (0..1 by default).

    Of ``shape``, or ``n`` such images: ``deep_dream``'s start when no image is given.
    """
    declared = input_range(model)
    low, high = (0.0, 1.0) if declared is None else (declared.low, declared.high)
    mid, spread = (low + high) / 2, (high - low) / 4
    size = tuple(shape) if n is None else (n, *shape)
    return np.random.default_rng(0).uniform(mid - spread, mid + spread, size).astype(np.float32)


def _start(image: Any, model: keras.Model, shape: tuple, n: int) -> NDArray[np.float32]:
    if image is None:  # MATLAB's default: a random image; here uniform noise in the range
        return start_noise(model, shape, n)
    start = np.asarray(image, dtype=np.float32)
    if start.shape == shape[:-1] and shape[-1] == 1:
        start = start[..., None]
    if start.shape != shape:
        raise ValueError(
            f"Expected `image` of the model's input shape {shape}. Received: {start.shape}"
        )
    if not np.isfinite(start).all():
        raise ValueError(
            "Expected a start `image` without NaN or infinite values: the dream would be NaN "
            f"everywhere. Received: image with {int((~np.isfinite(start)).sum())} such values"
        )
    return np.broadcast_to(start, (n, *shape)).copy()


def _check_pyramid(levels: int, scale: Any, shape: tuple) -> None:
    """Refuse a pyramid scale that is not > 1, or a smallest level under one pixel."""
    if not (isinstance(scale, (int, float)) and not isinstance(scale, bool)) or not (
        math.isfinite(scale) and scale > 1
    ):
        raise ValueError(f"Expected `pyramid_scale` > 1. Received: pyramid_scale={scale!r}")
    # log(scale ** (levels - 1)), compared in logs: no overflow for any input
    if (levels - 1) * math.log(scale) > math.log(min(shape[:2])):
        raise ValueError(
            f"Expected a pyramid whose smallest level is at least 1 pixel: {levels} levels "
            f"at scale {scale:g} shrink the {shape[0]}x{shape[1]} image below that. "
            f"Received: pyramid_levels={levels}, pyramid_scale={scale!r}"
        )


def _check_step(step: Any) -> float:
    if isinstance(step, bool) or not isinstance(step, (int, float, np.floating, np.integer)):
        raise TypeError(f"Expected `step` to be a number or None. Received: step={step!r}")
    if not (math.isfinite(step) and step > 0):
        raise ValueError(
            f"Expected `step` to be a positive finite number. Received: step={step!r}"
        )
    return float(step)


def _step(
    dream: keras.Model, x: NDArray, weights: NDArray, layer: LayerSpec, extras: tuple
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """One ascent step of every image: (the new images, their channel means before it).

    ``extras`` is (rows, cols, settings); rows and cols None at full detail.
    """
    rows, cols, settings = extras
    finish, more = (_ascend, extras) if rows is not None else (_ascend_fine, (settings,))
    try:
        x, means = gradient_reduce(dream, [x, weights], 0, _total, finish, more)
        return x, means
    except NoGradient as err:  # a path without gradients
        raise _no_gradient(layer, "a path without gradients") from err


def _ascend(
    inputs: Sequence[Any], outputs: Sequence[Any], grad: Any, extras: Sequence[Any]
) -> list[Any]:
    """``x + step * g / mean|g|``, clipped, where g is the gradient's coarse round trip."""
    rows, cols, settings = extras
    grad = keras.ops.einsum("ij,njkc->nikc", rows, grad)
    grad = keras.ops.einsum("nikc,lk->nilc", grad, cols)
    return _ascend_fine(inputs, outputs, grad, [settings])


def _ascend_fine(
    inputs: Sequence[Any], outputs: Sequence[Any], grad: Any, extras: Sequence[Any]
) -> list[Any]:
    """``x + step * g / mean|g|``, clipped, at full detail; ``extras`` is (settings,)."""
    (settings,) = extras
    ops = keras.ops
    scale = ops.mean(ops.abs(grad), axis=(1, 2, 3), keepdims=True) + 1e-8
    x = ops.clip(inputs[0] + settings[0] * grad / scale, settings[1], settings[2])
    return [x, outputs[0]]


def _no_gradient(layer: LayerSpec, why: str) -> ValueError:
    return ValueError(
        "Expected a layer whose activations have a gradient with respect to the input "
        f"image: deep_dream climbs it. This layer gives none ({why}). Received: layer={layer!r}"
    )


def _round_trip(n: int, m: int) -> NDArray[np.float32]:
    """(n, n): an axis of n pixels brought down to m and back up, bilinear, as a matrix.

    Column j is what a unit impulse at pixel j becomes: :func:`imresize` is
    linear and works on rows and columns separately.
    """
    eye = np.eye(n, dtype=np.float32)[:, None, :]  # n pixels tall, 1 wide, n channels
    there = imresize(imresize(eye, (m, 1), method="bilinear"), (n, 1), method="bilinear")
    return np.ascontiguousarray(there[:, 0, :], dtype=np.float32)


def deep_dream(
    model: keras.Model,
    layer: LayerSpec,
    channels: int | Sequence[int],
    *,
    image: Any = None,
    num_iterations: int = 10,
    pyramid_levels: int = 3,
    pyramid_scale: float = 1.4,
    step: float | None = None,
    progress: bool | str = "auto",
    verbose: bool | None = None,
) -> NDArray[np.float32]:
    """Images that excite channels of a layer, as MATLAB's ``deepDreamImage``.

    Parameters
    ----------
    model : keras.Model
        A model with a fixed input shape (H, W, C); never changed.
    layer : str, int or keras.layers.Layer
        The layer whose channels to dream.
    channels : int or sequence of int
        One image per channel.
    image : array_like of the input shape, optional
        The starting image (MATLAB's ``InitialImage``). Default: low-contrast
        uniform noise around the middle of the model's input range (seeded).
        Required for a model that takes any size (it sets the dream's size).
    num_iterations : int, default 10
        Gradient steps per pyramid level.
    pyramid_levels : int, default 3
    pyramid_scale : float, default 1.4
        Size ratio between two levels (> 1).
    step : float, optional
        Step size in input units; each step moves pixels by ``step`` times the
        gradient divided by its mean absolute value. Default: 2% of the input range.
    progress : {True, False, "auto"}, default "auto"
        A progress bar over the steps (on stderr), with the mean activation of
        the chosen channels; ``"auto"`` draws it on a terminal or in a notebook.
        Nothing is printed otherwise.
    verbose : bool, optional
        Deprecated: use ``progress``. True also prints one line per level.

    Returns
    -------
    ndarray of float32, shape (len(channels), H, W, C)
        In the model's input range (clipped to it when the model declares
        one, e.g. the zoo models).

    Raises
    ------
    TypeError, ValueError
        For a wrong layer or channel, an option out of range (a step that is
        not a positive finite number, a pyramid whose smallest level would be
        under one pixel), a start image with NaN or infinite values, a model
        without a fixed input shape, or a layer without a gradient with
        respect to the image (bool or integer activations).

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((8, 8, 1)),
    ...     keras.layers.Conv2D(2, 3, activation="relu", name="conv")])
    >>> deep_dream(model, "conv", [0, 1], num_iterations=2, progress=False).shape
    (2, 8, 8, 1)
    """
    check_options(model)
    check_built(model)
    shape = input_spec(model).shape
    if (shape is None or None in shape) and image is not None:
        shape = tuple(np.shape(image))  # a free-size or subclassed model: the image sets it
    if shape is None or any(d is None for d in shape) or len(shape) != 3:
        raise ValueError(
            "Expected a model with a fixed (H, W, C) input for deep_dream(), or a start "
            f"`image` whose size sets the dream's. Received: model '{model.name}' with input "
            f"shape {shape} and image={'None' if image is None else np.shape(image)}"
        )
    check_int(num_iterations, "num_iterations", 1)
    check_int(pyramid_levels, "pyramid_levels", 1)
    _check_pyramid(pyramid_levels, pyramid_scale, tuple(shape))
    check_progress(progress)
    if verbose is not None:
        warnings.warn(
            "`verbose` is deprecated; use `progress=True | False | 'auto'`. "
            f"Received: verbose={verbose!r}",
            DeprecationWarning,
            stacklevel=2,
        )
    declared = input_range(model)
    low, high = (0.0, 1.0) if declared is None else (declared.low, declared.high)
    size = 0.02 * (high - low) if step is None else _check_step(step)
    # The step, and the range each step is clipped to (none unless the model declares one)
    settings = np.array([size, -np.inf, np.inf] if declared is None else [size, low, high])
    dream = _dream_model(model, layer, tuple(shape))
    chosen = _channels(channels, int(dream.outputs[0].shape[-1]))
    weights = np.eye(int(dream.outputs[0].shape[-1]), dtype=np.float32)[chosen]
    x = _start(image, model, tuple(shape), len(chosen))
    total = pyramid_levels * num_iterations
    with progress_bar(progress, total=total, desc=f"deep_dream {layer}", unit="step") as bar:
        for level in range(pyramid_levels):
            factor = pyramid_scale ** (pyramid_levels - 1 - level)
            coarse = tuple(max(1, round(d / factor)) for d in shape[:2])
            trip: tuple = (None, None)  # full detail: no round trip
            if coarse != tuple(shape[:2]):
                trip = (_round_trip(shape[0], coarse[0]), _round_trip(shape[1], coarse[1]))
            for _ in range(num_iterations):
                check_stop()  # a step is a safe point to honour the command line's SIGTERM
                x, means = _step(dream, x, weights, layer, (*trip, settings))
                bar.update(1)
            strength = float(means[np.arange(len(chosen)), chosen].mean())
            bar.set_postfix(level=f"{level + 1}/{pyramid_levels}", mean=f"{strength:.4g}")
            if verbose:
                where = f"level {level + 1}/{pyramid_levels} ({coarse[0]}x{coarse[1]})"
                print(f"  {where}: mean activation {strength:.4g}", file=sys.stdout, flush=True)
    return x.astype(np.float32)
