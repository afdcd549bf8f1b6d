"""Progress bars: shown on a terminal or when asked, silent otherwise."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

from activations import activations, channel_stats, top_images
from activations._engine.progress import progress_bar, show_progress

pytestmark = pytest.mark.core


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_auto_follows_the_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert show_progress("auto") is False
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert show_progress("auto") is True
    assert show_progress(False) is False and show_progress(True) is True


def test_a_shown_bar_counts_images(capsys):
    with progress_bar(True, total=10, desc="scan") as bar:
        bar.update(4)
        bar.update(6)
    err = capsys.readouterr().err
    assert "scan" in err and "10/10" in err


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x, p: activations(m, x, "conv2d", batch_size=4, progress=p),
        lambda m, x, p: activations(m, iter([x[:4], x[4:]]), "conv2d", progress=p),
        lambda m, x, p: channel_stats(m, x, "conv2d", batch_size=4, progress=p),
        lambda m, x, p: top_images(m, x, "conv2d", batch_size=4, progress=p),
    ],
    ids=["activations", "activations-iterable", "channel_stats", "top_images"],
)
def test_long_loops_show_a_bar_only_when_asked(small_cnn, capsys, call):
    x = np.zeros((10, 12, 12, 1), np.float32)
    call(small_cnn, x, "auto")  # pytest's captured stderr is no terminal
    call(small_cnn, x, False)
    assert capsys.readouterr().err == ""
    call(small_cnn, x, True)
    err = capsys.readouterr().err
    assert "10" in err and "img" in err


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_bad_values(small_cnn, bad):
    with pytest.raises(ValueError, match=r'Expected `progress` to be True, False or "auto"'):
        activations(small_cnn, np.zeros((2, 12, 12, 1), np.float32), "conv2d", progress=bad)
