"""The house rules of the package layout: rooms with one contract each, imports one way.

- ``_arrays``: NumPy in, NumPy out; imports neither Keras nor any other room.
- ``_engine``: Keras in, host arrays out; the only room that reaches Keras' internals
  (``_keras_history``, ``_inbound_nodes``, ``_flatten_layers``, ...) and branches on
  the backend; imports ``_arrays`` only.
- ``_probes`` (forward passes) may use the engine and arrays; ``_explain`` (why the
  network decides) those and the probes.
- Above them: ``plot``, ``zoo``, ``datasets``, ``metrics``, ``training``, ``distributed``; then the
  report; then the explorer (a static site, which may use the report's page helpers);
  then the command line. Nothing imports upward.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "activations"
ROOMS = ("_arrays", "_engine", "_probes", "_explain")


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


def _room(name: str) -> str:
    return f"activations.{name}"


# room -> the package modules it must not import (prefixes)
FORBIDDEN = {
    "_arrays": ("keras", "tensorflow", "jax", "torch", *(_room(r) for r in ROOMS[1:])),
    "_engine": tuple(_room(r) for r in ("_probes", "_explain")),
    "_probes": (_room("_explain"),),
    "_explain": (),
}
ABOVE = ("activations.report", "activations.explore", "activations.cli")
FLOORS = {
    "core": (
        _modules(".", *ROOMS, "plot", "zoo", "datasets", "distributed", "metrics"),
        ("activations.report", "activations.explore", "activations.cli"),
    ),
    "report": (_modules("report"), ("activations.explore", "activations.cli")),
    "explore": (_modules("explore"), ("activations.cli",)),
}


@pytest.mark.parametrize("room", ROOMS)
def test_each_room_keeps_its_contract(room):
    paths = _modules(room)
    assert len(paths) >= 4, f"room {room} is empty"
    broken = {
        f"{path.relative_to(PACKAGE.parent)}: {name}"
        for path in paths
        for name in _imports(path)
        if name.startswith((*FORBIDDEN[room], *ABOVE))
    }
    assert broken == set()


def test_no_private_module_is_left_outside_the_rooms():
    """The flat layout is gone: private code lives in a room (``_types`` is public aliases)."""
    flat = {p.name for p in PACKAGE.glob("_*.py")} - {"__init__.py", "__main__.py", "_types.py"}
    assert flat == set()


KERAS_INTERNALS = re.compile(
    r"\._(keras_history|inbound_nodes|outbound_nodes|flatten_layers|functional)\b"
)


def test_only_the_engine_reaches_keras_internals():
    outside = {
        f"{path.relative_to(PACKAGE.parent)}: {match[0]}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "_engine" not in path.parts
        for match in KERAS_INTERNALS.finditer(path.read_text())
    }
    assert outside == set()  # e.g. receptive_field walks graphs via trace.parents/producer


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
