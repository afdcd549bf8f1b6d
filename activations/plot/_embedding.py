"""``plot_embedding``: 2-D points of :func:`activations.embed`, coloured by class."""

from __future__ import annotations

import logging
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Colormap, ListedColormap
from matplotlib.figure import Figure
from numpy.typing import ArrayLike, NDArray

from activations._arrays.checks import as_real_array, colormap
from activations.plot._common import PLAIN, axes_or_new, root_figure

__all__ = ["LEGEND", "plot_embedding"]

logger = logging.getLogger("activations")

#: Where the legend goes: right of the axes, inside it (matplotlib's "best"), or none.
LEGEND = ("outside", "inside", None)

ClassNames = Sequence[str] | Mapping[int, str]
# One class's scatter: its name, its place in the class order, its points.
Group = tuple[str, int, NDArray[np.intp] | slice]


def plot_embedding(
    coords: ArrayLike,
    labels: ArrayLike | None = None,
    *,
    class_names: ClassNames | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    marker_size: float = 3.0,
    alpha: float = 0.8,
    axis_label: str | None = "t-SNE",
    legend: str | None = "outside",
    cmap: str | Colormap | None = None,
) -> Figure:
    """A scatter of 2-D points, one colour per class, with a legend of class names.

    MATLAB's ``gscatter(Y(:,1), Y(:,2), labels)`` after ``Y = tsne(act)``.
    Each class is one scatter (in class order, so later classes are drawn on
    top); its colour is the class's place in the class order, so several
    panels of the same classes share colours: ``tab10`` for up to 10 classes,
    ``tab20`` for up to 20, evenly spaced ``turbo`` colours beyond (logged).

    Parameters
    ----------
    coords : array_like of shape (N, 2)
        One point per image, e.g. from :func:`activations.embed`; finite.
    labels : array_like of int of shape (N,), optional
        The class of each point. ``None``: all points in one colour, no legend.
    class_names : sequence of str or dict of int to str, optional
        Legend names: a list indexed by label (the class order is the list's),
        or a dict from label to name (the dict's order). By default the labels
        themselves, in increasing order. Must name every label present.
    ax : matplotlib Axes, optional
        Where to draw; by default one axes on a new figure (not a pyplot one).
    title : str, optional
        Axes title (plain text).
    marker_size : float, default 3.0
        Marker diameter in points (the legend's markers are drawn larger).
    alpha : float, default 0.8
        Opacity of the markers, in [0, 1].
    axis_label : str or None, default "t-SNE"
        Prefix of the axis labels: "t-SNE 1" and "t-SNE 2" (e.g. "PC" for
        PCA). ``None``: no axis labels.
    legend : {"outside", "inside", None}, default "outside"
        Right of the axes (covers no point), inside it at matplotlib's "best"
        place, or none (e.g. for one shared legend: ``fig.legend(ax.collections,
        names)``).
    cmap : str or matplotlib Colormap, optional
        Class colours instead of the default: a listed colormap gives its
        colours in turn, a continuous one is sampled evenly.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes: one ``PathCollection`` per class in
        ``ax.collections``, in class order, labelled with the class names.

    Raises
    ------
    TypeError
        If an array is not real-valued, labels are not integers, a number or
        string option has the wrong type, or ``ax`` is not an Axes.
    ValueError
        If ``coords`` is not (N, 2) or holds NaN or infinite values, ``labels``
        is not of length N, ``class_names`` misses a label or comes without
        labels, or an option is out of range.

    Examples
    --------
    >>> coords = np.arange(8.0).reshape(4, 2)
    >>> fig = plot_embedding(coords, [0, 1, 1, 0], class_names=["cat", "dog"])
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['cat', 'dog']
    """
    points = _check_coords(coords)
    _check_options(title, marker_size, alpha, axis_label, legend)
    groups, n_classes = _classes(labels, len(points), class_names)
    colours = _colours(n_classes, cmap)
    ax = axes_or_new(ax, figsize=(5.5, 4.2))
    drawn = []
    for name, place, members in groups:
        drawn.append(ax.scatter(points[members, 0], points[members, 1], s=marker_size**2,
                                color=colours[place], alpha=alpha, linewidths=0,
                                label=name))  # fmt: skip
    if axis_label is not None:
        ax.set_xlabel(f"{axis_label} 1", **PLAIN)
        ax.set_ylabel(f"{axis_label} 2", **PLAIN)
    if title is not None:
        ax.set_title(title, **PLAIN)
    if labels is not None and legend is not None:
        _draw_legend(ax, drawn, [name for name, _, _ in groups], legend, marker_size)
    return root_figure(ax)


