"""The sections of an activation report, as functions that add to a :class:`Page`.

``activations report`` (:func:`activations.report.write_model_report`) and
``activations demo`` (``activations._demo``) are built from them: the network
table, a conv layer's channels before and after its activation, the
strongest channel over the photo, kernels and weight histograms, and the
comparison of two photos.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import keras
import numpy as np
from numpy.typing import NDArray

from activations._extract import activations
from activations._images import box_cells, box_mask, box_title, photos_with_box
from activations._network import NetworkTable, layer_weights
from activations._page import Page, network_table_html
from activations._rank import compare_channels, strongest_channel, top_channels

__all__ = [
    "ACTIVATION_TYPES",
    "MAPS_NOTE",
    "ConvLayer",
    "add_compare_section",
    "add_maps",
    "add_network_section",
    "add_strongest",
    "add_weights_section",
    "compare_layer_for",
    "conv_kernels",
    "conv_layers",
    "layer_maps",
    "model_input",
    "shape_text",
    "slug",
]

logger = logging.getLogger(__name__)

#: Layer types that apply an activation on their own, paired with the conv before them.
ACTIVATION_TYPES = ("ReLU", "PReLU", "LeakyReLU", "ELU", "Activation")
MAPS_NOTE = (
    "Each tile is one channel (its index in the corner), all on one scale for the "
    "whole layer (mat2gray): white = strong positive, black = strong negative "
    "(after a ReLU, black = 0)."
)


@dataclass(frozen=True)
class ConvLayer:
    """A convolution layer and where its activation is applied.

    ``fused`` is the activation built into the layer (``"relu"``) or ``""``;
    ``follower`` the name of a separate activation layer right after it
    (a ``PReLU``), or None. ``output`` names the map after the activation.
    """

    name: str
    fused: str
    follower: str | None

    @property
    def output(self) -> str:
        return self.follower or self.name

    @property
    def has_pre(self) -> bool:
        return bool(self.fused) or self.follower is not None


def conv_layers(table: NetworkTable, names: Sequence[str] | None = None) -> list[ConvLayer]:
    """The conv layers of a network table with (H, W, C) outputs, in order.

    Parameters
    ----------
    table : NetworkTable
    names : sequence of str, optional
        Keep only these layers (as named in the table).

    Raises
    ------
    ValueError
        If ``names`` holds a name that is not a conv layer of the table.
    """
    rows = table.rows
    found = []
    for i, row in enumerate(rows):
        shape = row.output_shape
        if "Conv" not in row.type or len(shape) != 3 or isinstance(shape[0], tuple):
            continue
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        follower = (
            nxt.name
            if nxt is not None and nxt.type in ACTIVATION_TYPES and nxt.depth == row.depth
            else None
        )
        found.append(ConvLayer(row.name, row.activation, follower))
    if names is None:
        return found
    known = {conv.name: conv for conv in found}
    missing = [name for name in names if name not in known]
    if missing:
        raise ValueError(
            f"Not a conv layer of model '{table.model_name}': {missing}. "
            f"Conv layers: {list(known)}. Received: layers={list(names)}"
        )
    return [known[name] for name in names]


def model_input(image: NDArray[np.uint8], scale: float) -> NDArray[np.float32]:
    """What the model is fed: the uint8 image divided by ``scale``, as float32."""
    return np.asarray(image, dtype=np.float32) / np.float32(scale)


def layer_maps(
    model: keras.Model, x: NDArray, convs: Sequence[ConvLayer]
) -> tuple[dict[str, NDArray], dict[str, NDArray]]:
    """Post-activation maps of ``convs`` (keyed by ``conv.output``) and pre-activation
    maps (keyed by ``conv.name``) for those that have an activation."""
    names = list(dict.fromkeys([c.name for c in convs] + [c.output for c in convs]))
    post = activations(model, x, names) if names else {}
    fused = [c.name for c in convs if c.fused]
    pre = activations(model, x, fused, stage="pre") if fused else {}
    pre.update({c.name: post[c.name] for c in convs if c.follower})
    return post, pre


def add_network_section(page: Page, table: NetworkTable) -> None:
    """The layer table (MATLAB's analyzeNetwork) with a one-line summary."""
    page.heading("The network")
    page.paragraph(
        f"Model '{table.model_name}', input {shape_text(table.input_shape)}, "
        f"{len(table.rows)} layers, {table.total_learnables:,} learnable values "
        "(MATLAB's analyzeNetwork). Activations: the output shape of each layer "
        "for one image (height x width x channels)."
    )
    page.raw(network_table_html(table))


def add_maps(page: Page, conv: ConvLayer, post: dict, pre: dict, *, resize=None) -> None:
    """One conv layer's channels: before and after its activation, side by side."""
    from activations._resize import imresize
    from activations.plot import plot_channels

    def draw(act, label):
        shown = act if resize is None else imresize(act, resize)
        title = f"{label}: {act.shape[-1]} channels of {act.shape[0]}x{act.shape[1]}"
        return plot_channels(shown, title=title)

    with page.row():
        if conv.has_pre:
            kind = conv.fused or f"the {conv.follower} layer"
            page.figure(
                draw(pre[conv.name], f"{conv.name} before {kind}"),
                f"maps_{slug(conv.name)}_pre",
                f"{conv.name} before {kind}: positive and negative responses. {MAPS_NOTE}",
            )
        after = f"after {conv.fused or conv.follower}" if conv.has_pre else "output"
        page.figure(
            draw(post[conv.output], f"{conv.name} {after}"),
            f"maps_{slug(conv.output)}",
            f"{conv.name} {after}. {MAPS_NOTE}"
            + (" Only positive responses remain at full strength." if conv.has_pre else ""),
        )


def add_strongest(page: Page, image: NDArray, act: NDArray, layer: str, name: str) -> int:
    """The strongest channel of ``act`` (MATLAB's max(max(max(act)))) over the photo."""
    from activations.plot import plot_overlay

    channel = int(strongest_channel(act))
    top, scores = top_channels(act, k=min(5, act.shape[-1]))
    ranking = ", ".join(f"{int(c)} ({float(s):.3g})" for c, s in zip(top, scores))
    page.figure(
        plot_overlay(image, act, channel, layer=layer),
        name,
        f"{layer}: channel {channel} holds the largest value of the layer "
        f"({float(act[..., channel].max()):.4g}). Left: the photo; middle: the channel resized "
        "to the photo (white = strong); right: the channel in colour over the photo "
        f"(jet: red = strong, blue = weak). Top channels by maximum: {ranking}.",
    )
    return channel


def conv_kernels(model: keras.Model, convs: Sequence[ConvLayer]) -> dict[str, NDArray]:
    """The 4-D kernels of ``convs`` by layer name; layers without one are left out."""
    kernels = {}
    for conv in convs:
        try:
            kernel = layer_weights(model, conv.name)[0]
        except ValueError:  # e.g. DepthwiseConv2D: a depthwise_kernel, no kernel
            logger.info("Layer '%s' has no kernel; left out of the weights", conv.name)
            continue
        if kernel.ndim == 4:
            kernels[conv.name] = kernel
    return kernels


def add_weights_section(page: Page, kernels: dict[str, NDArray]) -> None:
    """The first kernel's filters as tiles, and a histogram of each kernel's values."""
    from matplotlib.figure import Figure

    from activations.plot import plot_kernels, plot_weight_histogram

    page.heading("Weights")
    if not kernels:
        page.paragraph("No conv layer with a 4-D kernel.", note=True)
        return
    name, kernel = next(iter(kernels.items()))
    limit = float(np.abs(kernel).max()) or 1.0
    n_filters = kernel.shape[-1]
    what = "an RGB tile per filter" if kernel.shape[2] == 3 else "a gray tile per filter"
    page.figure(
        plot_kernels(
            kernel, grid_size=(2, 16) if n_filters == 32 else None, vmin=-limit, vmax=limit
        ),
        f"kernels_{slug(name)}",
        f"The first conv layer's {n_filters} filters ({name}, kernel "
        f"{shape_text(kernel.shape)}), {what}, on one fixed range -{limit:.3g}..{limit:.3g}: "
        "mid-gray = 0, white = positive weights, black = negative.",
    )
    cols = min(3, len(kernels))
    rows = math.ceil(len(kernels) / cols)
    fig = Figure(figsize=(4.6 * cols, 3.2 * rows), layout="constrained")
    axes = np.ravel(fig.subplots(rows, cols, squeeze=False))
    for (name, kernel), ax in zip(kernels.items(), axes):
        plot_weight_histogram(kernel, labels=(name, ""), ax=ax)
        ax.set_title(f"{name} kernel")
    for ax in axes[len(kernels) :]:
        ax.set_axis_off()
    page.figure(
        fig,
        "weight_histograms",
        "Histogram of all kernel values of each conv layer, with their mean and "
        "standard deviation in the legend.",
    )


def add_compare_section(
    page: Page,
    images: tuple[NDArray, NDArray],
    acts: tuple[NDArray, NDArray],
    layer: str,
    *,
    box: tuple[int, int, int, int] | None,
    k: int = 4,
    labels: tuple[str, str] = ("image a", "image b"),
) -> NDArray[np.int64]:
    """Channels whose response inside ``box`` drops most from image a to image b."""
    from activations.plot import plot_compare

    region = None if box is None else box_mask(box, images[0].shape[:2], acts[0].shape[:2])
    result = compare_channels(acts[0], acts[1], region=region, k=k)
    page.image(
        photos_with_box(images, box, scale=max(1, math.ceil(240 / images[0].shape[1]))),
        "photos",
        f"'{labels[0]}' (left) and '{labels[1]}' (right) as the model sees them"
        + ("" if box is None else ", with the compared region in red")
        + ".",
    )
    where = "inside the box " + box_title(box) if box is not None else "over the whole map"
    page.paragraph(
        f"The {len(result.channels)} channels of {layer} whose mean response {where} drops "
        f"most from '{labels[0]}' to '{labels[1]}' ({result.n_inside} activation cells "
        f"inside, {result.n_outside} outside). Ratio = mean on {labels[1]} / mean on "
        f"{labels[0]}, inside the region: 0.2 means an 80% drop."
    )
    page.table(
        [
            {
                "Channel": int(c),
                f"Inside, {labels[0]}": f"{result.inside_a[i]:.4g}",
                f"Inside, {labels[1]}": f"{result.inside_b[i]:.4g}",
                "Drop": f"{result.drop[i]:.4g}",
                "Ratio": f"{result.ratio[i]:.3g}",
                f"Outside, {labels[0]}": f"{result.outside_a[i]:.4g}",
                f"Outside, {labels[1]}": f"{result.outside_b[i]:.4g}",
            }
            for i, c in enumerate(result.channels)
        ],
        numeric=("Channel",),
    )
    page.figure(
        plot_compare(
            *images, *acts, [int(c) for c in result.channels], labels=labels, layer=layer
        ),
        f"compare_{slug(layer)}",
        f"The same {layer} channels on both images, on one shared gray scale (white = "
        f"strong): a channel that stops firing on '{labels[1]}' is darker in the second row.",
    )
    return result.channels


def compare_layer_for(convs: Sequence[ConvLayer], shapes: dict[str, tuple], image_hw, box) -> str:
    """The deepest conv output on whose grid ``box`` covers at least one cell."""
    for conv in reversed(convs):
        shape = shapes[conv.output]
        if box is None or box_cells(box, image_hw, shape[:2]).any():
            return conv.output
    raise ValueError(
        f"The region {box_title(box)} is too small to cover a whole activation cell of "
        f"any conv layer. Received: region={box}"
    )


def shape_text(shape: Sequence) -> str:
    return "x".join("?" if d is None else str(d) for d in shape)


def slug(name: str) -> str:
    """A file-name-safe version of a layer name (``inner/conv1`` -> ``inner_conv1``)."""
    return "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "-_" else "_" for ch in name)
