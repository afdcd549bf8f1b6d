"""How a :class:`TopImages` shows itself: a short repr, an HTML table, thumbnails."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from activations._arrays.display import (
    HTML_ROWS,
    REPR_ROWS,
    Raw,
    html_result,
    more,
    numbers,
    shorten,
    thumbnail,
)

if TYPE_CHECKING:
    from activations._probes.top import TopImages

__all__ = ["THUMBNAIL_CHANNELS", "top_html", "top_repr"]

THUMBNAIL_CHANNELS = 4  # channels whose top images get thumbnails


def _facts(top: TopImages, name: str) -> list[str]:
    facts = [f"layer {name!r}", f"{top.channels.size:,} channels x k={top.k}"]
    facts += [f"of {top.n_images:,} images", f"by {top.by}"]
    if top.map_shape:
        facts.append("map " + "x".join(str(n) for n in top.map_shape))
    dead = int((~top.live).sum())
    return facts + ([f"{dead:,} dead"] if dead else [])


def top_repr(top: TopImages) -> str:
    """Class, shapes, and the first channels' top images and values."""
    lines = [f"TopImages({', '.join(_facts(top, shorten(top.layer)))})"]
    for row in range(min(REPR_ROWS, top.channels.size)):
        indices = numbers(top.indices[row], fmt="int")
        lines.append(
            f"  channel {int(top.channels[row])}: images {indices}, "
            f"{top.by} {numbers(top.values[row])}"
        )
    tail = more(top.channels.size, len(lines) - 1, "channels")
    return "\n".join(lines + ([f"  {tail}"] if tail else []))


def _check_images(top: TopImages, images: Any) -> None:
    """Refuse images that are not the scanned ones: too few, or of another size."""
    if not (hasattr(images, "__len__") and hasattr(images, "__getitem__")):
        raise TypeError(
            "Expected `images` to be an array (N, H, W[, C]) or a sequence of images, "
            "indexable by `top.indices` (a stream of batches cannot be). "
            f"Received: images of type {type(images).__name__}"
        )
    needed = int(top.indices.max()) + 1 if top.indices.size else 0
    if len(images) < needed:
        raise ValueError(
            f"Expected `images` to be the {top.n_images} images top_images() scanned. "
            f"Received: {len(images)} images (the top images go up to index {needed - 1})"
        )
    shape = np.shape(images[int(top.indices.flat[0])]) if needed else ()
    if top.image_shape is not None and tuple(shape[:2]) != tuple(top.image_shape[:2]):
        raise ValueError(
            f"Expected `images` of size {top.image_shape[0]}x{top.image_shape[1]}, as "
            f"scanned (peaks and patches are in their pixels). Received: images of shape {shape}"
        )


def _patch(top: TopImages, image: NDArray[Any], row: int, j: int) -> NDArray[Any]:
    """The receptive-field patch around the peak (the whole image without one)."""
    if top.field is None or top.positions is None or top.positions.shape[-1] != 2:
        return image
    r, c = (int(v) for v in top.positions[row, j])
    x0, y0, x1, y1 = top.field.patch(r, c, image.shape[:2])
    return image[y0:y1, x0:x1] if x1 > x0 and y1 > y0 else image


def _thumbnails(top: TopImages, images: Any, rows: int) -> list[Raw]:
    """Per shown channel, its top images' patches as ``<img>`` tags on one grey scale."""
    patches = [
        [_patch(top, np.asarray(images[int(i)]), row, j) for j, i in enumerate(top.indices[row])]
        for row in range(rows)
    ]
    flat = [np.asarray(p, np.float64) for ps in patches for p in ps]
    if all(np.asarray(p).dtype == np.uint8 for ps in patches for p in ps):
        low, high = 0.0, 255.0
    else:
        low = min(float(np.nanmin(p)) for p in flat)
        high = max(float(np.nanmax(p)) for p in flat)
    scale = 255.0 / (high - low) if high > low else 0.0

    def to_uint8(p: NDArray[Any]) -> NDArray[np.uint8]:
        values = np.nan_to_num(np.asarray(p, np.float64), nan=low)
        return np.clip(np.round((values - low) * scale), 0, 255).astype(np.uint8)

    return [
        Raw(
            "".join(
                thumbnail(to_uint8(p), f"image {int(i)}: {v:.4g}")
                for p, i, v in zip(ps, top.indices[row], top.values[row])
            )
        )
        for row, ps in enumerate(patches)
    ]


def top_html(top: TopImages, images: Any = None) -> Raw:
    """The table of the first channels, with their top patches when ``images`` are given."""
    shown = min(HTML_ROWS, top.channels.size)
    rows: list[list[Any]] = []
    for row in range(shown):
        best = "" if top.positions is None else str(tuple(int(v) for v in top.positions[row, 0]))
        cells = [int(top.channels[row]), numbers(top.indices[row], 9, "int")]
        rows.append(cells + [numbers(top.values[row], 9), best])
    columns = ["channel", "top images (index)", top.by, "peak of the best (row, col)"]
    note = ""
    if images is not None and shown:
        _check_images(top, images)
        n = min(THUMBNAIL_CHANNELS, shown)
        for cells, thumbs in zip(rows, _thumbnails(top, images, n)):
            cells.append(thumbs)
        for cells in rows[n:]:
            cells.append("")
        columns.append("patches" if top.field is not None else "images")
        note = f"thumbnails for the first {n} channels" if shown > n else ""
    facts = _facts(top, top.layer)
    return Raw(
        html_result(
            "TopImages", facts, columns, rows, total=top.channels.size, noun="channels", note=note
        )  # fmt: skip
    )
