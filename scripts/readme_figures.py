"""Write the README's measured figures from the files that measured them.

Every figure in README.md that comes from a run (the shipped model's accuracy, the
demo's time, ...) sits between markers, ``<!--fig:KEY-->value<!--/fig-->``; this
script fills each from its source, so no figure is typed by hand:

    python scripts/readme_figures.py           # rewrite README.md
    python scripts/readme_figures.py --check   # exit 1 and list the figures that differ

``tests/test_readme.py`` runs the check. The sources:

- ``activations/zoo/weights/fashion_cnn_history.json``: ``activations train-fashion``'s
  history of the shipped Fashion CNN;
- ``benchmarks/results/demo.json``: ``python scripts/measure_demo.py`` (the demo's time).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
HISTORY = ROOT / "activations" / "zoo" / "weights" / "fashion_cnn_history.json"
DEMO = ROOT / "benchmarks" / "results" / "demo.json"
MARKER = re.compile(r"<!--fig:([\w.]+)-->(.*?)<!--/fig-->", re.S)


def _history(key: str, spec: str) -> Callable[[], str]:
    return lambda: format(json.loads(HISTORY.read_text())[key], spec)


SOURCES: dict[str, Callable[[], str]] = {
    "test_accuracy": _history("test_accuracy", ".4f"),
    "test_loss": _history("test_loss", ".4f"),
    "best_val_accuracy": _history("best_val_accuracy", ".4f"),
    "best_val_loss": _history("best_val_loss", ".4f"),
    "best_epoch": _history("best_epoch", "d"),
    "epochs_run": _history("epochs_run", "d"),
    "demo_seconds": lambda: format(json.loads(DEMO.read_text())["median_wall_s"], ".0f"),
    "demo_runs": lambda: str(len(json.loads(DEMO.read_text())["runs"])),
}


def figures(text: str) -> list[tuple[str, str, str]]:
    """(key, value in the text, value from its source) for every marker in ``text``."""
    found = []
    for match in MARKER.finditer(text):
        key = match[1]
        if key not in SOURCES:
            raise KeyError(f"README figure {key!r} has no source; known: {sorted(SOURCES)}")
        found.append((key, match[2], SOURCES[key]()))
    return found


def fill(text: str) -> str:
    """``text`` with every marked figure replaced by its source's value."""
    return MARKER.sub(lambda m: f"<!--fig:{m[1]}-->{SOURCES[m[1]]()}<!--/fig-->", text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only list figures that differ")
    args = parser.parse_args(argv)
    text = README.read_text()
    stale = [(k, old, new) for k, old, new in figures(text) if old != new]
    if args.check:
        for key, old, new in stale:
            print(f"README figure {key}: {old!r}, its source says {new!r}")
        return 1 if stale else 0
    README.write_text(fill(text))
    print(f"{len(stale)} figure(s) updated in {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
