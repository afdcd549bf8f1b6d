"""How results show themselves: a short ``repr`` and a small HTML table for notebooks.

Every result object prints its class, its shapes and its first few entries,
never whole arrays, and renders in Jupyter (``_repr_html_``) as a table of
at most :data:`HTML_ROWS` rows followed by "... and M more". Text from outside
(layer and model names) is always escaped; only :class:`Raw` fragments built
here (bars, thumbnails) go into the page as they are.
"""

from __future__ import annotations

import base64
import html
import re
import struct
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "HTML_ROWS",
    "REPR_ROWS",
    "Raw",
    "bar",
    "html_result",
    "more",
    "number",
    "numbers",
    "png_data_uri",
    "shorten",
    "thumbnail",
]

REPR_ROWS = 3  # entries a plain repr lists
HTML_ROWS = 10  # rows an HTML table lists
_NAME_WIDTH = 40  # characters of an outside name that a plain repr shows


class Raw(str):
    """An HTML fragment made here, put into the page unescaped; a notebook renders it."""

    def _repr_html_(self) -> str:
        return str(self)


def number(value: float) -> str:
    """4 significant digits, ``n/a`` for NaN.

    Examples
    --------
    >>> number(3.14159), number(float("nan")), number(12345.0)
    ('3.142', 'n/a', '1.234e+04')
    """
    return "n/a" if np.isnan(value) else f"{float(value):.4g}"


def numbers(values: ArrayLike, n: int = REPR_ROWS, fmt: str = "number") -> str:
    """The first ``n`` values as ``[a, b, c, ...]`` (``fmt="int"`` for indices).

    Examples
    --------
    >>> numbers([3, 1, 4, 1, 5], fmt="int"), numbers([0.5, 0.25])
    ('[3, 1, 4, ...]', '[0.5, 0.25]')
    """
    flat = np.asarray(values).ravel()
    cells = [str(int(v)) if fmt == "int" else number(float(v)) for v in flat[:n]]
    return "[" + ", ".join(cells + (["..."] if flat.size > n else [])) + "]"


def shorten(text: str, width: int = _NAME_WIDTH) -> str:
    """``text`` cut to ``width`` characters with ``...``, for a plain repr.

    Examples
    --------
    >>> shorten("block_1_expand_relu", 10)
    'block_1...'
    """
    text = str(text)
    return text if len(text) <= width else text[: width - 3] + "..."


def more(total: int, shown: int, noun: str) -> str:
    """``... and 509 more channels``, or ``""`` when everything is shown.

    Examples
    --------
    >>> more(512, 3, "channels"), more(4, 3, "channels"), more(3, 3, "channels")
    ('... and 509 more channels', '... and 1 more channel', '')
    """
    left = total - shown
    if left <= 0:
        return ""
    return f"... and {left:,} more {noun[:-1] if left == 1 and noun.endswith('s') else noun}"


def bar(fraction: float, color: str = "#4c78a8") -> Raw:
    """A horizontal bar ``fraction`` (0..1) of 6em wide; empty for NaN or <= 0."""
    width = 0.0 if not np.isfinite(fraction) else min(max(float(fraction), 0.0), 1.0)
    return Raw(
        '<div style="width:6em;background:#eee">'
        f'<div style="width:{100 * width:.1f}%;height:0.8em;background:{color}"></div></div>'
    )


_NUMBER = re.compile(r"-?[\d,]*\.?\d+(e[+-]\d+)?|n/a|")
_TD = '<td style="padding:1px 8px;white-space:nowrap;text-align:{}">{}</td>'
_TH = '<th style="padding:1px 8px;text-align:{}">{}</th>'


def _aligns(rows: Sequence[Sequence[Any]], n: int) -> list[str]:
    """Per column, ``right`` when every cell is a number (or empty), else ``left``."""
    return [
        "right"
        if all(not isinstance(r[i], Raw) and _NUMBER.fullmatch(str(r[i])) for r in rows)
        else "left"
        for i in range(n)
    ]


