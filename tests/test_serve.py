"""``activations serve`` over HTTP: a real server on a free port, in a thread, a tiny model.

The live answers hold the library's own numbers; names stay text; uploads are
bounded in bytes and pixels and a refused one leaves the server serving; no
path a request names is read; bound beyond loopback, the token is required.
"""

from __future__ import annotations

import http.client
import io
import json
import re
import socket
import threading
import time
import urllib.parse

import keras
import numpy as np
import pytest
from _explore_site import HOSTILE_FILE, LAYER, explorer_inputs
from PIL import Image

from activations import activations, compare_channels, imtile, mat2gray, region_weights
from activations._engine.stop import request_stop
from activations.cli import main
from activations.cli._parser import build_parser
from activations.cli._serve import build_server
from activations.explore import LiveModel, js_literal, make_server

pytestmark = pytest.mark.core

#: A model name that would run script if pasted in as markup (Keras refuses a "/" in names,
#: so no name can hold "</script>"; "<" is escaped all the same).
HOSTILE_MODEL = "<script>alert(1)<img src=x onerror=alert(2)>"
MAX_BYTES = 20_000
MAX_PIXELS = 100_000


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    model_file, folder, model, pixels, names = explorer_inputs(root)
    hostile = keras.Model(model.inputs, model.outputs, name=HOSTILE_MODEL)
    hostile_file = root / "hostile.keras"
    hostile.save(hostile_file)
    return hostile_file, folder, hostile, pixels, names


@pytest.fixture(scope="module")
def server(inputs):
    model_file, folder, *_ = inputs
    argv = ["serve", str(model_file), "--images", str(folder), "-k", "2", "--shown", "2"]
    args = build_parser().parse_args(
        [*argv, "--max-upload-bytes", str(MAX_BYTES), "--max-upload-pixels", str(MAX_PIXELS)]
    )
    started = build_server(args).start()
    yield started
    started.close()


def _request(server, method, path, body=None, headers=None, host=None):
    """``(status, headers, body bytes)`` of one request to ``server``."""
    port = server.server_address[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        sent = dict(headers or {})
        if host is not None:
            sent["Host"] = host
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _get(server, path, **kwargs):
    status, headers, body = _request(server, "GET", path, **kwargs)
    return status, json.loads(body) if headers["Content-Type"] == "application/json" else body


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _upload(server, data: bytes, name: str = "drop.png", marker: bool = True):
    headers = {"X-File-Name": urllib.parse.quote(name), "Content-Type": "application/octet-stream"}
    if marker:
        headers["X-Activations"] = "1"
    status, _, body = _request(server, "POST", "/api/upload", body=data, headers=headers)
    return status, json.loads(body)


def _decoded(url: str) -> np.ndarray:
    import base64

    prefix = "data:image/png;base64,"
    assert url.startswith(prefix)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url[len(prefix) :]))))


def test_the_page_is_the_explorer_with_the_live_script(server):
    status, headers, body = _request(server, "GET", "/")
    page = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert '<script src="explorer.js"></script>' in page and '<script src="live.js">' in page
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    for name in ("data.js", "explorer.js", "live.js", "live.css", "live-data.js"):
        assert _request(server, "GET", f"/{name}")[0] == 200


def test_a_dropped_image_gives_the_layers_maxima_and_tiles(server, inputs):
    *_, model, _, _ = inputs
    rng = np.random.default_rng(5)
    pixels = rng.integers(0, 256, (8, 8), dtype=np.uint8)
    status, up = _upload(server, _png(pixels), name="drop.png")
    assert status == 200 and up["name"] == "drop.png" and (up["height"], up["width"]) == (8, 8)
    status, result = _get(server, f"/api/layer?img={up['id']}&layer={urllib.parse.quote(LAYER)}")
    assert status == 200
    act = activations(model, pixels[..., None] / np.float32(255), LAYER)
    np.testing.assert_allclose(result["max"], act.reshape(-1, 3).max(axis=0), rtol=1e-5)
    assert result["grid"] == [2, 2]
    expected = imtile(np.moveaxis(mat2gray(act), -1, 0), grid_size=(2, 2))
    montage = _decoded(result["montage"])
    np.testing.assert_allclose(montage, np.round(expected * 255), atol=1)
    status, dense = _get(server, f"/api/layer?img={up['id']}&layer=dense")
    assert dense["montage"] is None and len(dense["max"]) == 2
    status, shown = _request(server, "GET", f"/api/image?img={up['id']}")[::2]
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(shown))), pixels)


