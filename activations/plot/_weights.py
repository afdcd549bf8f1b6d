"""Weight figures: first-layer filters as tiles, and weight histograms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Colormap, LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure, FigureBase
from numpy.typing import ArrayLike, NDArray

from activations._arrays.checks import as_real_array, colormap
from activations._arrays.tile import grid_shape
from activations.plot._common import (
    PLAIN,
    axes_or_new,
    figure_or_new,
    no_more,
    renamed,
    root_figure,
)

__all__ = ["OVER_COLOR", "UNDER_COLOR", "plot_kernels", "plot_weight_histogram"]

#: Colours of clipped weights on gray kernel tiles: below ``vmin`` and above ``vmax``.
UNDER_COLOR, OVER_COLOR = "#2060d0", "#d02020"


def plot_kernels(
    kernel: ArrayLike,
    *,
    grid_size: Sequence[int] | None = (2, 16),
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str | Colormap = "gray",
    title: str | None = None,
    fig: FigureBase | None = None,
) -> Figure:
    """Draw each filter of a conv kernel as a tile, on one colour range for all filters.

    By default the range is symmetric around 0 and holds every weight
    (``-max|w| .. max|w|``), so mid-gray is 0 and nothing is clipped. A given
    ``vmin``..``vmax`` (the reference's fixed -0.5..0.5, or a range shared by
    trained and untrained kernels) may clip: gray tiles then draw the values
    below ``vmin`` in blue and above ``vmax`` in red, the colour bar gets
    arrows, and its label says how many values were clipped.

    Parameters
    ----------
    kernel : array_like of shape (KH, KW, Cin, F)
        A Keras ``Conv2D`` kernel (``layer.get_weights()[0]``). A NumPy CNN's
        channels-first (FN, C, FH, FW) kernel is refused: pass
        ``np.transpose(w, (2, 3, 1, 0))``. How the Cin input channels are shown:

        - Cin == 1: each filter is one tile in ``cmap``, ``vmin``..``vmax``.
        - Cin == 3: each filter is an RGB tile; every colour component is
          mapped linearly from ``vmin``..``vmax`` to 0..1 (clipped), so all
          filters share one scale; three colour bars (black to red, green,
          blue) give it per component.
        - Other Cin: the mean over the input channels, drawn as for Cin == 1.
    grid_size : (rows, cols) or None, default (2, 16)
        None: a near-square grid. Must hold at least F tiles; spare cells
        are left blank.
    vmin, vmax : float, optional
        The colour range shared by all filters. Default: symmetric, holding
        all weights; a missing one mirrors the other (``vmin=-vmax``). Pass the
        same range to kernels that are compared (trained and untrained).
    cmap : str or Colormap, default "gray"
    title : str, optional
        Default: the kernel shape; ``""`` for none.
    fig : Figure or SubFigure, optional
        Where to draw; by default a new figure (not a pyplot one).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per filter (titled with its index, from 0), blank spare
        cells, and a colour bar (three for RGB tiles).

    Raises
    ------
    TypeError
        If ``kernel`` is not real-valued, or ``fig``/``cmap`` has a wrong type.
    ValueError
        If ``kernel`` is not 4-D or looks channels-first (a non-square
        window, Cin == F <= 11: the message shows the transpose), ``vmin >=
        vmax`` or ``grid_size`` is not a pair of positive ints holding F tiles.

    Examples
    --------
    >>> import numpy as np
    >>> kernel = np.linspace(-0.5, 0.25, 3 * 3 * 1 * 4).reshape(3, 3, 1, 4)
    >>> fig = plot_kernels(kernel, grid_size=(1, 4))
    >>> len(fig.axes), fig.axes[0].images[0].get_clim()  # 4 filters + colour bar
    (5, (-0.5, 0.5))
    """
    arr = as_real_array(kernel, "kernel", allow_nan=True)
    if arr.ndim != 4:
        raise ValueError(
            "Expected `kernel` of shape (KH, KW, Cin, F), as a Keras Conv2D kernel. "
            f"Received: kernel.shape={arr.shape}"
        )
    if _looks_channels_first(arr.shape):
        fn, c, fh, fw = arr.shape
        raise ValueError(
            "Expected `kernel` of shape (KH, KW, Cin, F), as a Keras Conv2D kernel; this one "
            f"looks channels-first, (FN, C, FH, FW) = ({fn}, {c}, {fh}, {fw}): {fn} filters of "
            f"{c} channel(s), {fh}x{fw} each, as NumPy CNNs store them (a {fn}x{c} window "
            f"would be drawn as {fw} thin strips). Pass np.transpose(kernel, (2, 3, 1, 0)), "
            f"of shape ({fh}, {fw}, {c}, {fn}). Received: kernel.shape={arr.shape}"
        )
    lo, hi = _kernel_range(arr, vmin, vmax)
    n_filters = arr.shape[-1]
    rows, cols = _check_grid(grid_size, n_filters)
    cmap_used = colormap(cmap).with_extremes(under=UNDER_COLOR, over=OVER_COLOR)
    tiles = _kernel_tiles(arr.astype(np.float64), lo, hi)
    fig = figure_or_new(fig, figsize=(max(4.0, 0.62 * cols + 1.3), max(1.8, 0.75 * rows + 0.9)))
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for k, ax in enumerate(axes):
        ax.set_axis_off()
        if k >= n_filters:
            continue
        ax.imshow(tiles[k], cmap=cmap_used, vmin=lo, vmax=hi, interpolation="nearest")
        ax.set_title(str(k), fontsize=7, pad=2)
    _kernel_colorbars(fig, list(axes), arr, (lo, hi), cmap_used, rows)
    if title is None:
        title = f"{n_filters} filters, kernel {'x'.join(map(str, arr.shape))}"
    if title:
        fig.suptitle(title, **PLAIN)
    return root_figure(fig)


def _looks_channels_first(shape: tuple[int, ...]) -> bool:
    """Whether a 4-D kernel reads as (FN, C, FH, FW) rather than Keras' (KH, KW, Cin, F).

    Conv windows are square and small in nearly every network: a non-square
    window (KH != KW) with equal, small last axes (Cin == F <= 11) is taken
    for a channels-first kernel. (3, 3, 5, 5) is ambiguous and read as Keras';
    a Keras kernel with a non-square window and Cin == F <= 11 is refused.

    >>> _looks_channels_first((30, 1, 5, 5)), _looks_channels_first((5, 5, 1, 30))
    (True, False)
    """
    kh, kw, cin, filters = shape
    return kh != kw and cin == filters <= 11


def _kernel_range(arr: NDArray, vmin: float | None, vmax: float | None) -> tuple[float, float]:
    """The given range, or a symmetric one that holds every weight."""
    if vmin is None and vmax is None:
        limit = float(np.abs(arr).max()) or 1.0
        return -limit, limit
    # Not both None (returned above): the one missing mirrors the other.
    lo = -float(cast(float, vmax)) if vmin is None else float(vmin)
    hi = -float(cast(float, vmin)) if vmax is None else float(vmax)
    if not lo < hi:
        raise ValueError(f"Expected `vmin` < `vmax`. Received: vmin={vmin}, vmax={vmax}")
    return lo, hi


def _kernel_colorbars(
    fig: FigureBase,
    axes: list[Axes],
    arr: NDArray,
    limits: tuple[float, float],
    cmap_used: Colormap,
    rows: int,
) -> None:
    """One colour bar (three for RGB tiles), with arrows and a count of clipped values."""
    lo, hi = limits
    below, above = int((arr < lo).sum()), int((arr > hi).sum())
    extends = {(False, False): "neither", (True, False): "min", (False, True): "max"}
    extend = extends.get((below > 0, above > 0), "both")
    label = "weight"
    if below or above:
        parts = [f"{below} < {lo:.3g}"] * bool(below) + [f"{above} > {hi:.3g}"] * bool(above)
        label += f"\n{' and '.join(parts)} of {arr.size} clipped"
        if arr.shape[2] != 3:
            label += " (" + ", ".join(["blue"] * bool(below) + ["red"] * bool(above)) + ")"
    if arr.shape[2] != 3:
        mappable = ScalarMappable(norm=Normalize(lo, hi), cmap=cmap_used)
        bar = fig.colorbar(mappable, ax=axes, shrink=0.9, aspect=12 * rows, extend=extend)
        bar.set_label(label, fontsize=8, **PLAIN)
        return
    # Colour bars added later sit closer to the tiles: add B first so they read R, G, B.
    for name, colour in (("B", "blue"), ("G", "green"), ("R", "red")):
        component = LinearSegmentedColormap.from_list(name, ["black", colour])
        mappable = ScalarMappable(norm=Normalize(lo, hi), cmap=component)
        bar = fig.colorbar(
            mappable, ax=axes, shrink=0.9, aspect=12 * rows, extend=extend, pad=0.01
        )
        bar.set_label(f"{name} {label}" if name == "B" else name, fontsize=8, **PLAIN)


def _check_grid(grid_size: Sequence[int] | None, n_tiles: int) -> tuple[int, int]:
    if grid_size is None:
        return grid_shape(n_tiles, exact_split=True)
    ok = (
        isinstance(grid_size, Sequence)
        and len(grid_size) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in grid_size)
    )
    if not ok or min(grid_size) < 1:
        raise ValueError(
            f"Expected `grid_size` to be (rows, cols), two positive ints. "
            f"Received: grid_size={grid_size!r}"
        )
    rows, cols = int(grid_size[0]), int(grid_size[1])
    if rows * cols < n_tiles:
        raise ValueError(
            f"Expected `grid_size` to hold all {n_tiles} filters, but {rows}x{cols} holds "
            f"{rows * cols}. Received: grid_size={grid_size!r}"
        )
    return rows, cols


def _kernel_tiles(kernel: NDArray[np.float64], vmin: float, vmax: float) -> NDArray:
    """(F, KH, KW) gray tiles, or (F, KH, KW, 3) RGB tiles in 0..1 when Cin == 3."""
    tiles = np.moveaxis(kernel, -1, 0)  # (F, KH, KW, Cin)
    if kernel.shape[2] == 3:
        return np.clip((tiles - vmin) / (vmax - vmin), 0.0, 1.0)
    return tiles.mean(axis=-1)


def plot_weight_histogram(
    weights: ArrayLike,
    *,
    compare: ArrayLike | None = None,
    captions: Sequence[str] = ("trained", "untrained"),
    bins: int | Sequence[float] | str = 50,
    ax: Axes | None = None,
    **deprecated: Any,
) -> Figure:
    """Histogram of all values of a weight array, optionally against a second one.

    Both distributions are counted on the same bin edges (computed over both),
    and the legend gives each one's mean and standard deviation.

    Parameters
    ----------
    weights : array_like of any shape
        E.g. a (3, 3, 1, 32) kernel; flattened.
    compare : array_like of any shape, optional
        A second weight array (e.g. the untrained twin's), drawn on top.
    captions : (str, str), default ("trained", "untrained")
        Legend names of ``weights`` and ``compare``.
    bins : int, sequence of edges or str, default 50
        As in ``numpy.histogram_bin_edges``.
    ax : matplotlib Axes, optional
        Axes to draw in; by default a new figure (not a pyplot one).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``ax``.

    Raises
    ------
    TypeError
        If an array is not real-valued or ``captions`` is not strings.
    ValueError
        If an array is empty or not finite, or ``captions`` has fewer names than
        arrays.

    Examples
    --------
    >>> import numpy as np
    >>> fig = plot_weight_histogram(np.arange(10.0), bins=5)
    >>> fig.axes[0].get_legend().get_texts()[0].get_text()
    'trained (mean 4.500, std 2.872)'
    """
    arrays = [_finite_flat(weights, "weights")]
    if compare is not None:
        arrays.append(_finite_flat(compare, "compare"))
    captions = renamed(deprecated, "labels", "captions", captions, "plot_weight_histogram")
    no_more(deprecated, "plot_weight_histogram")
    labels = captions
    if isinstance(labels, str) or not all(isinstance(label, str) for label in labels):
        raise TypeError(
            f"Expected `captions` to be a pair of str. Received: captions={labels!r}"
        )
    if len(labels) < len(arrays):
        raise ValueError(
            f"Expected one caption per array ({len(arrays)}). Received: captions={labels!r}"
        )
    edges = np.histogram_bin_edges(np.concatenate(arrays), bins=bins)
    ax = axes_or_new(ax, figsize=(6.4, 4.0))
    for values, label, color in zip(arrays, labels, ("tab:blue", "tab:orange"), strict=False):
        ax.hist(
            values,
            bins=edges,  # type: ignore[arg-type]  # stubs say Sequence[float]; arrays work
            alpha=0.6,
            color=color,
            label=f"{label} (mean {values.mean():.3f}, std {values.std():.3f})",
        )
    ax.set_xlabel("weight value")
    ax.set_ylabel("count")
    for text in ax.legend().get_texts():
        text.set_parse_math(False)
    return root_figure(ax)


def _finite_flat(values: ArrayLike, name: str) -> NDArray[np.float64]:
    arr = as_real_array(values, name, allow_nan=True).astype(np.float64).ravel()
    if not np.isfinite(arr).all():
        raise ValueError(
            f"Expected finite `{name}`. Received: {name} with "
            f"{int((~np.isfinite(arr)).sum())} NaN or inf values"
        )
    return arr
