"""``occlusion_sensitivity``: MATLAB's occlusionSensitivity, in compiled mini-batches."""

from __future__ import annotations

import logging
from typing import Any

import keras
import numpy as np
from numpy.typing import ArrayLike, NDArray

from activations._arrays.masks import fill_values, mask_pair, mask_positions, span_masks
from activations._engine.extractors import extractor_for
from activations._engine.inputs import input_spec
from activations._engine.preamble import check_options, prepare_images
from activations._engine.progress import check_progress
from activations._engine.trace import Extractor
from activations._explain.copies import Scorer, channel_total, class_scores, score_copies
from activations._explain.maps import blank_unexplained, to_size
from activations._explain.scores import default_score_layer
from activations._types import ImagesLike, LayerSpec

__all__ = ["mask_positions", "occlusion_sensitivity"]

logger = logging.getLogger("activations")

UPSAMPLING = ("bicubic", "nearest", "none")


def _drops(
    model: keras.Model,
    extractor: Extractor,
    images: NDArray,
    label: Any,
    masks: tuple[NDArray, NDArray, NDArray],
    options: dict[str, Any],
) -> tuple[NDArray[np.float32], NDArray[np.bool_]]:
    """score(image) - score(occluded copy), shape (N, len(rows), len(cols)); finite scores.

    The second array says whether each image's own score is finite.
    """
    fill, rows, cols = masks

    def boxes(which: NDArray[np.intp], box: NDArray[np.intp]) -> NDArray[np.bool_]:
        return rows[box // len(cols), :, None] & cols[box % len(cols), None, :]

    got = score_copies(
        model, extractor, images, label, fill=fill, positions=len(rows) * len(cols),
        hidden=boxes, desc="occlusion", **options,
    )  # fmt: skip
    drops = got.base[:, None] - got.copies
    return drops.reshape(len(images), len(rows), len(cols)), got.finite


def _channel_target(
    model: keras.Model, spec: Any, layer: Any, channel: Any, label: Any, reduction: Any
) -> tuple[Extractor, Scorer] | None:
    """The extractor and scorer of ``layer``'s ``channel``, or None for the class score."""
    if layer is None and channel is None:
        return None
    if layer is None or channel is None:
        given = "layer" if channel is None else "channel"
        raise ValueError(
            "Expected `layer` and `channel` together (the total activation of one channel), "
            f"or neither (the class score). Received: only {given}="
            f"{layer if channel is None else channel!r}"
        )
    if label is not None or reduction is not None:
        raise ValueError(
            "Expected `label=None` and `reduction_layer=None` with `layer` and `channel`: "
            "the score is the channel's total activation, not a class score. "
            f"Received: label={label!r}, reduction_layer={reduction!r}"
        )
    _, _, extractor, _ = extractor_for(model, layer, spec=spec)
    n = int(extractor.outputs[0].shape[-1])
    if isinstance(channel, (bool, np.bool_)) or not isinstance(channel, (int, np.integer)):
        raise TypeError(f"Expected `channel` to be an int. Received: channel={channel!r}")
    if not 0 <= channel < n:
        raise ValueError(
            f"Expected `channel` in [0, {n - 1}] (layer {layer!r} has {n} channels). "
            f"Received: channel={channel!r}"
        )
    return extractor, channel_total(int(channel))


def occlusion_sensitivity(
    model: keras.Model,
    images: ImagesLike,
    label: int | ArrayLike | None = None,
    *,
    mask_size: int | tuple[int, int] | str = "auto",
    stride: int | tuple[int, int] | str = "auto",
    mask_value: float | ArrayLike | str = "auto",
    output_upsampling: str = "bicubic",
    mask_clipping: bool = True,
    reduction_layer: LayerSpec | None = None,
    layer: LayerSpec | None = None,
    channel: int | None = None,
    batch_size: int = 128,
    progress: bool | str = "auto",
) -> NDArray[np.float32]:
    """How much the class score (or a channel's activation) drops as each part is hidden.

    MATLAB's ``occlusionSensitivity(net, X, label)``: a mask slides over the
    image; for each position the occluded copy goes through the model and the
    map holds ``score(image) - score(occluded copy)`` for the class, so high
    values mark regions that support the class. The score is the model output
    (for a softmax output layer the probability, as in MATLAB). The images
    and then their copies run through the compiled forward pass
    ``batch_size`` at a time (the unoccluded scores come from the same
    passes; at most one batch of copies in memory), never one predict per
    mask. Each mask position gives one cell of the map; the cells are then
    resized to the image (MATLAB's OutputUpsampling) with MATLAB's
    ``imresize``.

    With ``layer`` and ``channel`` (MATLAB's ``occlusionSensitivity(net, X,
    layer, channel)``) the score is instead that channel's total activation,
    the sum of its map over all positions: the map then says which parts of
    the image drive the channel (for the face network's prelu3 channel 21,
    the eyes).

    Parameters
    ----------
    model : keras.Model
        An image classifier with one output of shape (N, classes). Never
        modified.
    images : array_like of shape (H, W, C) or (N, H, W, C), a list, or an iterable of batches
        One image or a batch, as the model takes them (a 2-D array is one
        grayscale image), or a stream of batches (gathered first: each image is
        copied once per mask position). Never modified.
    label : int or array_like of N ints, optional
        The class of each image; by default the predicted one (the argmax of
        the unoccluded output). MATLAB requires it, and there a vector of
        classes gives one map per class of one image; here it is one class
        per image (call again for another class).
    mask_size : "auto", int or (rows, cols), default "auto"
        "auto": 20% of the image size, rounded (at least 1 pixel).
    stride : "auto", int or (rows, cols), default "auto"
        Step between mask positions; "auto": 10% of the image size, rounded.
    mask_value : "auto", float, array_like of shape (C,) or (H, W, C), default "auto"
        What the hidden pixels become; "auto": each image's channel-wise mean.
    output_upsampling : {"bicubic", "nearest", "none"}, default "bicubic"
        "bicubic"/"nearest": the map at the image's size; "none": one value
        per mask position.
    mask_clipping : bool, default True
        True (MATLAB's "on"): the first mask is centred on the top-left pixel
        and masks at the edges are cut; False: only full masks inside the
        image (see :func:`mask_positions`).
    reduction_layer : str, int or keras.layers.Layer, optional
        The layer whose (N, classes) output is the score; default the model's
        single output layer, as :func:`activations.gradcam` chooses (needed
        for models with several outputs).
    layer : str, int or keras.layers.Layer, optional
        With ``channel``: the layer whose channel's total activation is the
        score (``label`` and ``reduction_layer`` must then be None).
    channel : int, optional
        The channel of ``layer``, from 0.
    batch_size : int, default 128
        Images per forward pass, the unoccluded ones included (MATLAB's
        MiniBatchSize, default 128 as there).
    progress : {True, False, "auto"}, default "auto"
        A progress bar over the images and their occluded copies (stderr).

    Returns
    -------
    ndarray of float32, shape (H, W) or (N, H, W)
        One map per image; (rows, cols) of mask positions per image with
        ``output_upsampling="none"``. An image whose class score is not finite
        (NaN or inf; with ``label=None`` any class's score), or one of whose
        occluded copies' is not, gets an all-NaN map.

    Warns
    -----
    RuntimeWarning
        Naming the images with an all-NaN map, if any.

    Raises
    ------
    TypeError
        If ``model`` is not a Keras model, ``images`` is not an array, or an
        option has a wrong type.
    ValueError
        If the model takes no (H, W, C) images, a shape or value is wrong, a
        mask is larger than the image, the model output is not (N, classes),
        or ``layer`` and ``channel`` are not given together or the channel is out
        of range.

    Examples
    --------
    >>> import keras, numpy as np
    >>> dense = keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")
    >>> model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), dense])
    >>> occlusion_sensitivity(model, np.arange(16.0).reshape(4, 4, 1), mask_size=2, stride=2,
    ...                       mask_value=0.0, output_upsampling="none", mask_clipping=False)
    array([[10., 18.],
           [42., 50.]], dtype=float32)
    """
    check_options(model, batch_size=batch_size)
    check_progress(progress)
    if output_upsampling not in UPSAMPLING:
        raise ValueError(
            f"Expected `output_upsampling` to be one of {list(UPSAMPLING)}. "
            f"Received: output_upsampling={output_upsampling!r}"
        )
    if not isinstance(mask_clipping, (bool, np.bool_)):
        raise TypeError(
            f"Expected `mask_clipping` to be a bool. Received: mask_clipping={mask_clipping!r}"
        )
    source, spec = prepare_images(model, images)
    batch = source.array
    if batch is None:  # a stream: gathered, since each image is copied per mask position
        batch = np.concatenate(list(source.iter_batches(batch_size)))
    target = _channel_target(model, spec, layer, channel, label, reduction_layer)
    if target is None:
        if reduction_layer is None:
            shape = spec.shape if spec.shape is not None else batch.shape[1:]
            reduction_layer = default_score_layer(model, shape, "occlusion sensitivity")
        _, _, extractor, _ = extractor_for(model, reduction_layer, spec=spec)
        scorer: Scorer = class_scores
    else:
        extractor, scorer = target
    if batch.ndim != 4:  # the model takes no images: there are no patches to hide
        given = batch.shape[1:] if source.one_image else batch.shape
        raise ValueError(
            "Expected a model that takes images of shape (H, W, C): occlusion sensitivity "
            f"hides patches of each image. Received: model '{model.name}' with input shape "
            f"{input_spec(model).shape} and images.shape={given}"
        )
    hw = (int(batch.shape[1]), int(batch.shape[2]))
    masks = mask_pair(mask_size, "mask_size", hw, 0.2)
    steps = mask_pair(stride, "stride", hw, 0.1)
    if masks[0] > hw[0] or masks[1] > hw[1]:
        raise ValueError(
            f"Expected `mask_size` at most the image size {hw}. Received: mask_size={mask_size!r}"
        )
    fill = fill_values(mask_value, batch)
    rows = mask_positions(hw[0], masks[0], steps[0], bool(mask_clipping))
    cols = mask_positions(hw[1], masks[1], steps[1], bool(mask_clipping))
    row_masks, col_masks = span_masks(rows, hw[0]), span_masks(cols, hw[1])
    options = dict(batch_size=batch_size, progress=progress, scorer=scorer)
    drops, finite = _drops(
        model, extractor, batch, None if target else label, (fill, row_masks, col_masks), options
    )
    maps = blank_unexplained(drops, finite, "occlusion_sensitivity")
    if output_upsampling != "none":
        maps = to_size(maps, hw, output_upsampling)
    return maps[0] if source.one_image else maps
