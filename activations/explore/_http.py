"""The server's requests: who may ask (loopback ``Host`` or the token), then what is sent.

``GET`` answers the site's own files (a fixed set kept in memory, looked up by
name), ``/api/image`` and the other ``/api/*`` requests (:mod:`._routes`);
``POST /api/upload`` takes an image as the raw body, bounded in bytes. Every
answer is sent with a content security policy that runs only the site's own
scripts; every error is JSON ``{"error": "..."}``.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from activations.explore._routes import TYPES, HttpError, handle_api, image_png

if TYPE_CHECKING:
    from activations.explore._serve import ExplorerServer

__all__ = ["COOKIE", "CSP", "Handler"]

logger = logging.getLogger(__name__)

#: The cookie that carries the token after the first page.
COOKIE = "activations_token"
#: Only the site's own scripts run; images may be data: URLs (the live montages).
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'")  # fmt: skip


class Handler(BaseHTTPRequestHandler):
    server: ExplorerServer
    protocol_version = "HTTP/1.1"
    timeout = 60  # seconds a kept-alive connection may idle before its thread ends
    disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._answer(self._get)

    def do_POST(self) -> None:
        self._answer(self._post)

    def _answer(self, method: Callable[[str, dict[str, list[str]]], None]) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        try:
            self._check_access(query)
            method(url.path, query)
        except HttpError as error:
            self._json({"error": str(error)}, error.status)
        except ValueError as error:  # the library's message: what was expected, received
            self._json({"error": " ".join(str(error).split())}, 400)
        except Exception as error:  # a bug: said, logged, and the server keeps serving
            logger.exception("Internal error answering %s", url.path)
            self._json({"error": f"Internal error of the server: {type(error).__name__}: "
                                 f"{error}"}, 500)  # fmt: skip

    def _check_access(self, query: dict[str, list[str]]) -> None:
        token = self.server.token
        if token is None:
            host = self.headers.get("Host", "")
            port = self.server.server_address[1]
            if host not in {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}:
                raise HttpError(403, "This server answers only requests to 127.0.0.1, "
                                     f"localhost or [::1]. Received: Host '{host}'")  # fmt: skip
            return
        given = query.get("token", [""])[0] or _cookie(self.headers.get("Cookie", ""))
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise HttpError(403, "This server is bound beyond this machine and needs its "
                                 "token: open the URL it printed, with ?token=...")  # fmt: skip

    def _get(self, path: str, query: dict[str, list[str]]) -> None:
        if path in ("/", "/index.html"):
            extra: dict[str, str] = {}
            if self.server.token is not None and query.get("token"):
                extra["Set-Cookie"] = (f"{COOKIE}={self.server.token}; HttpOnly; "
                                       "SameSite=Strict; Path=/")  # fmt: skip
            self._send(self.server.site["index.html"], TYPES[".html"], headers=extra)
        elif path.lstrip("/") in self.server.site:
            name = path.lstrip("/")
            self._send(self.server.site[name], TYPES[Path(name).suffix])
        elif path == "/api/image":
            self._send(image_png(self.server, query), TYPES[".png"])
        elif path.startswith("/api/"):
            self._json(handle_api(self.server, path, query))
        else:
            raise HttpError(404, f"Not found: '{path}'")

    def _post(self, path: str, query: dict[str, list[str]]) -> None:
        if path != "/api/upload":
            raise HttpError(404, f"Not found: POST '{path}'")
        if self.headers.get("X-Activations") != "1":
            raise HttpError(403, "An upload needs the header X-Activations: 1 (the page "
                                 "sends it)")  # fmt: skip
        data = self._body()
        name = unquote(self.headers.get("X-File-Name", ""))[:200] or "upload"
        self._json(self.server.add_upload(data, name))

    def _body(self) -> bytes:
        """The request's body, at most ``max_bytes``; a larger one is drained and refused."""
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            raise HttpError(411, "An upload needs its Content-Length, a number of bytes")
        most = self.server.max_bytes
        if length > most:
            if length <= 16 * most:  # read and dropped, so the page gets the message
                left = length
                while left > 0 and (chunk := self.rfile.read(min(1 << 16, left))):
                    left -= len(chunk)
            else:
                self.close_connection = True
            raise HttpError(413, f"The upload is {length:,} bytes; this server accepts at most "
                                 f"{most:,}. Expected a smaller file")  # fmt: skip
        return self.rfile.read(length)

    def _json(self, value: Any, status: int = 200) -> None:
        self._send(json.dumps(value, allow_nan=False).encode(), TYPES[".json"], status)

    def _send(
        self, body: bytes, kind: str, status: int = 200, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", CSP)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


def _cookie(header: str) -> str:
    try:
        morsel = SimpleCookie(header).get(COOKIE)
    except CookieError:
        return ""
    return "" if morsel is None else morsel.value
