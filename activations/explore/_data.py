"""What the explorer shows of one layer: its maps on one image and its channels over the set.

One forward pass per layer and kind of result, through the library's own
functions: :func:`activations.activations` for the maps of the image shown
(``imtile(mat2gray(act))``), :func:`activations.channel_stats` for each
image's maximum per channel and :func:`activations.top_images` for each
channel's top images.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from activations._arrays.normalize import mat2gray
from activations._probes.activations import activations
from activations._probes.network import NetworkTable
from activations._probes.stats import ChannelStats, channel_stats
from activations._probes.top import TopImages, top_images

__all__ = ["EXPLORED_TYPES", "LayerData", "default_layers", "layer_data"]

#: Layer types explored by default: every convolution and dense layer.
EXPLORED_TYPES = ("Conv1D", "Conv2D", "Conv3D", "DepthwiseConv2D", "SeparableConv2D", "Dense")


@dataclass(frozen=True)
class LayerData:
    """One layer as the explorer shows it.

    Attributes
    ----------
    name : str
        The layer's name.
    gray : ndarray of shape (S, H, W, C), float32, or None
        ``mat2gray(act)`` of each image shown (one scale for the whole layer
        on each image); None for a layer without a 2-D map (Dense).
    image_max : ndarray of shape (S, C), float32
        Each channel's largest value on each image shown: its strength.
    stats : ChannelStats
        Each image's maximum per channel over the set.
    top : TopImages
        Each channel's top images over the set, by their maximum.
    """

    name: str
    gray: NDArray[np.float32] | None
    image_max: NDArray[np.float32]
    stats: ChannelStats
    top: TopImages

    @property
    def dead(self) -> NDArray[np.bool_]:
        """Ndarray of shape (C,), bool: channels constant over the whole set (a dead ReLU)."""
        return np.asarray(self.stats.max == self.stats.min)


def default_layers(table: NetworkTable) -> list[str]:
    """The names of the layers of ``table`` explored by default: conv and dense ones.

    Examples
    --------
    >>> from activations._probes.network import LayerInfo
    >>> rows = (LayerInfo("c", "Conv2D", (4, 4, 2), "relu"), LayerInfo("p", "Flatten", (32,), ""))
    >>> default_layers(NetworkTable("m", (4, 4, 1), rows))
    ['c']
    """
    return [row.name for row in table.rows if row.type in EXPLORED_TYPES]


def layer_data(
    model: Any, x: NDArray[np.float32], names: Sequence[str], *, shown: int = 1, k: int = 9
) -> list[LayerData]:
    """The maps on the first ``shown`` images, per-image maxima and top ``k`` images of each layer.

    Parameters
    ----------
    model : keras.Model
    x : ndarray of shape (N, H, W, C), float32
        The model's inputs (already scaled).
    names : sequence of str
        Layers to explore.
    shown : int, default 1
        How many images (the first ones) the layer view tiles.
    k : int, default 9
        Top images per channel (at most N).

    Returns
    -------
    list of LayerData
        In the order of ``names``.
    """
    names = list(names)
    if not names:
        return []
    maps = activations(model, x[:shown], names, progress=False)
    found = []
    for name in names:
        act = maps[name]
        gray = np.stack([mat2gray(a) for a in act]) if act.ndim == 4 else None
        image_max = act.reshape(len(act), -1, act.shape[-1]).max(axis=1)
        stats = channel_stats(model, x, name, progress=False)
        top = top_images(model, x, name, k=min(k, len(x)), progress=False)
        found.append(LayerData(name, gray, image_max, stats, top))
    return found
