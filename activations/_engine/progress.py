"""Progress bars for long loops (tqdm): on a terminal or in a notebook, silent in pipes."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm  # the text bar: also readable in a notebook's stderr

__all__ = ["PROGRESS_CHOICES", "check_progress", "progress_bar", "show_progress"]

PROGRESS_CHOICES = (True, False, "auto")


def check_progress(progress: Any) -> None:
    """Refuse anything but ``True``, ``False`` or ``"auto"``."""
    if not (isinstance(progress, bool) or (isinstance(progress, str) and progress == "auto")):
        raise ValueError(
            f'Expected `progress` to be True, False or "auto". Received: progress={progress!r}'
        )


def show_progress(progress: bool | str) -> bool:
    """Whether a bar is drawn: ``"auto"`` draws one on a terminal or in a Jupyter kernel."""
    check_progress(progress)
    if progress == "auto":
        isatty = getattr(sys.stderr, "isatty", None)
        return bool(isatty and isatty()) or "ipykernel" in sys.modules
    return bool(progress)


def progress_bar(
    progress: bool | str, *, total: int | None, desc: str, unit: str = "img"
) -> tqdm:
    """A tqdm bar over ``total`` items (None: unknown), disabled when not shown.

    A disabled bar costs next to nothing, so callers always ``update`` it.
    tqdm writes to stderr and leaves the finished bar on screen.
    """
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        disable=not show_progress(progress),
        dynamic_ncols=True,
    )