def _cell(value: Any, align: str) -> str:
    """A ``<td>``: text escaped, a :class:`Raw` fragment as it is."""
    text = str(value) if isinstance(value, Raw) else html.escape(str(value))
    return _TD.format(align, text)


def html_result(
    title: str,
    facts: Sequence[str],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    total: int | None = None,
    noun: str = "rows",
    note: str = "",
) -> str:
    """A result as a small HTML block: a bold title, a line of facts, a table.

    Parameters
    ----------
    title : str
        The class name, e.g. ``"TopImages"``.
    facts : sequence of str
        Short facts shown after the title (``"layer 'conv1'"``, ``"512 channels"``).
    columns : sequence of str
        The table's header.
    rows : sequence of sequences
        The rows to show (the caller cuts them to :data:`HTML_ROWS`); a cell is
        escaped text, or a :class:`Raw` fragment.
    total : int, optional
        How many rows there are in all: when more than shown, a last line says
        "... and M more ``noun``".
    noun : str
        What a row is, for that last line.
    note : str
        A last line of text (escaped).

    Returns
    -------
    str
        An HTML fragment (no scripts, no styles outside its own elements).
    """
    aligns = _aligns(rows, len(columns))
    head = "".join(_TH.format(a, html.escape(c)) for c, a in zip(columns, aligns))
    body = "".join(
        "<tr>" + "".join(_cell(v, a) for v, a in zip(row, aligns)) + "</tr>" for row in rows
    )
    lines = [more(len(rows) if total is None else total, len(rows), noun), note]
    tail = "".join(f"<div>{html.escape(line)}</div>" for line in lines if line)
    table = (
        '<table style="border-collapse:collapse;font-variant-numeric:tabular-nums">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
    return (
        '<div class="activations-result">'
        f"<div><strong>{html.escape(title)}</strong> {html.escape(', '.join(facts))}</div>"
        f"{table}{tail}</div>"
    )


def _png(image: np.ndarray) -> bytes:
    """A PNG file of a uint8 image of shape (H, W) or (H, W, 3)."""
    height, width = image.shape[:2]
    color = 2 if image.ndim == 3 else 0
    raw = b"".join(b"\x00" + image[r].tobytes() for r in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def png_data_uri(image: ArrayLike) -> str:
    """An image as a ``data:image/png;base64,...`` URI, its values stretched to 0..255.

    Parameters
    ----------
    image : array_like of shape (H, W), (H, W, 1) or (H, W, 3)
        Any real values: uint8 is kept as it is, others are scaled from their
        own min..max (a constant image gives black).

    Returns
    -------
    str

    Examples
    --------
    >>> png_data_uri(np.zeros((2, 2)))[:30]
    'data:image/png;base64,iVBORw0K'
    """
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] != 3) or 0 in arr.shape:
        raise ValueError(
            "Expected an image of shape (H, W), (H, W, 1) or (H, W, 3). "
            f"Received: shape={arr.shape}"
        )
    if arr.dtype != np.uint8:
        values = np.nan_to_num(arr.astype(np.float64))
        low, high = float(values.min()), float(values.max())
        scale = 255.0 / (high - low) if high > low else 0.0
        arr = np.round((values - low) * scale).astype(np.uint8)
    data = base64.b64encode(_png(np.ascontiguousarray(arr))).decode("ascii")
    return f"data:image/png;base64,{data}"


def thumbnail(image: ArrayLike, title: str = "", size: int = 40) -> Raw:
    """An ``<img>`` of ``image``, ``size`` pixels high (pixelated), ``title`` as its alt text."""
    text = html.escape(title)
    return Raw(
        f'<img src="{png_data_uri(image)}" alt="{text}" title="{text}" '
        f'style="height:{int(size)}px;image-rendering:pixelated;margin:1px">'
    )
