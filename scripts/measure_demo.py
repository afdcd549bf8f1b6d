"""Time ``activations demo`` in fresh processes; write the times as JSON.

    python scripts/measure_demo.py             # 3 runs -> benchmarks/results/demo.json
    python scripts/measure_demo.py -n 5 --out /tmp/demo.json

Each run is a new Python process (``python -m activations demo -o TMP``), so
every run pays the imports, the model loads and TensorFlow's start-up, as a user
does. Wall time and the process's user and system CPU time (``getrusage`` of the
child) are recorded per run, with the machine's CPU count and load average: on a
shared machine the CPU time says how much of the wall time was the demo's own
work. The README's demo time is read from this file, never typed by hand.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "demo.json"


def run_once() -> dict[str, float]:
    """One demo in a fresh process: wall, user and sys seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "activations", "demo", "-o", f"{tmp}/demo-out"]
        start = time.perf_counter()
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        sys.exit(f"measure_demo: the demo failed (exit {completed.returncode}):\n"
                 f"{completed.stderr[-3000:]}")  # fmt: skip
    return {
        "wall_s": round(wall, 2),
        "user_s": round(after.ru_utime - before.ru_utime, 2),
        "sys_s": round(after.ru_stime - before.ru_stime, 2),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=3, help="runs (default 3)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file to write")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"expected --runs >= 1, received {args.runs}")
    runs = []
    for i in range(args.runs):
        runs.append(run_once())
        print(f"run {i + 1}/{args.runs}: {runs[-1]}", flush=True)
    walls = [r["wall_s"] for r in runs]
    result = {
        "command": "activations demo -o DIR (fresh process per run)",
        "median_wall_s": round(statistics.median(walls), 2),
        "wall_s": walls,
        "median_cpu_s": round(statistics.median(r["user_s"] + r["sys_s"] for r in runs), 2),
        "runs": runs,
        "cpus": os.cpu_count(),
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "machine": platform.machine(),
        "python": platform.python_version(),
        "date": datetime.date.today().isoformat(),
        "note": "wall time on a machine that may be shared with other work; "
        "user + sys is the demo's own CPU time",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"median {result['median_wall_s']} s wall of {walls}; written to {args.out}")
    return result


if __name__ == "__main__":
    main()
