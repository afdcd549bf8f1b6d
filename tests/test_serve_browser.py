"""``activations serve`` in headless Chromium: the live probe, dropped images, hostile names.

Playwright drives Debian's system Chromium (its own browser download is not
available here); one browser serves the whole module. Chromium is required:
without it these tests fail (CI installs it).
"""

from __future__ import annotations

import base64
import io
from urllib.parse import quote

import keras
import numpy as np
import pytest
from _explore_site import HOSTILE_FILE, LAYER, explorer_inputs
from PIL import Image

from activations import activations, compare_channels, datasets
from activations.cli._parser import build_parser
from activations.cli._serve import build_server

sync_api = pytest.importorskip("playwright.sync_api", reason="the test extra installs playwright")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOSTILE_MODEL = "<script>alert(1)<img src=x onerror=alert(2)>"
MAX_BYTES = 20_000


def _serve(argv: list[str]):
    return build_server(build_parser().parse_args(["serve", *argv])).start()


@pytest.fixture(scope="module")
def face():
    """``serve face``: its default set is the two face photos, open and closed eye."""
    server = _serve(["face", "--layers", "conv3", "-k", "1", "--shown", "2"])
    yield server
    server.close()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The hand-set explorer model under a hostile name, over its 7 images."""
    root = tmp_path_factory.mktemp("serve")
    _, folder, model, pixels, _ = explorer_inputs(root)
    hostile = keras.Model(model.inputs, model.outputs, name=HOSTILE_MODEL)
    hostile.save(root / "hostile.keras")
    argv = [str(root / "hostile.keras"), "--images", str(folder), "-k", "2", "--shown", "2"]
    server = _serve([*argv, "--max-upload-bytes", str(MAX_BYTES)])
    yield server, model, pixels
    server.close()


@pytest.fixture
def page(browser):
    """A fresh page; after the test, no console error, no page error and no dialog happened.

    ``page.refused`` counts the uploads the server refused (Chromium logs each
    answer of status 4xx as a console error); a test expecting them says how many.
    """
    context = browser.new_context()
    opened = context.new_page()
    problems: list[str] = []
    opened.refused = 0

    def console(message) -> None:
        if message.type != "error":
            return
        if "responded with a status of 4" in message.text:
            opened.refused += 1
        else:
            problems.append(message.text)

    opened.on("console", console)
    opened.on("pageerror", lambda error: problems.append(str(error)))
    opened.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"),
                                        dialog.dismiss()))  # fmt: skip
    yield opened
    context.close()
    assert problems == []


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _file(name: str, data: bytes) -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": data}


def _channels(page) -> list[tuple[int, float]]:
    """Each tile's channel and strength, in the order drawn."""
    spans = page.eval_on_selector_all(
        "#channels a.channel", "els => els.map(e => [+e.dataset.ch, e.innerText])"
    )
    return [(c, float(text.split(": ")[1].removesuffix(" dead"))) for c, text in spans]


