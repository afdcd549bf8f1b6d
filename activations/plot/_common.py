"""Shared helpers of the plot functions: figures without pyplot, argument checks."""

from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, FigureBase
from matplotlib.patches import Rectangle
from numpy.typing import ArrayLike, NDArray

from activations._arrays.checks import as_real_array
from activations._arrays.overlay import map_method
from activations._arrays.region import check_box, region_weights

__all__: list[str] = []

#: Colour of a region drawn on photos and maps (the box of ``compare``).
REGION_COLOR = "#e60000"
#: Keyword that makes matplotlib draw a text as written: a layer name with ``$``
#: is not parsed as mathtext.
PLAIN: dict[str, Any] = {"parse_math": False}


def root_figure(obj: Axes | FigureBase) -> Figure:
    """The top-level ``Figure`` holding an axes, a figure or a subfigure."""
    fig = obj if isinstance(obj, FigureBase) else obj.figure
    while not isinstance(fig, Figure):  # a SubFigure: its `.figure` is the root
        fig = fig.figure
    return fig


def axes_or_new(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """``ax`` itself, or one axes on a new pyplot-free figure of size ``figsize``."""
    if ax is None:
        return Figure(figsize=figsize, layout="constrained").add_subplot()
    if not isinstance(ax, Axes):
        raise TypeError(
            f"Expected `ax` to be a matplotlib Axes or None. Received: ax of type {type(ax)}"
        )
    return ax


def figure_or_new(fig: FigureBase | None, figsize: tuple[float, float]) -> FigureBase:
    """``fig`` itself (a Figure or SubFigure), or a new pyplot-free figure."""
    if fig is None:
        return Figure(figsize=figsize, layout="constrained")
    if not isinstance(fig, FigureBase):
        raise TypeError(
            "Expected `fig` to be a matplotlib Figure, SubFigure or None. "
            f"Received: fig of type {type(fig)}"
        )
    return fig


def check_act(act: ArrayLike, name: str = "act") -> NDArray:
    """``act`` as a real (H, W, C) array; a clear error for a batch or a flat vector."""
    arr = as_real_array(act, name, allow_nan=True)
    if arr.ndim != 3:
        hint = f" For a batch, pass one image: {name}[0]." if arr.ndim == 4 else ""
        raise ValueError(
            f"Expected `{name}` of shape (H, W, C): the activation of one image, "
            f"channels last.{hint} Received: {name}.shape={arr.shape}"
        )
    return arr


def check_image(image: ArrayLike, name: str = "image") -> NDArray:
    """``image`` as a real (H, W), (H, W, 1) or (H, W, 3) array."""
    arr = as_real_array(image, name, allow_nan=True)
    if not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[-1] in (1, 3))):
        raise ValueError(
            f"Expected `{name}` of shape (H, W), (H, W, 1) or (H, W, 3). "
            f"Received: {name}.shape={arr.shape}"
        )
    return arr


def check_channel(channel: Any, n_channels: int, name: str = "channel") -> int:
    """``channel`` as a Python int in ``[0, n_channels)``."""
    if isinstance(channel, bool) or not isinstance(channel, (int, np.integer)):
        raise TypeError(f"Expected `{name}` to be an int. Received: {name}={channel!r}")
    index = operator.index(channel)
    if not 0 <= index < n_channels:
        raise ValueError(
            f"Expected `{name}` in [0, {n_channels - 1}] (the activation has {n_channels} "
            f"channels). Received: {name}={index}"
        )
    return index


def show_image(ax: Axes, image: NDArray, title: str, **title_kw: Any) -> None:
    """Draw a photo (gray or RGB) without axis ticks; the title as plain text."""
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        ax.imshow(image, cmap="gray")
    else:
        ax.imshow(image)
    ax.set_title(title, **PLAIN, **title_kw)
    ax.set_axis_off()


def check_region(region: Any, image_shape: tuple[int, ...]) -> tuple[int, int, int, int] | NDArray:
    """A region to draw on a photo of ``image_shape``, checked.

    A box comes back as four ints, a 2-D mask of the photo's (H, W) (bools or
    weights in [0, 1]) as float64.
    """
    hw = (image_shape[0], image_shape[1])  # a photo's shape: (H, W) or (H, W, C)
    if np.ndim(region) == 1:
        return check_box(region, hw)
    return region_weights(region, hw, image_shape=hw)


def draw_region(ax: Axes, region: tuple[int, int, int, int] | NDArray) -> None:
    """Outline a box (x0, y0, x1, y1), or a mask's 0.5 contour, on an image axes.

    In ``imshow`` coordinates pixel (r, c) is centred at (c, r), so the box's
    pixel edges are at ``x0 - 0.5`` and ``x1 - 0.5``.
    """
    if isinstance(region, tuple):
        x0, y0, x1, y1 = region
        ax.add_patch(
            Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, ec=REGION_COLOR, lw=1.5)
        )
    else:
        ax.contour(region, levels=[0.5], colors=[REGION_COLOR], linewidths=1.5)


_RESAMPLE = ("auto", "nearest", "bilinear", "bicubic")


def resample_method(resample: Any, map_shape: tuple, image_shape: tuple) -> str:
    """The checked ``resample`` choice, with ``"auto"`` resolved by ``map_method``."""
    if not isinstance(resample, str) or resample not in _RESAMPLE:
        raise ValueError(f"Expected `resample` in {list(_RESAMPLE)}. Received: {resample=}")
    return map_method(map_shape, image_shape) if resample == "auto" else resample


def how_shown(map_shape: tuple[int, ...], method: str) -> str:
    """``"8x8 map, one block per cell"`` or ``"46x46 map, bilinear"``."""
    size = f"{map_shape[0]}x{map_shape[1]} map"
    return f"{size}, one block per cell" if method == "nearest" else f"{size}, {method}"


def renamed(given: dict[str, Any], old: str, new: str, value: Any, function: str) -> Any:
    """``value``, or what came under the deprecated keyword ``old`` (with a warning).

    The plot API names caption text ``title``/``captions`` (and a layer's name
    ``layer_name``), never ``label``/``labels``/``layer``, which the analysis API
    uses for classes and layers; the old names work one release more.
    """
    if old not in given:
        return value
    warnings.warn(
        f"{function}({old}=...) is deprecated: use `{new}=`. Received: {old}",
        DeprecationWarning,
        stacklevel=3,
    )
    return given.pop(old)


def no_more(given: dict[str, Any], function: str) -> None:
    """Refuse keywords left over after the deprecated ones were taken."""
    if given:
        raise TypeError(f"{function}() got unexpected keyword arguments {sorted(given)}")
