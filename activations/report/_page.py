"""HTML pages with their PNG figures beside them, and safe output paths.

A :class:`Page` collects headings, text, tables and figures and writes
``index.html``; every text is HTML-escaped. Output directories are written
through :func:`staged_directory`: everything goes to a hidden temporary
directory next to the target and is moved in place only when all of it
succeeded, so an error never leaves a half-written report.
"""

from __future__ import annotations

import html
import os
import secrets
import shutil
import sys
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from numpy.typing import NDArray

from activations._arrays.checks import check_output_dir
from activations._engine.stop import check_stop

__all__ = [
    "Page",
    "Progress",
    "network_table_html",
    "save_figure",
    "staged_directory",
    "table_html",
    "wrap_titles",
]

# On load, count the images that decoded (naturalWidth > 0): data-images-ok="N/M".
_IMAGE_CHECK = """<script>
window.addEventListener("load", function () {
  var images = document.images, ok = 0;
  for (var i = 0; i < images.length; i++) {
    if (images[i].complete && images[i].naturalWidth > 0) { ok++; }
  }
  document.body.dataset.imagesOk = ok + "/" + images.length;
});
</script>"""

_STYLE = """<style>
body { font-family: system-ui, sans-serif; max-width: 1300px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { border-bottom: 2px solid #3b75af; padding-bottom: .2em; }
h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
figure { margin: 1em 0; display: inline-block; vertical-align: top; max-width: 100%; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: .9em; color: #444; max-width: 640px; }
.row { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; }
.row figure { flex: 1 1 420px; max-width: 640px; }
table { border-collapse: collapse; font-size: .88em; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; }
th { background: #eef3f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #555; font-size: .92em; }
</style>"""


_NUM = ' class="num"'


class Progress:
    """Numbered progress lines on a stream: ``[3/9] conv maps ...``.

    Parameters
    ----------
    total : int
        Number of steps announced.
    stream : text stream, "stderr" or None, default "stderr"
        "stderr" is ``sys.stderr`` at the time of each line; None writes nothing.
    """

    def __init__(self, total: int, stream: TextIO | str | None = "stderr") -> None:
        self.total = total
        self.done = 0
        self.stream = stream

    def __call__(self, message: str) -> None:
        check_stop()  # a step is a safe point to honour SIGTERM
        self.done += 1
        stream = sys.stderr if isinstance(self.stream, str) else self.stream
        if stream is not None:
            print(f"[{self.done}/{self.total}] {message}", file=stream, flush=True)


