"""MATLAB's CNN activation-analysis workflow for Keras 3.

``act = activations(model, image, "conv1")``, then ``mat2gray``, ``imtile``,
``imresize``, ``strongest_channel``, ``compare_channels`` and friends, all on
plain NumPy arrays. Models and data live in :mod:`activations.zoo` and
:mod:`activations.datasets`; figures in :mod:`activations.plot`; faithfulness
metrics of explanation maps in :mod:`activations.metrics`.

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
    "Box": "activations._arrays.region",
    "ChannelComparison": "activations._arrays.compare",
    "ChannelStats": "activations._probes.stats",
    "LayerInfo": "activations._probes.network",
    "NetworkTable": "activations._probes.network",
    "activations": "activations._probes.activations",
    "analyze_network": "activations._probes.network",
    "channel_stats": "activations._probes.stats",
    "deep_dream": "activations._explain.dream",
    "gradcam": "activations._explain.gradcam",
    "image_lime": "activations._explain.lime",
    "LimeMaps": "activations._explain.lime",
    "gradient_attribution": "activations._explain.attribution",
    "integrated_gradients": "activations._explain.integrated",
    "smoothgrad": "activations._explain.attribution",
    "compare_channels": "activations._arrays.compare",
    "imresize": "activations._arrays.resize",
    "imtile": "activations._arrays.tile",
    "layer_weights": "activations._probes.network",
    "mat2gray": "activations._arrays.normalize",
    "occlusion_sensitivity": "activations._explain.occlusion",
    "ImagesLike": "activations._types",
    "LayerSpec": "activations._types",
    "LayersLike": "activations._types",
    "map_to_image": "activations._arrays.overlay",
    "overlay": "activations._arrays.overlay",
    "region_weights": "activations._arrays.region",
    "strongest_channel": "activations._arrays.rank",
    "TopImages": "activations._probes.top",
    "top_images": "activations._probes.top",
    "ReceptiveField": "activations._arrays.field",
    "receptive_field": "activations._probes.receptive_field",
    "embed": "activations._arrays.embed",
    "top_channels": "activations._arrays.rank",
}
# Submodules reachable as attributes: ``activations.plot.plot_channels(...)``.
_SUBMODULES = ("datasets", "metrics", "plot", "reference", "zoo")

__all__ = [
    "__version__",
    "Box",
    "ChannelComparison",
    "ChannelStats",
    "ImagesLike",
    "LayerInfo",
    "LayerSpec",
    "LayersLike",
    "LimeMaps",
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
    "gradient_attribution",
    "image_lime",
    "imresize",
    "imtile",
    "integrated_gradients",
    "layer_weights",
    "map_to_image",
    "mat2gray",
    "occlusion_sensitivity",
    "overlay",
    "receptive_field",
    "reference",
    "region_weights",
    "smoothgrad",
    "strongest_channel",
    "top_channels",
    "top_images",
]

if TYPE_CHECKING:  # what static tools see; at run time __getattr__ provides these
    from activations import datasets as datasets  # submodules, not in __all__
    from activations import metrics as metrics
    from activations import plot as plot
    from activations import reference
    from activations import zoo as zoo
    from activations._arrays.embed import embed
    from activations._arrays.field import ReceptiveField
    from activations._arrays.normalize import mat2gray
    from activations._arrays.overlay import map_to_image, overlay
    from activations._arrays.rank import (
        ChannelComparison,
        compare_channels,
        strongest_channel,
        top_channels,
    )
    from activations._arrays.region import Box, region_weights
    from activations._arrays.resize import imresize
    from activations._arrays.tile import imtile
    from activations._explain.attribution import gradient_attribution, smoothgrad
    from activations._explain.dream import deep_dream
    from activations._explain.gradcam import gradcam
    from activations._explain.integrated import integrated_gradients
    from activations._explain.lime import LimeMaps, image_lime
    from activations._explain.occlusion import occlusion_sensitivity
    from activations._probes.activations import activations
    from activations._probes.network import LayerInfo, NetworkTable, analyze_network, layer_weights
    from activations._probes.receptive_field import receptive_field
    from activations._probes.stats import ChannelStats, channel_stats
    from activations._probes.top import TopImages, top_images
    from activations._types import ImagesLike, LayersLike, LayerSpec


def __getattr__(name: str) -> Any:
    if name in _EXPORTS or name in _SUBMODULES:
        from activations._engine.quiet import quiet_keras

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
