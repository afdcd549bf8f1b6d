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