class Page:
    """An HTML page under construction, written with its figures into ``directory``.

    Parameters
    ----------
    directory : path-like
        Existing directory receiving ``index.html`` and the PNG files.
    title : str
        Page title and top heading (escaped).
    dpi : int, default 100
        Resolution of the saved figures.
    """

    def __init__(self, directory: str | os.PathLike[str], title: str, *, dpi: int = 100):
        self.directory = Path(directory)
        self.title = title
        self.dpi = dpi
        self.files: list[str] = []
        self._parts: list[str] = [f"<h1>{html.escape(title)}</h1>"]
        self._row: list[str] | None = None

    def heading(self, text: str, level: int = 2) -> None:
        """Add a section heading (``<h2>`` by default)."""
        self._parts.append(f"<h{level}>{html.escape(text)}</h{level}>")

    def paragraph(self, text: str, *, note: bool = False) -> None:
        """Add a paragraph of plain text."""
        css = ' class="note"' if note else ""
        self._parts.append(f"<p{css}>{html.escape(text)}</p>")

    def link(self, href: str, text: str) -> None:
        """Add a paragraph holding one link (``href`` relative to the page)."""
        self._parts.append(
            f'<p><a href="{html.escape(href, quote=True)}">{html.escape(text)}</a></p>'
        )

    def table(self, records: Sequence[dict[str, Any]], *, numeric: Sequence[str] = ()) -> None:
        """Add a table: one row per record, columns from the first record's keys."""
        self._parts.append(table_html(records, numeric=numeric))

    @contextmanager
    def row(self) -> Iterator[None]:
        """Figures added inside ``with page.row():`` are laid out side by side."""
        self._row = []
        try:
            yield
        finally:
            items, self._row = self._row, None
            self._parts.append(f'<div class="row">{"".join(items)}</div>')

    def figure(self, fig: Any, name: str, caption: str) -> str:
        """Save a matplotlib figure as ``name.png`` and show it with a caption."""
        filename = self._filename(name)
        wrap_titles(fig)
        fig.savefig(self.directory / filename, dpi=self.dpi)
        fig.clear()
        return self._add_image(filename, caption)

    def image(self, array: NDArray, name: str, caption: str, *, scale: int = 1) -> str:
        """Save a uint8 (H, W, 1|3) or (H, W) array as ``name.png`` (``scale``x nearest)."""
        from PIL import Image

        pixels = np.asarray(array, dtype=np.uint8)
        if pixels.ndim == 3 and pixels.shape[-1] == 1:
            pixels = pixels[..., 0]
        if scale > 1:
            pixels = np.repeat(np.repeat(pixels, scale, axis=0), scale, axis=1)
        filename = self._filename(name)
        Image.fromarray(pixels).save(self.directory / filename)
        return self._add_image(filename, caption)

    def _filename(self, name: str) -> str:
        filename, n = f"{name}.png", 1
        while filename in self.files:  # two layer names may give the same file name
            n += 1
            filename = f"{name}-{n}.png"
        self.files.append(filename)
        return filename

    def _add_image(self, filename: str, caption: str) -> str:
        src = html.escape(filename, quote=True)
        alt = html.escape(caption.split(". ")[0], quote=True)
        item = (
            f'<figure><a href="{src}"><img src="{src}" alt="{alt}"></a>'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
        (self._parts if self._row is None else self._row).append(item)
        return filename

    def raw(self, markup: str) -> None:
        """Add trusted markup as it is (only for markup built by this module)."""
        self._parts.append(markup)

    def render(self) -> str:
        """The whole page as an HTML string."""
        body = "\n".join(self._parts)
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<link rel="icon" href="data:,">\n'
            f"<title>{html.escape(self.title)}</title>\n{_STYLE}\n</head>\n"
            f"<body>\n{body}\n{_IMAGE_CHECK}\n</body>\n</html>\n"
        )

    def write(self) -> Path:
        """Write ``index.html`` into the directory and return its path."""
        path = self.directory / "index.html"
        path.write_text(self.render(), encoding="utf-8")
        return path


def table_html(records: Sequence[dict[str, Any]], *, numeric: Sequence[str] = ()) -> str:
    """An escaped HTML table: one row per record, columns from the first record's keys.

    Examples
    --------
    >>> table_html([{"Name": "a<b", "Count": 3}], numeric=["Count"]).split("<tbody>")[1]
    '<tr><td>a&lt;b</td><td class="num">3</td></tr></tbody></table>'
    """
    if not records:
        return '<p class="note">(empty table)</p>'
    columns = list(records[0])
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    rows = []
    for record in records:
        cells = "".join(
            f"<td{_NUM if c in numeric else ''}>{html.escape(str(record[c]))}</td>"
            for c in columns
        )
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def network_table_html(table: Any) -> str:
    """The rows of an :class:`~activations.NetworkTable` as an escaped HTML table."""
    return table_html(table.records(), numeric=("#", "Count"))


# Largest figure save_figure renders: 100 megapixels (400 MB of RGBA) and, as
# matplotlib's Agg renderer requires, fewer than 2**16 pixels a side.
MAX_FIGURE_PIXELS = 100_000_000
MAX_FIGURE_SIDE = 2**16 - 1


