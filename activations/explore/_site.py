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

from activations._arrays.checks import check_output_dir
from activations._probes.network import analyze_network, shape_text
from activations.explore._classes import ClassData, class_data, score_layer
from activations.explore._data import LayerData, default_layers, layer_data
from activations.explore._embedding import (
    DEFAULT_EMBEDDED,
    Embedding,
    default_embedding_layer,
    embedding_data,
)
from activations.explore._pictures import kernel_rows, montage, save_png, thumbnails
from activations.report._model import check_layer
from activations.report._page import staged_directory

__all__ = ["AUTO_DREAMS", "AUTO_DREAM_PIXELS", "HISTOGRAM_BINS", "js_literal", "write_explorer"]

#: Channels dreamed per layer by default, for images of at most AUTO_DREAM_PIXELS pixels.
AUTO_DREAMS = 64
AUTO_DREAM_PIXELS = 64 * 64

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
    labels: Sequence[int] | NDArray | None = None,
    class_names: Sequence[str] | None = None,
    embedded: int = DEFAULT_EMBEDDED,
    embedding_layer: str | None = None,
    dreams: int | None = None,
    force: bool = False,
) -> Path:
    """Write the explorer of ``model`` over ``images`` into ``directory``.

    Views (linked by the URL's hash): the network table (``#``), a layer's
    channels on one of the first ``shown`` images (``#layer=NAME&img=I``),
    sortable by strength, dead channels marked, and a channel
    (``#layer=NAME&ch=C``): its top images over the set (receptive field and
    peak marked), its map laid over the images shown, before and after a
    fused activation, its dream, its kernel (2-D convolutions) and a histogram
    of its per-image maxima; left/right arrow keys move between channels. If
    the model's last layer gives one score per class: the classes
    (``#view=classes&c=K``: most and least confident images of each class,
    the misclassified ones and a confusion matrix, with ``labels``) and an
    embedding of the first ``embedded`` images (``#view=embedding``, t-SNE;
    pointing at a point shows its image).

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
    labels : sequence of int, optional
        The true class of each image (the classes view's confusion matrix
        and misclassified images need them).
    class_names : sequence of str, optional
        A name per class of the model's last layer.
    embedded : int, default 1000
        Embed the first ``embedded`` images (0: no embedding view).
    embedding_layer : str, optional
        The layer embedded (default: the one before the last 1-D layer).
    dreams : int, optional
        Dream the first ``dreams`` channels of each layer (0: none). By
        default :data:`AUTO_DREAMS` channels for images of at most
        :data:`AUTO_DREAM_PIXELS` pixels, else none: a dream of a 227x227
        SqueezeNet channel takes about a second on two cores.
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
    scores = score_layer(table)
    if embedding_layer is not None:
        check_layer(model, "embedding_layer", embedding_layer)
    embedding_layer = embedding_layer or default_embedding_layer(table)
    if dreams is None:
        dreams = AUTO_DREAMS if images.shape[1] * images.shape[2] <= AUTO_DREAM_PIXELS else 0
    found = layer_data(model, x, chosen, k=k, shown=shown, dreams=dreams)
    classes = None
    if scores is not None:
        classes = class_data(model, x, scores, labels=labels, names=class_names)
    embedding = None
    if embedding_layer is not None and min(embedded, len(x)) >= 2:
        embedding = embedding_data(model, x[: min(embedded, len(x))], embedding_layer)
    with staged_directory(directory, force=force) as temp:
        data = _site_data(table, found, images, names, images_name)
        data["shown"] = shown
        drawn = _write_layers(temp, found, data["layers"])
        data["classes"] = _classes_entry(classes, k, drawn)
        data["embedding"] = _embedding_entry(temp, embedding, images, classes)
        for i in sorted(drawn | set(range(shown))):
            save_png(images[i], temp / "images" / f"{i}.png")
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
    return {
        "name": layer.name,
        "type": row.type if row else "",
        "shape": shape_text(row.output_shape) if row else "",
        "activation": row.activation if row else "",
        "image_max": [[float(v) for v in m] for m in layer.image_max],
        "dead": [bool(v) for v in layer.dead],
        "hist": [_histogram(per_image[:, c]) for c in range(per_image.shape[1])],
        "top": [_tops(layer, r) for r in range(len(layer.top.channels))],
    }


def _histogram(values: NDArray[np.float32]) -> dict[str, list]:
    values = values.astype(np.float64)  # bins of maxima a few float32 ulps apart
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


def _write_layers(root: Path, found: list[LayerData], entries: list[dict]) -> set[int]:
    """Write each layer's pictures, adding their paths to its entry; the images its tops show.

    Montages are ``imtile(mat2gray(act))`` without borders, one per image
    shown (and before the fused activation: ``pre``); the page cuts tiles out.
    """
    drawn: set[int] = set()
    for i, (layer, entry) in enumerate(zip(found, entries)):
        entry["grid"] = entry["montages"] = entry["pre"] = entry["dream"] = entry["kernel"] = None
        if layer.gray is not None:
            entry["montages"] = [f"layers/{i}/{s}.png" for s in range(len(layer.gray))]
            for gray, path in zip(layer.gray, entry["montages"]):
                entry["grid"] = montage(np.moveaxis(gray, -1, 0), root / path)
        if layer.pre_gray is not None:
            entry["pre"] = [f"layers/{i}/pre{s}.png" for s in range(len(layer.pre_gray))]
            for gray, path in zip(layer.pre_gray, entry["pre"]):
                montage(np.moveaxis(gray, -1, 0), root / path)
        if layer.dream is not None:
            path = f"layers/{i}/dream.png"
            entry["dream"] = {"src": path, "n": len(layer.dream)}
            entry["dream"]["grid"] = montage(layer.dream, root / path)
        if layer.kernel is not None:
            path = f"layers/{i}/kernel.png"
            entry["kernel"] = {"src": path, **kernel_rows(layer.kernel, root / path)}
        drawn.update(int(j) for j in layer.top.indices.ravel())
    return drawn


def _classes_entry(classes: ClassData | None, k: int, drawn: set[int]) -> dict[str, Any] | None:
    """The classes view's data; adds the images it shows to ``drawn``."""
    if classes is None:
        return None
    ranked = [classes.ranked(c, k) for c in range(len(classes.names))]
    for lists in ranked:
        for indices in lists.values():
            drawn.update(indices)
    confusion = classes.confusion()
    counts = np.bincount(classes.predicted, minlength=len(classes.names))
    return {
        "layer": classes.layer,
        "names": classes.names,
        "labelled": classes.labels is not None,
        "ranked": ranked,
        "scores": {str(i): [float(v) for v in classes.scores[i]] for i in sorted(drawn)},
        "predicted_counts": [int(n) for n in counts],
        "confusion": None if confusion is None else confusion.tolist(),
        "accuracy": None
        if classes.labels is None
        else float(np.mean(classes.labels == classes.predicted)),
    }


def _embedding_entry(
    root: Path, embedding: Embedding | None, images: NDArray, classes: ClassData | None
) -> dict[str, Any] | None:
    """The embedding view's data and its sprite of thumbnails."""
    if embedding is None:
        return None
    n = len(embedding.points)
    colour = None
    if classes is not None:
        source = classes.labels if classes.labels is not None else classes.predicted
        colour = [int(c) for c in source[:n]]
    sprite = thumbnails(images[:n], root / "embedding.png")
    lo, hi = embedding.points.min(axis=0), embedding.points.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1)
    unit = (embedding.points - lo) / span  # 0..1 on both axes
    return {
        "layer": embedding.layer,
        "method": embedding.method,
        "points": [[round(float(a), 4), round(float(b), 4)] for a, b in unit],
        "colour": colour,
        "colour_by": None
        if classes is None
        else ("true class" if classes.labels is not None else "predicted class"),
        "sprite": {"src": "embedding.png", **sprite},
    }
