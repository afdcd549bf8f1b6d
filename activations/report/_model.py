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

from activations._extract import activations
from activations._network import analyze_network, shape_text
from activations._region import check_box
from activations.report._compare_section import add_compare_section, compare_layer_for
from activations.report._explain_section import add_dream_section, add_explain_section
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
    """
    table = analyze_network(model)
    convs = conv_layers(table, layers)
    if not convs:
        raise ValueError(f"Model '{model.name}' has no conv layer with (H, W, C) outputs.")
    if box is not None:
        check_box(box, image.shape[:2])
    x = scaled_input(image, scale)
    steps = 6 + len(convs) + (image_b is not None) + (image_set is not None)
    progress = Progress(steps, stream)
    with staged_directory(out_dir, force=force) as temp:
        page = Page(temp, title or f"Activations of '{model.name}'")
        progress("network table")
        add_network_section(page, table)
        progress("activations of all conv layers")
        post, pre = layer_maps(model, x, convs)
        page.heading("Channels of each conv layer")
        page.image(image, "input", f"The input as the model sees it ({shape_text(image.shape)}).")
        for conv in convs:
            progress(f"conv maps of {conv.name}")
            add_maps(page, conv, post, pre)
        progress("strongest channels")
        page.heading("Strongest channel of each conv layer")
        for conv in convs:
            name = f"strongest_{slug(conv.output)}"
            add_strongest(page, image, post[conv.output], conv.output, name)
        progress("kernels and weight histograms")
        add_weights_section(page, conv_kernels(model, convs))
        progress("why the model decides (Grad-CAM, occlusion)")
        _why_section(page, model, image, x)
        progress(f"deep dreams of {convs[-1].output}")
        _dream_section(page, model, convs[-1].output, post[convs[-1].output].shape[-1])
        if image_b is not None:
            progress("comparison of the two images")
            shapes = {name: act.shape for name, act in post.items()}
            layer = compare_layer or compare_layer_for(convs, shapes, image.shape[:2], box)
            page.heading(f"{labels[0]} vs {labels[1]}")
            acts = (
                activations(model, x, layer),
                activations(model, scaled_input(image_b, scale), layer),
            )
            add_compare_section(page, (image, image_b), acts, layer, box=box, k=k, labels=labels)
        if image_set is not None:
            deepest = convs[-1].output
            progress(f"top images of {deepest} over {image_set[2]}")
            page.heading(f"What the channels of {deepest} mean, over the {image_set[2]}")
            add_top_section(page, model, image_set[0], image_set[1], deepest, image_set[2],
                            channels=range(min(16, post[deepest].shape[-1])))  # fmt: skip
        page.write()
    return Path(out_dir) / "index.html"


def _why_section(page: Page, model: keras.Model, image: NDArray, x: NDArray) -> None:
    """Grad-CAM and occlusion of the predicted class, where the model gives class scores."""
    page.heading("Why the model decides")
    try:
        scores = np.asarray(model.predict_on_batch(x[None]))
        if scores.ndim != 2:
            raise ValueError(f"its output is {scores.shape[1:]}, not one score per class")
        label = int(scores[0].argmax())
        add_explain_section(page, model, image, x, label, f"class {label} (the predicted one)")
    except ValueError as error:  # several outputs, or no class scores: say why, go on
        page.paragraph(
            f"Grad-CAM and occlusion sensitivity explain a class score; not shown for "
            f"model '{model.name}': {' '.join(str(error).split())}",
            note=True,
        )


def _dream_section(page: Page, model: keras.Model, layer: str, n_channels: int) -> None:
    """The deep dreams of the first (up to 16) channels of ``layer``, or why not."""
    page.heading(f"What the channels of {layer} want to see")
    try:
        add_dream_section(page, model, layer, list(range(min(16, n_channels))), "from noise")
    except ValueError as error:  # e.g. an input size deep_dream cannot choose: say so, go on
        page.paragraph(
            f"deep_dream is not shown for model '{model.name}': {' '.join(str(error).split())}",
            note=True,
        )