def save_figure(fig: Any, path: str | os.PathLike[str], *, dpi: int = 100) -> Path:
    """Save a figure through a temporary file, so ``path`` is never half-written.

    Raises
    ------
    ValueError
        If the figure would be larger than :data:`MAX_FIGURE_PIXELS` pixels, or
        :data:`MAX_FIGURE_SIDE` on a side, at ``dpi``.
    """
    width, height = (float(v) * dpi for v in fig.get_size_inches())
    if width * height > MAX_FIGURE_PIXELS or max(width, height) > MAX_FIGURE_SIDE:
        raise ValueError(
            f"The figure would be {width:.0f}x{height:.0f} pixels at dpi={dpi}; the limit is "
            f"{MAX_FIGURE_PIXELS:,} pixels and {MAX_FIGURE_SIDE:,} a side. Expected a smaller "
            f"dpi (at most {_max_dpi(fig):,} for this figure). Received: dpi={dpi}"
        )
    out = Path(path)
    temp = out.with_name(f".{out.stem}.tmp-{secrets.token_hex(4)}{out.suffix}")
    wrap_titles(fig)
    try:
        fig.savefig(temp, dpi=dpi)
        check_stop()  # nothing appears once a stop was requested
        os.replace(temp, out)
    finally:
        temp.unlink(missing_ok=True)
    return out


def wrap_titles(fig: Any) -> None:
    """Break every title of ``fig`` that is wider than its room into lines, in place.

    Axes titles, suptitles and other figure texts (of subfigures too) are
    measured once the figure is laid out; one that sticks out of its figure is
    wrapped at spaces with explicit line breaks, so that a constrained layout
    makes room for the lines. A long file name in a title stays whole.
    """
    from matplotlib.axes import Axes
    from matplotlib.figure import FigureBase

    texts = [ax.title for ax in fig.findobj(Axes)]
    texts += [text for figure in fig.findobj(FigureBase) for text in figure.texts]
    texts = [text for text in texts if text.get_visible() and " " in text.get_text()]
    if not any(_may_stick_out(text) for text in texts):
        return  # a layout pass costs as much as drawing: only when a title may not fit
    fig.draw_without_rendering()
    for text in texts:
        box, room = text.get_window_extent(), text.get_figure(root=False).bbox
        centre = (box.x0 + box.x1) / 2
        width = 2 * min(centre - room.x0, room.x1 - centre) - 8  # a few pixels from the edge
        if box.width <= width or width <= 0:
            continue
        lines = text.get_text().split("\n")
        chars = max(10, int(max(map(len, lines)) * width / box.width))
        text.set_text("\n".join(textwrap.fill(line, chars) for line in lines))


def _may_stick_out(text: Any) -> bool:
    """Whether ``text`` is nearly as wide as its figure (measured without a layout pass).

    A text's width does not depend on where the layout puts it; one under 90% of its
    figure's width fits wherever the layout centres it.
    """
    figure = text.get_figure(root=False)
    if figure is None:
        return False
    return text.get_window_extent().width > 0.9 * figure.bbox.width  # the figure's renderer


def _max_dpi(fig: Any) -> int:
    width, height = (float(v) for v in fig.get_size_inches())
    return max(1, int(min((MAX_FIGURE_PIXELS / (width * height)) ** 0.5,
                          MAX_FIGURE_SIDE / max(width, height))))  # fmt: skip


@contextmanager
def staged_directory(path: str | os.PathLike[str], *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary directory whose files land in ``path`` only on success.

    With ``force`` an existing directory keeps its other files; files of the
    same name are replaced. On an exception nothing is left behind.
    """
    out = check_output_dir(path, force=force)
    temp = out.absolute().parent / f".{out.name}.tmp-{secrets.token_hex(4)}"
    temp.mkdir()
    try:
        yield temp
        check_stop()  # a SIGTERM whose exception was lost: publish nothing
        if not out.exists() or not any(out.iterdir()):
            out.mkdir(exist_ok=True)
            os.replace(temp, out)
        else:
            _merge(temp, out)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _merge(source: Path, target: Path) -> None:
    for item in sorted(source.rglob("*")):
        dest = target / item.relative_to(source)
        if item.is_dir():
            dest.mkdir(exist_ok=True)
        else:
            os.replace(item, dest)
