"""The "what a channel means" section: top images over a data set, and a t-SNE map."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

from activations._probes.top import TopImages, top_images
from activations.report._page import Page

__all__ = ["add_embedding_section", "add_top_section", "class_coherence"]


def class_coherence(top: TopImages, labels: NDArray[np.integer]) -> tuple[float, int]:
    """Mean share of the most common class among each live channel's top images.

    A channel is live when its best value is not 0 (a dead ReLU unit ties all
    images at 0). Returns (share, live channels); share is NaN without any.
    """
    shares = top.class_share(labels)[top.live]
    return (float(shares.mean()) if len(shares) else float("nan")), int(top.live.sum())


def add_top_section(
    page: Page,
    model: keras.Model,
    images: Any,
    x: Any,
    layer: str,
    what: str,
    *,
    channels: Sequence[int] | None = None,
    k: int = 9,
    labels: NDArray[np.integer] | None = None,
) -> TopImages:
    """Rank every channel of ``layer`` over ``x`` and draw the contact sheet of ``channels``.

    ``images`` are the images as shown (indexable), ``x`` what the model takes
    (an array or an iterable of batches); ``what`` names the data set. With
    ``labels``, the caption gives the class coherence of the top sets.
    """
    from activations.plot import plot_top_images

    top = top_images(model, x, layer, k=k, progress=False)
    field = top.field
    patch = (
        f"the {field.size[0]}x{field.size[1]}-pixel patch one {layer} cell sees "
        f"(receptive field, stride {field.stride[0]}) around the peak, marked +"
        if field is not None
        else "the full images"
    )
    coherence = ""
    if labels is not None:
        share, live = class_coherence(top, labels)
        coherence = (
            f" On average {share:.0%} of a live channel's top {top.k} images ({live} of "
            f"{len(top.channels)} channels live) share one class."
        )
    page.figure(
        plot_top_images(top, images, channels=channels),
        f"top_{layer}",
        f"top_images: for each {layer} channel, the {top.k} of the {top.n_images} {what} "
        f"with the largest response, shown as {patch}; the value under each is the "
        f"channel's maximum on that image.{coherence}",
    )
    return top


def add_embedding_section(
    page: Page,
    maps: dict[str, NDArray[np.float32]],
    labels: NDArray[np.integer],
    class_names: Sequence[str],
    what: str,
) -> dict[str, NDArray[np.float32]]:
    """t-SNE of each layer's activations (one panel per layer), coloured by class.

    ``maps``: layer name to activations (N, ...) of the same N images. Returns
    the 2-D coordinates per layer.
    """
    from matplotlib.figure import Figure

    from activations._arrays.embed import embed
    from activations.plot import plot_embedding

    coords = {name: embed(acts, "tsne") for name, acts in maps.items()}
    fig = Figure(figsize=(4.2 * len(coords) + 1.8, 4.4), layout="constrained")
    axes = fig.subplots(1, len(coords), squeeze=False)[0]
    for i, (ax, (name, xy)) in enumerate(zip(axes, coords.items())):
        plot_embedding(
            xy,
            labels,
            class_names=list(class_names),
            ax=ax,
            title=name,
            legend="outside" if i == len(coords) - 1 else None,
        )
    page.figure(
        fig,
        "tsne",
        f"t-SNE of the activations of {len(labels)} {what} (MATLAB's example 'View "
        f"Network Behavior Using tsne'), layer by layer ({', '.join(coords)}): each dot "
        "is an image, coloured by its true class. Classes separate more in deeper layers.",
    )
    return coords
