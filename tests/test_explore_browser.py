"""The explorer in headless Chromium from ``file://``: views, deep links, keys, hostile names.

Playwright drives Debian's system Chromium (its own browser download is not
available here); one browser serves the whole module. Chromium is required:
without it these tests fail (CI installs it).
"""

from __future__ import annotations

from urllib.parse import quote

import numpy as np
import pytest
from _explore_site import HOSTILE_FILE, LAYER, explorer_inputs

from activations import activations
from activations.cli import main

sync_api = pytest.importorskip("playwright.sync_api", reason="the test extra installs playwright")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

K = 3


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("explore")
    model_file, folder, model, pixels, names = explorer_inputs(root)
    out = root / "site"
    argv = ["explore", str(model_file), "--images", str(folder), "-o", str(out), "-k", str(K)]
    assert main([*argv, "--shown", "2"]) == 0
    return out, model, pixels, names


@pytest.fixture(scope="module")
def index(site) -> str:
    """The site's ``file://`` URL."""
    return (site[0] / "index.html").as_uri()


@pytest.fixture
def page(browser):
    """A fresh page; after the test, no console error, no page error and no dialog happened."""
    context = browser.new_context()
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda error: problems.append(str(error)))
    opened.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"),
                                        dialog.dismiss()))  # fmt: skip
    yield opened
    # The last view's images may still be arriving when the test ends: wait, then check.
    opened.wait_for_function("[...document.images].every(i => i.complete)", timeout=10_000)
    all_loaded = opened.evaluate("[...document.images].every(i => i.complete && i.naturalWidth)")
    context.close()
    assert problems == [] and all_loaded


def _in_view(page, view: str) -> bool:
    """Wait until the page shows ``view``: a hash change redraws after the navigation returns."""
    page.wait_for_selector(f'body[data-view="{view}"]', timeout=5000)
    return True


def _heading(page, text: str) -> bool:
    sync_api.expect(page.locator("h1")).to_have_text(text, timeout=5000)
    return True


def test_network_layer_channel_in_two_clicks(page, index):
    page.goto(index)
    assert _in_view(page, "network")
    assert page.locator("#network tbody tr").count() == 3
    page.click(f"a.layer-link:text-is('{LAYER}')")
    assert _in_view(page, "layer")
    assert page.locator("#channels a.channel").count() == 3
    page.click("#channels a.channel >> nth=2")
    assert _in_view(page, "channel")
    assert _heading(page, f"{LAYER}, channel 2")
    assert page.locator("#top figure").count() == K
    assert page.locator("#top .field").count() == K and page.locator("#top .peak").count() == K
    assert page.locator("#histogram .bar").count() == 20


def test_a_deep_link_opens_that_channel(page, index):
    page.goto(f"{index}#layer={quote(LAYER)}&ch=1")
    assert _in_view(page, "channel")
    assert _heading(page, f"{LAYER}, channel 1 (dead)")
    page.goto(f"{index}#layer=conv9&ch=1")  # no such layer: said, and the network shown
    assert _in_view(page, "network")
    assert page.locator("p.error").inner_text() == "No layer named conv9"
    page.goto(f"{index}#layer={quote(LAYER)}&ch=99")  # no such channel: the layer
    assert _in_view(page, "layer")


def test_numbers_keep_four_significant_digits(page, index):
    page.goto(index)
    assert _in_view(page, "network")
    shown = page.evaluate(
        "[1230, 1000, 2500.4, 10, 0.5, 0.12345, 100000, 6.018e-10, -0.25, 0]"
        ".map(ExplorerApp.fmt)"
    )
    assert shown == ["1230", "1000", "2500", "10", "0.5", "0.1235", "1e+5", "6.018e-10",
                     "-0.25", "0"]  # fmt: skip


def test_arrow_keys_move_between_channels(page, index):
    page.goto(f"{index}#layer={quote(LAYER)}&ch=0")
    page.keyboard.press("ArrowRight")
    assert _heading(page, f"{LAYER}, channel 1 (dead)")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")  # pressed before the page redraws; wraps round
    assert _heading(page, f"{LAYER}, channel 2")
    assert page.evaluate("location.hash") == f"#layer={quote(LAYER)}&ch=2"


def test_sorting_by_strength_puts_the_strongest_channel_first(page, index, site):
    _, model, pixels, _ = site
    act = activations(model, pixels[:1] / np.float32(255), LAYER)[0]
    page.goto(f"{index}#layer={quote(LAYER)}")
    assert _in_view(page, "layer")
    page.click("#sort-strength")
    order = page.eval_on_selector_all("#channels a.channel", "els => els.map(e => +e.dataset.ch)")
    assert order == np.argsort(-act.reshape(-1, 3).max(axis=0), kind="stable").tolist()
    assert page.locator("#channels a.channel.dead").count() == 1
    page.goto(index)  # the network's row: the strongest channels, linked
    assert _in_view(page, "network")
    row = page.locator("#network tbody tr").first
    thumbs = row.locator("td.thumbs a").evaluate_all("els => els.map(e => +e.dataset.ch)")
    assert thumbs == order
    row.locator("td.thumbs a").first.click()
    assert _heading(page, f"{LAYER}, channel {order[0]}")


def test_hostile_names_render_as_text(page, index):
    page.goto(f"{index}#layer={quote(LAYER)}")
    assert HOSTILE_FILE in page.locator("p.note").first.inner_text()
    assert page.locator('img[src="x"]').count() == 0
    page.goto(f"{index}#layer={quote(LAYER)}&ch=2")
    assert _in_view(page, "channel")
    captions = page.locator("#top figcaption").all_inner_texts()
    assert any(text.startswith(HOSTILE_FILE) for text in captions), captions


