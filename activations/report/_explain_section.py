"""The "why does the network decide" section (Grad-CAM, occlusion, ...) and the deep dreams.

Where a method cannot apply to a model (no class scores, several outputs and
no ``reduction_layer``) the page says so in one sentence; anything else that
goes wrong is a bug, left to the report to stop on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

from activations._engine.inputs import input_spec
from activations._explain.gradcam import _default_feature
from activations._explain.methods import METHODS, explain_one
from activations._explain.scores import network_table, output_names, softmax_output
from activations._probes.activations import activations
from activations._probes.network import shape_text
from activations.report._page import Page

logger = logging.getLogger(__name__)

#: The methods of the report's "why" section by default.
WHY_METHODS = ("gradcam", "occlusion")

__all__ = [
    "add_dream_section",
    "add_explain_section",
    "add_model_dream_section",
    "add_why_section",
    "check_why_methods",
    "WHY_METHODS",
    "class_text",
    "dream_size",
    "native_size",
    "score_layer_of",
]


def class_text(label: int, names: Sequence[str] | None) -> str:
    """``9 'Ankle boot'`` with class names, ``9`` without.

    Examples
    --------
    >>> class_text(9, ["a"] * 9 + ["Ankle boot"]), class_text(3, None)
    ("9 'Ankle boot'", '3')
    """
    return str(label) if names is None else f"{label} '{names[label]}'"


def score_layer_of(model: keras.Model, reduction_layer: str | None) -> str | None:
    """The layer of class scores to explain, or None if it is unclear.

    The given one, the model's only output, or the only softmax output among
    several (the face network's ``face_score``; the choice is logged).
    """
    if reduction_layer is not None:
        return reduction_layer
    names = output_names(model)
    if len(names) == 1:
        return names[0]
    found = softmax_output(model)
    if found is not None:
        logger.info("Explaining '%s', the only softmax output of %s", found, names)
    return found


def add_why_section(
    page: Page,
    model: keras.Model,
    image: NDArray[np.uint8],
    x: NDArray,
    *,
    reduction_layer: str | None = None,
    class_names: Sequence[str] | None = None,
    methods: Sequence[str] = WHY_METHODS,
) -> None:
    """``methods`` (by default Grad-CAM and occlusion) of the predicted class, or why not."""
    page.heading("Why the model decides")
    names = output_names(model)
    layer = score_layer_of(model, reduction_layer)
    how = "choose the layer of class scores with --reduction-layer (reduction_layer in Python)"
    why_not: str | None
    if layer is None and len(names) > 1:
        why_not = (
            f"model '{model.name}' has {len(names)} outputs {names} and none is its only "
            f"softmax output; {how}."
        )
    else:  # a subclassed model without outputs: its last layer, as the methods take it
        scores = activations(model, x, -1 if layer is None else layer)
        where = "its last layer" if layer is None else f"the layer '{layer}'"
        why_not = (
            None
            if scores.ndim == 1
            else f"{where} gives {shape_text(scores.shape)} per image, not one score per "
            f"class; {how}."
        )
    if why_not is not None:
        page.paragraph(
            f"{_titles(methods)} explain a class score; not shown: {why_not}",
            note=True,
        )
        return
    if class_names is not None and len(class_names) != scores.shape[0]:
        raise ValueError(
            f"Expected `class_names` with one name per class ({scores.shape[0]}). "
            f"Received: {len(class_names)} names"
        )
    label = int(scores.argmax())
    what = f"class {class_text(label, class_names)} (the predicted one)"
    if layer is not None and names != [layer]:
        what += f" of {layer}"
    feature = None
    if None in (input_spec(model).shape or ()):  # gradcam's default needs a fixed size
        feature = _default_feature(model, network_table(model, tuple(x.shape)))
    add_explain_section(
        page, model, image, x, label, what, reduction_layer=layer, feature_layer=feature,
        methods=methods,
    )  # fmt: skip


def _titles(methods: Sequence[str]) -> str:
    titles = [METHODS[m].title for m in methods]
    return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]


def check_why_methods(methods: Sequence[str]) -> list[str]:
    """``methods`` as a list, each a name of :data:`METHODS`, at least one; else ValueError."""
    found = [methods] if isinstance(methods, str) else list(methods)
    unknown = [m for m in found if m not in METHODS]
    if unknown or not found:
        raise ValueError(
            f"Expected explanation methods among {list(METHODS)}. Received: methods={found!r}"
        )
    return found


def native_size(model: keras.Model) -> tuple[int, int] | None:
    """The (H, W) a free-size model resizes its input to first, or None.

    The face network (MTCNN's ONet) takes any size and resizes it to 48x48 in
    its first layer, a ``keras.layers.Resizing``: 48x48 is its own size.
    """
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.layers.Resizing):
            return int(layer.height), int(layer.width)
        return None
    return None


def dream_size(model: keras.Model, image_shape: tuple[int, ...]) -> tuple[int, int, int] | None:
    """The (H, W, C) to dream at: None for a fixed input (deep_dream's own size).

    A model that takes any size dreams at its native size (:func:`native_size`),
    else at the photo's size ``image_shape``.
    """
    shape = input_spec(model).shape
    if shape is not None and len(shape) == 3 and None not in shape:
        return None
    channels = int(image_shape[-1]) if shape is None or shape[-1] is None else int(shape[-1])
    hw = native_size(model) or (int(image_shape[0]), int(image_shape[1]))
    return (*hw, channels)


def add_explain_section(
    page: Page,
    model: keras.Model,
    image: NDArray[np.uint8],
    x: NDArray,
    label: int,
    what: str,
    *,
    reduction_layer: str | None = None,
    feature_layer: str | None = None,
    methods: Sequence[str] = WHY_METHODS,
    **occlusion: Any,
) -> dict[str, NDArray[np.float32]]:
    """Draw the maps of ``methods`` (Grad-CAM and occlusion by default) side by side.

    ``image`` is the photo as shown, ``x`` what the model takes; ``what`` names
    the class in the captions. ``feature_layer`` goes to :func:`activations.gradcam`,
    ``occlusion`` passes options to :func:`activations.occlusion_sensitivity`.
    Returns the maps by method name.
    """
    from activations.plot import plot_attribution
    from activations.plot._attribution import UNITS

    options: dict[str, dict[str, Any]] = {
        "gradcam": {"feature_layer": feature_layer},
        "occlusion": occlusion,
    }
    maps = {
        name: explain_one(name, model, x, label, reduction_layer, **options.get(name, {}))
        for name in check_why_methods(methods)
    }
    with page.row():
        for name, values in maps.items():
            method = METHODS[name]
            peak = np.unravel_index(int(np.nanargmax(values)), values.shape)
            figure = plot_attribution(
                image, values, title=f"{method.title}: {what}", units=UNITS[name],
                diverging=method.signed,
            )  # fmt: skip
            page.figure(
                figure,
                f"explain_{name}",
                f"{method.caption.format(what=what)} Maximum {float(np.nanmax(values)):.3g} at "
                f"row {peak[0]}, column {peak[1]}.",
            )
    return maps


def add_dream_section(
    page: Page,
    model: keras.Model,
    layer: str,
    channels: list[int],
    what: str,
    *,
    size: tuple[int, int, int] | None = None,
) -> NDArray[np.float32]:
    """Tile the deep dreams of ``channels`` of ``layer`` (one figure); return them.

    ``size``: dream from seeded noise of this size in the model's input range
    (for models that take any size); by default ``deep_dream``'s own start.
    """
    from activations._explain.dream import deep_dream, start_noise
    from activations.plot import plot_dreams
    from activations.plot._dream import scale_note

    image = None if size is None else start_noise(model, size)
    dreams = deep_dream(model, layer, channels, image=image, progress=False)
    rgb = dreams.shape[-1] == 3
    page.figure(
        plot_dreams(dreams, channels=list(channels)),
        f"dream_{layer}",
        f"deep_dream (MATLAB's deepDreamImage) of {layer} channels "
        f"{', '.join(map(str, channels))}, {what}: gradient ascent on each channel's mean "
        "activation over a 3-level pyramid; one image per channel, labelled with its "
        f"channel; {scale_note(float(dreams.min()), float(dreams.max()), rgb=rgb)} (input "
        "units; the dreams are clipped to the model's input range), so their contrast "
        "compares. A channel that is 0 everywhere on the noise the dream starts from has no "
        "gradient and stays flat.",
    )
    return dreams


def add_model_dream_section(
    page: Page, model: keras.Model, layer: str, n_channels: int, image_shape: tuple[int, ...]
) -> None:
    """The deep dreams of the first (up to 16) channels of ``layer``.

    A model that takes any size dreams at its native size or the photo's
    (:func:`dream_size`), and the caption says which.
    """
    page.heading(f"What the channels of {layer} want to see")
    size = dream_size(model, image_shape)
    what = "from noise"
    if size is not None:
        native = native_size(model) is not None
        why = "the size the network resizes every input to" if native else "the photo's size"
        what = f"from {size[0]}x{size[1]} noise ({why}: the model takes any size)"
    add_dream_section(page, model, layer, list(range(min(16, n_channels))), what, size=size)
