"""What the explorer shows of one layer: its maps on one image and its channels over the set.

One forward pass per layer and kind of result, through the library's own
functions: :func:`activations.activations` for the maps of the images shown
(``imtile(mat2gray(act))``), before and after a fused activation,
:func:`activations.channel_stats` for each image's maximum per channel,
:func:`activations.top_images` for each channel's top images,
:func:`activations.deep_dream` for the channels' dreams and
:func:`activations.layer_weights` for a convolution's kernels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from activations._arrays.normalize import mat2gray
from activations._engine.layers import resolve_layer
from activations._engine.tap import fused_activation
from activations._explain.dream import deep_dream, start_noise
from activations._probes.activations import activations
from activations._probes.network import NetworkTable, layer_weights
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
    pre_gray : ndarray of shape (S, H, W, C), float32, or None
        As ``gray``, before the layer's fused activation (e.g. its ReLU); None
        without a fused activation or a 2-D map.
    dream : ndarray of shape (D, H0, W0, C0), float32, or None
        The dreams of the layer's first D channels (``deep_dream``), each
        scaled to 0..1 on its own (``mat2gray``: MATLAB's linear output
        scaling), on the model's input size; None if not dreamed.
    kernel : ndarray of shape (KH, KW, C_in, C), float32, or None
        A 2-D convolution's kernel; None for other layers.
    """

    name: str
    gray: NDArray[np.float32] | None
    image_max: NDArray[np.float32]
    stats: ChannelStats
    top: TopImages
    pre_gray: NDArray[np.float32] | None = None
    dream: NDArray[np.float32] | None = None
    kernel: NDArray[np.float32] | None = None

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
    model: Any,
    x: NDArray[np.float32],
    names: Sequence[str],
    *,
    shown: int = 1,
    k: int = 9,
    dreams: int = 0,
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
    dreams : int, default 0
        Dream the first ``dreams`` channels of each layer (0: none).

    Returns
    -------
    list of LayerData
        In the order of ``names``.
    """
    names = list(names)
    if not names:
        return []
    maps = activations(model, x[:shown], names, progress=False)
    fused = [n for n in names if maps[n].ndim == 4 and _fused(model, n)]
    pre = activations(model, x[:shown], fused, stage="pre", progress=False) if fused else {}
    found = []
    for name in names:
        act = maps[name]
        gray = _gray(act) if act.ndim == 4 else None
        image_max = act.reshape(len(act), -1, act.shape[-1]).max(axis=1)
        stats = channel_stats(model, x, name, progress=False)
        top = top_images(model, x, name, k=min(k, len(x)), progress=False)
        pre_gray = _gray(pre[name]) if name in pre else None
        n_dreams = min(dreams, act.shape[-1])
        dream = _dream(model, name, n_dreams, x.shape[1:]) if n_dreams > 0 else None
        kernel = _kernel(model, name)
        found.append(LayerData(name, gray, image_max, stats, top, pre_gray, dream, kernel))
    return found


def _gray(act: NDArray[np.float32]) -> NDArray[np.float32]:
    """``mat2gray`` of each image's maps: one gray scale per image for the whole layer."""
    return np.stack([mat2gray(a) for a in act])


def _fused(model: Any, name: str) -> bool:
    return fused_activation(resolve_layer(model, name).layer) is not None


def _dream(model: Any, name: str, n: int, shape: tuple) -> NDArray[np.float32] | None:
    """The dreams of channels 0..n-1, or None where the layer gives no gradient to climb.

    A model of any input size dreams at the size of the set's images, from
    ``deep_dream``'s own seeded noise.
    """
    fixed = all(isinstance(d, int) for d in tuple(model.inputs[0].shape)[1:])
    start = None if fixed else start_noise(model, tuple(shape))
    try:
        dreams = deep_dream(model, name, list(range(n)), image=start, progress=False)
    except ValueError:  # e.g. a layer of bool or int values: nothing to climb
        return None
    return np.stack([mat2gray(d) for d in dreams])


def _kernel(model: Any, name: str) -> NDArray[np.float32] | None:
    layer = resolve_layer(model, name).layer
    kernel = getattr(layer, "kernel", None)
    if kernel is None or len(kernel.shape) != 4:
        return None
    return layer_weights(model, name)[0]
