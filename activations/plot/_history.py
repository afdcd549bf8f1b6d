"""``plot_history``: training curves (loss, accuracy) from a Keras History."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, FigureBase
from matplotlib.ticker import MaxNLocator

from activations.plot._common import figure_or_new, root_figure

__all__ = ["plot_history"]


def plot_history(history: Any, *, fig: FigureBase | None = None) -> Figure:
    """Train and validation curves per epoch: loss, and accuracy when recorded.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        The ``History`` returned by ``model.fit``, its ``.history`` dict
        (``{"loss": [...], "val_loss": [...], "accuracy": [...], ...}``), or a
        saved dict: the curves plus ``"best_epoch"`` (as written by
        ``activations.training``), or ``{"history": {...}, "best_epoch": 7}``.
        ``best_epoch`` counts from 1, as Keras prints epochs ("Epoch 7/20"),
        and is marked with a dashed line. Entries that are not lists (seed,
        test accuracy, ...) are ignored.
    fig : Figure or SubFigure, optional
        Where to draw; by default a new figure (not a pyplot one).

    Returns
    -------
    matplotlib.figure.Figure
        One axes for loss and, if ``accuracy`` (or ``acc``) was recorded, one
        for accuracy; epochs on the x axis counted from 1.

    Raises
    ------
    TypeError
        If ``history`` is none of the above, or ``best_epoch`` is not an int.
    ValueError
        If there is no ``loss`` / ``val_loss`` entry, a curve is empty, or
        ``best_epoch`` is outside 1..number of epochs.

    Examples
    --------
    >>> fig = plot_history({"loss": [0.9, 0.5, 0.4], "val_loss": [0.8, 0.6, 0.7]})
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['train', 'validation']
    """
    curves, best_epoch = _unpack(history)
    if "loss" not in curves and "val_loss" not in curves:
        raise ValueError(
            "Expected a `loss` or `val_loss` curve in the history. "
            f"Received: history keys {sorted(curves)}"
        )
    panels = [("loss", "loss")]
    for key in ("accuracy", "acc"):  # Keras 3 records "accuracy"; old logs "acc"
        if key in curves or f"val_{key}" in curves:
            panels.append((key, "accuracy"))
            break
    n_epochs = max(len(values) for values in curves.values())
    if best_epoch is not None and not 1 <= best_epoch <= n_epochs:
        raise ValueError(
            f"Expected `best_epoch` in [1, {n_epochs}] (counted from 1). "
            f"Received: best_epoch={best_epoch}"
        )
    fig = figure_or_new(fig, figsize=(5.2 * len(panels), 4.0))
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (key, name) in zip(axes, panels, strict=True):
        _draw_panel(ax, curves, key, name, best_epoch)
    return root_figure(fig)


def _unpack(history: Any) -> tuple[dict[str, np.ndarray], int | None]:
    if not isinstance(history, Mapping) and isinstance(getattr(history, "history", None), Mapping):
        history = history.history  # a keras.callbacks.History
    if not isinstance(history, Mapping):
        raise TypeError(
            "Expected `history` to be a keras History, its `.history` dict or a saved dict "
            f"with `best_epoch`. Received: history of type {type(history)}"
        )
    best_epoch = history.get("best_epoch")
    if isinstance(history.get("history"), Mapping):
        history = history["history"]
        best_epoch = history.get("best_epoch", best_epoch)
    if best_epoch is not None and (
        isinstance(best_epoch, bool) or not isinstance(best_epoch, (int, np.integer))
    ):
        raise TypeError(f"Expected `best_epoch` to be an int. Received: best_epoch={best_epoch!r}")
    curves = {}
    for key, values in history.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
            continue  # metadata saved next to the curves (seed, test_loss, ...)
        if len(values) == 0:
            raise ValueError(f"Expected a non-empty curve. Received: {key}={values!r}")
        curves[str(key)] = np.asarray(values, dtype=np.float64)
    return curves, None if best_epoch is None else int(best_epoch)


def _draw_panel(
    ax: Axes, curves: dict[str, np.ndarray], key: str, name: str, best_epoch: int | None
) -> None:
    for prefix, label in (("", "train"), ("val_", "validation")):
        values = curves.get(prefix + key)
        if values is not None:
            ax.plot(np.arange(1, len(values) + 1), values, marker="o", markersize=3, label=label)
    if best_epoch is not None:
        ax.axvline(best_epoch, color="gray", linestyle="--", label=f"best epoch {best_epoch}")
    ax.set_xlabel("epoch")
    ax.set_ylabel(name)
    ax.set_title(name)
    # A new axes' locator is an AutoLocator, a MaxNLocator (the stubs say Locator).
    cast(MaxNLocator, ax.xaxis.get_major_locator()).set_params(integer=True)
    ax.legend()
