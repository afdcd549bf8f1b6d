"""Figures of the activation workflow, drawn with matplotlib.

Every helper takes data plus ``ax=None`` (or ``fig=None`` for multi-panel
figures) and returns the ``matplotlib.figure.Figure`` it drew on. Without
``ax``/``fig`` the figure is created without pyplot (``matplotlib.figure.Figure``),
so it is safe in scripts and servers: save it with ``fig.savefig(path)``, or
display it in a notebook by leaving it as a cell's last value. Nothing is shown
or saved on its own, and importing this module does not import pyplot.

Channel numbers in titles and labels are indices from 0, as in ``act[..., k]``.
Titles and labels are drawn as plain text (no mathtext), so a layer name with
``$`` shows as written. Maps are laid over photos with the coordinates of
:func:`activations.region_weights`; coarse maps are drawn as blocks.
"""

from __future__ import annotations

from activations.plot._attribution import plot_attribution
from activations.plot._channels import plot_channels
from activations.plot._compare import plot_compare, plot_photos
from activations.plot._dream import plot_dreams
from activations.plot._embedding import plot_embedding
from activations.plot._history import plot_history
from activations.plot._network import plot_network
from activations.plot._overlay import plot_overlay
from activations.plot._top import plot_top_images
from activations.plot._weights import plot_kernels, plot_weight_histogram

__all__ = [
    "plot_attribution",
    "plot_channels",
    "plot_compare",
    "plot_dreams",
    "plot_embedding",
    "plot_history",
    "plot_kernels",
    "plot_network",
    "plot_overlay",
    "plot_photos",
    "plot_top_images",
    "plot_weight_histogram",
]
