"""``gradcam``: MATLAB's ``gradCAM`` for any Keras 3 model, on every backend.

The model is traced once (as for :func:`activations.activations`) into a
functional model with a second input, a shift of shape (N, 1, 1, C) added to
the feature layer's output: the class score downstream is then a function of
the shift, and its gradient at a zero shift is the gradient with respect to the
feature maps summed over rows and columns, Grad-CAM's channel weights times the
map's size, whatever kind of model it is (Sequential, Functional, nested,
subclassed). One compiled step runs the forward pass, the backward pass to the
shift and the weighting; only the (N, h, w) maps and the scores reach the host.
With ``label=None`` the predicted class is chosen inside the same step. A
``reduction`` function (MATLAB's ``ReductionFcn``) is traced into the model as
its score, for regression or segmentation outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

from activations._engine.cache import DerivedCache
from activations._engine.gradients import NoGradient, gradient_reduce
from activations._engine.layers import LayerRef, resolve_layer
from activations._engine.preamble import check_options, prepare_images
from activations._engine.progress import check_progress
from activations._engine.runtime import run_batches
from activations._engine.trace import graph_kept, trace, upstream
from activations._explain.maps import blank_unexplained, finite_rows, to_size
from activations._explain.scores import (
    Reduction,
    batch_labels,
    check_label_total,
    check_labels,
    check_reduction,
    class_score,
    default_score_layer,
    given_score,
    label_count,
    network_table,
    predicted_score,
    score_stage,
)
from activations._probes.network import NetworkTable
from activations._types import ImagesLike, LayerSpec

__all__ = ["gradcam"]

# model -> {(feature, reduction, function, input shape, dtype): three-input keras.Model}
_MODELS: DerivedCache = DerivedCache("gradcam models")


def _default_feature(model: keras.Model, table: NetworkTable) -> str:
    rows = [row for row in table.rows if len(row.output_shape) == 3]
    if not rows or not all(isinstance(d, int) for d in rows[-1].output_shape[:2]):
        raise ValueError(
            f"Model '{model.name}' has no layer with a spatial (H, W, C) output to take "
            "Grad-CAM's feature maps from. Pass `feature_layer`. Received: feature_layer=None"
        )
    return rows[-1].name


def _gradcam_model(
    model: keras.Model,
    refs: tuple[LayerRef, LayerRef],
    fn: Reduction | None,
    input_shape: tuple,
    dtype: str,
) -> keras.Model:
    """Inputs (x, shift, class weights); outputs (A, score, weighted score)."""
    key = (refs[0].name, refs[1].name, fn, input_shape, dtype)
    return _MODELS.get(model, key, lambda: _build(model, *refs, fn, input_shape, dtype))


def _build(
    model: keras.Model,
    feature: LayerRef,
    reduction: LayerRef,
    fn: Reduction | None,
    input_shape: tuple,
    dtype: str,
) -> keras.Model:
    shifts: list[keras.KerasTensor] = []

    def shift_for(maps: Any) -> keras.KerasTensor | None:
        """Grad-CAM's shift input, one per channel of the maps (known only now)."""
        if not isinstance(maps, keras.KerasTensor):
            return None  # several tensors: refused below
        shape = (1, 1, maps.shape[-1]) if len(maps.shape) == 4 else tuple(maps.shape[1:])
        shifts.append(keras.Input(shape=shape, name="shift"))
        return shifts[-1]

    stage = "output" if fn is not None else score_stage(reduction.layer)
    stages = {id(feature.layer): "output", id(reduction.layer): stage}
    with graph_kept(model):
        x, captures = trace(
            model, [feature, reduction], input_shape=input_shape, dtype=dtype, stage=stages,
            shifts={id(feature.layer): shift_for},
        )  # fmt: skip
        found = [captures.get(id(ref.layer), []) for ref in (feature, reduction)]
        if any(len(f) != 1 or not isinstance(f[0], keras.KerasTensor) for f in found):
            raise ValueError(
                f"Layers '{feature.name}' and '{reduction.name}' of model '{model.name}' must "
                f"each be called once and return one tensor for Grad-CAM. Received: "
                f"feature_layer={feature.name!r}, reduction_layer={reduction.name!r}"
            )
        shift = shifts[0]
        maps, score = found[0][0], found[1][0]
        if len(maps.shape) != 4:
            raise ValueError(
                "Expected a feature layer with (H, W, C) maps for Grad-CAM, such as the last "
                f"conv layer. Layer '{feature.name}' gives {tuple(maps.shape)}. "
                f"Received: feature_layer={feature.name!r}"
            )
        score = class_score(score, fn, reduction.name, " for Grad-CAM")
        if not any(tensor is shift for tensor in upstream(score)):
            raise ValueError(
                f"The score of layer '{reduction.name}' does not depend on layer "
                f"'{feature.name}' in model '{model.name}', so no gradient reaches its maps. "
                "Expected a feature layer on the path to the score. Received: "
                f"feature_layer={feature.name!r}, reduction_layer={reduction.name!r}"
            )
        weights = keras.Input(shape=tuple(score.shape[1:]), name="class_weights")
        weighted = keras.ops.multiply(score, weights)
        return keras.Model([x, shift, weights], [maps, score, weighted], name="gradcam")


