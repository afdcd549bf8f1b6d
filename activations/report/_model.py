"""The HTML report of ``activations report``: everything about one model on one photo.

One page, ``index.html``, with its PNG figures beside it (referenced by
relative paths, so the directory can be moved or zipped as a whole): the
network table, every conv layer's channels (before and after its activation),
the strongest channel of each conv layer over the photo, the first layer's
kernels and the weight histograms, why the model decides (Grad-CAM, occlusion)
and what the deepest conv layer's channels dream, and optionally a comparison
of two photos and each channel's top images over a set of images.
The sections are also the building blocks of ``activations demo``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import keras
import numpy as np
from numpy.typing import NDArray

from activations._arrays.checks import check_output_dir
from activations._arrays.region import check_box
from activations._engine.layers import resolve_layer
from activations._probes.activations import activations
from activations._probes.network import analyze_network, shape_text
from activations.report._compare_section import add_compare_section, compare_layer_for
from activations.report._errors import section
from activations.report._explain_section import (
    WHY_METHODS,
    add_model_dream_section,
    add_why_section,
    check_why_methods,
)
from activations.report._page import Page, Progress, network_table_html, staged_directory
from activations.report._sections import (
    ConvLayer,
    add_maps,
    add_network_section,
    add_strongest,
    conv_layers,
    layer_maps,
    scaled_input,
    slug,
)
from activations.report._top_section import add_top_section
from activations.report._weights_section import add_weights_section, conv_kernels

__all__ = [
    "ConvLayer",
    "Page",
    "check_layer",
    "conv_layers",
    "scaled_input",
    "network_table_html",
    "write_model_report",
]


def write_model_report(
    model: keras.Model,
    image: NDArray[np.uint8],
    out_dir: str | os.PathLike[str],
    *,
    scale: float = 1.0,
    title: str | None = None,
    layers: Sequence[str] | None = None,
    image_b: NDArray[np.uint8] | None = None,
    box: tuple[int, int, int, int] | None = None,
    compare_layer: str | None = None,
    k: int = 4,
    labels: tuple[str, str] = ("image a", "image b"),
    image_set: tuple[Any, Any, str] | None = None,
    reduction_layer: str | None = None,
    class_names: Sequence[str] | None = None,
    why_methods: Sequence[str] = WHY_METHODS,
    force: bool = False,
    stream: TextIO | str | None = "stderr",
) -> Path:
    """Write ``out_dir/index.html`` and its figures: the whole workflow for one photo.

    Parameters
    ----------
    model : keras.Model
        A model with one image input.
    image : ndarray of shape (H, W, C), uint8
        The photo as the model takes it (size and channels already fitted);
        the model is fed ``image / scale``.
    out_dir : path-like
        Output directory; its parent must exist. A non-empty one needs ``force``.
    scale : float, default 1.0
        Divisor of the pixel values (255 for a model trained on 0..1 inputs).
    title : str, optional
        Page title; default from the model name.
    layers : sequence of str, optional
        Conv layers to show; default all of them.
    image_b : ndarray of the shape of ``image``, optional
        A second photo: adds the comparison of the channels that drop most.
    box : (x0, y0, x1, y1), optional
        Region of the comparison in image pixels (x along columns, ends
        excluded), mapped to the layer's grid by :func:`activations.region_weights`.
        Without it the whole maps are compared.
    compare_layer : str, optional
        Layer of the comparison; default the deepest conv output whose cells
        are no wider or no taller than ``box`` (the deepest conv output
        without a box).
    k : int, default 4
        Channels in the comparison.
    labels : (str, str)
        Names of the two photos.
    image_set : (images, x, name), optional
        A set of images for the top-images section of the deepest conv layer:
        ``images`` as drawn (indexable, uint8), ``x`` what the model takes (an
        array or an iterable of batches, as :func:`activations.top_images`
        accepts) and a name for the captions.
    reduction_layer : str, optional
        The layer of class scores that Grad-CAM and occlusion explain. Default:
        the model's single output, or for a model with several outputs the only
        softmax one (the face network's ``face_score``); without one the page
        says so instead of explaining.
    class_names : sequence of str, optional
        Names of the classes of that layer, for the captions (by index without).
    why_methods : sequence of str, default ("gradcam", "occlusion")
        The explanations of the "why" section, by their names in
        ``activations explain --method`` (also "lime", "gradient",
        "guided-backprop", "smoothgrad", "integrated-gradients").
    force : bool, default False
        Write into a non-empty ``out_dir`` (files of the same name are replaced).
    stream : text stream, "stderr" or None, default "stderr"
        Where progress lines go (None: nowhere).

    Returns
    -------
    Path
        The written ``index.html``.

    Raises
    ------
    ValueError
        For an unknown layer, a bad box, or images that do not fit the model.
    FileExistsError, FileNotFoundError, NotADirectoryError
        For an unusable ``out_dir``.
    SectionError
        If a section fails unexpectedly (a bug); it names the section, and
        ``out_dir`` is left as it was. A method that cannot apply to the model
        (no class scores, several outputs) is said on the page instead.
    """
    table = analyze_network(model)
    convs = conv_layers(table, layers)
    if not convs:
        raise ValueError(f"Model '{model.name}' has no conv layer with (H, W, C) outputs.")
    if box is not None:
        check_box(box, image.shape[:2])
    for option, name in (("reduction_layer", reduction_layer), ("compare_layer", compare_layer)):
        check_layer(model, option, name)
    why_methods = check_why_methods(why_methods)
    check_output_dir(out_dir, force=force)
    x = scaled_input(image, scale)
    steps = 6 + len(convs) + (image_b is not None) + (image_set is not None)
    progress = Progress(steps, stream)
    deepest = convs[-1].output
    with staged_directory(out_dir, force=force) as temp:
        page = Page(temp, title or f"Activations of '{model.name}'")
        progress("network table")
        with section("network table"):
            add_network_section(page, table)
        progress("activations of all conv layers")
        post, pre = layer_maps(model, x, convs)
        acts = None
        if image_b is not None:  # the user's layer and box are checked before any drawing
            shapes = {name: act.shape for name, act in post.items()}
            compare_layer = compare_layer or compare_layer_for(convs, shapes, image.shape[:2], box)
            acts = _compared(model, (x, scaled_input(image_b, scale)), compare_layer)
        page.heading("Channels of each conv layer")
        page.image(image, "input", f"The input as the model sees it ({shape_text(image.shape)}).")
        for conv in convs:
            progress(f"conv maps of {conv.name}")
            with section(f"channels of {conv.name}"):
                add_maps(page, conv, post, pre)
        progress("strongest channels")
        page.heading("Strongest channel of each conv layer")
        with section("strongest channels"):
            for conv in convs:
                name = f"strongest_{slug(conv.output)}"
                add_strongest(page, image, post[conv.output], conv.output, name)
        progress("kernels and weight histograms")
        with section("weights"):
            add_weights_section(page, conv_kernels(model, convs))
        progress(f"why the model decides ({', '.join(why_methods)})")
        with section("why the model decides"):
            add_why_section(page, model, image, x, reduction_layer=reduction_layer,
                            class_names=class_names, methods=why_methods)  # fmt: skip
        progress(f"deep dreams of {deepest}")
        with section(f"deep dreams of {deepest}"):
            add_model_dream_section(page, model, deepest, post[deepest].shape[-1], image.shape)
        if image_b is not None and acts is not None and compare_layer is not None:
            progress("comparison of the two images")
            page.heading(f"{labels[0]} vs {labels[1]}")
            with section("comparison of the two images"):
                add_compare_section(page, (image, image_b), acts, compare_layer, box=box, k=k,
                                    labels=labels)  # fmt: skip
        if image_set is not None:
            progress(f"top images of {deepest} over {image_set[2]}")
            page.heading(f"What the channels of {deepest} mean, over the {image_set[2]}")
            with section("top images"):
                add_top_section(page, model, image_set[0], image_set[1], deepest, image_set[2],
                                channels=range(min(16, post[deepest].shape[-1])))  # fmt: skip
        page.write()
    return Path(out_dir) / "index.html"


def check_layer(model: keras.Model, option: str, name: str | None) -> None:
    """A layer the user named exists; the error names the option (``reduction_layer``)."""
    if name is None:
        return
    try:
        resolve_layer(model, name)
    except ValueError as error:
        raise ValueError(str(error).replace("Received: layer=", f"Received: {option}=")) from None


def _compared(model: keras.Model, xs: tuple[NDArray, NDArray], layer: str) -> tuple:
    """The two photos' maps at ``layer``, checked to be (H, W, C) maps."""
    acts = (activations(model, xs[0], layer), activations(model, xs[1], layer))
    if acts[0].ndim != 3:
        raise ValueError(
            f"Expected a layer with (H, W, C) maps to compare. Received: compare_layer="
            f"'{layer}', whose output is {shape_text(acts[0].shape)} per image"
        )
    return acts
