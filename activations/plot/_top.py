"""``plot_top_images``: a contact sheet of the images that drive each channel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure, FigureBase
from matplotlib.patches import Rectangle
from numpy.typing import NDArray

from activations._engine.stop import check_stop
from activations._probes.top import TopImages
from activations.plot._common import PLAIN, REGION_COLOR, figure_or_new, root_figure

__all__ = ["plot_top_images", "sheet_inches"]

#: Where a patch leaves the image (NaN padding): pale blue, apart from any grey.
OUTSIDE_COLOR = "#bcd4f0"


def sheet_inches(k: int, rows: int) -> tuple[float, float]:
    """The (width, height) in inches of a contact sheet of ``rows`` channels of ``k`` images."""
    return 1.1 * k + 0.8, 1.25 * rows + 0.5


def _tile_axes(fig: FigureBase, rows: int, cols: int) -> NDArray[Any]:
    """``fig.subplots(rows, cols)``, one Axes at a time: a stop request ends it at the next.

    Making the Axes is most of the time it takes to build a large sheet.
    """
    grid = fig.add_gridspec(rows, cols)
    axes = np.empty((rows, cols), dtype=object)
    for r in range(rows):
        for c in range(cols):
            check_stop()
            axes[r, c] = fig.add_subplot(grid[r, c])
    return axes


def _rows(top: TopImages, channels: int | Sequence[int] | None) -> list[int]:
    """Rows of ``top`` for the asked channels (channel numbers, not rows)."""
    if channels is None:
        return list(range(len(top.channels)))
    asked = [channels] if isinstance(channels, (int, np.integer)) else list(channels)
    known = [int(c) for c in top.channels]
    missing = [c for c in asked if c not in known]
    if missing or not asked:
        raise ValueError(
            f"Expected channels that top_images ranked: {known}. Received: channels={channels!r}"
        )
    return [known.index(int(c)) for c in asked]


def _display(pixels: NDArray[Any]) -> NDArray[Any]:
    """(H, W) or (H, W, 3) floats for imshow: one channel squeezed, RGB brought to 0..1."""
    arr = np.asarray(pixels, dtype=np.float64)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim == 3:  # RGB: imshow wants 0..1 floats
        arr = np.clip(arr / 255.0 if np.nanmax(arr) > 1.0 else arr, 0.0, 1.0)
    return arr


def _shown(images: Any, index: int) -> NDArray[Any]:
    """Image ``index`` as drawn; a stop request (the command line's SIGTERM) ends the reading."""
    check_stop()
    return _display(np.asarray(images[index]))


def _patch(top: TopImages, image: NDArray[Any], row: int, j: int) -> tuple[NDArray, Any]:
    """The receptive-field patch, padded with NaN where it leaves the image, and its peak.

    The peak is the centre of the patch, as (x, y) in the patch's pixels.
    """
    if top.field is None or top.positions is None:
        return image, None
    r, c = (int(v) for v in top.positions[row, j])
    c0, r0, c1, r1 = top.field.patch(r, c)  # unclipped
    height, width = image.shape[:2]
    canvas = np.full((r1 - r0, c1 - c0) + image.shape[2:], np.nan)
    rr0, rr1, cc0, cc1 = max(r0, 0), min(r1, height), max(c0, 0), min(c1, width)
    canvas[rr0 - r0 : rr1 - r0, cc0 - c0 : cc1 - c0] = image[rr0:rr1, cc0:cc1]
    return canvas, ((c1 - c0 - 1) / 2, (r1 - r0 - 1) / 2)


def _check_sizes(top: TopImages, images: Any, rows: list[int]) -> None:
    """Refuse top images of another size than scanned: peaks and fields are in its pixels."""
    if top.image_shape is None:
        return
    for i in sorted({int(i) for r in rows for i in top.indices[r]}):
        shape = np.shape(images[i])
        if tuple(shape[:2]) != tuple(top.image_shape[:2]):
            raise ValueError(
                f"Expected `images` to be the images top_images() scanned, of size "
                f"{top.image_shape[0]}x{top.image_shape[1]} (the peaks and patches are in "
                f"their pixels). Received: images[{i}] of shape {shape}"
            )


def plot_top_images(
    top: TopImages,
    images: Any,
    *,
    channels: int | Sequence[int] | None = None,
    full: bool = False,
    fig: FigureBase | None = None,
) -> Figure:
    """One row per channel: its top images' patches, the peak marked, the value under each.

    Parameters
    ----------
    top : TopImages
        From :func:`activations.top_images`.
    images : array_like of shape (N, H, W[, C]) or a sequence of images
        The images ``top_images`` scanned, indexable by ``top.indices``.
    channels : int or sequence of int, optional
        Channels to draw (channel numbers, as in ``top.channels``); default all.
    full : bool, default False
        Draw the full images with the receptive-field patch outlined, instead
        of the patches. Layers without a spatial map always show full images.
    fig : matplotlib Figure or SubFigure, optional

    Returns
    -------
    Figure
        Patches cut by the image edge are padded in pale blue, so the peak sits
        at the centre of every patch; all pixels share one grey scale.

    Raises
    ------
    TypeError
        If ``top`` is not a ``TopImages``.
    ValueError
        For channels ``top`` did not rank.
    activations._engine.stop.StopRequested
        At the next image or tile once a stop was requested (the command line's
        SIGTERM; nothing else requests one).
    """
    if not isinstance(top, TopImages):
        raise TypeError(
            f"Expected `top` to be the TopImages that top_images() returns. Received: {type(top)}"
        )
    count = len(images) if hasattr(images, "__len__") else None
    if count is not None and count < top.n_images:
        raise ValueError(
            f"Expected `images` to be the {top.n_images} images top_images() scanned (the "
            f"top images are indices into them). Received: {count} images"
        )
    rows = _rows(top, channels)
    _check_sizes(top, images, rows)
    crop = not full and top.field is not None and top.positions is not None
    shown = [[_shown(images, int(i)) for i in top.indices[r]] for r in rows]
    patches = [
        [_patch(top, image, r, j) if crop else (image, None) for j, image in enumerate(line)]
        for r, line in zip(rows, shown)
    ]
    finite = np.concatenate([p.ravel() for line in patches for p, _ in line])
    vmin, vmax = float(np.nanmin(finite)), float(np.nanmax(finite))
    cmap = colormaps["gray"].with_extremes(bad=OUTSIDE_COLOR)
    fig = figure_or_new(fig, figsize=sheet_inches(top.k, len(rows)))
    axes = _tile_axes(fig, len(rows), top.k)
    for line_axes, r, line in zip(axes, rows, patches):
        for j, (ax, (pixels, peak)) in enumerate(zip(line_axes, line)):
            check_stop()  # a sheet of many tiles takes a while: a stop request ends it here
            ax.imshow(pixels, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
            if peak is not None:
                ax.plot(*peak, marker="+", color=REGION_COLOR, markersize=8, mew=1.5)
            elif top.positions is not None and top.field is not None:
                _outline(ax, top, r, j, pixels.shape[:2])
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlabel(f"#{top.indices[r, j]}: {top.values[r, j]:.3g}", fontsize=7, **PLAIN)
        dead = bool(np.all(top.values[r] == 0))  # ties at 0: any images would do
        label = f"ch {top.channels[r]}" + ("\n(0 on all)" if dead else "")
        line_axes[0].set_ylabel(label, **PLAIN)
    how = "patches around the peak (+; blue: outside the image)" if crop else "images"
    if not crop and top.field is not None and top.positions is not None:
        how = "images, the patch outlined"
    fig.suptitle(
        f"{top.layer}: top {top.k} of {top.n_images} images by {top.by}, {how}", **PLAIN
    )
    return root_figure(fig)


def _outline(ax: Any, top: TopImages, r: int, j: int, shape: tuple[int, ...]) -> None:
    assert top.field is not None and top.positions is not None
    row, col = (int(v) for v in top.positions[r, j])
    c0, r0, c1, r1 = top.field.patch(row, col, (int(shape[0]), int(shape[1])))
    ax.add_patch(
        Rectangle(
            (c0 - 0.5, r0 - 0.5), c1 - c0, r1 - r0, fill=False, edgecolor=REGION_COLOR, lw=1.2
        )
    )
