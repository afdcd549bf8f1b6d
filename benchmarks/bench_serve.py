"""Benchmark ``activations serve``: a dropped image to a whole layer's grid, end to end.

Run ``python benchmarks/bench_serve.py`` (``--drops 5`` for a quick check). For
each case a real server runs in a thread and headless Chromium (Debian's
``/usr/bin/chromium`` through Playwright) opens the layer's static view; each
drop dispatches a ``drop`` event holding a PNG file, and the time is taken in the
page (``performance.now()``) from the event until the live view holds the
layer's tiles and two animation frames have passed (the frame that paints
them). Each drop is another image, so nothing is cached by content. Beside it,
the HTTP round trip alone (upload + ``/api/layer``, from Python), and the
server's own share (``LiveModel.layer``). Targets (issue 19): a 28x28 image
<= 250 ms, a 160x160 face <= 500 ms, at the 95th percentile over the drops.
Then every view: the image dropped on the network view, timed until its last
column holds the strongest channels of every explored layer (all conv and
dense layers, one ``/api/strongest``), reported against the same targets.
Saved to ``benchmarks/results/serve.json``.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import io
import json
import os
import statistics
import time
import urllib.parse

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from _timing import save  # benchmarks/ is on sys.path when a script runs
from PIL import Image  # noqa: E402

from activations import datasets  # noqa: E402
from activations.cli._parser import build_parser  # noqa: E402
from activations.cli._serve import build_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
WARMUP = 3
DROP_JS = """async ([data, name]) => {
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type: "image/png" }));
  const before = location.hash, start = performance.now();
  document.body.dispatchEvent(new DragEvent("drop",
    { dataTransfer: transfer, bubbles: true, cancelable: true }));
  const frame = () => new Promise(done => requestAnimationFrame(done));
  for (;;) {
    await frame();
    const grid = document.querySelector("#channels[data-ready]");
    if (location.hash !== before && grid && grid.dataset.ready === grid.dataset.img &&
        location.hash.endsWith("img=" + grid.dataset.img)) { break; }
    if (performance.now() - start > 30000) { throw new Error("no grid after 30 s"); }
  }
  await frame();
  await frame();
  return [performance.now() - start, document.querySelectorAll("#channels .tile").length];
}"""

NETWORK_JS = """async ([data, name]) => {
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type: "image/png" }));
  const panel = () => document.querySelector("#live-panel[data-ready]");
  const before = panel() ? panel().dataset.ready : null, start = performance.now();
  document.body.dispatchEvent(new DragEvent("drop",
    { dataTransfer: transfer, bubbles: true, cancelable: true }));
  const frame = () => new Promise(done => requestAnimationFrame(done));
  for (;;) {
    await frame();
    const done = panel();
    if (done && done.dataset.ready !== before) {
      if (!done.dataset.ready.startsWith("u")) { throw new Error(done.innerText); }
      break;
    }
    if (performance.now() - start > 30000) { throw new Error("no network view after 30 s"); }
  }
  await frame();
  await frame();
  return [performance.now() - start, document.querySelectorAll("#network td.live .tile").length];
}"""


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels).save(buffer, "PNG")
    return buffer.getvalue()


def _images(kind: str, n: int) -> list[np.ndarray]:
    """``n`` distinct images: Fashion test images, or the face with seeded noise."""
    if kind == "fashion":
        pixels, _ = datasets.fashion_test_subset()
        return [pixels[i][..., None] for i in range(n)]
    rng = np.random.default_rng(0)
    face = datasets.face().astype(np.int16)
    noise = [rng.integers(-12, 13, face.shape) for _ in range(n)]
    return [np.clip(face + d, 0, 255).astype(np.uint8) for d in noise]


def _stats(ms: list[float]) -> dict:
    q = statistics.quantiles(ms, n=20, method="inclusive")  # q[18]: the 95th percentile
    return {"p50_ms": statistics.median(ms), "p95_ms": q[18], "max_ms": max(ms), "all_ms": ms}


def _http(server, data: bytes, layer: str) -> float:
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=60)
    try:
        connection.request("POST", "/api/upload", body=data, headers={"X-Activations": "1"})
        key = json.loads(connection.getresponse().read())["id"]
        query = urllib.parse.urlencode({"img": key, "layer": layer})
        connection.request("GET", f"/api/layer?{query}")
        assert connection.getresponse().read()
    finally:
        connection.close()
    return (time.perf_counter() - start) * 1e3


def run_case(browser, model: str, layer: str, target_ms: float, drops: int) -> dict:
    server = build_server(build_parser().parse_args(
        ["serve", model, "--layers", layer, "-k", "1", "--shown", "1", "--max-images", "8"]
    )).start()  # fmt: skip
    try:
        kind = "fashion" if model == "fashion" else "face"
        images = _images(kind, 2 * (WARMUP + drops))
        page = browser.new_page()
        page.goto(f"{server.url}#layer={urllib.parse.quote(layer)}")
        page.wait_for_selector('body[data-view="layer"]')
        browser_ms, tiles = [], 0
        for i, image in enumerate(images[: WARMUP + drops]):
            data = base64.b64encode(_png(image)).decode()
            took, tiles = page.evaluate(DROP_JS, [data, f"drop{i}.png"])
            if i >= WARMUP:
                browser_ms.append(took)
        page.close()
        rest = images[WARMUP + drops :]
        http_ms = [_http(server, _png(image), layer) for image in rest][WARMUP:]
        server_ms = []
        for image in rest[WARMUP:]:
            start = time.perf_counter()
            server.live.layer(image, layer)
            server_ms.append((time.perf_counter() - start) * 1e3)
        shape = images[0].shape
        found = {
            "model": model, "layer": layer, "image": f"{shape[0]}x{shape[1]}x{shape[2]}",
            "tiles": tiles, "drops": drops, "target_p95_ms": target_ms,
            "browser_end_to_end": _stats(browser_ms), "http_round_trip": _stats(http_ms),
            "server_layer": _stats(server_ms),
        }  # fmt: skip
        found["met"] = found["browser_end_to_end"]["p95_ms"] <= target_ms
        return found
    finally:
        server.close()


def run_network_case(browser, model: str, target_ms: float, drops: int) -> dict:
    """Drops on the network view: its last column, every explored layer's strongest channels."""
    server = build_server(build_parser().parse_args(
        ["serve", model, "-k", "1", "--shown", "1", "--max-images", "8"]
    )).start()  # fmt: skip
    try:
        images = _images("fashion" if model == "fashion" else "face", WARMUP + drops)
        page = browser.new_page()
        page.goto(server.url)
        page.wait_for_selector('body[data-view="network"]')
        browser_ms, tiles = [], 0
        for i, image in enumerate(images):
            data = base64.b64encode(_png(image)).decode()
            took, tiles = page.evaluate(NETWORK_JS, [data, f"drop{i}.png"])
            if i >= WARMUP:
                browser_ms.append(took)
        page.close()
        found = {"model": model, "view": "network", "layers": server.explored, "tiles": tiles,
                 "drops": drops, "target_p95_ms": target_ms,
                 "browser_end_to_end": _stats(browser_ms)}  # fmt: skip
        found["met"] = found["browser_end_to_end"]["p95_ms"] <= target_ms
        return found
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--drops", type=int, default=20, help="timed drops per case (20)")
    parser.add_argument("--out", default=None, help="results file (default results/serve.json)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    cases = [("fashion", "conv2d", 250.0), ("fashion", "conv2d_1", 250.0),
             ("face", "conv1", 500.0), ("face", "conv2", 500.0)]  # fmt: skip
    runs = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for model, layer, target in cases:
                found = run_case(browser, model, layer, target, args.drops)
                runs.append(found)
                b, h, s = (found[k] for k in ("browser_end_to_end", "http_round_trip",
                                              "server_layer"))  # fmt: skip
                print(
                    f"{model} {layer} ({found['image']}, {found['tiles']} tiles): browser "
                    f"p50 {b['p50_ms']:.0f} ms p95 {b['p95_ms']:.0f} ms (target {target:.0f}, "
                    f"{'met' if found['met'] else 'MISSED'}); HTTP p95 {h['p95_ms']:.0f} ms; "
                    f"server p95 {s['p95_ms']:.0f} ms",
                    flush=True,
                )
            for model, target in (("fashion", 250.0), ("face", 500.0)):
                found = run_network_case(browser, model, target, args.drops)
                runs.append(found)
                b = found["browser_end_to_end"]
                print(
                    f"{model} network view ({len(found['layers'])} layers, {found['tiles']} "
                    f"tiles): browser p50 {b['p50_ms']:.0f} ms p95 {b['p95_ms']:.0f} ms (target "
                    f"{target:.0f}, {'met' if found['met'] else 'MISSED'})",
                    flush=True,
                )
        finally:
            browser.close()
    from pathlib import Path

    path = save("serve", runs, None if args.out is None else Path(args.out))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