def test_every_view_gets_the_dropped_images_numbers(server, inputs):
    """The network's strongest channels, the layer before its ReLU, the nearest images."""
    *_, model, pixels, _ = inputs
    dropped = np.random.default_rng(8).integers(0, 256, (8, 8), dtype=np.uint8)
    up = _upload(server, _png(dropped))[1]
    x = dropped[..., None] / np.float32(255)
    status, strongest = _get(server, f"/api/strongest?img={up['id']}&n=2")
    assert status == 200 and [e["layer"] for e in strongest["layers"]] == [LAYER, "dense"]
    for entry in strongest["layers"]:
        act = activations(model, x, entry["layer"])
        maxima = act.reshape(-1, act.shape[-1]).max(axis=0)
        assert entry["channels"] == np.argsort(-maxima, kind="stable")[:2].tolist()
        np.testing.assert_allclose(entry["max"], maxima[entry["channels"]], rtol=1e-5)
        if act.ndim == 3:  # the two maps in a row, on the layer's one gray scale
            row = np.moveaxis(mat2gray(act)[..., entry["channels"]], -1, 0)
            expected = imtile(row, grid_size=(1, 2))
            np.testing.assert_allclose(_decoded(entry["tiles"]), np.round(expected * 255), atol=1)
        else:
            assert entry["tiles"] is None
    quoted = urllib.parse.quote(LAYER)
    status, layer = _get(server, f"/api/layer?img={up['id']}&layer={quoted}&pre=1")
    before = activations(model, x, LAYER, stage="pre")
    expected = imtile(np.moveaxis(mat2gray(before), -1, 0), grid_size=(2, 2))
    assert before.min() < 0  # the ReLU cut something: before differs from after
    np.testing.assert_allclose(_decoded(layer["pre_montage"]), np.round(expected * 255), atol=1)
    assert _get(server, f"/api/layer?img={up['id']}&layer=dense&pre=1")[1]["pre_montage"] is None
    status, near = _get(server, f"/api/neighbours?img={up['id']}&layer=flatten&pool=6&k=3")
    features = activations(model, pixels[:6] / np.float32(255), "flatten")
    distance = np.linalg.norm(features - activations(model, x, "flatten"), axis=1)
    assert status == 200 and near["neighbours"] == np.argsort(distance)[:3].tolist()
    np.testing.assert_allclose(near["distance"], np.sort(distance)[:3], rtol=1e-5)
    again = _get(server, "/api/neighbours?img=s2&layer=flatten&pool=6&k=1")[1]  # the pool kept
    assert again["neighbours"] == [2] and again["distance"][0] < 1e-5  # itself (float32 batches)


def test_explain_and_probe_are_the_librarys(server, inputs):
    *_, model, pixels, _ = inputs
    x = pixels / np.float32(255)
    status, cam = _get(server, "/api/explain?img=s0&method=gradcam")
    scores = activations(model, x[0], "dense")
    assert status == 200 and cam["label"] == int(scores.argmax())
    assert _decoded(cam["overlay"]).shape == (8, 8, 3)
    status, occ = _get(server, "/api/explain?img=s1&method=occlusion")
    assert status == 200 and occ["method"] == "occlusion"
    status, probe = _get(server, f"/api/probe?a=s0&b=s3&layer={urllib.parse.quote(LAYER)}"
                                 "&box=1,1,5,6&k=2")  # fmt: skip
    act = activations(model, x[[0, 3]], LAYER)
    region = region_weights((1, 1, 5, 6), act.shape[1:3], image_shape=(8, 8))
    expected = compare_channels(act[0], act[1], region=region, k=2)
    assert status == 200 and probe["channels"] == expected.channels.tolist()
    np.testing.assert_allclose(probe["drop"], expected.drop, rtol=1e-5)
    assert (probe["figure"] is None) == (len(expected.channels) == 0)


