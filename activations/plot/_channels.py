"""``plot_channels``: every channel of one layer, tiled in a grid, MATLAB style."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Colormap
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from numpy.typing import ArrayLike, NDArray

from activations._arrays.checks import colormap
from activations._arrays.normalize import mat2gray
from activations._arrays.tile import grid_shape, imtile
from activations.plot._common import (
    PLAIN,
    axes_or_new,
    check_act,
    root_figure,
)

__all__ = ["plot_channels"]

#: Colour of the 1-px tile borders and of empty tiles: not a gray level, so a
#: border is never read as an activation value.
FRAME_COLOR = "#3b75af"
_NORMALIZE_CHOICES = ("global", "channel")
#: Width of a tile column in a new figure with more than 10 columns (inches).
INCH_PER_COLUMN = 0.55


def plot_channels(
    act: ArrayLike,
    *,
    grid_size: Sequence[int] | None = None,
    normalize: str = "global",
    cmap: str | Colormap = "gray",
    title: str | None = None,
    label_channels: bool = True,
    vmin: float | None = None,
    vmax: float | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Tile all channels of one layer's activation in a grid, with a colour bar.

    MATLAB's ``imshow(imtile(mat2gray(act)))``: with the gray colormap, white is
    the strongest positive activation and black the strongest negative one.
    Each tile gets a 1-px border (``imtile(..., border_size=1)``); borders and
    empty tiles are masked and drawn in a non-gray colour, so they are never
    read as activation values.

    Parameters
    ----------
    act : array_like of shape (H, W, C)
        Activation of one image, channels last (``act[0]`` of a batch).
    grid_size : (rows, cols), optional
        Default: a near-square grid (32 -> 4x8, 64 -> 8x8, 7 -> 3x3).
    normalize : {"global", "channel"}, default "global"
        ``"global"``: one scale for the whole layer (``mat2gray(act)``), the
        colour bar ticks are activation values. ``"channel"``: each channel
        scaled to 0..1 on its own (``mat2gray(act, axis=-1)``); channels can
        no longer be compared with each other.
    cmap : str or Colormap, default "gray"
    title : str, optional
        Default: the number of channels and the normalization; ``""`` for none.
    label_channels : bool, default True
        Write each channel's index (``act[..., k]``, from 0) in its tile's
        top-left corner; skipped when the tiles are too small to read.
    vmin, vmax : float, optional
        With ``normalize="global"``: the activations drawn black and white
        (``mat2gray(act, limits=(vmin, vmax))``, values outside are clipped).
        Default: the layer's own min and max. Pass the same pair to figures
        that are compared (a layer before and after its activation).
    ax : matplotlib Axes, optional
        Axes to draw in; by default a new figure (not a pyplot one).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``ax`` (the image and its colour bar).

    Raises
    ------
    TypeError
        If ``act`` is not real-valued, or ``ax``/``cmap`` has a wrong type.
    ValueError
        If ``act`` is not 3-D, ``normalize`` is not a valid choice, ``vmin``
        or ``vmax`` comes with ``normalize="channel"`` or ``vmin >= vmax``, or
        ``grid_size`` is invalid or too small for C channels.

    Examples
    --------
    >>> import numpy as np
    >>> fig = plot_channels(np.arange(2 * 2 * 4.0).reshape(2, 2, 4))
    >>> fig.axes[0].images[0].get_array().shape  # 2 x 2 tiles of 2 x 2, 1-px borders
    (8, 8)
    """
    arr = check_act(act)
    if normalize not in _NORMALIZE_CHOICES:
        raise ValueError(
            f"Expected `normalize` to be one of {list(_NORMALIZE_CHOICES)}. "
            f"Received: normalize={normalize!r}"
        )
    lo, hi = _limits(arr, normalize, vmin, vmax)
    cmap_used = colormap(cmap).with_extremes(bad=FRAME_COLOR)
    n_channels = arr.shape[-1]
    grid = (
        grid_shape(n_channels, arr.shape[-3:-1] if arr.ndim >= 3 else (1, 1), exact_split=True)
        if grid_size is None
        else grid_size
    )
    if normalize == "channel":
        gray = mat2gray(arr, axis=-1)
    else:  # mat2gray(arr) without limits: a constant layer gives zeros, not a step
        gray = mat2gray(arr) if vmin is None and vmax is None else mat2gray(arr, (lo, hi))
    tiled = imtile(gray, frame_axis=-1, grid_size=grid, border_size=1)
    index = _index_map(arr.shape, grid)
    aspect = tiled.shape[0] / tiled.shape[1]
    # Wide grids (many channels, e.g. 128 as 8x16) get a wider figure, about half an
    # inch a tile, so the tiles and their numbers stay readable.
    width = float(np.clip(INCH_PER_COLUMN * grid[1] + 1.8, 7.6, 16.0))
    ax = axes_or_new(ax, figsize=(width, min(14.0, max(2.5, (width - 1.3) * aspect + 0.6))))
    image = ax.imshow(
        np.ma.masked_array(tiled, mask=index == 0),
        cmap=cmap_used,
        vmin=0.0,
        vmax=1.0,
        interpolation="nearest",
    )
    ax.set_axis_off()
    _add_colorbar(ax, image, (lo, hi), normalize)
    if title is None:
        title = f"{n_channels} channels, {normalize} normalization"
    if title:
        ax.set_title(title, **PLAIN)
    if label_channels:
        _label_tiles(ax, index, arr.shape[:2], n_channels)
    return root_figure(ax)


