"""``plot_dreams``: deep-dream images tiled on one grid, through ``imtile``, labelled."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from activations._arrays.checks import as_real_array
from activations._arrays.normalize import mat2gray
from activations._arrays.tile import imtile
from activations.plot._common import PLAIN, axes_or_new, root_figure

__all__ = ["plot_dreams", "scale_note"]

#: Colour of the channel numbers on the tiles (yellow on a dark box: readable on any dream).
LABEL_COLOR = "#ffd21f"


def plot_dreams(
    dreams: ArrayLike,
    *,
    channels: Sequence[int] | None = None,
    title: str | None = None,
    grid_size: Sequence[int | None] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Deep-dream images side by side, on one shared scale that the figure states.

    All dreams are rescaled together, ``mat2gray`` over every value of every
    dream (and, for colour dreams, of all three colour channels): the lowest
    value ``lo`` of any dream is drawn black (zero intensity), the highest
    ``hi`` white (full intensity), so their contrast compares. A line under
    the grid gives ``lo`` and ``hi`` (in the model's input units); gray
    dreams also get a colour bar. With ``channels`` each tile is labelled
    with its channel in its top-left corner.

    Parameters
    ----------
    dreams : array_like of shape (K, H, W, 1) or (K, H, W, 3)
        As :func:`activations.deep_dream` returns them, one per channel.
    channels : sequence of K ints, optional
        The channel of each dream, written on its tile (as passed to
        ``deep_dream``). Default: tiles are not labelled.
    title : str, optional
        Plain text.
    grid_size : (rows, cols), optional
        Default: at most 8 per row.
    ax : matplotlib Axes, optional

    Returns
    -------
    Figure

    Raises
    ------
    TypeError
        If ``dreams`` is not real-valued or a channel is not an int.
    ValueError
        If ``dreams`` has a wrong shape or ``channels`` is not one per dream.

    Examples
    --------
    >>> fig = plot_dreams(np.random.default_rng(0).random((3, 8, 8, 1)), channels=[4, 7, 9])
    >>> fig.axes[0].images[0].get_array().shape  # 1 x 3 tiles of 8 x 8, 1-px borders
    (10, 30)
    >>> [t.get_text() for t in fig.axes[0].texts[:3]]
    ['4', '7', '9']
    """
    arr = as_real_array(dreams, "dreams")
    if arr.ndim != 4 or arr.shape[-1] not in (1, 3):
        raise ValueError(
            f"Expected `dreams` of shape (K, H, W, 1) or (K, H, W, 3). Received: {arr.shape}"
        )
    names = _channel_names(channels, len(arr))
    lo, hi = float(arr.min()), float(arr.max())
    frames = mat2gray(arr)
    frames = frames[..., 0] if frames.shape[-1] == 1 else frames
    grid = (None, min(8, len(frames))) if grid_size is None else grid_size
    tiled = imtile(list(frames), grid_size=grid, border_size=1)
    rows, cols = tiled.shape[0] / arr.shape[1], tiled.shape[1] / arr.shape[2]
    # At least 4 x 3 inches: one dream still leaves room for the title, note and bar.
    size = (max(4.0, min(10.0, 1.3 * cols + 1.2)), max(3.0, 1.3 * rows + 0.9))
    ax = axes_or_new(ax, figsize=size)
    ax.imshow(tiled, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title, **PLAIN)
    cell_h, cell_w = arr.shape[1] + 2, arr.shape[2] + 2  # a tile and its 1-px border
    n_cols = tiled.shape[1] // cell_w
    for k, name in enumerate(names):
        top, left = (k // n_cols) * cell_h + 1, (k % n_cols) * cell_w + 1
        ax.text(
            left + 0.5, top + 0.5, name, color=LABEL_COLOR, fontsize=8, weight="bold",
            ha="left", va="top", bbox={"facecolor": "black", "alpha": 0.5, "pad": 1, "lw": 0},
        )  # fmt: skip
    ax.text(
        0.5, -0.02, scale_note(lo, hi, rgb=arr.shape[-1] == 3), transform=ax.transAxes,
        ha="center", va="top", fontsize=8, **PLAIN,
    )  # fmt: skip
    if arr.shape[-1] == 1:  # the tiles' 0..1 are lo..hi: a bar in input units
        units = ScalarMappable(Normalize(lo, hi if hi > lo else lo + 1.0), cmap="gray")
        root_figure(ax).colorbar(units, ax=ax, shrink=0.8).set_label("input value", **PLAIN)
    return root_figure(ax)


def scale_note(lo: float, hi: float, *, rgb: bool) -> str:
    """How :func:`plot_dreams` scales the dreams, in words, for a figure or a caption.

    Examples
    --------
    >>> scale_note(0.0, 255.0, rgb=True)
    'one scale for every tile and colour (R, G, B alike): 0 -> 0, 255 -> full intensity'
    """
    if rgb:
        return (
            f"one scale for every tile and colour (R, G, B alike): {lo:.3g} -> 0, "
            f"{hi:.3g} -> full intensity"
        )
    return f"one gray scale for all tiles: {lo:.3g} -> black, {hi:.3g} -> white"


def _channel_names(channels: Sequence[int] | None, n: int) -> list[str]:
    if channels is None:
        return []
    values = list(channels)
    if not all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in values):
        raise TypeError(f"Expected `channels` to be ints. Received: channels={channels!r}")
    if len(values) != n:
        raise ValueError(f"Expected one channel per dream ({n}). Received: channels={channels!r}")
    return [str(int(c)) for c in values]
