"""``plot_overlay``: one channel next to the photo it came from, and blended over it."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure, FigureBase
from numpy.typing import ArrayLike

from activations._arrays.checks import colormap
from activations._arrays.overlay import map_to_image, overlay
from activations.plot._common import (
    PLAIN,
    check_act,
    check_channel,
    check_image,
    check_region,
    draw_region,
    figure_or_new,
    how_shown,
    no_more,
    renamed,
    resample_method,
    root_figure,
    show_image,
)

__all__ = ["plot_overlay"]


def _channel_title(channel: int, layer: str | None) -> str:
    return f"channel {channel}" if layer is None else f"{layer}, channel {channel}"


def plot_overlay(
    image: ArrayLike,
    act: ArrayLike,
    channel: int,
    *,
    alpha: float = 0.5,
    cmap: str = "jet",
    layer_name: str | None = None,
    region: Any = None,
    resample: str = "auto",
    fig: FigureBase | None = None,
    **deprecated: Any,
) -> Figure:
    """The photo, one channel enlarged to the photo, and the two blended.

    The middle panel is ``map_to_image(act[..., channel], image.shape)`` in
    gray (white = strong) with a colour bar in activation units; the right one
    is ``overlay(image, act[..., channel], alpha=alpha, cmap=cmap)`` with a
    colour bar of ``cmap`` in activation units. Both panels use one scale, the
    channel's own minimum to maximum (stated under the middle panel): black
    and the colormap's low end at the minimum, white and its top at the
    maximum, also where smoothing lowers the enlarged map's peak. Titles and labels are plain
    text (a ``$`` in a layer name is drawn as written).

    Parameters
    ----------
    image : array_like of shape (H, W, 3), (H, W, 1) or (H, W)
        The network's input photo, uint8 or float in 0..1.
    act : array_like of shape (h, w, C)
        That image's activation at one layer.
    channel : int
        Index of the channel, ``act[..., channel]`` (from 0).
    alpha : float, default 0.5
        Opacity of the coloured channel in the blend (see ``overlay``).
    cmap : str, default "jet"
        Colormap of the channel in the blend.
    layer_name : str, optional
        Layer name for the titles.
    region : (x0, y0, x1, y1) or array_like of shape (H, W), optional
        A box in the photo's pixels (ends excluded) or a mask of the photo,
        outlined in red on all three panels.
    resample : {"auto", "nearest", "bilinear", "bicubic"}, default "auto"
        How the map is enlarged to the photo (see ``activations.map_to_image``):
        ``"auto"`` shows a coarse map (cells of 8 or more photo pixels) as
        blocks, one per cell, and smooths finer ones bilinearly.
    fig : Figure or SubFigure, optional
        Where to draw; by default a new figure (not a pyplot one).

    Returns
    -------
    matplotlib.figure.Figure
        Three image axes (photo, channel, blend) and two colour bars.

    Raises
    ------
    TypeError
        If an array is not real-valued, ``channel`` is not an int or a box is
        not four ints.
    ValueError
        If ``image`` or ``act`` has a wrong shape, ``channel`` is out of range,
        the region does not fit the photo or ``resample`` is unknown.

    Examples
    --------
    >>> image = np.zeros((8, 8, 3))
    >>> act = np.arange(4 * 4 * 2.0).reshape(4, 4, 2)
    >>> plot_overlay(image, act, 1, layer_name="conv1").axes[1].get_title()
    'conv1, channel 1'
    """
    layer_name = renamed(deprecated, "layer", "layer_name", layer_name, "plot_overlay")
    no_more(deprecated, "plot_overlay")
    photo = check_image(image)
    arr = check_act(act)
    channel = check_channel(channel, arr.shape[-1])
    method = resample_method(resample, arr.shape, photo.shape)
    outline = None if region is None else check_region(region, photo.shape)
    channel_map = arr[..., channel]
    resized = map_to_image(channel_map, photo.shape, method=method)
    blend = overlay(photo, channel_map, alpha=alpha, cmap=cmap, method=method)
    # One scale for both panels: the channel's own min..max (what `overlay` colours by),
    # not the enlarged map's, whose smoothing can lower the peak.
    lo, hi = float(np.nanmin(channel_map)), float(np.nanmax(channel_map))
    scale = Normalize(lo, hi if hi > lo else lo + 1.0)
    fig = figure_or_new(fig, figsize=(12.0, 4.0))
    ax_image, ax_channel, ax_blend = fig.subplots(1, 3)
    show_image(ax_image, photo, "image")
    drawn = ax_channel.imshow(resized, cmap="gray", norm=scale, interpolation="nearest")
    ax_channel.set_title(_channel_title(channel, layer_name), **PLAIN)
    ax_channel.text(
        0.5, -0.04, f"{how_shown(arr.shape, method)}; both panels: {lo:.3g} to {hi:.3g}, "
        "the channel's min to max", transform=ax_channel.transAxes,
        ha="center", va="top", fontsize=8, **PLAIN,
    )  # fmt: skip
    ax_channel.set_axis_off()
    fig.colorbar(drawn, ax=ax_channel, shrink=0.8).set_label("activation", **PLAIN)
    show_image(ax_blend, blend, f"overlay ({cmap}, alpha {alpha:g})")
    colours = ScalarMappable(scale, cmap=colormap(cmap))
    bar = fig.colorbar(colours, ax=ax_blend, shrink=0.8)
    bar.set_label(f"activation ({cmap}, blended at alpha {alpha:g})", **PLAIN)
    if outline is not None:
        for ax in (ax_image, ax_channel, ax_blend):
            draw_region(ax, outline)
    return root_figure(fig)