@pytest.mark.parametrize(
    "path, status, message",
    [
        ("/api/layer?img=s0&layer=conv9", 400, "layers: \\['conv>1', 'flatten', 'dense'\\]"),
        ("/api/layer?img=s99&layer=dense", 404, "No image 's99'"),
        ("/api/layer?img=s0", 400, "Expected one query parameter `layer`"),
        ("/api/explain?img=s0&method=lime", 400, "one of \\['gradcam', 'occlusion'\\]"),
        ("/api/probe?a=s0&b=s1&layer=dense", 400, "No layer with \\(H, W, C\\) maps"),
        ("/api/probe?a=s0&b=s1&layer=conv%3E1&box=1,2,3", 400, "4 comma-separated integers"),
        ("/api/probe?a=s0&b=s1&layer=conv%3E1&box=0,0,9,9", 400, "0 <= x0 < x1 <= 8 and 0 <="),
        ("/api/probe?a=s0&b=s1&layer=conv%3E1&k=0", 400, "Expected `k` in 1..64"),
        ("/api/layer?img=s0&layer=dense&pre=yes", 400, "Expected `pre` to be 0 or 1"),
        ("/api/strongest?img=s0&n=17", 400, "Expected `n` to be an int in 1..16"),
        ("/api/strongest?img=s0&n=x", 400, "Expected `n` to be an integer"),
        ("/api/neighbours?img=s0&layer=dense&pool=8", 400, "Expected `pool` in 1..7"),
        ("/api/neighbours?img=s0&layer=dense&pool=7&k=0", 400, "Expected `k` to be an int in 1"),
        ("/api/neighbours?img=s0&layer=nope&pool=7", 400, "No layer named 'nope'"),
        ("/api/nothing", 404, "Expected /api/layer, /api/strongest, /api/neighbours"),
    ],
)
def test_bad_requests_get_a_clear_message(server, path, status, message):
    got, body = _get(server, path)
    assert got == status and re.search(message, body["error"]), body


@pytest.mark.parametrize(
    "path",
    ["/../tiny.keras", "/%2e%2e/tiny.keras", "/images/../data.js", "/etc/passwd", "//etc/passwd",
     "/api/../data.js", "/tiny.keras", "/images/0.png/"],
)  # fmt: skip
def test_no_path_a_request_names_is_read(server, path):
    status, body = _get(server, path)
    assert status == 404 and body["error"].startswith("Not found")


def test_oversized_bomb_and_junk_uploads_are_refused_and_serving_goes_on(server):
    status, body = _upload(server, b"\x89PNG" + bytes(MAX_BYTES))
    assert status == 413 and body["error"] == (
        f"The upload is {MAX_BYTES + 4:,} bytes; this server accepts at most {MAX_BYTES:,}. "
        "Expected a smaller file"
    )
    bomb = io.BytesIO()
    Image.new("1", (1000, 1000)).save(bomb, format="PNG")  # 1e6 pixels in a few hundred bytes
    assert len(bomb.getvalue()) < MAX_BYTES
    status, body = _upload(server, bomb.getvalue())
    assert status == 413 and "claims 1,000,000 pixels (1000x1000)" in body["error"]
    assert "decompression bomb" in body["error"]
    status, body = _upload(server, b"not an image at all")
    assert status == 400 and "not an image" in body["error"]
    status, body = _upload(server, _png(np.zeros((8, 8), np.uint8)), marker=False)
    assert status == 403 and "X-Activations" in body["error"]
    headers = {"X-Activations": "1", "Content-Length": "-1"}
    status, _, body = _request(server, "POST", "/api/upload", headers=headers)
    assert status == 411 and b"needs its Content-Length" in body
    status, body = _get(server, "/api/layer?img=s0&layer=dense")
    assert status == 200 and len(body["max"]) == 2  # still serving


