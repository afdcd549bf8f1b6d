"""The explorer's targets: the Fashion CNN over all 10,000 test images, and its first paint.

Run ``python benchmarks/bench_explore.py`` (``--tiny`` for 200 images, ``--save``
to write ``results/explore.json``). It writes the site the command line writes
(``activations explore fashion --images fashion-test --max-images N``: every
conv and dense layer, 9 top images per channel, 64 dreams per layer, t-SNE of
1,000 images) through :func:`activations.explore.write_explorer`, after the
model and the images are loaded, and reports:

- the wall time of ``write_explorer`` (target <= 90 s for 10,000 images);
- the site's size on disk and its number of files (target <= 60 MB);
- the peak resident memory above the loaded model and data (target <= 1 GB);
- the first paint after opening ``index.html`` in Chromium from ``file://``
  (the Performance API's ``first-contentful-paint``; median of 5 fresh pages;
  target <= 500 ms), and when the network view was drawn (the page's own
  ``explorer-drawn`` mark).

One run each; the machine's load is saved beside the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _memory import PeakRSS, rss_mb  # benchmarks/ is on sys.path when a script runs
from _timing import save

from activations import zoo  # noqa: E402
from activations.datasets import CLASS_NAMES, fashion_mnist  # noqa: E402
from activations.explore import write_explorer  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def build(n: int, out: Path) -> dict:
    model = zoo.fashion_cnn()
    _, (images, labels) = fashion_mnist()
    images, labels = images[:n, ..., None], labels[:n]
    names = [f"#{i} {CLASS_NAMES[y]}" for i, y in enumerate(labels)]
    before = rss_mb()
    start = time.perf_counter()
    with PeakRSS() as peak:
        write_explorer(
            model, images, out, labels=labels, class_names=CLASS_NAMES, names=names,
            images_name="Fashion-MNIST test images",
        )  # fmt: skip
    seconds = time.perf_counter() - start
    files = [p for p in out.rglob("*") if p.is_file()]
    return {
        "images": n,
        "seconds": seconds,
        "site MB": sum(p.stat().st_size for p in files) / 1e6,
        "files": len(files),
        "data.js MB": (out / "data.js").stat().st_size / 1e6,
        "peak MB above loaded model and data": peak.peak - before,
    }


def first_paint(index: Path, loads: int = 5) -> dict:
    from playwright.sync_api import sync_playwright

    paints, drawn = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for _ in range(loads):
            page = browser.new_context().new_page()
            page.goto(index.as_uri())
            page.wait_for_selector('body[data-view="network"]')
            paints.append(
                page.evaluate(
                    "performance.getEntriesByName('first-contentful-paint')[0].startTime"
                )
            )
            drawn.append(
                page.evaluate("performance.getEntriesByName('explorer-drawn')[0].startTime")
            )
            page.context.close()
        browser.close()
    return {
        "first contentful paint ms (median of 5)": statistics.median(paints),
        "first contentful paint ms (all)": paints,
        "network view drawn by ms (median)": statistics.median(drawn),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="200 images: shows the script works")
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--save", action="store_true", help="write results/explore.json")
    args = parser.parse_args(argv)
    n = 200 if args.tiny else args.images
    with tempfile.TemporaryDirectory() as temp:
        out = Path(temp) / "site"
        row = build(n, out)
        print({k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}, flush=True)
        row.update(first_paint(out / "index.html"))
    print({k: v for k, v in row.items() if "all" not in k}, flush=True)
    if args.save and not args.tiny:
        print(f"wrote {save('explore', [row])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
