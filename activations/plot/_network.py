"""``plot_network``: the ``analyze_network`` layer table as a figure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from matplotlib.axes import Axes
from matplotlib.figure import Figure, FigureBase, SubFigure
from matplotlib.text import Text

from activations._probes.network import analyze_network, shape_text
from activations.plot._common import PLAIN, figure_or_new, root_figure

__all__ = ["plot_network"]

_HEADER = ("#", "name", "type", "output shape", "activation", "learnables", "params")
_MAX_LEARNABLES_WIDTH = 44
_FONTSIZE = 8.0
_CHAR_WIDTH = 0.66  # of the font size: DejaVu Sans Mono is 0.6, 0.63 with pixel rounding
_LINE_HEIGHT = 1.35  # of the font size: measured 1.2 to 1.33 (at 72 dpi)


def plot_network(
    model_or_table: Any, *, max_rows: int | None = None, fig: FigureBase | None = None
) -> Figure:
    """Draw the layer table of a model (MATLAB's ``analyzeNetwork``) as a figure.

    One monospace line per layer: number (from 1), name, type, output shape, activation,
    learnable shapes and parameter count, then the total. Without ``fig`` the
    figure is sized to the text (8 pt), so a ~70-layer SqueezeNet gives a tall,
    readable figure; into a given ``fig`` the font shrinks to fit.

    Parameters
    ----------
    model_or_table : keras.Model or NetworkTable
        A model (passed to ``analyze_network``) or a table it returned: any
        object with ``.rows`` of records having ``name``, ``type``,
        ``output_shape``, ``activation``, ``learnables`` (dict name -> shape)
        and ``n_learnables`` (``model_name``, ``input_shape`` and
        ``total_learnables`` are used when present).
    max_rows : int, optional
        Draw only the first ``max_rows`` layers; a last line says how many were
        left out. The total still counts all layers.
    fig : Figure or SubFigure, optional
        Where to draw; by default a new figure (not a pyplot one).

    Returns
    -------
    matplotlib.figure.Figure
        One axes (axis off) holding the title and the table text.

    Raises
    ------
    TypeError
        If ``max_rows`` is not an int, or ``analyze_network`` rejects the model.
    ValueError
        If ``max_rows`` < 1.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> row = SimpleNamespace(name="conv1", type="Conv2D", output_shape=(4, 4, 2),
    ...     activation="relu", learnables={"kernel": (3, 3, 1, 2), "bias": (2,)},
    ...     n_learnables=20)
    >>> fig = plot_network(SimpleNamespace(rows=[row]))
    >>> "kernel 3x3x1x2, bias 2" in fig.axes[0].texts[0].get_text()
    True
    """
    if max_rows is not None and (isinstance(max_rows, bool) or not isinstance(max_rows, int)):
        raise TypeError(
            f"Expected `max_rows` to be an int or None. Received: max_rows={max_rows!r}"
        )
    if max_rows is not None and max_rows < 1:
        raise ValueError(f"Expected `max_rows` >= 1. Received: max_rows={max_rows}")
    table = model_or_table if hasattr(model_or_table, "rows") else analyze_network(model_or_table)
    rows = list(table.rows)
    total = getattr(table, "total_learnables", None)
    if total is None:
        total = sum(int(row.n_learnables) for row in rows)
    lines = _format_table(rows[:max_rows])
    if max_rows is not None and len(rows) > max_rows:
        lines.append(f"... {len(rows) - max_rows} more layers not shown (max_rows={max_rows})")
    lines.append(f"Total learnables: {total:,}")
    name = getattr(table, "model_name", None) or getattr(model_or_table, "name", None)
    title = f"{name + ': ' if name else ''}{len(rows)} layers, {total:,} learnables"
    if getattr(table, "input_shape", None) is not None:
        title += f", input {shape_text(table.input_shape)}"
    width = max(len(line) for line in lines + [title])
    new = fig is None
    fig = figure_or_new(fig, figsize=_text_size(width, len(lines) + 2, _FONTSIZE))
    fontsize = _fit_fontsize(fig, width, len(lines) + 2)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_title(title, loc="left", fontsize=fontsize + 1, family="monospace", **PLAIN)
    text = ax.text(0.0, 1.0, "\n".join(lines), transform=ax.transAxes, va="top", ha="left",
                   family="monospace", fontsize=fontsize, **PLAIN)  # fmt: skip
    if new:
        _shrink_to_text(root_figure(fig), ax, text)
    return root_figure(fig)


def _shrink_to_text(fig: Figure, ax: Axes, text: Text) -> None:
    """Cut the blank right and bottom margins of a new figure: it ends with its texts.

    The size from character counts is an estimate (fonts differ); the drawn
    text's box is exact. The axes is anchored top-left and the layout keeps its
    padding, so shrinking by the unused width and height leaves the text in place.
    """
    fig.draw_without_rendering()
    texts = [t for t in ax.get_children() if isinstance(t, Text) and t.get_text()]
    right = max(t.get_window_extent().x1 for t in texts)  # the table or a longer title
    axes_box = ax.get_window_extent()
    spare_w = max(0.0, axes_box.x1 - right) / fig.dpi
    spare_h = max(0.0, text.get_window_extent().y0 - axes_box.y0) / fig.dpi
    width, height = fig.get_size_inches()
    fig.set_size_inches(max(width - spare_w, 2.0), max(height - spare_h, 1.0))  # not a sliver


def _text_size(width: int, n_lines: int, fontsize: float) -> tuple[float, float]:
    """Figure size in inches holding ``n_lines`` lines of ``width`` characters."""
    return (
        width * _CHAR_WIDTH * fontsize / 72 + 0.5,
        n_lines * _LINE_HEIGHT * fontsize / 72 + 0.3,
    )


def _fit_fontsize(fig: FigureBase, width: int, n_lines: int) -> float:
    """The default size, or smaller so the text fits inside ``fig``'s box."""
    dpi = root_figure(fig).dpi
    # Every FigureBase is a Figure or a SubFigure; the stubs give FigureBase no bbox.
    bbox = cast("Figure | SubFigure", fig).bbox
    box_w = bbox.width / dpi * 72 - 0.5 * 72
    box_h = bbox.height / dpi * 72 - 0.3 * 72
    fits = min(box_w / (width * _CHAR_WIDTH), box_h / (n_lines * _LINE_HEIGHT))
    return float(max(2.0, min(_FONTSIZE, fits)))


def _format_table(rows: Sequence[Any]) -> list[str]:
    cells = [_HEADER] + [_format_row(i, row) for i, row in enumerate(rows, start=1)]
    widths = [max(len(cell[j]) for cell in cells) for j in range(len(_HEADER))]
    right = {0, len(_HEADER) - 1}  # numbers right-aligned

    def join(cell: Sequence[str]) -> str:
        parts = [
            c.rjust(w) if j in right else c.ljust(w)
            for j, (c, w) in enumerate(zip(cell, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    header = join(_HEADER)
    return [header, "-" * len(header)] + [join(cell) for cell in cells[1:]]


def _format_row(index: int, row: Any) -> tuple[str, ...]:
    learnables = ", ".join(f"{k} {shape_text(v)}" for k, v in dict(row.learnables).items())
    if len(learnables) > _MAX_LEARNABLES_WIDTH:
        learnables = learnables[: _MAX_LEARNABLES_WIDTH - 3] + "..."
    return (
        str(index),
        str(row.name),
        str(row.type),
        shape_text(row.output_shape),
        str(row.activation or ""),
        learnables,
        f"{int(row.n_learnables):,}" if row.n_learnables else "0",
    )