def test_uploads_are_read_as_the_command_line_reads_files(server):
    wide = io.BytesIO()
    Image.fromarray(np.full((8, 8), 65535, np.uint16)).save(wide, format="PNG")  # 16-bit
    status, up = _upload(server, wide.getvalue())
    shown = _request(server, "GET", f"/api/image?img={up['id']}")[2]
    assert status == 200 and (np.asarray(Image.open(io.BytesIO(shown))) == 255).all()
    floats = io.BytesIO()
    Image.fromarray(np.full((8, 8), 2.0, np.float32)).save(floats, format="TIFF")
    status, body = _upload(server, floats.getvalue(), name="hot.tif")
    assert status == 400 and body["error"].startswith(
        "Could not read the upload 'hot.tif': Could not read the upload as an image: float "
        "pixels are read as 0..1"
    )
    assert "/tmp" not in body["error"] and "activations-upload" not in body["error"]


def test_names_are_escaped_in_the_page_and_its_data(server, inputs):
    page = _request(server, "GET", "/")[2].decode()
    title = "Explorer of &lt;script&gt;alert(1)&lt;img src=x onerror=alert(2)&gt;"
    assert f"<title>{title}</title>" in page
    data = _request(server, "GET", "/data.js")[2].decode()
    live = _request(server, "GET", "/live-data.js")[2].decode()
    assert "<" not in data and "<" not in live  # as \u003c: no tag can close the script
    assert js_literal(HOSTILE_FILE) in data and js_literal(LAYER) in live
    status, up = _upload(server, _png(np.zeros((8, 8), np.uint8)), name=HOSTILE_FILE)
    assert status == 200 and up["name"] == HOSTILE_FILE  # JSON, set as text by the page


def test_only_loopback_host_names_are_answered(server):
    port = server.server_address[1]
    assert _get(server, "/api/layer?img=s0&layer=dense", host=f"localhost:{port}")[0] == 200
    status, body = _get(server, "/api/layer?img=s0&layer=dense", host=f"evil.example:{port}")
    assert status == 403 and "Host 'evil.example" in body["error"]


def test_a_non_local_bind_needs_the_token(inputs):
    _, _, model, pixels, _ = inputs
    served = make_server(model, pixels[:2], decode=lambda data: pixels[0], host="0.0.0.0",
                         k=1, shown=1).start()  # fmt: skip
    try:
        token = served.token
        assert token and len(token) >= 32 and served.url.endswith(f"/?token={token}")
        status, body = _get(served, "/")
        assert status == 403 and "needs its token" in body["error"]
        assert _get(served, "/?token=wrong")[0] == 403
        assert _get(served, "/api/layer?img=s0&layer=dense")[0] == 403
        status, headers, _ = _request(served, "GET", f"/?token={token}")
        assert status == 200 and "HttpOnly" in headers["Set-Cookie"]
        cookie = headers["Set-Cookie"].split(";")[0]
        assert _get(served, "/api/layer?img=s0&layer=dense", headers={"Cookie": cookie})[0] == 200
    finally:
        served.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_command_serves_until_stopped(inputs, capsys):
    model_file, folder, *_ = inputs
    port = _free_port()
    argv = ["serve", str(model_file), "--images", str(folder), "--port", str(port), "-k", "1"]
    done: list[int] = []
    thread = threading.Thread(target=lambda: done.append(main(argv)))
    thread.start()
    status = None
    for _ in range(300):  # the model loads and the site is written first
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/live-data.js")
            status = connection.getresponse().status
            break
        except OSError:
            time.sleep(0.1)
        finally:
            connection.close()
    assert status == 200
    request_stop()  # as SIGTERM does
    thread.join(30)
    assert done == [143]
    assert f"at http://127.0.0.1:{port}/ (Ctrl-C stops)" in capsys.readouterr().out


def test_bad_options_and_images_are_refused_before_anything_runs(inputs):
    _, _, model, pixels, _ = inputs
    with pytest.raises(ValueError, match="Expected `max_bytes` to be an int >= 1. Received: "):
        make_server(model, pixels, decode=lambda data: pixels[0], max_bytes=0)
    live = LiveModel(model, 255.0)
    with pytest.raises(ValueError, match="the same size and colours .* \\(8, 8, 1\\) and "):
        live.probe(pixels[0], pixels[0, :6, :6], LAYER, None)
    with pytest.raises(ValueError, match="Expected `k` to be an int >= 1. Received: k=0"):
        live.probe(pixels[0], pixels[1], LAYER, None, k=0)
    with pytest.raises(ValueError, match="Expected `method` to be one of"):
        live.explain(pixels[0], "saliency")
