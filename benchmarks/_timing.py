"""The timing rule of every benchmark here: contenders interleaved, medians and spread.

On a shared machine the load moves while a benchmark runs; timing contender A
for a while and then contender B puts that drift into the ratio. Here every
round times each contender once, in turn (A, B, C, A, B, C, ...), after warm-up
calls of each, and the ratios are taken round by round: ``ratio[i] = time of
the contender in round i / time of the floor in round i``. The report gives the
median time and the median ratio, with their spread (min..max over rounds).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RESULTS", "Timing", "environment", "interleaved", "median_time", "save", "table"]

#: Where the benchmarks write the results the README's figures are filled from.
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Timing:
    """One contender's times (seconds) over the rounds, and its ratios to the floor."""

    name: str
    times: tuple[float, ...]
    ratios: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def ratio(self) -> float:
        """The median of the round-by-round ratios to the floor."""
        return statistics.median(self.ratios)

    def as_dict(self) -> dict:
        return {
            "median_s": self.median,
            "min_s": min(self.times),
            "max_s": max(self.times),
            "ratio": self.ratio,
            "ratio_min": min(self.ratios),
            "ratio_max": max(self.ratios),
            "rounds": len(self.times),
        }


def interleaved(
    contenders: Mapping[str, Callable[[], object]], rounds: int = 7, warmup: int = 2
) -> dict[str, Timing]:
    """Time each contender once per round, in turn; the first one is the floor.

    Parameters
    ----------
    contenders : mapping of name to a callable of no arguments
        In order; the first is the floor every ratio is taken against.
    rounds : int, default 7
        Timed rounds (each times every contender once).
    warmup : int, default 2
        Untimed calls of each contender first (compilation, caches).

    Returns
    -------
    dict of name to Timing
    """
    names = list(contenders)
    for _ in range(warmup):
        for name in names:
            contenders[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(rounds):
        for name in names:
            start = time.perf_counter()
            contenders[name]()
            times[name].append(time.perf_counter() - start)
    floor = times[names[0]]
    return {
        name: Timing(name, tuple(t), tuple(a / b for a, b in zip(t, floor)))
        for name, t in times.items()
    }


def table(timings: Mapping[str, Timing], title: str, unit: str = "ms") -> str:
    """A text table: median time, spread, and the median ratio to the floor with its spread."""
    scale = {"s": 1.0, "ms": 1e3}[unit]
    width = max(len(name) for name in timings) + 2
    lines = [title, f"  {'':{width}}{'median':>10} {'min..max':>19} {'ratio':>8} {'min..max':>13}"]
    for name, t in timings.items():
        spread = f"{min(t.times) * scale:.1f}..{max(t.times) * scale:.1f}"
        ratios = f"{min(t.ratios):.2f}..{max(t.ratios):.2f}"
        lines.append(
            f"  {name:{width}}{t.median * scale:>8.1f}{unit:>2} {spread:>19} "
            f"{t.ratio:>7.2f}x {ratios:>13}"
        )
    return "\n".join(lines)


def median_time(fn: Callable[[], object], repeats: int, warmup: int = 2) -> float:
    """Median wall time of ``fn()`` in seconds after ``warmup`` calls (one contender)."""
    return interleaved({"fn": fn}, rounds=repeats, warmup=warmup)["fn"].median


def environment() -> dict:
    """Where a result was measured: machine, CPUs, Python, backend and versions."""
    import keras

    return {
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def save(name: str, runs: list[dict], out: Path | None = None) -> Path:
    """Write ``{"environment": ..., "runs": runs}`` to ``out`` or ``RESULTS / name.json``.

    ``runs`` holds one dict per run of the benchmark (each round-by-round
    interleaved), so the spread between runs is kept too.
    """
    path = out if out is not None else RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"environment": environment(), "runs": runs}, indent=2) + "\n")
    return path