def _index_map(shape: tuple[int, ...], grid: Sequence[int]) -> NDArray[np.int64]:
    """The tiled layout with channel k drawn as k + 1 and borders / empty tiles as 0."""
    stack = np.broadcast_to(np.arange(1, shape[-1] + 1, dtype=np.float32), shape)
    tiled = imtile(stack, frame_axis=-1, grid_size=grid, border_size=1)
    return np.rint(tiled).astype(np.int64)


def _limits(
    arr: NDArray, normalize: str, vmin: float | None, vmax: float | None
) -> tuple[float, float]:
    """The activations shown black and white: given, or the layer's min and max."""
    if normalize == "channel":
        if vmin is not None or vmax is not None:
            raise ValueError(
                "`vmin` and `vmax` set one scale for the whole layer; they do not go with "
                f'normalize="channel". Received: vmin={vmin}, vmax={vmax}'
            )
        return 0.0, 1.0
    lo = float(arr.min()) if vmin is None else float(vmin)
    hi = float(arr.max()) if vmax is None else float(vmax)
    if (vmin is not None or vmax is not None) and not lo < hi:
        raise ValueError(f"Expected `vmin` < `vmax`. Received: vmin={lo}, vmax={hi}")
    return lo, hi


def _add_colorbar(
    ax: Axes, image: ScalarMappable, limits: tuple[float, float], normalize: str
) -> None:
    colorbar = ax.figure.colorbar(image, ax=ax, shrink=0.85)
    if normalize == "channel":
        colorbar.set_label("activation, each channel scaled to [0, 1]")
        return
    lo, hi = limits
    if hi > lo:
        values = np.asarray(MaxNLocator(nbins=6).tick_values(lo, hi))  # stubs: a Sequence
        values = values[(values >= lo) & (values <= hi)]
        positions = (values - lo) / (hi - lo)
    else:  # a constant layer: mat2gray gives zeros
        values, positions = np.array([lo]), np.array([0.0])
    # The stubs say Sequence[float] | Locator; matplotlib takes any array of positions.
    colorbar.set_ticks(positions, labels=[f"{v:.3g}" for v in values])  # type: ignore[arg-type]
    colorbar.set_label("activation")


def _label_tiles(
    ax: Axes, index: NDArray[np.int64], tile_shape: tuple[int, int], n_channels: int
) -> None:
    """Channel numbers in the top-left corner of each tile, if the tiles are big enough."""
    fig = root_figure(ax)
    box = ax.get_position()
    width_in, height_in = fig.get_size_inches()
    inch_per_px = min(
        box.width * width_in / index.shape[1], box.height * height_in / index.shape[0]
    )
    fontsize = min(8.0, 0.3 * 72 * inch_per_px * min(tile_shape))
    if fontsize < 4.0 or min(tile_shape) < 3:  # a number would hide a 2x2 map
        return
    rows, cols = np.nonzero(index)
    channel = index[rows, cols] - 1
    top = np.full(n_channels, index.shape[0])
    left = np.full(n_channels, index.shape[1])
    np.minimum.at(top, channel, rows)
    np.minimum.at(left, channel, cols)
    outline = [patheffects.withStroke(linewidth=1.5, foreground="black")]
    for k in range(n_channels):
        ax.text(
            left[k] - 0.5 + 0.6,
            top[k] - 0.5 + 0.4,
            str(k),
            color="#ffd21f",
            fontsize=fontsize,
            ha="left",
            va="top",
            path_effects=outline,
            **PLAIN,
        )
