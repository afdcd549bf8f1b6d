"""The README's Python code runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


@pytest.mark.dataset
def test_readme_python_blocks_run(tmp_path, monkeypatch):
    blocks = _blocks()
    assert len(blocks) >= 2
    monkeypatch.chdir(tmp_path)
    cluster = [b for b in blocks if b.startswith("# needs a running Ray cluster")]
    assert len(cluster) == 1  # only the cluster example is not run
    for i, block in enumerate(blocks):
        code = compile(block, f"README.md block {i}", "exec")  # every block compiles
        if block not in cluster:
            exec(code, {})
    for name in ("conv2d.png", "eye.png", "top.png", "tsne.png"):
        assert (tmp_path / name).stat().st_size > 0


def test_readme_figures_come_from_their_sources():
    """Every marked figure equals what scripts/readme_figures.py computes from its source."""
    import importlib.util

    path = README.parent / "scripts" / "readme_figures.py"
    spec = importlib.util.spec_from_file_location("readme_figures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found = module.figures(README.read_text())
    assert {"test_accuracy", "best_val_accuracy", "demo_seconds"} <= {k for k, *_ in found}
    assert [(k, old) for k, old, new in found if old != new] == []
