"""``activations(model, images, layers)``: MATLAB's activations for Keras 3."""

from __future__ import annotations

import logging
from typing import Any, Literal, overload

import keras
import numpy as np
from numpy.typing import NDArray

from activations._engine.inputs import ImageSource
from activations._engine.preamble import check_options, prepare
from activations._engine.predict import run_extractor
from activations._engine.progress import check_progress
from activations._engine.runtime import run_batches
from activations._engine.trace import Extractor
from activations._types import ImagesLike, LayersLike, LayerSpec

__all__ = ["activations"]

logger = logging.getLogger("activations")

def _run(
    model: keras.Model,
    extractor: Extractor,
    source: ImageSource,
    batch_size: int,
    progress: bool | str = False,
    desc: str = "activations",
) -> list[np.ndarray]:
    """Every output for every image, as new writeable float32 arrays."""
    if source.array is not None and len(source.array) <= batch_size:  # one pass
        return run_extractor(extractor, source.array, owned=True)
    step = lambda batch: run_extractor(extractor, batch)  # noqa: E731
    batches = run_batches(model, source, batch_size, step, progress=progress, desc=desc)
    if source.array is None:  # a stream: length unknown, keep the pieces
        pieces: list[list[np.ndarray]] = []
        for _, _, outs in batches:
            pieces = pieces or [[] for _ in outs]
            for kept, out in zip(pieces, outs):
                kept.append(out)
        return [np.concatenate(kept) for kept in pieces]
    total = len(source.array)
    results: list[np.ndarray] = []
    for start, _, outs in batches:
        results = results or [np.empty((total,) + o.shape[1:], np.float32) for o in outs]
        for full, out in zip(results, outs):
            full[start : start + len(out)] = out
    return results


def _shape_output(x: np.ndarray, output_as: str, one_image: bool) -> np.ndarray:
    if output_as == "channels":
        return x[0] if one_image else x
    rows = x.reshape(len(x), -1)
    return rows if output_as == "rows" else rows.T


# "all" is a str, and gives a dict: the overloads overlap. mypy sees that only when
# keras is typed (here keras.layers.Layer in LayerSpec is Any), hence unused-ignore.
@overload
def activations(  # type: ignore[overload-overlap, unused-ignore]
    model: keras.Model,
    images: ImagesLike,
    layers: Literal["all"] | list[Any] | tuple[Any, ...],
    *,
    output_as: str = ...,
    batch_size: int = ...,
    stage: str = ...,
    progress: bool | str = ...,
) -> dict[str, NDArray[np.float32]]: ...


@overload
def activations(
    model: keras.Model,
    images: ImagesLike,
    layers: LayerSpec,
    *,
    output_as: str = ...,
    batch_size: int = ...,
    stage: str = ...,
    progress: bool | str = ...,
) -> NDArray[np.float32]: ...


def activations(
    model: keras.Model,
    images: ImagesLike,
    layers: LayersLike,
    *,
    output_as: str = "channels",
    batch_size: int = 128,
    stage: str = "output",
    progress: bool | str = "auto",
) -> NDArray[np.float32] | dict[str, NDArray[np.float32]]:
    """Outputs of one or more layers of a Keras model for some images.

    The Keras counterpart of MATLAB's ``act = activations(net, im, layer)``.
    All requested layers come from one forward pass per mini-batch, through a
    compiled extractor that is built once per (model, layers) and cached.
    The model is never compiled, trained or left changed.

    Parameters
    ----------
    model : keras.Model
        Any Keras 3 model with one input: Sequential, Functional, a model nested
        in another, or a subclassed model whose ``call`` uses Keras layers.
    images : array_like, list of arrays, or iterable of batches
        One image of shape (H, W, C) (or (H, W) for one-channel models), a batch
        (N, H, W, C), a list of same-size images, or an iterable such as a
        ``tf.data.Dataset`` yielding batches (or ``(x, y)`` tuples). Any real
        dtype; values are passed to the model as they are (no scaling).
    layers : str, int, keras.layers.Layer, list of these, or "all"
        Layer name (``"inner/conv1"`` for a layer of a nested model; a unique
        plain name is found anywhere), index into ``model.layers`` (negative
        allowed) or the layer object. ``"all"``: every layer that has an output
        (nested models and their layers included, input layers excluded), as
        a dict in the order of ``analyze_network``.
    output_as : {"channels", "rows", "columns"}
        ``"channels"``: (N, h, w, c), or (h, w, c) for one image. ``"rows"``:
        (N, h*w*c). ``"columns"``: (h*w*c, N). Flattening is row-major over
        (h, w, c).
    batch_size : int, default 128
        Images per forward pass (MATLAB's MiniBatchSize, whose default is 128, as
        every function here); memory is bounded by one batch of activations plus
        the result.
    stage : {"output", "pre"}
        ``"pre"`` returns a layer's value before its fused activation (e.g. a
        Conv2D with ``activation="relu"``): the pre-ReLU map.

    Returns
    -------
    ndarray of float32 or dict of str to ndarray
        One array for one layer; for a list, a dict keyed by layer name (as
        asked: ``"inner/conv1"`` stays a path) in the order given. Always new,
        writeable arrays that share no memory with the backend.

    Raises
    ------
    TypeError
        For a model, images or layer of the wrong type.
    ValueError
        For an unknown layer or index, images that do not fit the model input,
        NaN or infinite pixels (also float64 values beyond float32's range),
        an empty batch, an unbuilt model, ``stage="pre"`` on a layer
        without a fused activation, an unknown option, or a model whose layers
        cannot be tapped.

    Examples
    --------
    >>> import keras, numpy as np
    >>> model = keras.Sequential([keras.Input((4, 4, 1)),
    ...                           keras.layers.Conv2D(2, 3, name="conv")])
    >>> activations(model, np.zeros((4, 4, 1)), "conv").shape
    (2, 2, 2)
    """
    check_options(model, output_as, batch_size, stage)
    check_progress(progress)
    source, refs, one_layer, extractor = prepare(model, images, layers, stage=stage)
    outs = _run(model, extractor, source, int(batch_size), progress)
    shaped = [_shape_output(o, output_as, source.one_image) for o in outs]
    if one_layer:
        return shaped[0]
    return {ref.name: out for ref, out in zip(refs, shaped)}


