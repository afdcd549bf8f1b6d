"""Render a report in headless Chromium: every image loads, nothing is missing.

The report page sets ``<body data-images-ok="N/M">`` on load (images decoded /
images); Chromium's ``--dump-dom`` shows it. The page is served by a local
``http.server`` that records every request's status, so a missing file shows
as a 404. Chromium is required: without it these tests fail (CI installs it).
"""

from __future__ import annotations

import functools
import html
import re
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import keras
import numpy as np
import pytest
from _browser import CHROMIUM
from _report_checks import links_of
from keras import layers
from PIL import Image

from activations.report import write_model_report

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--virtual-time-budget=10000",
]  # fmt: skip


class _Handler(SimpleHTTPRequestHandler):
    statuses: list[tuple[str, int]]

    def log_request(self, code="-", size="-"):
        self.statuses.append((self.path, int(code)))

    def log_message(self, format, *args):  # keep the test output clean
        pass


@pytest.fixture
def served(tmp_path):
    """Serve ``tmp_path`` on 127.0.0.1 (a free port); yield (base URL, request log)."""
    statuses: list[tuple[str, int]] = []
    handler = type("Handler", (_Handler,), {"statuses": statuses})
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(tmp_path))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", statuses
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def report(tmp_path) -> Path:
    """A full report (maps, overlays, weights, comparison) of a small seeded model."""
    init = keras.initializers.GlorotUniform
    model = keras.Sequential(
        [
            keras.Input((20, 20, 3)),
            layers.Conv2D(6, 3, activation="relu", name="conv1", kernel_initializer=init(1)),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(4, 3, name="conv2", kernel_initializer=init(2)),
            layers.PReLU(shared_axes=[1, 2], name="prelu2"),
            layers.GlobalAveragePooling2D(name="gap"),
            layers.Dense(2, name="dense", kernel_initializer=init(3)),
        ],
        name="browser_net",
    )
    image = np.random.default_rng(0).integers(0, 256, (20, 20, 3), dtype=np.uint8)
    other = image.copy()
    other[4:14, 4:14] //= 4
    return write_model_report(
        model, image, tmp_path / "report", image_b=other, box=(4, 4, 14, 14), stream=None,
        title="Report <in a browser>",
    )  # fmt: skip


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"Chromium is needed for the browser tests; not found at {CHROMIUM}")
    profile = tmp_path / "chromium-profile"
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_every_image_of_the_report_loads(report, served, tmp_path):
    base, statuses = served
    n_images = len(links_of(report).images)
    assert n_images >= 10
    result = _chromium(tmp_path, "--dump-dom", f"{base}/report/index.html")
    assert result.returncode == 0, result.stderr[-2000:]
    found = re.search(r'<body data-images-ok="(\d+)/(\d+)"', result.stdout)
    assert found, result.stdout[:2000]
    assert (int(found[1]), int(found[2])) == (n_images, n_images)
    assert "<h1>Report &lt;in a browser&gt;</h1>" in result.stdout
    missing = [(path, code) for path, code in statuses if code >= 400]
    assert missing == []
    requested = {path for path, code in statuses}
    assert {f"/report/{src}" for src in links_of(report).images} <= requested


def test_a_missing_image_is_detected(report, served, tmp_path):
    base, statuses = served
    (report.parent / "input.png").unlink()
    result = _chromium(tmp_path, "--dump-dom", f"{base}/report/index.html")
    n_images = len(links_of(report).images)
    assert f'data-images-ok="{n_images - 1}/{n_images}"' in result.stdout
    assert ("/report/input.png", 404) in statuses


def test_screenshot_of_the_report(report, served, tmp_path):
    base, _ = served
    shot = tmp_path / "report.png"
    args = [f"--screenshot={shot}", "--window-size=1400,4000", f"{base}/report/index.html"]
    result = _chromium(tmp_path, *args)
    assert result.returncode == 0, result.stderr[-2000:]
    with Image.open(shot) as image:
        assert image.size == (1400, 4000)
        pixels = np.asarray(image.convert("L"))
    assert pixels.std() > 10  # text and figures, not a blank page


SHIPPED = Path(__file__).resolve().parents[1] / "data"
#: Words of an exception that a page must never show (the face net's explain once did).
EXCEPTION_TEXT = ("Error", "Traceback", "inhomogeneous", "setting an array element", "Received:")


@pytest.mark.parametrize(
    ("model", "photo", "caption"),
    [
        ("face", "face.png", "class 1 'a face' (the predicted one) of face_score"),
        ("fashion", "fashion_test_0.png", "class 9 'Ankle boot' (the predicted one)"),
    ],
)
def test_the_zoo_reports_show_every_section_and_no_exception(
    served, tmp_path, capsys, model, photo, caption
):
    from activations.cli import main

    assert main(["report", model, str(SHIPPED / photo), "-o", str(tmp_path / model)]) == 0
    base, statuses = served
    page = tmp_path / model / "index.html"
    n_images = len(links_of(page).images)
    result = _chromium(tmp_path, "--dump-dom", f"{base}/{model}/index.html")
    assert result.returncode == 0, result.stderr[-2000:]
    assert f'data-images-ok="{n_images}/{n_images}"' in result.stdout
    shown = html.unescape(re.sub(r"<[^>]+>", " ", result.stdout.split("<body", 1)[1]))
    assert not [word for word in EXCEPTION_TEXT if word in shown]
    assert "not shown" not in shown
    assert f"Grad-CAM (MATLAB's gradCAM) for {caption}" in shown
    assert {"explain_gradcam.png", "explain_occlusion.png"} <= set(links_of(page).images)
    assert any(src.startswith("dream_") for src in links_of(page).images)
    assert [(path, code) for path, code in statuses if code >= 400] == []
