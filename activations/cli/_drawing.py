"""Figures that stop drawing when asked to: a SIGTERM ends a long sheet at its next tile.

Matplotlib lays out and renders a figure in one call (``savefig``) that has no
place to check for a stop request. :func:`add_stop_checks` puts an invisible
artist on each Axes that checks when it is measured (the layout) and drawn (the
rendering), so a stop request ends the call at the next Axes; the saved file is
never half-written (``save_figure`` writes it through a temporary file).
"""

from __future__ import annotations

from typing import Any

from matplotlib.artist import Artist

from activations._engine.stop import check_stop

__all__ = ["StopCheck", "add_stop_checks"]


class StopCheck(Artist):
    """Draws nothing and takes no room; checks for a stop request when measured or drawn."""

    def __init__(self) -> None:
        super().__init__()
        self.set_clip_on(False)  # else the layout leaves it out and never measures it

    def draw(self, renderer: Any) -> None:
        check_stop()

    def get_tightbbox(self, renderer: Any = None) -> None:
        check_stop()
        return None


def add_stop_checks(fig: Any) -> None:
    """Make laying out and rendering ``fig`` check for a stop request at each of its Axes."""
    for ax in fig.axes:
        ax.add_artist(StopCheck())
