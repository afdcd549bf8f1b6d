"""``plot_attribution``: a map such as occlusion sensitivity, laid over the photo.

Each method's map keeps its own units, named on the colour bar (:data:`UNITS`);
a signed map (Integrated Gradients, a gradient with ``channels="sum"``) is drawn
with ``diverging=True``: a blue-white-red colormap centred on zero.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from activations._arrays.checks import as_real_array, colormap
from activations._arrays.overlay import map_to_image
from activations.plot._common import (
    PLAIN,
    axes_or_new,
    check_image,
    no_more,
    renamed,
    root_figure,
    show_image,
)

__all__ = ["DIVERGING", "GRADCAM_UNITS", "OCCLUSION_UNITS", "SIGNED", "UNITS", "plot_attribution"]

#: Colour-bar labels of the two maps: what their values are.
GRADCAM_UNITS = "Grad-CAM (ReLU of gradient-weighted maps)"
OCCLUSION_UNITS = "drop of the class score"

#: Colour-bar label of each method's map (default channel reduction), by method name.
UNITS = {
    "gradcam": GRADCAM_UNITS,
    "occlusion": OCCLUSION_UNITS,
    "gradient": "|d score / d pixel|, summed over channels",
    "guided-backprop": "guided |gradient|, summed over channels",
    "smoothgrad": "mean |gradient| over noisy copies",
    "integrated-gradients": "share of score(x) - score(baseline)",
    "lime": "importance of the pixel's superpixel",
}

#: Methods whose maps are signed by default: drawn with ``diverging=True``.
SIGNED = frozenset({"integrated-gradients"})

#: The colormap of a signed map: negative blue, zero white, positive red.
DIVERGING = "RdBu_r"


def plot_attribution(
    image: ArrayLike,
    attribution: ArrayLike,
    *,
    cmap: Any = None,
    alpha: float = 0.5,
    ax: Axes | None = None,
    title: str | None = None,
    units: str = "change in score",
    diverging: bool = False,
    **deprecated: Any,
) -> Figure:
    """The photo with an attribution map drawn over it, and a colour bar.

    MATLAB's way of showing ``occlusionSensitivity``: ``imshow(X); hold on;
    imagesc(map, AlphaData=0.5); colormap jet; colorbar``. The map keeps its
    own units (the colour bar says which: ``units``); a map smaller than
    the photo is first brought to it with :func:`activations.map_to_image`
    (``method="auto"``: blocks for a coarse map, bilinear otherwise).

    Parameters
    ----------
    image : array_like of shape (H, W), (H, W, 1) or (H, W, 3)
        The photo, uint8 or float in 0..1. Never modified.
    attribution : array_like of shape (H, W) or (h, w)
        The map, e.g. from :func:`activations.occlusion_sensitivity`.
    cmap : str or matplotlib Colormap, optional
        Default "jet" (MATLAB's colormap in its example), or :data:`DIVERGING`
        with ``diverging=True``.
    alpha : float, default 0.5
        Opacity of the map, in [0, 1].
    ax : matplotlib Axes, optional
        Where to draw; by default one axes on a new figure (not a pyplot one).
    units : str, default "change in score"
        The colour bar's label: the map's units (occlusion: the change in the
        class score; Grad-CAM: "Grad-CAM").
    title : str, optional
        Axes title (plain text).
    diverging : bool, default False
        For a signed map: colour limits symmetric about zero (``+-max|map|``),
        so zero is the colormap's middle (white with :data:`DIVERGING`).

    Returns
    -------
    matplotlib.figure.Figure
        The photo and the map on one axes, plus the colour bar's axes.

    Raises
    ------
    TypeError
        If an array is not real-valued, ``alpha`` is not a number, ``cmap``
        is not a colormap or ``ax`` is not an Axes.
    ValueError
        If a shape is wrong, the map holds NaN or ``alpha`` is outside [0, 1].

    Examples
    --------
    >>> fig = plot_attribution(np.zeros((4, 4)), np.arange(16.0).reshape(4, 4), title="map")
    >>> len(fig.axes), fig.axes[0].get_title()
    (2, 'map')
    """
    units = renamed(deprecated, "label", "units", units, "plot_attribution")
    no_more(deprecated, "plot_attribution")
    if isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"Expected `alpha` to be a number. Received: alpha={alpha!r}")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"Expected `alpha` in [0, 1]. Received: alpha={alpha}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"Expected `title` to be a string or None. Received: title={title!r}")
    if not isinstance(diverging, (bool, np.bool_)):
        raise TypeError(f"Expected `diverging` to be a bool. Received: diverging={diverging!r}")
    cmap_ = colormap(cmap if cmap is not None else DIVERGING if diverging else "jet")
    photo = check_image(image)
    heat = as_real_array(attribution, "attribution")
    if heat.ndim != 2:
        hint = " For a batch, pass one map: attribution[0]." if heat.ndim == 3 else ""
        raise ValueError(
            f"Expected `attribution` of shape (H, W).{hint} "
            f"Received: attribution.shape={heat.shape}"
        )
    if heat.shape != photo.shape[:2]:
        heat = map_to_image(heat, photo.shape, method="auto")
    ax = axes_or_new(ax, figsize=(5.0, 4.0))
    show_image(ax, photo, "" if title is None else title)
    drawn = ax.imshow(heat, cmap=cmap_, alpha=alpha, interpolation="nearest")
    if diverging:
        reach = float(np.abs(heat).max()) or 1.0  # an all-zero map: white, not a warning
        drawn.set_clim(-reach, reach)
    bar = root_figure(ax).colorbar(drawn, ax=ax, shrink=0.8)
    bar.set_label(units, **PLAIN)
    return root_figure(ax)
