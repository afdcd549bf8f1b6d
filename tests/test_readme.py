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
    for i, block in enumerate(blocks):
        exec(compile(block, f"README.md block {i}", "exec"), {})
    assert (tmp_path / "conv2d.png").stat().st_size > 0
    assert (tmp_path / "eye.png").stat().st_size > 0
