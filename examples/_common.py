"""What every example script shares: saving a figure, and the --out/--small options."""

from __future__ import annotations

import argparse
from pathlib import Path

from matplotlib.figure import Figure

__all__ = ["example_parser", "save"]


def save(fig: Figure, path: Path, dpi: int) -> Path:
    """Save ``fig`` tightly cropped at ``dpi`` and say where."""
    fig.savefig(path, dpi=dpi, bbox_inches="tight", pad_inches=0.1)
    print(f"  wrote {path}")
    return path


def example_parser(doc: str, *, small_help: str = "quick run (low resolution)"):
    """The options of every example: ``--out DIR`` and ``--small``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--out", default="figures", help="directory for the PNG files")
    parser.add_argument("--small", action="store_true", help=small_help)
    return parser
