"""Two photos compared: the same channels on both, and the photos side by side."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure, FigureBase
from numpy.typing import ArrayLike, NDArray

from activations._arrays.overlay import map_to_image
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

__all__ = ["plot_compare", "plot_photos", "shared_limits"]


_SHORT = 12  # characters of an image's name that still fit a map's title


def _fit(label: str, width: int = 22) -> str:
    """``label`` in lines of at most ``width`` characters (long file names broken)."""
    lines = textwrap.wrap(label, width, break_long_words=True, break_on_hyphens=False)
    return "\n".join(lines) or label


def plot_compare(
    image_a: ArrayLike,
    image_b: ArrayLike | None,
    act_a: ArrayLike,
    act_b: ArrayLike,
    channels: int | Sequence[int],
    *,
    captions: Sequence[str] = ("image a", "image b"),
    layer_name: str | None = None,
    region: Any = None,
    difference: bool = False,
    resample: str = "auto",
    fig: FigureBase | None = None,
    **deprecated: Any,
) -> Figure:
    """The same channels on two images, on one shared colour scale.

    MATLAB's last figure of the eye-closed walkthrough: row 1 shows image a and
    the chosen channels (enlarged to image a, gray, white = strong), row 2 image
    b and the same channels. One colour scale, the minimum and maximum over all
    drawn channel maps of both images, so a channel that stops firing on image
    b shows darker there. With ``difference=True`` a third row shows
    ``act_a - act_b`` per channel on a symmetric red-blue scale (red: a drop),
    beside where the photos differ: ``|a - b|`` (the largest over the colour
    channels, in the photos' pixel units) on its own scale, 0 to its maximum,
    in red over a faded image a, with a colour bar.
    Titles and captions are plain text (a ``$`` in a name is drawn as written).

    Parameters
    ----------
    image_a, image_b : array_like of shape (H, W, 3), (H, W, 1) or (H, W)
        The two photos (may differ in size, unless ``region`` is given).
        ``image_b=None``: both activations come from ``image_a`` (e.g. two
        layers, before and after an activation): the photo is drawn once,
        titled "photo (both rows)", and the captions name the rows of maps.
    act_a, act_b : array_like of shape (h, w, C)
        Their activations at the same layer (same number of channels C).
    channels : int or sequence of int
        Channel indices (from 0) to compare.
    captions : (str, str), default ("image a", "image b")
        Names of the two images, used in the titles.
    layer : str, optional
        Layer name, for the figure's title.
    region : (x0, y0, x1, y1) or array_like of shape (H, W), optional
        A box in the photos' pixels (ends excluded) or a mask of the photo,
        outlined in red on every photo and map.
    difference : bool, default False
        Add the row of differences ``act_a - act_b`` (needs equal act shapes).
    resample : {"auto", "nearest", "bilinear", "bicubic"}, default "auto"
        How maps are enlarged to the photo (``activations.map_to_image``):
        ``"auto"`` shows coarse maps (cells of 8 or more photo pixels) as
        blocks, one per cell.
    fig : Figure or SubFigure, optional
        Where to draw; by default a new figure (not a pyplot one).

    Returns
    -------
    matplotlib.figure.Figure
        A (2 or 3) x (1 + len(channels)) grid of axes and one colour bar per
        scale (maps; differences).

    Raises
    ------
    TypeError
        If an array is not real-valued, a channel is not an int or ``captions``
        is not strings.
    ValueError
        If a shape is wrong, the channel counts differ, ``channels`` is empty or
        out of range, ``captions`` is not a pair, the region does not fit the
        photos (or they differ in size), the act shapes differ with
        ``difference=True`` or ``resample`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((8, 8, 3))
    >>> act = np.arange(4 * 4 * 3.0).reshape(4, 4, 3)
    >>> fig = plot_compare(image, image, act, act, [0, 2])
    >>> len(fig.axes)  # 2 rows x 3 panels + colour bar
    7
    """
    same_photo = image_b is None
    photo_a = check_image(image_a, "image_a")
    photos = [photo_a, photo_a if image_b is None else check_image(image_b, "image_b")]
    acts = [check_act(act_a, "act_a"), check_act(act_b, "act_b")]
    if acts[0].shape[-1] != acts[1].shape[-1]:
        raise ValueError(
            "Expected `act_a` and `act_b` with the same number of channels (the same "
            f"layer). Received: act_a.shape={acts[0].shape}, act_b.shape={acts[1].shape}"
        )
    chosen = _check_channels(channels, acts[0].shape[-1])
    captions = renamed(deprecated, "labels", "captions", captions, "plot_compare")
    layer_name = renamed(deprecated, "layer", "layer_name", layer_name, "plot_compare")
    no_more(deprecated, "plot_compare")
    labels = _check_captions(captions)
    if difference and acts[0].shape != acts[1].shape:
        raise ValueError(
            "Expected `act_a` and `act_b` of the same shape for difference=True. "
            f"Received: act_a.shape={acts[0].shape}, act_b.shape={acts[1].shape}"
        )
    outline = None
    if region is not None:
        if photos[0].shape[:2] != photos[1].shape[:2]:
            raise ValueError(
                "Expected photos of the same size to draw one region on both. Received: "
                f"image_a.shape={photos[0].shape}, image_b.shape={photos[1].shape}"
            )
        outline = check_region(region, photos[0].shape)
    methods = [resample_method(resample, a.shape, p.shape) for a, p in zip(acts, photos)]
    maps = [
        [map_to_image(a[..., c], p.shape, method=m) for c in chosen]
        for p, a, m in zip(photos, acts, methods, strict=True)
    ]
    vmin, vmax = shared_limits([m for row in maps for m in row])
    rows, cols = 2 + bool(difference), 1 + len(chosen)
    fig = figure_or_new(fig, figsize=(2.6 * cols + 1.2, 2.8 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for row, (photo, label) in enumerate(zip(photos, labels, strict=True)):
        # A long name fits its photo's width in lines; the maps beside it say a or b.
        short = label if same_photo or len(label) <= _SHORT else "ab"[row]
        if not same_photo:
            show_image(axes[row, 0], photo, _fit(label))
        elif row == 0:
            show_image(axes[row, 0], photo, "photo (both rows)")
        else:
            axes[row, 0].set_axis_off()  # the same photo: drawn once, above
        for col, (c, channel_map) in enumerate(zip(chosen, maps[row], strict=True), start=1):
            drawn = axes[row, col].imshow(
                channel_map, cmap="gray", vmin=vmin, vmax=vmax, interpolation="nearest"
            )
            axes[row, col].set_title(f"{short}: channel {c}", fontsize=9, **PLAIN)
            axes[row, col].set_axis_off()
    bar = fig.colorbar(drawn, ax=list(axes[:2, 1:].ravel()), shrink=0.85)
    bar.set_label("activation (one scale for both)", **PLAIN)
    if difference:
        _difference_row(fig, axes[2], photos, acts, chosen, methods[0], not same_photo)
    if outline is not None:
        for ax in axes.ravel():
            if ax.images:  # every photo and map; not an empty panel
                draw_region(ax, outline)
    numbers = ", ".join(str(c) for c in chosen)
    title = f"channels {numbers} on '{labels[0]}' and '{labels[1]}'"
    title = title if layer_name is None else f"{layer_name}: {title}"
    shown = how_shown(acts[0].shape, methods[0])
    fig.suptitle(title + f" ({shown}" + ("; red: the region)" if outline is not None else ")"),
                 **PLAIN)  # fmt: skip
    return root_figure(fig)


def _difference_row(
    fig: FigureBase,
    axes: NDArray[np.object_],
    photos: list[NDArray],
    acts: list[NDArray],
    chosen: list[int],
    method: str,
    show_change: bool,
) -> None:
    """Where the photos differ, then ``act_a - act_b`` per channel, red = drop."""
    diffs = [
        map_to_image(
            acts[0][..., c].astype(np.float64) - acts[1][..., c], photos[0].shape, method=method
        )  # fmt: skip
        for c in chosen
    ]
    limit = max(float(np.abs(d).max()) for d in diffs) or 1.0
    axes[0].set_axis_off()
    if show_change and photos[0].shape == photos[1].shape:
        _photo_change(fig, axes[0], photos[0], photos[1])
    for ax, c, diff in zip(axes[1:], chosen, diffs, strict=True):
        drawn = ax.imshow(diff, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_title(f"a - b: channel {c}", fontsize=9, **PLAIN)
        ax.set_axis_off()
    bar = fig.colorbar(drawn, ax=list(axes[1:]), shrink=0.85)
    bar.set_label("a - b, activation (red: drop)", **PLAIN)


def _photo_change(fig: FigureBase, ax: Any, photo_a: NDArray, photo_b: NDArray) -> None:
    """``|a - b|`` in red over a faded photo a, 0 to its own maximum, with a colour bar.

    A closed eye changes a few hundred pixels of a portrait: drawn alone on the
    full range it is a speck, so unchanged pixels are transparent and the scale
    ends at the largest change.
    """
    a, b = photo_a.astype(np.float64), photo_b.astype(np.float64)
    change = np.abs(a - b)
    change = change.max(axis=-1) if change.ndim == 3 else change
    gray = a.mean(axis=-1) if a.ndim == 3 else a
    top = float(np.nanmax(change))
    ax.imshow(gray, cmap="gray", alpha=0.35, interpolation="nearest")
    if not top > 0:
        ax.set_title("the photos are identical", fontsize=9, **PLAIN)
        return
    drawn = ax.imshow(
        np.ma.masked_less_equal(change, 0), cmap="Reds", vmin=0, vmax=top,
        interpolation="nearest",
    )  # fmt: skip
    ax.set_title("where the photos differ: |a - b|", fontsize=9, **PLAIN)
    unit = "0..255" if photo_a.dtype == np.uint8 else "the photos' units"
    bar = fig.colorbar(drawn, ax=ax, shrink=0.85)
    bar.set_label(f"pixel value ({unit}), largest of R, G, B", fontsize=8, **PLAIN)


def plot_photos(
    images: Sequence[ArrayLike],
    *,
    captions: Sequence[str] | None = None,
    region: Any = None,
    fig: FigureBase | None = None,
    **deprecated: Any,
) -> Figure:
    """Photos side by side, each titled with its caption, the region outlined in red.

    Parameters
    ----------
    images : sequence of array_like of shape (H, W, 3), (H, W, 1) or (H, W)
    captions : sequence of str, optional
        One title per photo (plain text); default "image 1", "image 2", ...
    region : (x0, y0, x1, y1) or array_like of shape (H, W), optional
        Box in the photos' pixels (ends excluded) or mask; drawn on each photo.
    fig : Figure or SubFigure, optional
        Where to draw; by default a new figure (not a pyplot one).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per photo.

    Raises
    ------
    TypeError
        If an image is not real-valued or a label not a str.
    ValueError
        If there are no images, a shape is wrong, the labels do not match the
        images or the region does not fit a photo.

    Examples
    --------
    >>> import numpy as np
    >>> fig = plot_photos([np.zeros((4, 4))] * 2, captions=["a", "b"], region=(0, 0, 2, 2))
    >>> [ax.get_title() for ax in fig.axes]
    ['a', 'b']
    """
    captions = renamed(deprecated, "labels", "captions", captions, "plot_photos")
    no_more(deprecated, "plot_photos")
    photos = [check_image(image, f"images[{i}]") for i, image in enumerate(images)]
    if not photos:
        raise ValueError("Expected at least one image. Received: images=[]")
    names = [f"image {i + 1}" for i in range(len(photos))] if captions is None else list(captions)
    if len(names) != len(photos) or not all(isinstance(n, str) for n in names):
        raise ValueError(
            f"Expected one str caption per image ({len(photos)}). Received: captions={captions!r}"
        )
    outlines = [None if region is None else check_region(region, p.shape) for p in photos]
    fig = figure_or_new(fig, figsize=(3.2 * len(photos), 3.6))
    for ax, photo, name, outline in zip(
        np.ravel(fig.subplots(1, len(photos), squeeze=False)), photos, names, outlines
    ):
        show_image(ax, photo, name)
        if outline is not None:
            draw_region(ax, outline)
    return root_figure(fig)


def _check_captions(captions: Sequence[str]) -> tuple[str, str]:
    if isinstance(captions, str) or len(captions) != 2:
        raise ValueError(
            f"Expected `captions` to be a pair of str. Received: captions={captions!r}"
        )
    if not all(isinstance(caption, str) for caption in captions):
        raise TypeError(
            f"Expected `captions` to be a pair of str. Received: captions={captions!r}"
        )
    return captions[0], captions[1]


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
