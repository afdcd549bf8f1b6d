r"""Write the explorer: a static site that opens from ``file://`` (no server, no build step).

``index.html`` loads three classic scripts and a style sheet: ``data.js``
(``window.EXPLORER = {...}``, every name escaped as JSON whose ``<``, ``>`` and
``&`` are ``\u003c``-style escapes), ``explorer.js`` (the views, drawn as text
nodes) and ``explorer.css``. PNG files hold the pixels: each channel's map on
the image shown, the layer's montage and the top images. File names are
indices, never names from the model or the data.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from activations._arrays.checks import check_output_dir
from activations._arrays.tile import grid_shape, imtile
from activations._probes.network import analyze_network, shape_text
from activations.explore._data import LayerData, default_layers, layer_data
from activations.report._model import check_layer
from activations.report._page import staged_directory

__all__ = ["HISTOGRAM_BINS", "js_literal", "write_explorer"]

#: Bins of a channel's histogram of per-image maxima.
HISTOGRAM_BINS = 20
_ASSETS = ("explorer.js", "explorer.css")


def js_literal(value: Any) -> str:
    r"""``value`` as JSON safe inside ``<script>``: ``<``, ``>``, ``&`` (and U+2028/9) escaped.

    Examples
    --------
    >>> js_literal({"name": "</script>"})
    '{"name": "\\u003c/script\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def write_explorer(
    model: Any,
    images: NDArray[np.uint8],
    directory: str | os.PathLike[str],
    *,
    scale: float = 255.0,
    layers: Sequence[str] | None = None,
    k: int = 9,
    names: Sequence[str] | None = None,
    images_name: str = "images",
    shown: int = 4,
    force: bool = False,
) -> Path:
    """Write the explorer of ``model`` over ``images`` into ``directory``.

    Views (linked by the URL's hash): the network table (``#``), a layer's
    channels on one of the first ``shown`` images (``#layer=NAME&img=I``),
    sortable by strength, dead channels marked, and a channel's top images
    over the set with a histogram of its per-image maxima
    (``#layer=NAME&ch=C``); left/right arrow keys move between channels.

    Parameters
    ----------
    model : keras.Model
    images : ndarray of shape (N, H, W, C), uint8
        The images as drawn; the model gets ``images / scale``.
    directory : path-like
        Output directory: refused if not empty, unless ``force``.
    scale : float, default 255.0
    layers : sequence of str, optional
        Layers to explore (default: every conv and dense layer).
    k : int, default 9
        Top images per channel.
    names : sequence of str, optional
        A name per image (default: ``#i``).
    images_name : str, default "images"
        What the set is, as the pages say it.
    shown : int, default 4
        How many images (the first ones) the layer view offers.
    force : bool, default False
        Write into a non-empty directory, replacing files of the same name.

    Returns
    -------
    Path
        The path of ``index.html``.

    Raises
    ------
    ValueError
        If ``images`` is not (N, H, W, C) uint8 with N >= 1, ``names`` has
        another length, a layer of ``layers`` is not in the model, or
        ``directory`` is not empty (without ``force``).
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.dtype != np.uint8 or len(images) == 0:
        raise ValueError(
            "Expected `images` of shape (N, H, W, C), uint8, N >= 1. "
            f"Received: images.shape={images.shape}, dtype={images.dtype}"
        )
    names = [f"#{i}" for i in range(len(images))] if names is None else list(names)
    if len(names) != len(images):
        raise ValueError(f"Expected a name per image. Received: len(names)={len(names)}")
    table = analyze_network(model)
    chosen = default_layers(table) if layers is None else list(layers)
    check_output_dir(directory, force=force)  # refused before any forward pass
    for name in chosen:
        check_layer(model, "layers", name)
    x = np.asarray(images, dtype=np.float32) / np.float32(scale)
    if not isinstance(shown, int) or shown < 1:
        raise ValueError(f"Expected `shown` to be an int >= 1. Received: shown={shown!r}")
    shown = min(shown, len(images))
    found = layer_data(model, x, chosen, k=k, shown=shown)
    with staged_directory(directory, force=force) as temp:
        data = _site_data(table, found, images, names, images_name)
        data["shown"] = shown
        _write_pngs(temp, found, images, data["layers"])
        (temp / "data.js").write_text(f"window.EXPLORER = {js_literal(data)};\n", "utf-8")
        for asset in _ASSETS:
            text = resources.files(__package__).joinpath(asset).read_text("utf-8")
            (temp / asset).write_text(text, "utf-8")
        (temp / "index.html").write_text(_index_html(table.model_name), "utf-8")
    return Path(directory) / "index.html"


def _index_html(model_name: str, scripts: Sequence[str] = ()) -> str:
    """The page: the style sheet, ``data.js``, ``explorer.js``, then ``scripts`` (URLs)."""
    title = html.escape(f"Explorer of {model_name}")
    more = "".join(f'<script src="{html.escape(src)}"></script>\n' for src in scripts)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<link rel="icon" href="data:,">\n<title>{title}</title>\n'
        '<link rel="stylesheet" href="explorer.css">\n</head>\n<body>\n'
        '<main id="app"><noscript>The explorer needs JavaScript.</noscript></main>\n'
        '<script src="data.js"></script>\n<script src="explorer.js"></script>\n'
        f"{more}</body>\n</html>\n"
    )


def _site_data(
    table: Any, found: list[LayerData], images: NDArray, names: list[str], images_name: str
) -> dict[str, Any]:
    records = table.records()
    return {
        "model": table.model_name,
        "images": images_name,
        "n_images": len(images),
        "names": names,
        "height": int(images.shape[1]),
        "width": int(images.shape[2]),
        "network": {
            "columns": list(records[0]) if records else [],
            "rows": [[str(v) for v in r.values()] for r in records],
        },
        "layers": [_layer_entry(i, layer, table) for i, layer in enumerate(found)],
    }


def _layer_entry(i: int, layer: LayerData, table: Any) -> dict[str, Any]:
    row = next((r for r in table.rows if r.name == layer.name), None)
    per_image = layer.stats.per_image_max
    montages = None
    if layer.gray is not None:
        montages = [f"layers/{i}/{s}.png" for s in range(len(layer.gray))]
    return {
        "name": layer.name,
        "type": row.type if row else "",
        "shape": shape_text(row.output_shape) if row else "",
        "grid": None if layer.gray is None else list(_grid(layer.gray)),
        "montages": montages,
        "image_max": [[float(v) for v in m] for m in layer.image_max],
        "dead": [bool(v) for v in layer.dead],
        "hist": [_histogram(per_image[:, c]) for c in range(per_image.shape[1])],
        "top": [_tops(layer, r) for r in range(len(layer.top.channels))],
    }


def _histogram(values: NDArray[np.float32]) -> dict[str, list]:
    lo, hi = float(values.min()), float(values.max())
    bins = HISTOGRAM_BINS if hi > lo else 1
    counts, edges = np.histogram(values, bins=bins, range=(lo, hi if hi > lo else lo + 1))
    return {"counts": [int(n) for n in counts], "edges": [float(e) for e in edges]}


def _tops(layer: LayerData, r: int) -> list[dict[str, Any]]:
    top = layer.top
    items = []
    for j, (index, value) in enumerate(zip(top.indices[r], top.values[r])):
        item: dict[str, Any] = {"i": int(index), "v": float(value), "box": None}
        if top.field is not None and top.positions is not None and top.positions.shape[-1] == 2:
            row, col = (int(v) for v in top.positions[r, j])
            x0, y0, x1, y1 = top.field.patch(row, col)  # unclipped: the peak is its centre
            item["peak"] = [(x0 + x1 - 1) / 2, (y0 + y1 - 1) / 2]
            shape = top.image_shape or (0, 0)
            clipped = top.field.patch(row, col, (int(shape[0]), int(shape[1])))
            item["box"] = [int(v) for v in clipped]
        items.append(item)
    return items


def _save_png(pixels: NDArray, path: Path) -> None:
    array = np.asarray(pixels)
    if array.dtype != np.uint8:
        array = np.round(np.clip(array, 0, 1) * 255).astype(np.uint8)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def _grid(gray: NDArray) -> tuple[int, int]:
    """(rows, cols) of a layer's montages: MATLAB's roughly square picture."""
    return grid_shape(gray.shape[-1], gray.shape[1:3])


def _write_pngs(root: Path, found: list[LayerData], images: NDArray, entries: list) -> None:
    """Write each layer's montages and every image the pages show.

    A montage is ``imtile(mat2gray(act))`` without borders: the page cuts its tiles out.
    """
    drawn: set[int] = set()
    for layer, entry in zip(found, entries):
        if layer.gray is not None:
            for gray, path in zip(layer.gray, entry["montages"]):
                montage = imtile(np.moveaxis(gray, -1, 0), grid_size=entry["grid"])
                _save_png(montage, root / path)
            drawn.update(range(len(layer.gray)))
        drawn.update(int(i) for i in layer.top.indices.ravel())
    drawn.update(range(len(found[0].image_max)) if found else [0])  # the images shown
    for i in sorted(drawn):
        _save_png(images[i], root / "images" / f"{i}.png")
