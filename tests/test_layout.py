"""The house rules of the package layout: imports run one way only.

The array API and the models (``activations/_*.py``, ``plot``, ``zoo``,
``datasets``, ``training``) import neither the report nor the command line;
the report never imports the command line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "activations"


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _modules(*parts: str) -> list[Path]:
    return sorted(p for part in parts for p in (PACKAGE / part).glob("*.py"))


FLOORS = {
    "core": (_modules(".", "plot", "zoo", "datasets"), ("activations.report", "activations.cli")),
    "report": (_modules("report"), ("activations.cli",)),
}


@pytest.mark.parametrize("floor", sorted(FLOORS))
def test_no_import_runs_upward(floor):
    paths, above = FLOORS[floor]
    assert paths
    upward = {
        f"{path.relative_to(PACKAGE.parent)}: {name}"
        for path in paths
        if path.name != "__main__.py"  # `python -m activations` runs the command line
        for name in _imports(path)
        if name.startswith(above)
    }
    assert upward == set()
