"""The README's Python code runs as written; its figures and the docs' come from their sources."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
# A path into the repository as documents write it: `examples/tsne.py`, docs/figures/x.png.
PATH = re.compile(
    r"(?<![\w/.~<-])((?:activations|benchmarks|data|docs|examples|scripts|tests)/[\w/.*-]*[\w*])(?![\w<])"
)


def _figures_module():
    path = ROOT / "scripts" / "readme_figures.py"
    spec = importlib.util.spec_from_file_location("readme_figures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def _documents() -> list[Path]:
    """README.md, the docs' pages and notebooks, and the READMEs of examples/ and data/."""
    pages = [p for p in DOCS.rglob("*") if p.suffix in (".md", ".ipynb")]
    pages = [p for p in pages if not {"_build", "generated"} & set(p.relative_to(DOCS).parts)]
    return [README, ROOT / "examples" / "README.md", ROOT / "data" / "README.md", *sorted(pages)]


@pytest.mark.dataset
def test_readme_python_blocks_run(tmp_path, monkeypatch):
    blocks = _blocks(README.read_text())
    assert len(blocks) >= 2
    monkeypatch.chdir(tmp_path)
    for i, block in enumerate(blocks):
        exec(compile(block, f"README.md block {i}", "exec"), {})
    for name in ("conv2d.png", "eye.png", "top.png", "tsne.png"):
        assert (tmp_path / name).stat().st_size > 0


def test_docs_python_blocks_compile():
    """The guide's code compiles; only the cluster example is never run (it needs a cluster)."""
    pages = [p for p in _documents() if p.suffix == ".md"]
    blocks = {(p, i): b for p in pages for i, b in enumerate(_blocks(p.read_text()))}
    assert len(blocks) >= 3
    for (page, i), block in blocks.items():
        compile(block, f"{page.name} block {i}", "exec")
    cluster = [k for k, b in blocks.items() if b.startswith("# needs a running Ray cluster")]
    assert [p.name for p, _ in cluster] == ["distributed.md"]


def test_readme_is_short():
    assert len(README.read_text()) <= 10_000


def test_figures_come_from_their_sources():
    """Every marked figure equals what scripts/readme_figures.py computes from its source."""
    module = _figures_module()
    assert README in module.documents() and DOCS / "performance.md" in module.documents()
    found = {path: module.figures(path.read_text()) for path in module.documents()}
    assert {"test_accuracy", "best_val_accuracy", "demo_seconds"} <= {k for k, *_ in found[README]}
    assert {"perf_table", "activations_table"} <= {k for k, *_ in found[DOCS / "performance.md"]}
    stale = [(p.name, k, old) for p, f in found.items() for k, old, new in f if old != new]
    assert stale == []


def test_no_figure_starts_a_line():
    """A line opening with ``<!--`` starts a raw HTML block in Markdown (CommonMark, GitHub,
    MyST): the figure and the rest of its line would drop out of the paragraph."""
    starts = re.compile(r"^ {0,3}<!--fig:[a-z_0-9]+-->.*<!--/fig-->")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in _documents()
        if path.suffix == ".md"
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if starts.match(line)
    ]
    assert found == []


def test_documents_name_only_files_in_the_repository():
    """No README, page or notebook names a file or folder the repository does not hold."""
    missing = []
    for doc in _documents():
        text = doc.read_text()
        if doc.suffix == ".ipynb":
            text = "\n".join("".join(c["source"]) for c in json.loads(text)["cells"])
        for path in PATH.findall(text):
            if path.startswith("docs/_build") or "NAME" in path:
                continue  # the built site; a placeholder
            found = any(ROOT.glob(path)) if "*" in path else (ROOT / path).exists()
            if not found:
                missing.append((doc.relative_to(ROOT).as_posix(), path))
        if "REFERENCE.md" in text:
            missing.append((doc.relative_to(ROOT).as_posix(), "REFERENCE.md"))
    assert len(_documents()) > 10
    assert missing == []
