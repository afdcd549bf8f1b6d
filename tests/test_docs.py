"""The documentation site builds offline with warnings as errors, and documents every public name.

One build per session (about three minutes on two cores: it executes every tutorial
notebook), so these tests carry the ``docs`` marker: ``scripts/test.sh`` runs them in a
stage of their own, and ``slow`` leaves them out of the inner loop.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
TUTORIALS = sorted((DOCS / "tutorials").glob("*.ipynb"))
PUBLIC = ("activations", "activations.plot", "activations.zoo", "activations.datasets",
          "activations.distributed", "activations.explore", "activations.reference")  # fmt: skip

pytestmark = [pytest.mark.docs, pytest.mark.slow]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site built from this checkout: ``sphinx-build -W --keep-going``, offline."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(out / "doctrees"), str(DOCS), str(out / "html")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=540,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-4000:]
    return out / "html"


def _inventory(site: Path) -> set[str]:
    """The object names of the site's ``objects.inv``."""
    data = (site / "objects.inv").read_bytes()
    body = zlib.decompress(data.split(b"\n", 4)[4]).decode()
    return {line.split(" ", 1)[0] for line in body.splitlines()}


def test_every_public_name_has_a_page(site):
    names = _inventory(site)
    want = {f"{m}.{n}" for m in PUBLIC for n in importlib.import_module(m).__all__}
    want -= {"activations.__version__"}  # a string; the reference's index states it
    assert len(want) > 60
    assert sorted(want - names) == []
    assert set(PUBLIC) <= names  # each module's own page


def test_tutorials_ran_at_build_time(site):
    """Each notebook is committed without outputs and rendered with this build's outputs."""
    assert len(TUTORIALS) >= 7
    for notebook in TUTORIALS:
        cells = json.loads(notebook.read_text())["cells"]
        assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code"), notebook.name
        html = (site / "tutorials" / f"{notebook.stem}.html").read_text()
        assert html.count('class="cell_output') >= 1, notebook.name
        assert "Traceback" not in html and "Error" not in html, notebook.name
    figures = {n.stem: re.findall(r'<img[^>]*src="(\.\./_images/[^"]+\.png)"', (
        site / "tutorials" / f"{n.stem}.html").read_text()) for n in TUTORIALS}  # fmt: skip
    drawn = ("fashion_cnn", "squeezenet_walkthrough", "eye_probe", "why_it_decides",
             "what_a_channel_means")  # fmt: skip
    for name in drawn:
        assert len(figures[name]) >= 2, name
        for src in figures[name]:
            assert (site / "tutorials" / src).stat().st_size > 1000


def test_measured_figures_render(site):
    """The performance tables are HTML tables; the validation page shows the history's accuracy."""
    html = (site / "performance.html").read_text()
    assert html.count("<table") >= 2 and "ours / floor" in html
    history = json.loads((ROOT / "activations/zoo/weights/fashion_cnn_history.json").read_text())
    assert f"{history['test_accuracy']:.4f}" in (site / "validation.html").read_text()


def test_site_loads_nothing_from_another_host(site):
    """No page loads a script, style, font or image from elsewhere (no CDN): it works offline."""
    pages = list(site.rglob("*.html"))
    assert len(pages) > 80
    for page in pages:
        remote = re.findall(
            r'<(?:script|link|img|iframe)[^>]*(?:src|href)="(?:https?:)?//', page.read_text()
        )
        assert remote == [], page
