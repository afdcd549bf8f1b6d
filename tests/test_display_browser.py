"""Every result's notebook view in headless Chromium: hostile names stay text, thumbnails load.

Playwright drives Debian's system Chromium (its own browser download is not
available here). Chromium is required: without it these tests fail (CI installs it).
"""

from __future__ import annotations

import numpy as np
import pytest

from activations import (
    ChannelStats,
    LayerInfo,
    NetworkTable,
    ReceptiveField,
    TopImages,
    compare_channels,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCRIPT = "<script>window.pwned = 1</script>"
IMG = '<img src=x onerror="window.pwned = 2">'


def _results() -> tuple[list[object], str]:
    """One of each result, hostile names where names come from outside; and a thumbnail view."""
    rng = np.random.default_rng(0)
    row = LayerInfo(IMG, "Conv2D", (6, 6, 4), "relu", {"kernel": (3, 3, 1, 4)}, 36)
    table = NetworkTable(SCRIPT, (8, 8, 1), (row,) * 12)
    field = ReceptiveField(size=(3, 3), stride=(1, 1), offset=(-1, -1))
    top = TopImages(
        layer=SCRIPT,
        channels=np.arange(12),
        indices=rng.integers(0, 20, (12, 3)),
        values=np.sort(rng.random((12, 3), dtype=np.float32))[:, ::-1],
        positions=rng.integers(0, 6, (12, 3, 2)),
        by="max",
        n_images=20,
        map_shape=(6, 6),
        field=field,
        image_shape=(8, 8, 1),
    )
    per_image_max = rng.random((20, 12), dtype=np.float32)
    stats = ChannelStats(
        per_image_max.max(0), per_image_max.mean(0), per_image_max.min(0), per_image_max, 20
    )
    act = rng.random((6, 6, 12))
    comparison = compare_channels(act, act * 0.5, k=12)  # every channel drops
    thumbnails = top.to_html(rng.integers(0, 256, (20, 8, 8, 1), dtype=np.uint8))
    return [table, row, top, stats, comparison, field], thumbnails


def test_every_notebook_view_renders_without_running_a_hostile_name(browser):
    results, thumbnails = _results()
    views = [r._repr_html_() for r in results] + [thumbnails]
    page_html = "<!doctype html><body>" + "".join(f"<section>{v}</section>" for v in views)
    page = browser.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("dialog", lambda dialog: (problems.append(dialog.message), dialog.dismiss()))
    page.set_content(page_html, wait_until="load")
    page.wait_for_timeout(200)  # time for an injected onerror to fire
    assert page.evaluate("window.pwned") is None and problems == []
    assert page.locator("script").count() == 0
    assert page.locator("section > .activations-result > table").count() == len(views)
    sizes = page.eval_on_selector_all(
        "img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])"
    )
    assert len(sizes) == 4 * 3 and all(s[0] and s[1] > 0 and s[2] > 0 for s in sizes)
    text = page.inner_text("body")
    assert SCRIPT in text and IMG in text  # shown as text, never run
    assert text.count("... and 2 more channels") == 4  # top (twice), stats, comparison
    assert "... and 2 more layers" in text
