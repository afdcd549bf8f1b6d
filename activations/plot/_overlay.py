"""Channels on the photo: one channel next to the image, and two images compared."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure, FigureBase
from numpy.typing import ArrayLike, NDArray

from activations._overlay import overlay
from activations._resize import imresize
from activations.plot._common import (
    check_act,
    check_channel,
    check_image,
    figure_or_new,
    root_figure,
    show_image,
)

__all__ = ["plot_compare", "plot_overlay"]


def _channel_title(channel: int, layer: str | None) -> str:
    return f"channel {channel}" if layer is None else f"{layer}, channel {channel}"


def plot_overlay(
    image: ArrayLike,
    act: ArrayLike,
    channel: int,
    *,
    alpha: float = 0.5,
    cmap: str = "jet",
    layer: str | None = None,
    fig: FigureBase | None = None,
) -> Figure:
    """The photo, one channel resized to the photo, and the two blended.

    The middle panel is ``imresize(act[..., channel], image.shape[:2])`` in
    gray (white = strong) with a colour bar in activation units; the right one
    is ``overlay(image, act[..., channel], alpha=alpha, cmap=cmap)``.

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
    layer : str, optional
        Layer name for the titles.
    fig : Figure or SubFigure, optional
        Where to draw; by default a new figure (not a pyplot one).

    Returns
    -------
    matplotlib.figure.Figure
        Three image axes (photo, channel, blend) and a colour bar.

    Raises
    ------
    TypeError
        If an array is not real-valued or ``channel`` is not an int.
    ValueError
        If ``image`` or ``act`` has a wrong shape or ``channel`` is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((8, 8, 3))
    >>> act = np.arange(4 * 4 * 2.0).reshape(4, 4, 2)
    >>> plot_overlay(image, act, 1, layer="conv1").axes[1].get_title()
    'conv1, channel 1'
    """
    photo = check_image(image)
    arr = check_act(act)
    channel = check_channel(channel, arr.shape[-1])
    resized = imresize(arr[..., channel], photo.shape[:2])
    blend = overlay(photo, arr[..., channel], alpha=alpha, cmap=cmap)
    fig = figure_or_new(fig, figsize=(11.0, 4.0))
    ax_image, ax_channel, ax_blend = fig.subplots(1, 3)
    show_image(ax_image, photo, "image")
    drawn = ax_channel.imshow(resized, cmap="gray")
    ax_channel.set_title(_channel_title(channel, layer))
    ax_channel.set_axis_off()
    fig.colorbar(drawn, ax=ax_channel, shrink=0.8, label="activation")
    show_image(ax_blend, blend, f"overlay ({cmap}, alpha {alpha:g})")
    return root_figure(fig)


def plot_compare(
    image_a: ArrayLike,
    image_b: ArrayLike,
    act_a: ArrayLike,
    act_b: ArrayLike,
    channels: int | Sequence[int],
    *,
    labels: Sequence[str] = ("image a", "image b"),
    layer: str | None = None,
    fig: FigureBase | None = None,
) -> Figure:
    """The same channels on two images, on one shared colour scale.

    MATLAB's last figure of the eye-closed walkthrough: row 1 shows image a and
    the chosen channels (resized to image a, gray, white = strong), row 2 image
    b and the same channels. One colour scale, the minimum and maximum over all
    drawn channel maps of both images, so a channel that stops firing on image
    b shows darker there.

    Parameters
    ----------
    image_a, image_b : array_like of shape (H, W, 3), (H, W, 1) or (H, W)
        The two photos (may differ in size).
    act_a, act_b : array_like of shape (h, w, C)
        Their activations at the same layer (same number of channels C).
    channels : int or sequence of int
        Channel indices (from 0) to compare.
    labels : (str, str), default ("image a", "image b")
        Names of the two images, used in the titles.
    layer : str, optional
        Layer name for the titles.
    fig : Figure or SubFigure, optional
        Where to draw; by default a new figure (not a pyplot one).

    Returns
    -------
    matplotlib.figure.Figure
        A 2 x (1 + len(channels)) grid of image axes and one colour bar.

    Raises
    ------
    TypeError
        If an array is not real-valued, a channel is not an int or ``labels``
        is not strings.
    ValueError
        If a shape is wrong, the channel counts differ, ``channels`` is empty or
        out of range, or ``labels`` is not a pair.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((8, 8, 3))
    >>> act = np.arange(4 * 4 * 3.0).reshape(4, 4, 3)
    >>> fig = plot_compare(image, image, act, act, [0, 2])
    >>> len(fig.axes)  # 2 rows x 3 panels + colour bar
    7
    """
    photos = [check_image(image_a, "image_a"), check_image(image_b, "image_b")]
    acts = [check_act(act_a, "act_a"), check_act(act_b, "act_b")]
    if acts[0].shape[-1] != acts[1].shape[-1]:
        raise ValueError(
            "Expected `act_a` and `act_b` with the same number of channels (the same "
            f"layer). Received: act_a.shape={acts[0].shape}, act_b.shape={acts[1].shape}"
        )
    chosen = _check_channels(channels, acts[0].shape[-1])
    if isinstance(labels, str) or len(labels) != 2:
        raise ValueError(f"Expected `labels` to be a pair of str. Received: labels={labels!r}")
    if not all(isinstance(label, str) for label in labels):
        raise TypeError(f"Expected `labels` to be a pair of str. Received: labels={labels!r}")
    maps = [
        [imresize(a[..., c], p.shape[:2]) for c in chosen]
        for p, a in zip(photos, acts, strict=True)
    ]
    vmin, vmax = shared_limits([m for row in maps for m in row])
    cols = 1 + len(chosen)
    fig = figure_or_new(fig, figsize=(2.6 * cols + 1.0, 5.6))
    axes = fig.subplots(2, cols, squeeze=False)
    for row, (photo, label) in enumerate(zip(photos, labels, strict=True)):
        show_image(axes[row, 0], photo, label)
        for col, (c, channel_map) in enumerate(zip(chosen, maps[row], strict=True), start=1):
            drawn = axes[row, col].imshow(channel_map, cmap="gray", vmin=vmin, vmax=vmax)
            axes[row, col].set_title(f"{label}: channel {c}", fontsize=9)
            axes[row, col].set_axis_off()
    colorbar = fig.colorbar(drawn, ax=list(axes[:, 1:].ravel()), shrink=0.85)
    colorbar.set_label("activation (shared scale)")
    where = "" if layer is None else f"{layer}: "
    numbers = ", ".join(str(c) for c in chosen)
    fig.suptitle(f"{where}channels {numbers} on {labels[0]} and {labels[1]}")
    return root_figure(fig)


def _check_channels(channels: int | Sequence[int], n_channels: int) -> list[int]:
    if isinstance(channels, (int, np.integer)) and not isinstance(channels, bool):
        channels = [channels]
    if isinstance(channels, (str, bytes)) or not isinstance(channels, (Sequence, np.ndarray)):
        raise TypeError(
            f"Expected `channels` to be an int or a sequence of ints. Received: "
            f"channels={channels!r}"
        )
    if len(channels) == 0:
        raise ValueError(f"Expected at least one channel. Received: channels={channels!r}")
    return [check_channel(c, n_channels, "channels") for c in channels]


def shared_limits(maps: Sequence[NDArray]) -> tuple[float, float]:
    """(min, max) over all maps; a constant set gets (value, value + 1)."""
    vmin = float(min(np.min(m) for m in maps))
    vmax = float(max(np.max(m) for m in maps))
    return (vmin, vmax) if vmax > vmin else (vmin, vmin + 1.0)