def test_another_image_of_the_set_can_be_picked(page, index, site):
    _, model, pixels, names = site
    act = activations(model, pixels[1:2] / np.float32(255), LAYER)[0]
    page.goto(f"{index}#layer={quote(LAYER)}")
    assert page.locator("#shown a.shown").count() == 2
    page.click("#shown a.shown >> nth=1")
    current = page.locator("#shown a.current")
    sync_api.expect(current).to_have_attribute("data-img", "1", timeout=5000)
    assert page.evaluate("location.hash") == f"#layer={quote(LAYER)}&img=1"
    assert page.locator("p.note").first.inner_text().startswith(f"Channels on {names[1]},")
    page.click("#sort-strength")
    order = page.eval_on_selector_all("#channels a.channel", "els => els.map(e => +e.dataset.ch)")
    assert order == np.argsort(-act.reshape(-1, 3).max(axis=0), kind="stable").tolist()


def _backgrounds_loaded(page, selector: str) -> bool:
    """Every CSS background image under ``selector`` loads (a broken URL fails the Image)."""
    urls = page.eval_on_selector_all(
        selector, "els => els.map(e => getComputedStyle(e).backgroundImage.slice(5, -2))"
    )
    assert urls
    return page.evaluate(
        """urls => Promise.all(urls.map(u => new Promise(ok => {
             const i = new Image();
             i.onload = () => ok(i.naturalWidth > 0);
             i.onerror = () => ok(false);
             i.src = u; }))).then(all => all.every(Boolean))""",
        urls,
    )


def test_the_channel_view_shows_the_map_on_the_images_its_dream_and_kernel(page, index):
    page.goto(f"{index}#layer={quote(LAYER)}&ch=0")
    assert _in_view(page, "channel")
    assert page.locator("#overlays figure").count() == 2  # the images shown
    assert page.locator("#overlays .tile.overlay").count() == 2
    assert page.locator("#overlays .pair .tile").count() == 4  # after and before the ReLU
    assert page.locator("#dream .tile").count() == 1 and page.locator("#kernel").count() == 1
    assert _backgrounds_loaded(page, "#overlays .tile, #dream .tile, #kernel")


def test_the_classes_view_is_one_click_from_the_index(page, index, site):
    _, model, pixels, _ = site
    scores = activations(model, pixels / np.float32(255), "dense")
    page.goto(index)
    page.click("#to-classes")
    assert _in_view(page, "classes")
    assert page.locator("#class-list a").count() == 2
    assert page.locator("#confusion").count() == 0  # a folder has no labels
    members = np.flatnonzero(scores.argmax(axis=1) == 1)
    page.click("#class-list a[data-c='1']")
    sync_api.expect(page.locator("#class-list a.current")).to_have_attribute("data-c", "1")
    assert page.locator("#class-most figure").count() == min(K, len(members))


def test_pointing_at_a_point_of_the_embedding_shows_its_image_and_name(page, index):
    page.goto(f"{index}#view=embedding")
    assert _in_view(page, "embedding")
    assert page.locator("#embedding circle").count() == 7
    page.locator("#embedding circle[data-i='0']").dispatch_event("mouseover")
    sync_api.expect(page.locator("#hovered-name")).to_contain_text(HOSTILE_FILE)  # as text
    assert page.locator('img[src="x"]').count() == 0
    assert _backgrounds_loaded(page, "#hovered .thumb")


@pytest.fixture(scope="module")
def fashion_index(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("fashion") / "site"
    argv = ["explore", "fashion", "--images", "fashion-test", "-o", str(out), "-k", "4"]
    assert main([*argv, "--max-images", "120", "--embed", "60", "--dreams", "4"]) == 0
    return (out / "index.html").as_uri()


@pytest.mark.dataset
def test_every_view_of_the_fashion_site(page, fashion_index):
    page.goto(fashion_index)
    assert _in_view(page, "network")
    assert page.locator("a.layer-link").all_inner_texts() == [
        "conv2d", "conv2d_1", "dense", "dense_1"
    ]  # fmt: skip
    page.click("#to-classes")
    assert _in_view(page, "classes")
    assert page.locator("#confusion tbody tr").count() == 10  # labelled: a confusion matrix
    page.click("#class-list a[data-c='9']")
    sync_api.expect(page.locator("#class-list a.current")).to_have_text("Ankle boot")
    assert page.locator("#class-most figure").count() == 4
    page.goto(fashion_index)
    page.click("#to-embedding")
    assert _in_view(page, "embedding")
    assert page.locator("#embedding circle").count() == 60
    assert page.locator("#legend .key").count() == 10
    page.goto(fashion_index)
    page.click("a.layer-link:text-is('conv2d_1')")
    assert _in_view(page, "layer")
    assert page.locator("#channels a.channel").count() == 64
    page.click("#channels a.channel >> nth=3")
    assert _heading(page, "conv2d_1, channel 3")
    assert page.locator("#dream .tile").count() == 1 and page.locator("#kernel").count() == 1
    assert _backgrounds_loaded(page, "#overlays .tile, #dream .tile, #kernel")
    page.keyboard.press("ArrowRight")
    assert _heading(page, "conv2d_1, channel 4")
    assert "Only the first 4 channels" in page.locator("#dream").inner_text()  # --dreams 4
