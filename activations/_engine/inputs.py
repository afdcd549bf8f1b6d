"""Turn what a user passes as ``images`` into checked float batches."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

__all__ = [
    "ImageSource",
    "ModelInput",
    "as_image_source",
    "check_model",
    "declared_shape",
    "input_spec",
]

logger = logging.getLogger("activations")


@dataclass(frozen=True)
class ModelInput:
    """What one sample fed to a model looks like.

    Attributes
    ----------
    shape : tuple
        Per-sample shape with ``None`` for free sizes, e.g. ``(28, 28, 1)``;
        ``None`` when the model does not declare its input (subclassed models).
    dtype : str
        Input dtype.
    model_name : str
    """

    shape: tuple | None
    dtype: str
    model_name: str

    @property
    def rank(self) -> int:
        """Rank of a batch (4 for images); 4 when the model does not say."""
        return 4 if self.shape is None else len(self.shape) + 1


def check_model(model: object) -> None:
    """Raise TypeError unless ``model`` is a ``keras.Model``."""
    if not isinstance(model, keras.Model):
        raise TypeError(
            "Expected `model` to be a `keras.Model`. "
            f"Received: model of type {type(model).__name__}"
        )


def input_spec(model: keras.Model) -> ModelInput:
    """Read the per-sample input shape and dtype of a single-input model."""
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if not inputs:
        return ModelInput(None, "float32", model.name)
    if len(inputs) != 1:
        raise ValueError(
            "activations() supports models with exactly one input. "
            f"Received: model '{model.name}' with {len(inputs)} inputs"
        )
    tensor = inputs[0]
    return ModelInput(tuple(tensor.shape[1:]), str(tensor.dtype), model.name)


def declared_shape(model: keras.Model, input_shape: tuple | None, example: str) -> tuple:
    """``input_shape`` if given, else the model's declared one; refuse when neither.

    ``example`` is the call the error suggests, e.g. ``"analyze_network(model, "``.
    """
    shape = input_spec(model).shape if input_shape is None else tuple(input_shape)
    if shape is None:
        raise ValueError(
            f"Model '{model.name}' does not declare its input shape; pass it, e.g. "
            f"{example}input_shape=(48, 48, 3)). Received: input_shape=None"
        )
    return shape


def _check_dtype(x: np.ndarray) -> None:
    if x.dtype == bool or not (
        np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)
    ):
        raise TypeError(
            "Expected `images` with a real numeric dtype (integer or float). "
            f"Received: images.dtype={x.dtype}"
        )


def _fits(sample: tuple, expected: tuple | None) -> bool:
    if expected is None:
        return True
    return len(sample) == len(expected) and all(
        e is None or e == s for s, e in zip(sample, expected)
    )


def _shape_error(x: np.ndarray, spec: ModelInput) -> ValueError:
    shape = spec.shape or ()
    want = "(" + ", ".join("?" if d is None else str(d) for d in shape) + ")"
    hint = ""
    if (
        x.ndim == spec.rank - 1
        and spec.shape
        and spec.shape[-1] == 1
        and _fits(x.shape[1:] + (1,), spec.shape)
    ):
        hint = (
            " A 3-D array is one image (H, W, C); for a batch of grayscale images "
            "add the channel axis: images[..., None]."
        )
    return ValueError(
        f"Expected one image of shape {want} or a batch of shape (N, {want[1:]} for model "
        f"'{spec.model_name}'.{hint} Received: images.shape={x.shape}"
    )


def check_batch(x: Any, spec: ModelInput, *, allow_single: bool) -> tuple[np.ndarray, bool]:
    """Validate one array; return it as a float batch and whether it was one image."""
    x = np.asarray(x)
    _check_dtype(x)
    single = allow_single and x.ndim == spec.rank - 1
    if (
        allow_single
        and x.ndim == spec.rank - 2
        and spec.rank == 4
        and (spec.shape is None or spec.shape[-1] == 1)
    ):
        logger.info("Treating the 2-D array of shape %s as one grayscale image.", x.shape)
        x, single = x[..., None], True
    batch = x[None] if single else x
    if batch.ndim != spec.rank or not _fits(batch.shape[1:], spec.shape):
        raise _shape_error(x, spec)
    if batch.shape[0] == 0:
        raise ValueError(
            f"Expected at least one image. Received: an empty batch of shape {x.shape}"
        )
    if batch.dtype.kind == "f" and not np.isfinite(batch).all():
        raise ValueError(
            "Expected finite pixel values. Received: images containing "
            f"{np.isnan(batch).sum()} NaN and {np.isinf(batch).sum()} infinite values"
        )
    with np.errstate(over="ignore"):
        cast = np.asarray(batch, dtype=spec.dtype)
    if cast.dtype.kind == "f" and not np.isfinite(cast).all():
        limit = float(np.finfo(cast.dtype).max)
        raise ValueError(
            f"Expected pixel values within the model's input dtype {cast.dtype} (|x| <= "
            f"{limit:.4g}). Received: images with values up to {float(np.abs(batch).max()):.4g}, "
            f"which overflow to infinity in {cast.dtype}"
        )
    return cast, single


@dataclass
class ImageSource:
    """Checked batches of images, and how to shape the result.

    Attributes
    ----------
    array : ndarray or None
        All images as one float batch (N, ...) when they were given as an array
        or a list; None for an iterable of batches.
    batches : iterator or None
        Checked float batches for an iterable input.
    one_image : bool
        True when one image was given (the result loses its batch axis).
    """

    array: np.ndarray | None
    batches: Iterator[np.ndarray] | None
    one_image: bool

    def iter_batches(self, batch_size: int) -> Iterator[np.ndarray]:
        if self.array is not None:
            for start in range(0, len(self.array), batch_size):
                yield self.array[start : start + batch_size]
        elif self.batches is not None:
            yield from self.batches


def _one_image_error(shape: tuple, spec: ModelInput) -> ValueError:
    return ValueError(
        "Expected an iterable of batches (N, ...) of images, as Keras' `predict` takes. "
        f"Received: an iterable whose items have the shape of one image, {shape}, for model "
        f"'{spec.model_name}'. Batch them first: `np.stack(list(images))`, or "
        "`dataset.batch(32)` for a `tf.data.Dataset`"
    )


def _stream(items: Iterable[Any], spec: ModelInput) -> Iterator[np.ndarray]:
    count = 0
    for item in items:
        if isinstance(item, tuple):  # (x, y) or (x, y, sample_weight), as Keras' fit takes
            item = item[0]
        shape = np.shape(item)
        if spec.shape is not None and len(shape) == spec.rank - 1 and _fits(shape, spec.shape):
            raise _one_image_error(shape, spec)
        batch, _ = check_batch(item, spec, allow_single=False)
        count += 1
        yield batch
    if count == 0:
        raise ValueError("Expected at least one batch of images. Received: an empty iterable")


def _check_not_nested_image(images: list, stacked: np.ndarray, spec: ModelInput) -> None:
    """Refuse ``image.tolist()``: a list of rows that together make one image."""
    if spec.shape is None or isinstance(images[0], np.ndarray):
        return
    if stacked.ndim == spec.rank - 1 and _fits(stacked.shape, spec.shape):
        raise ValueError(
            "Expected a list of images. Received: a list of "
            f"{len(images)} items of shape {np.shape(images[0])} that together have the shape "
            f"of one image, {stacked.shape} (nested lists, as from `image.tolist()`); "
            "for one image pass `np.asarray(images)`"
        )


def as_image_source(images: Any, spec: ModelInput) -> ImageSource:
    """Check ``images`` against the model input and wrap them as an ImageSource."""
    if isinstance(images, (str, bytes, dict)) or images is None:
        raise TypeError(
            "Expected `images` as a NumPy array, a list of images or an iterable of batches. "
            f"Received: images of type {type(images).__name__}"
        )
    if isinstance(images, list):
        if not images:
            raise ValueError("Expected at least one image. Received: images=[]")
        shapes = {np.shape(im) for im in images}
        if len(shapes) > 1:
            raise ValueError(
                f"Expected images of one size in the list. Received: shapes {sorted(shapes)}"
            )
        stacked = np.stack([np.asarray(im) for im in images])
        _check_not_nested_image(images, stacked, spec)
        if stacked.ndim == spec.rank - 1 and (spec.shape is None or spec.shape[-1] == 1):
            stacked = stacked[..., None]  # a list of 2-D grayscale images
        array, _ = check_batch(stacked, spec, allow_single=False)
        return ImageSource(array, None, False)
    if (
        isinstance(images, np.ndarray)
        or hasattr(images, "__array__")
        and not hasattr(images, "element_spec")
    ):
        array, single = check_batch(images, spec, allow_single=True)
        return ImageSource(array, None, single)
    if hasattr(images, "__iter__"):
        return ImageSource(None, _stream(images, spec), False)
    raise TypeError(
        "Expected `images` as a NumPy array, a list of images or an iterable of batches. "
        f"Received: images of type {type(images).__name__}"
    )