def _check_coords(coords: ArrayLike) -> NDArray:
    points = as_real_array(coords, "coords")
    if points.ndim != 2 or points.shape[1] != 2:
        hint = " Embed with n_components=2." if points.ndim == 2 else ""
        raise ValueError(
            f"Expected `coords` of shape (N, 2): one 2-D point per image.{hint} "
            f"Received: coords.shape={points.shape}"
        )
    if not np.isfinite(points).all():
        raise ValueError(
            f"Expected finite `coords`. Received: coords with "
            f"{int((~np.isfinite(points)).sum())} infinite values"
        )
    return points


def _check_options(title: Any, marker_size: Any, alpha: Any, axis_label: Any, legend: Any) -> None:
    for name, value in (("title", title), ("axis_label", axis_label)):
        if value is not None and not isinstance(value, str):
            raise TypeError(
                f"Expected `{name}` to be a string or None. Received: {name}={value!r}"
            )
    for name, value in (("marker_size", marker_size), ("alpha", alpha)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"Expected `{name}` to be a number. Received: {name}={value!r}")
    if not marker_size > 0:
        raise ValueError(f"Expected `marker_size` > 0. Received: marker_size={marker_size}")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"Expected `alpha` in [0, 1]. Received: alpha={alpha}")
    if legend not in LEGEND or isinstance(legend, bool):
        raise ValueError(f"Expected `legend` in {list(LEGEND)}. Received: legend={legend!r}")


def _classes(
    labels: ArrayLike | None, n: int, class_names: ClassNames | None
) -> tuple[list[Group], int]:
    """(name, place in the class order, point indices) of each class present.

    Also the number of classes in the class order (present or not): colours
    follow that order, so panels of the same classes share them.
    """
    if labels is None:
        if class_names is not None:
            raise ValueError(
                "Expected `labels` with `class_names`: the names are of the labels' classes. "
                "Received: labels=None"
            )
        return [("_all", 0, slice(None))], 1
    lab = as_real_array(labels, "labels")
    if lab.dtype.kind not in "iu":
        raise TypeError(
            f"Expected integer `labels` (class indices). Received: labels.dtype={lab.dtype}"
        )
    if lab.shape != (n,):
        raise ValueError(
            f"Expected `labels` of shape ({n},): one per point of `coords`. "
            f"Received: labels.shape={lab.shape}"
        )
    present = {int(v) for v in np.unique(lab)}
    names = _name_map(class_names, sorted(present))
    missing = sorted(present - set(names))
    if missing:
        raise ValueError(
            f"Expected `class_names` to name every label; labels {missing} have no name. "
            f"Received: class_names with {len(names)} names"
        )
    groups: list[Group] = [
        (name, place, np.flatnonzero(lab == label))
        for place, (label, name) in enumerate(names.items())
        if label in present
    ]
    return groups, len(names)


def _name_map(class_names: ClassNames | None, present: list[int]) -> dict[int, str]:
    """``class_names`` as an ordered {label: name} dict (the labels themselves if None)."""
    if class_names is None:
        return {label: str(label) for label in present}
    if isinstance(class_names, Mapping):
        items = list(class_names.items())
    elif isinstance(class_names, Sequence) and not isinstance(class_names, str):
        items = list(enumerate(class_names))
    else:
        raise TypeError(
            "Expected `class_names` to be a list of str (indexed by label) or a dict "
            f"from label to str. Received: class_names of type {type(class_names)}"
        )
    for key, name in items:
        if isinstance(key, bool) or not isinstance(key, (int, np.integer)):
            raise TypeError(f"Expected int labels as `class_names` keys. Received: key {key!r}")
        if not isinstance(name, str):
            raise TypeError(f"Expected `class_names` to hold strings. Received: {name!r}")
    return {int(key): name for key, name in items}


def _colours(count: int, cmap: str | Colormap | None) -> list[Any]:
    """One colour per class, from a discrete colormap by default."""
    if cmap is None:
        if count > 20:
            logger.info("plot_embedding: %d classes; colours from 'turbo' (tab20 has 20)", count)
        cmap = "tab10" if count <= 10 else "tab20" if count <= 20 else "turbo"
    chosen = colormap(cmap)
    if isinstance(chosen, ListedColormap) and chosen.N < 256:
        return [chosen(i % chosen.N) for i in range(count)]
    return [chosen(x) for x in np.linspace(0.0, 1.0, count)]


def _draw_legend(
    ax: Axes, handles: list[Any], names: list[str], where: str, marker_size: float
) -> None:
    # Names are given with the handles, so a name starting with "_" is not dropped.
    outside = where == "outside"
    shown = ax.legend(handles, names, loc="center left" if outside else "best",
                      bbox_to_anchor=(1.01, 0.5) if outside else None,
                      markerscale=max(6.0 / marker_size, 1.0), frameon=False,
                      handletextpad=0.2, borderaxespad=0.2)  # fmt: skip
    for text in shown.get_texts():
        text.set_parse_math(False)
    for handle in shown.legend_handles:
        if handle is not None:
            handle.set_alpha(1.0)
