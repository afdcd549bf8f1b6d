"""The explorer: a static site of a model's layers and channels over a set of images.

:func:`write_explorer` writes it; ``activations explore MODEL --images SET -o DIR``
is its command line. The site opens from ``file://`` by double-click.
:func:`make_server` serves it with live views (``activations serve MODEL``):
an uploaded image's channels, Grad-CAM and occlusion of it, and the eye probe.
"""

from activations.explore._data import EXPLORED_TYPES, LayerData, default_layers, layer_data
from activations.explore._live import LiveModel
from activations.explore._serve import ExplorerServer, make_server
from activations.explore._site import (
    AUTO_DREAM_PIXELS,
    AUTO_DREAMS,
    HISTOGRAM_BINS,
    js_literal,
    write_explorer,
)

__all__ = [
    "AUTO_DREAMS",
    "AUTO_DREAM_PIXELS",
    "EXPLORED_TYPES",
    "HISTOGRAM_BINS",
    "ExplorerServer",
    "LayerData",
    "LiveModel",
    "default_layers",
    "js_literal",
    "layer_data",
    "make_server",
    "write_explorer",
]
