"""MATLAB's CNN activation-analysis workflow for Keras 3.

``act = activations(model, image, "conv1")``, then ``mat2gray``, ``imtile``,
``imresize``, ``strongest_channel``, ``compare_channels`` and friends, all on
plain NumPy arrays. Models and data live in :mod:`activations.zoo` and
:mod:`activations.datasets`; figures in :mod:`activations.plot`.

The public names load on first use (PEP 562), so ``import activations`` and
the command line's ``--help`` do not import Keras or TensorFlow.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("activations")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

# Public name -> the module defining it; each module is imported on first access.
_EXPORTS: dict[str, str] = {
    "ChannelComparison": "activations._compare",
    "ChannelStats": "activations._stats",
    "LayerInfo": "activations._network",
    "NetworkTable": "activations._network",
    "activations": "activations._extract",
    "analyze_network": "activations._network",
    "channel_stats": "activations._stats",
    "deep_dream": "activations._dream",
    "gradcam": "activations._gradcam",
    "compare_channels": "activations._compare",
    "imresize": "activations._resize",
    "imtile": "activations._tile",
    "layer_weights": "activations._network",
    "mat2gray": "activations._normalize",
    "occlusion_sensitivity": "activations._occlusion",
    "ImagesLike": "activations._types",
    "LayerSpec": "activations._types",
    "LayersLike": "activations._types",
    "map_to_image": "activations._overlay",
    "overlay": "activations._overlay",
    "region_weights": "activations._region",
    "strongest_channel": "activations._rank",
    "TopImages": "activations._top",
    "top_images": "activations._top",
    "ReceptiveField": "activations._field",
    "receptive_field": "activations._receptive_field",
    "embed": "activations._embed",
    "top_channels": "activations._rank",
}
# Submodules reachable as attributes: ``activations.plot.plot_channels(...)``.
_SUBMODULES = ("datasets", "plot", "reference", "zoo")

__all__ = [
    "__version__",
    "ChannelComparison",
    "ChannelStats",
    "ImagesLike",
    "LayerInfo",
    "LayerSpec",
    "LayersLike",
    "NetworkTable",
    "ReceptiveField",
    "TopImages",
    "activations",
    "analyze_network",
    "channel_stats",
    "compare_channels",
    "deep_dream",
    "embed",
    "gradcam",
    "imresize",
    "imtile",
    "layer_weights",
    "map_to_image",
    "mat2gray",
    "occlusion_sensitivity",
    "overlay",
    "receptive_field",
    "reference",
    "region_weights",
    "strongest_channel",
    "top_channels",
    "top_images",
]

if TYPE_CHECKING:  # what static tools see; at run time __getattr__ provides these
    from activations import datasets as datasets  # submodules, not in __all__
    from activations import plot as plot
    from activations import reference
    from activations import zoo as zoo
    from activations._dream import deep_dream
    from activations._embed import embed
    from activations._extract import activations
    from activations._field import ReceptiveField
    from activations._gradcam import gradcam
    from activations._network import LayerInfo, NetworkTable, analyze_network, layer_weights
    from activations._normalize import mat2gray
    from activations._occlusion import occlusion_sensitivity
    from activations._overlay import map_to_image, overlay
    from activations._rank import (
        ChannelComparison,
        compare_channels,
        strongest_channel,
        top_channels,
    )
    from activations._receptive_field import receptive_field
    from activations._region import region_weights
    from activations._resize import imresize
    from activations._stats import ChannelStats, channel_stats
    from activations._tile import imtile
    from activations._top import TopImages, top_images
    from activations._types import ImagesLike, LayersLike, LayerSpec


def __getattr__(name: str) -> Any:
    if name in _EXPORTS or name in _SUBMODULES:
        from activations._quiet import quiet_keras

        quiet_keras()  # TensorFlow's C++ start-up lines stay off stderr
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"activations.{name}")
    else:
        raise AttributeError(f"module 'activations' has no attribute {name!r}")
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS, *_SUBMODULES})
