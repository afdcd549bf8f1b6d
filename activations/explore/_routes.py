"""The server's ``/api/*`` requests: their parameters checked, then the model run.

``GET /api/layer?img=ID&layer=NAME[&pre=1]``, ``/api/strongest?img=ID&n=4`` (every
explored layer), ``/api/neighbours?img=ID&layer=NAME&pool=N&k=5`` (among the
set's first N images), ``/api/explain?img=ID&method=gradcam``,
``/api/probe?a=ID&b=ID&layer=NAME&box=X0,Y0,X1,Y1&k=3`` and ``/api/image?img=ID``
(the image as the model sees it, a PNG). ``ID`` is ``s<i>`` (image i of the
set) or an upload's id. Names are only keys: of layers, of images, of methods.
An upload's header is checked (:func:`check_pixels`) before it is decoded.
"""

from __future__ import annotations

import io
import re
import warnings
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

__all__ = ["TYPES", "HttpError", "check_pixels", "handle_api", "image_png"]

#: The content type of each kind of file the server sends.
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".json": "application/json",
}
#: The most channels a probe ranks.
MAX_K = 64


class HttpError(Exception):
    """A request refused with ``status`` and a message the page shows."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def check_pixels(data: bytes, max_pixels: int) -> None:
    """Refuse an upload that is no image, or whose header claims more than ``max_pixels``.

    Only the header is read (Pillow decodes nothing on ``open``): a
    decompression bomb is refused before it is unpacked.
    """
    size = ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as file:
                width, height = file.size
        pixels, size = width * height, f" ({width}x{height})"
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        claimed = re.search(r"\((\d+) pixels\)", str(error))  # Pillow: "Image size (N pixels)"
        pixels = int(claimed[1]) if claimed else max_pixels + 1
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise HttpError(400, "The upload is not an image Pillow can read. Expected a PNG, "
                             "JPEG, TIFF, ... file") from None  # fmt: skip
    if pixels > max_pixels:
        raise HttpError(
            413,
            f"The upload's header claims {pixels:,} pixels{size}, more than the "
            f"{max_pixels:,} this server decodes (a decompression bomb?). Expected a smaller "
            "image",
        )


def _one(query: dict[str, list[str]], key: str, default: str | None = None) -> str:
    """The query's only value of ``key`` (or ``default``), else a clear 400."""
    values = query.get(key)
    if values is None and default is not None:
        return default
    if values is None or len(values) != 1:
        raise HttpError(400, f"Expected one query parameter `{key}`. Received: "
                             f"{key}={values!r}")  # fmt: skip
    return values[0]


def _ints(text: str, key: str, count: int | None = None) -> list[int]:
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        values = []
    if not values or (count is not None and len(values) != count):
        what = f"{count} comma-separated integers" if count and count > 1 else "an integer"
        raise HttpError(400, f"Expected `{key}` to be {what}. Received: {key}='{text}'")
    return values


def image_png(server: Any, query: dict[str, list[str]]) -> bytes:
    """The image ``img`` as the model sees it (fitted, before scaling), as PNG bytes."""
    _, pixels = server.image(_one(query, "img"))
    array = pixels[..., 0] if pixels.shape[-1] == 1 else pixels
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def handle_api(server: Any, path: str, query: dict[str, list[str]]) -> dict[str, Any]:
    """Answer ``GET path?query`` with a dict for JSON; unknown paths are a 404."""
    live = server.live
    if path == "/api/layer":
        name, pixels = server.image(_one(query, "img"))
        pre = _one(query, "pre", "0")
        if pre not in ("0", "1"):
            raise HttpError(400, f"Expected `pre` to be 0 or 1. Received: pre='{pre}'")
        return {"image": name, **live.layer(pixels, _one(query, "layer"), pre=pre == "1")}
    if path == "/api/strongest":
        name, pixels = server.image(_one(query, "img"))
        n = _ints(_one(query, "n", "4"), "n", 1)[0]
        return {"image": name, **live.strongest(pixels, server.explored, n)}
    if path == "/api/neighbours":
        name, pixels = server.image(_one(query, "img"))
        pool = _ints(_one(query, "pool"), "pool", 1)[0]
        if not 1 <= pool <= len(server.images):
            raise HttpError(400, f"Expected `pool` in 1..{len(server.images)} (the set's first "
                                 f"images). Received: pool={pool}")  # fmt: skip
        k = _ints(_one(query, "k", "5"), "k", 1)[0]
        found = live.neighbours(pixels, _one(query, "layer"), server.images[:pool], min(k, pool))
        return {"image": name, **found}
    if path == "/api/explain":
        name, pixels = server.image(_one(query, "img"))
        return {"image": name, **live.explain(pixels, _one(query, "method"))}
    if path == "/api/probe":
        name_a, a = server.image(_one(query, "a"))
        name_b, b = server.image(_one(query, "b"))
        box_text = _one(query, "box", "")
        box = _ints(box_text, "box", 4) if box_text else None
        k = _ints(_one(query, "k", "3"), "k", 1)[0]
        if not 1 <= k <= MAX_K:
            raise HttpError(400, f"Expected `k` in 1..{MAX_K}. Received: k={k}")
        result = live.probe(a, b, _one(query, "layer"), box, k=k, captions=(name_a, name_b))
        return {"a": name_a, "b": name_b, **result}
    raise HttpError(404, f"Not found: '{path}'. Expected /api/layer, /api/strongest, "
                         "/api/neighbours, /api/explain, /api/probe or /api/image")  # fmt: skip
