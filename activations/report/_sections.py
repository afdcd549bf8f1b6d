"""The sections of an activation report, as functions that add to a :class:`Page`.

``activations report`` (:func:`activations.report.write_model_report`) and
``activations demo`` (``activations.report._demo``) are built from them: the network
table, a conv layer's channels before and after its activation, the
strongest channel over the photo, kernels and weight histograms, and the
comparison of two photos.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import keras
import numpy as np
from numpy.typing import NDArray

from activations._arrays.overlay import map_method
from activations._arrays.rank import strongest_channel, top_channels
from activations._probes.activations import activations
from activations._probes.network import NetworkTable, shape_text
from activations.report._page import Page, network_table_html

__all__ = [
    "ACTIVATION_TYPES",
    "ConvLayer",
    "add_maps",
    "add_network_section",
    "add_strongest",
    "conv_layers",
    "layer_maps",
    "maps_note",
    "scaled_input",
    "shown_on_photo",
    "slug",
]

logger = logging.getLogger(__name__)

#: Layer types that apply an activation on their own, paired with the conv before them.
ACTIVATION_TYPES = ("ReLU", "PReLU", "LeakyReLU", "ELU", "Activation")


def maps_note(lo: float, hi: float) -> str:
    """Caption of a layer's tiles drawn on one gray scale, black = ``lo``, white = ``hi``.

    Says where 0 is: black only when ``lo`` is 0 (e.g. after a ReLU), else the
    gray level that 0 gets (mid-gray for a range symmetric around 0).

    Examples
    --------
    >>> maps_note(-1.0, 3.0)[-52:]
    'black = -1, white = 3; 0 is the gray 25% of the way up.'
    """
    text = (
        "Each tile is one channel (its index in the corner), all on one gray scale "
        f"(mat2gray): black = {lo:.3g}, white = {hi:.3g}"
    )
    if lo == 0:
        return text + "; black is 0, no response."
    if lo < 0 < hi:
        return text + f"; 0 is the gray {-lo / (hi - lo):.0%} of the way up."
    return text + "."


def shown_on_photo(map_shape: Sequence[int], image_shape: Sequence[int]) -> str:
    """How a map is drawn over the photo: as blocks (coarse) or smoothed."""
    if map_method(tuple(map_shape), tuple(image_shape)) == "nearest":
        return (
            f"enlarged to the photo as blocks, one per cell of its "
            f"{map_shape[0]}x{map_shape[1]} grid"
        )
    return f"resized bilinearly from {map_shape[0]}x{map_shape[1]} to the photo"


@dataclass(frozen=True)
class ConvLayer:
    """A convolution layer and where its activation is applied.

    ``fused`` is the activation built into the layer (``"relu"``) or ``""``;
    ``follower`` the name of a separate activation layer right after it
    (a ``PReLU``), or None, and ``follower_type`` its class name.
    ``output`` names the map after the activation.
    """

    name: str
    fused: str
    follower: str | None
    follower_type: str = ""

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
        kind = nxt.type if follower is not None and nxt is not None else ""
        found.append(ConvLayer(row.name, row.activation, follower, kind))
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


def scaled_input(image: NDArray[np.uint8], scale: float) -> NDArray[np.float32]:
    """What the model is fed: the uint8 image divided by ``scale``, as float32."""
    return np.asarray(image, dtype=np.float32) / np.float32(scale)


def layer_maps(
    model: keras.Model, x: NDArray, convs: Sequence[ConvLayer]
) -> tuple[dict[str, NDArray], dict[str, NDArray]]:
    """Post- and pre-activation maps of ``convs``.

    Post-activation maps are keyed by ``conv.output``, pre-activation maps by
    ``conv.name`` (for those that have an activation).
    """
    names = list(dict.fromkeys([c.name for c in convs] + [c.output for c in convs]))
    post: dict[str, NDArray] = activations(model, x, names) if names else {}
    fused = [c.name for c in convs if c.fused]
    pre: dict[str, NDArray] = activations(model, x, fused, stage="pre") if fused else {}
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


_WHAT_IT_DOES = {
    "relu": " The ReLU sets every negative response to 0.",
    "prelu": " PReLU keeps positive responses and scales negative ones by a learned slope.",
    "leakyrelu": " LeakyReLU keeps positive responses and scales negative ones by a small slope.",
}


def add_maps(page: Page, conv: ConvLayer, post: dict, pre: dict) -> None:
    """One conv layer's channels before and after its activation, side by side on one scale."""
    from activations.plot import plot_channels

    shown = [pre[conv.name]] if conv.has_pre else []
    shown.append(post[conv.output])
    lo = min(float(act.min()) for act in shown)
    hi = max(float(act.max()) for act in shown)
    hi = hi if hi > lo else lo + 1.0
    note = maps_note(lo, hi) + (" The same scale as the figure beside it." if conv.has_pre else "")

    def draw(act, label):
        title = f"{label}: {act.shape[-1]} channels of {act.shape[0]}x{act.shape[1]}"
        return plot_channels(act, title=title, vmin=lo, vmax=hi)

    with page.row():
        if conv.has_pre:
            kind = conv.fused or f"the {conv.follower} layer"
            page.figure(
                draw(pre[conv.name], f"{conv.name} before {kind}"),
                f"maps_{slug(conv.name)}_pre",
                f"{conv.name} before {kind}: positive and negative responses. {note}",
            )
        after = f"after {conv.fused or conv.follower}" if conv.has_pre else "output"
        keeps = _WHAT_IT_DOES.get((conv.fused or conv.follower_type).lower(), "")
        page.figure(
            draw(post[conv.output], f"{conv.name} {after}"),
            f"maps_{slug(conv.output)}",
            f"{conv.name} {after}.{keeps} {note}",
        )


def add_strongest(page: Page, image: NDArray, act: NDArray, layer: str, name: str) -> int:
    """The strongest channel of ``act`` (MATLAB's max(max(max(act)))) over the photo."""
    from activations.plot import plot_overlay

    channel = int(strongest_channel(act))
    top, scores = top_channels(act, k=min(5, act.shape[-1]))
    ranking = ", ".join(f"{int(c)} ({float(s):.3g})" for c, s in zip(top, scores))
    page.figure(
        plot_overlay(image, act, channel, layer_name=layer),
        name,
        f"{layer}: channel {channel} holds the largest value of the layer "
        f"({float(act[..., channel].max()):.4g}). Left: the photo; middle: the channel "
        f"{shown_on_photo(act.shape, image.shape)} (gray, white = strong); right: the "
        "channel in colour over the photo (jet: red = strong, blue = weak; colour bar in "
        f"activation units). Top channels by maximum: {ranking}.",
    )
    return channel


def slug(name: str) -> str:
    """A file-name-safe version of a layer name (``inner/conv1`` -> ``inner_conv1``)."""
    return "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "-_" else "_" for ch in name)
