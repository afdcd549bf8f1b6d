"""MATLAB's CNN activation-analysis workflow for Keras 3.

``act = activations(model, image, "conv1")``, then ``mat2gray``, ``imtile``,
``imresize``, ``strongest_channel``, ``compare_channels`` and friends, all on
plain NumPy arrays. Models and data live in :mod:`activations.zoo` and
:mod:`activations.datasets`; figures in :mod:`activations.plot`.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version

from activations import reference
from activations._extract import activations
from activations._network import LayerInfo, NetworkTable, analyze_network, layer_weights
from activations._normalize import mat2gray
from activations._overlay import overlay
from activations._rank import (
    ChannelComparison,
    compare_channels,
    strongest_channel,
    top_channels,
)
from activations._resize import imresize
from activations._stats import ChannelStats, channel_stats
from activations._tile import imtile

try:
    __version__ = version("activations")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "__version__",
    "ChannelComparison",
    "ChannelStats",
    "LayerInfo",
    "NetworkTable",
    "activations",
    "analyze_network",
    "channel_stats",
    "compare_channels",
    "imresize",
    "imtile",
    "layer_weights",
    "mat2gray",
    "overlay",
    "reference",
    "strongest_channel",
    "top_channels",
]

_LAZY_SUBMODULES = ("datasets", "plot", "zoo")


def __getattr__(name: str):
    # Heavy or optional parts (matplotlib, model files) load on first use, so
    # ``import activations`` stays light and never imports pyplot.
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"activations.{name}")
    raise AttributeError(f"module 'activations' has no attribute {name!r}")