def _weighted_maps(
    inputs: Sequence[Any], outputs: Sequence[Any], grad: Any, extras: Sequence[Any]
) -> list[Any]:
    """``ReLU(sum_k alpha_k A_k)`` and the scores; ``grad`` is (N, 1, 1, C), summed over h, w."""
    maps = outputs[0]
    size = keras.ops.cast(keras.ops.shape(maps)[1] * keras.ops.shape(maps)[2], maps.dtype)
    alpha = grad / size
    return [keras.ops.relu(keras.ops.sum(maps * alpha, axis=-1)), outputs[1]]


def gradcam(
    model: keras.Model,
    images: ImagesLike,
    label: int | Sequence[int] | None = None,
    *,
    feature_layer: LayerSpec | None = None,
    reduction_layer: LayerSpec | None = None,
    reduction: Callable[[Any], Any] | None = None,
    batch_size: int = 128,
    progress: bool | str = "auto",
) -> NDArray[np.float32]:
    """Grad-CAM maps: where the image drives the class score, as MATLAB's ``gradCAM``.

    For each image, the gradient of the class score (taken before a fused
    softmax) with respect to the feature layer's maps ``A`` is averaged over
    the map's rows and columns into one weight per channel ``alpha_k``; the
    map is ``ReLU(sum_k alpha_k A_k)``, resized to the input's size with
    :func:`imresize` (bilinear, which keeps it >= 0). Not normalized.

    Parameters
    ----------
    model : keras.Model
        Any Keras 3 model :func:`activations.activations` accepts; never changed.
    images : array_like of shape (H, W, C) or (N, H, W, C), a list, or an iterable of batches
        As :func:`activations.activations` takes them (a ``tf.data.Dataset`` too).
    label : int, sequence of int or None, default None
        The class to explain, one for all or one per image; None: the class
        the model predicts for each image.
    feature_layer : str, int or keras.layers.Layer, optional
        Default: the last layer with a spatial (H, W, C) output.
    reduction_layer : str, int or keras.layers.Layer, optional
        The layer giving one score per class, (N, classes). Default: the
        model's (single) output layer.
    reduction : callable, optional
        MATLAB's ``ReductionFcn``: instead of a class score, explain
        ``reduction(output)``, where ``output`` is the reduction layer's output
        (n, ...) (taken after any fused activation) and the result is one score
        per image, (n,) or (n, 1): e.g. ``lambda y: y[:, 0]`` for a regression,
        or a masked class sum for a segmentation. Written with ``keras.ops``;
        traced once into the model. Not with ``label``.
    batch_size : int, default 128
        Images per forward and backward pass (MATLAB's MiniBatchSize default).
    progress : {True, False, "auto"}, default "auto"
        A progress bar over the images (stderr); ``"auto"``: on a terminal or in
        a notebook.

    Returns
    -------
    ndarray of float32, shape (H, W) for one image or (N, H, W)
        The maps at the input's size. An image whose explained score is not
        finite (NaN or inf; with ``label=None`` any class's score, since the
        argmax of NaN is no class), or whose map is not, gets an all-NaN map.

    Warns
    -----
    RuntimeWarning
        Naming the images with an all-NaN map, if any.

    Raises
    ------
    TypeError, ValueError
        As :func:`activations.activations`; for a label out of range, a model
        with several outputs and no ``reduction_layer``, a reduction layer
        that does not give (N, classes) scores, or a ``reduction`` (with a
        ``label``, or not giving one score per image).

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((4, 4, 1)),
    ...     keras.layers.Conv2D(2, 3, padding="same", activation="relu", name="conv"),
    ...     keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(3, activation="softmax")])
    >>> gradcam(model, np.ones((4, 4, 1)), label=0).shape
    (4, 4)
    """
    check_options(model, batch_size=batch_size)
    check_progress(progress)
    check_reduction(reduction, label)
    source, spec = prepare_images(model, images, static=True)
    if spec.shape is None:
        raise ValueError(f"Expected at least one image. Received: images={images!r}")
    shape = tuple(spec.shape)
    if feature_layer is None:
        feature_layer = _default_feature(model, network_table(model, shape))
    if reduction_layer is None:
        reduction_layer = default_score_layer(model, shape, "Grad-CAM")
    feature = resolve_layer(model, feature_layer)
    score_ref = resolve_layer(model, reduction_layer)
    two = _gradcam_model(model, (feature, score_ref), reduction, shape, spec.dtype)
    n_classes = int(two.outputs[1].shape[-1])
    n = None if source.array is None else len(source.array)
    label = 0 if reduction is not None else label  # the function's score: one "class"
    labels = check_labels(label, n if n is not None else label_count(label), n_classes)
    step = lambda batch: batch  # noqa: E731  (the pass needs each batch's labels too)
    pieces = [
        _batch_maps(two, batch, (feature, score_ref), batch_labels(labels, start, len(batch)))
        for start, batch, _ in run_batches(
            model, source, int(batch_size), step, progress=progress, desc="gradcam"
        )
    ]
    check_label_total(labels, n, sum(len(maps) for maps, _ in pieces))
    maps = blank_unexplained(
        np.concatenate([m for m, _ in pieces]), np.concatenate([ok for _, ok in pieces]),
        "gradcam",
    )  # fmt: skip
    # Bilinear: it never overshoots, so the map stays >= 0 as its ReLU left it
    # (bicubic, imresize's default, dips below 0 next to sharp peaks).
    maps = to_size(maps, shape[:2], "bilinear")
    return maps[0] if source.one_image else maps