def test_the_live_probe_ranks_the_readme_eye_channels(page, face):
    page.goto(f"{face.url}#view=probe")
    page.wait_for_selector('body[data-view="probe"]')
    page.select_option("#probe-layer", "prelu3")
    page.wait_for_function("location.hash.includes('layer=prelu3')")
    page.wait_for_selector("#probe-frame[data-zoom]")
    frame = page.locator("#probe-frame img").bounding_box()
    zoom = int(page.get_attribute("#probe-frame", "data-zoom"))
    x0, y0, x1, y1 = datasets.EYE_CLOSED_BOX  # the README's eye box, dragged on image a

    def at(x: int, y: int) -> tuple[float, float]:
        return frame["x"] + x * zoom, frame["y"] + y * zoom

    page.mouse.move(*at(x0, y0))
    page.mouse.down()
    page.mouse.move(*at((x0 + x1) // 2, (y0 + y1) // 2))
    page.mouse.move(*at(x1, y1))
    page.mouse.up()
    page.wait_for_function("location.hash.includes('box=88,59,115,70')")
    table = page.wait_for_selector("#probe-table[data-channels]", timeout=30000)
    net = face.live.model
    assert face.live.scale == 1  # the face network takes pixels as they are, as in the README
    a = activations(net, datasets.face(), "prelu3")
    b = activations(net, datasets.face_eye_closed(), "prelu3")
    expected = compare_channels(a, b, region=datasets.eye_closed_region(a.shape[:2]), k=3)
    assert expected.channels.tolist() == [5, 6, 21]
    assert table.get_attribute("data-channels") == "5,6,21"
    assert (
        page.locator("#probe-where").inner_text().startswith("prelu3: inside x 88..115, y 59..70")
    )
    drops = page.eval_on_selector_all(
        "#probe-table tbody tr", "rs => rs.map(r => r.cells[4].innerText)"
    )
    np.testing.assert_allclose([float(d) for d in drops], expected.drop, rtol=1e-3)
    figure = page.wait_for_selector("#probe-figure img")
    assert figure.evaluate("img => img.decode().then(() => img.naturalWidth > 300)")


def _drop(page, pixels: np.ndarray, name: str) -> None:
    page.evaluate(
        """([data, name]) => {
          const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
          const transfer = new DataTransfer();
          transfer.items.add(new File([bytes], name, { type: "image/png" }));
          document.body.dispatchEvent(new DragEvent("drop",
            { dataTransfer: transfer, bubbles: true, cancelable: true }));
        }""",
        [base64.b64encode(_png(pixels)).decode(), name],
    )


def test_a_dropped_image_updates_the_layer_grid(page, tiny):
    server, model, pixels = tiny
    page.goto(f"{server.url}#layer={quote(LAYER)}")
    page.wait_for_selector('body[data-view="layer"]')
    dropped = np.random.default_rng(11).integers(0, 256, (8, 8), dtype=np.uint8)
    _drop(page, dropped, "dropped.png")
    grid = page.wait_for_selector("#channels[data-ready]")
    assert page.evaluate("location.hash").startswith(f"#view=live&layer={quote(LAYER)}&img=u")
    act = activations(model, dropped[..., None] / np.float32(255), LAYER)
    maxima = act.reshape(-1, 3).max(axis=0)
    drawn = _channels(page)
    assert [c for c, _ in drawn] == [0, 1, 2]
    np.testing.assert_allclose([v for _, v in drawn], maxima, rtol=1e-3, atol=1e-6)
    assert page.locator("#channels a.channel.dead").count() == 1  # dead over the set
    style = grid.eval_on_selector(".tile", "t => getComputedStyle(t).backgroundImage")
    assert style.startswith('url("data:image/png;base64,')
    page.click("#sort-strength")
    assert [c for c, _ in _channels(page)] == np.argsort(-maxima, kind="stable").tolist()
    page.click("#explain-gradcam")
    caption = page.wait_for_selector("#explain-gradcam-out img + figcaption", timeout=30000)
    scores = activations(model, dropped[..., None] / np.float32(255), "dense")
    assert caption.inner_text().startswith(f"Grad-CAM of class {int(scores.argmax())} ")


def test_a_dropped_image_shows_in_every_view(page, tiny):
    """Dropped on the network view, the image stays with the user through every view."""
    server, model, pixels = tiny
    page.goto(server.url)
    page.wait_for_selector('body[data-view="network"]')
    dropped = np.random.default_rng(12).integers(0, 256, (8, 8), dtype=np.uint8)
    x = dropped[..., None] / np.float32(255)
    _drop(page, dropped, "mine.png")
    page.wait_for_selector('body[data-view="network"] #live-panel[data-ready^="u"]')
    assert page.evaluate("location.hash") in ("", "#")  # the same view, updated
    shown = page.eval_on_selector_all("#network td.live[data-channels]", "els => els.map(e => "
                                      "e.dataset.channels)")  # fmt: skip
    expected = []
    for layer in (LAYER, "dense"):
        act = activations(model, x, layer)
        maxima = act.reshape(-1, act.shape[-1]).max(axis=0)
        expected.append(",".join(map(str, np.argsort(-maxima, kind="stable")[:4])))
    assert shown == expected

    page.evaluate(f"location.hash = '#layer={quote(LAYER)}&ch=2'")
    page.wait_for_selector('body[data-view="channel"] #live-panel[data-ready^="u"]')
    act = activations(model, x, LAYER)
    caption = page.inner_text("#live-channel figcaption")
    assert caption.startswith("mine.png: max ")
    np.testing.assert_allclose(float(caption.split("max ")[1]), act[..., 2].max(), rtol=1e-3)
    assert page.locator("#live-channel .pair .tile").count() == 2  # after and before its ReLU
    assert page.locator("#histogram #live-marker").count() == 1
    assert "of the set's 7 images" in page.inner_text("#live-place")

    page.evaluate("location.hash = '#view=classes&c=1'")
    page.wait_for_selector('body[data-view="classes"] #live-panel[data-ready^="u"]')
    scores = activations(model, x, "dense")
    best = page.get_attribute("#live-scores tbody tr", "data-c")
    assert best == str(int(scores.argmax()))
    assert page.inner_text("#live-rank").startswith("Its score of 1, ")

    page.evaluate("location.hash = '#view=embedding'")
    page.wait_for_selector('body[data-view="embedding"] #live-panel[data-ready^="u"]')
    features = activations(model, pixels / np.float32(255), "flatten")
    distance = np.linalg.norm(features - activations(model, x, "flatten"), axis=1)
    near = page.eval_on_selector_all("#live-neighbours figure", "e => e.map(f => +f.dataset.i)")
    assert near == np.argsort(distance, kind="stable")[:5].tolist()
    assert page.locator("#embedding svg #live-dot").count() == 1

    page.evaluate(f"location.hash = '#layer={quote(LAYER)}'")
    page.wait_for_selector('body[data-view="layer"] #live-panel[data-ready^="u"]')
    page.click("#shown a.upload")  # your image first among those to pick: its channels
    page.wait_for_selector("#channels[data-ready]")
    assert page.locator("h1").inner_text() == f"{LAYER} on mine.png"
    page.goto(server.url)  # the choice outlasts a reload; "forget it" drops it
    page.wait_for_selector("#live-panel[data-ready]")
    page.click("#live-forget")
    page.wait_for_selector('body[data-view="network"]')
    assert page.locator("#live-panel").count() == 0 and page.locator("td.live").count() == 0


def test_hostile_names_render_as_text(page, tiny):
    server, *_ = tiny
    page.goto(server.url)
    page.wait_for_selector('body[data-view="network"]')
    assert page.locator("h1").inner_text() == f"Model {HOSTILE_MODEL}"
    assert page.title() == f"Explorer of {HOSTILE_MODEL}"
    page.set_input_files("#live-file", _file(HOSTILE_FILE, _png(np.zeros((8, 8), np.uint8))))
    page.wait_for_selector("#live-panel[data-ready]")
    assert page.inner_text("#live-panel strong") == f"Your image: {HOSTILE_FILE}"
    assert page.inner_text("#network th.live") == f"Strongest on {HOSTILE_FILE}"
    page.click("#live-open")
    page.wait_for_selector("#channels[data-ready]")
    assert page.locator("h1").inner_text() == f"{LAYER} on {HOSTILE_FILE}"
    assert HOSTILE_FILE in page.locator("#live-status").inner_text()
    assert page.locator('img[src="x"]').count() == 0 and page.locator("script").count() == 4


def test_oversized_and_bomb_uploads_say_why_and_the_server_goes_on(page, tiny):
    server, *_ = tiny
    page.goto(f"{server.url}#layer={quote(LAYER)}")
    status = page.locator("#live-status.error")
    page.set_input_files("#live-file", _file("big.png", bytes(MAX_BYTES + 1)))
    sync_api.expect(status).to_have_text(
        f"Upload refused: The upload is {MAX_BYTES + 1:,} bytes; this server accepts at most "
        f"{MAX_BYTES:,}. Expected a smaller file"
    )
    bomb = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(bomb, format="PNG")  # past Pillow's own limit
    assert len(bomb.getvalue()) < MAX_BYTES
    page.set_input_files("#live-file", _file("bomb.png", bomb.getvalue()))
    sync_api.expect(status).to_contain_text("claims 100,000,000 pixels")
    assert "(a decompression bomb?)" in status.inner_text()
    assert page.refused == 2
    page.set_input_files("#live-file", _file("fine.png", _png(np.zeros((8, 8), np.uint8))))
    page.wait_for_selector("#channels[data-ready]")
    assert len(_channels(page)) == 3
