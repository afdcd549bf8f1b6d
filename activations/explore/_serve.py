"""``activations serve``: the explorer's site and what cannot be precomputed, over HTTP.

The standard library's threaded HTTP server: the site is written once with
:func:`write_explorer` and kept in memory, so a request's path is only ever a
key of that fixed set of files, never a path read from disk. ``live.js`` adds
the live views; ``/api/*`` runs the model (:class:`LiveModel`) on uploads.

Safety: bound to 127.0.0.1 by default, where only requests naming the server
by a loopback ``Host`` are answered (DNS rebinding); bound elsewhere, every
request needs the random token (``?token=`` once, then a cookie). Uploads are
bounded in bytes and in pixels (the header is read before any pixel is
decoded); an upload needs the ``X-Activations`` header, which no other site
can send without this server's consent. Errors are JSON ``{"error": ...}``.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import shutil
import socket
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from http.server import ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from activations.explore._data import default_layers
from activations.explore._http import Handler
from activations.explore._live import LiveModel
from activations.explore._routes import TYPES, HttpError, check_pixels
from activations.explore._site import _index_html, js_literal, write_explorer

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "ExplorerServer",
    "is_loopback",
    "make_server",
]

logger = logging.getLogger(__name__)

#: The largest upload accepted, in bytes, and in pixels as its header claims them.
DEFAULT_MAX_BYTES = 8_000_000
DEFAULT_MAX_PIXELS = 4096 * 4096
#: Uploads kept (the oldest forgotten first), and the most bytes of pixels they may hold.
MAX_UPLOADS = 64
MAX_UPLOAD_STORE = 256_000_000


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or address) is this machine only: ``localhost``, 127.x, ::1."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ExplorerServer(ThreadingHTTPServer):
    """The explorer of one model over one image set, served with the live views.

    Made by :func:`make_server`; ``url`` is what to open (with the token, if
    any); ``serve_forever()`` serves, ``start()`` does it in a thread and
    ``close()`` stops and frees it.
    """

    daemon_threads = True

    def __init__(self, address: tuple[str, int], live: LiveModel, site: dict[str, bytes],
                 images: NDArray[np.uint8], names: list[str], *, decode: Callable,
                 token: str | None, max_bytes: int, max_pixels: int,
                 explored: Sequence[str] = ()):  # fmt: skip
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)
        self.live, self.site, self.images, self.names = live, site, images, names
        self.decode, self.token = decode, token
        self.max_bytes, self.max_pixels = max_bytes, max_pixels
        self.explored = list(explored)  # the layers the site explores (the network's thumbnails)
        self.uploads: OrderedDict[str, tuple[str, NDArray[np.uint8]]] = OrderedDict()
        self._count = 0
        self._uploads_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The page's URL, with ``?token=...`` when the server needs one."""
        host, port = str(self.server_address[0]), self.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        query = "" if self.token is None else f"?token={self.token}"
        return f"http://{shown}:{port}/{query}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection the browser dropped is no error of the server's: logged only."""
        logger.debug("Connection from %s ended", client_address, exc_info=True)

    def start(self) -> ExplorerServer:
        """Serve in a daemon thread; returns the server."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving (if a thread serves) and close the socket."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()

    def image(self, key: str) -> tuple[str, NDArray[np.uint8]]:
        """``(name, pixels)`` of ``s<i>`` (image i of the set) or ``u<j>`` (an upload)."""
        if key.startswith("s") and key[1:].isdigit() and int(key[1:]) < len(self.images):
            return self.names[int(key[1:])], self.images[int(key[1:])]
        with self._uploads_lock:
            if key in self.uploads:
                return self.uploads[key]
        raise HttpError(404, f"No image '{key}': expected s0..s{len(self.images) - 1} (the "
                             "set) or an upload's id (the server keeps the last "
                             f"{MAX_UPLOADS}). Received: img='{key}'")  # fmt: skip

    def add_upload(self, data: bytes, name: str) -> dict[str, Any]:
        """Check, decode and keep an upload; its id, name and (fitted) shape."""
        check_pixels(data, self.max_pixels)
        try:
            image = self.decode(data)
        except ValueError as error:
            raise HttpError(400, f"Could not read the upload '{name}': {error}") from None
        with self._uploads_lock:
            self._count += 1
            key = f"u{self._count}"
            self.uploads[key] = (name, image)
            while len(self.uploads) > MAX_UPLOADS or (
                len(self.uploads) > 1
                and sum(p.nbytes for _, p in self.uploads.values()) > MAX_UPLOAD_STORE
            ):
                self.uploads.popitem(last=False)
        height, width, channels = image.shape
        return {"id": key, "name": name, "height": height, "width": width, "channels": channels}


def _site_files(model: Any, images: NDArray[np.uint8], live: LiveModel, live_data: dict,
                **options: Any) -> dict[str, bytes]:  # fmt: skip
    """The site's files by their path in URLs: the explorer's, ``live.js``, ``live-data.js``."""
    root = Path(tempfile.mkdtemp(prefix="activations-serve-"))
    try:
        write_explorer(model, images, root / "site", **options)
        files = {
            p.relative_to(root / "site").as_posix(): p.read_bytes()
            for p in sorted((root / "site").rglob("*"))
            if p.is_file() and p.suffix in TYPES
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for asset in ("live.js", "live.css"):
        files[asset] = resources.files(__package__).joinpath(asset).read_bytes()
    files["live-data.js"] = f"window.EXPLORER_LIVE = {js_literal(live_data)};\n".encode()
    scripts = ["live-data.js", "live.js"]
    files["index.html"] = _index_html(live.table.model_name, scripts).encode()
    return files


def make_server(
    model: Any,
    images: NDArray[np.uint8],
    *,
    decode: Callable[[bytes], NDArray[np.uint8]],
    scale: float = 255.0,
    names: Sequence[str] | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    class_names: Sequence[str] | None = None,
    reduction_layer: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    **explorer: Any,
) -> ExplorerServer:
    """The explorer of ``model`` over ``images`` with its live views, bound (not serving yet).

    Parameters
    ----------
    model : keras.Model
    images : ndarray of shape (N, H, W, C), uint8
        The set, as :func:`write_explorer` takes it; its images are ``s0``, ``s1``, ...
    decode : callable
        ``decode(bytes) -> ndarray (H, W, C) uint8``: an upload as the model sees
        it (read, fitted); raises ValueError for a file it cannot read.
    scale : float, default 255.0
        The model gets ``pixels / scale``.
    names : sequence of str, optional
        A name per image of the set.
    host : str, default "127.0.0.1"
        Bound elsewhere than a loopback address, a random token is required.
    port : int, default 0
        0: a free port.
    class_names, reduction_layer
        As :class:`LiveModel` takes them.
    max_bytes, max_pixels : int
        The largest upload, in bytes and in pixels (claimed by its header).
    **explorer
        Passed to :func:`write_explorer` (``layers``, ``k``, ``images_name``, ``shown``).

    Returns
    -------
    ExplorerServer
    """
    for key, value in (("max_bytes", max_bytes), ("max_pixels", max_pixels)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"Expected `{key}` to be an int >= 1. Received: {key}={value!r}")
    names = [f"#{i}" for i in range(len(images))] if names is None else [str(n) for n in names]
    live = LiveModel(model, scale, class_names=class_names, reduction_layer=reduction_layer)
    live_data = {"layers": live.layers(), "max_bytes": max_bytes, "max_pixels": max_pixels}
    last = live.table.rows[-1].output_shape if live.table.rows else ()
    if class_names is not None and tuple(last) == (len(class_names),):
        explorer.setdefault("class_names", class_names)  # the classes view names them too
    site = _site_files(model, images, live, live_data, scale=scale, names=names, **explorer)
    token = None if is_loopback(host) else secrets.token_urlsafe(24)
    layers = explorer.get("layers")
    explored = default_layers(live.table) if layers is None else list(layers)
    return ExplorerServer((host, port), live, site, np.asarray(images), names, decode=decode,
                          token=token, max_bytes=max_bytes, max_pixels=max_pixels,
                          explored=explored)  # fmt: skip
