"""Peak resident memory of a block of code, sampled in a thread (Linux)."""

from __future__ import annotations

import os
import threading

__all__ = ["PeakRSS", "rss_mb"]


def rss_mb() -> float:
    """This process's resident set size in MB."""
    with open("/proc/self/statm") as f:  # Linux: resident pages are the 2nd field
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


class PeakRSS:
    """Sample the resident set size every few ms in a thread; keep the peak."""

    def __enter__(self):
        self.peak, self._stop = rss_mb(), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())