def _batch_maps(
    two: keras.Model, batch: NDArray, refs: tuple[LayerRef, LayerRef], labels: NDArray | None
) -> tuple[NDArray, NDArray[np.bool_]]:
    """One batch's (n, h, w) maps, and whether each image's explained score is finite."""
    feature, reduction = refs
    n, n_classes = len(batch), int(two.outputs[1].shape[-1])
    shift = np.zeros((n,) + tuple(two.inputs[1].shape[1:]), np.float32)  # (n, 1, 1, C)
    if labels is None:
        weights, target = np.zeros((n, n_classes), np.float32), predicted_score
    else:
        weights, target = np.eye(n_classes, dtype=np.float32)[labels], given_score
    try:
        maps, scores = gradient_reduce(two, [batch, shift, weights], 1, target, _weighted_maps)
    except NoGradient:  # an integer score, or a path without gradients
        maps = None
    if maps is None or maps.ndim != 3:
        raise ValueError(
            f"The score of layer '{reduction.name}' gives no gradient with respect to the maps "
            f"of layer '{feature.name}' (an integer score, or a path without gradients). "
            "Expected a float score on a differentiable path from the feature layer. "
            f"Received: feature_layer={feature.name!r}, reduction_layer={reduction.name!r}"
        )
    return maps, finite_rows(scores, labels)
