"""t-SNE inside ``embed()``: one thread for scikit-learn's pools (ours) against two.

Run ``python benchmarks/bench_embed.py`` (``--save`` writes results/embed.json;
``--images 300`` for a quick check). TensorFlow is loaded and has run the model,
as in a user's session; then ``embed`` of the first 1,000 Fashion-MNIST test
images at ``conv2d`` (28x28x32 values each) is timed with scikit-learn's OpenMP
and BLAS pools bounded to one thread (``FIT_THREADS``, the library's choice) and
to two (the machine's cores), in turn, round by round: once on the otherwise idle
machine, once with one core kept busy by another process (``--busy 1``: a
spinning loop, standing in for TensorFlow or any other work beside the fit).
Needs the Fashion-MNIST files (Debian's dataset-fashion-mnist).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
from unittest import mock

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from _timing import interleaved, save, table  # benchmarks/ is on sys.path when a script runs

import activations._arrays.embed as embed_module  # noqa: E402
from activations import activations, datasets, embed, zoo  # noqa: E402


def _spin(stop) -> None:
    while not stop.is_set():
        pass


def _timed(fits: dict, rounds: int, busy: int) -> dict:
    """``interleaved`` timings of ``fits`` with ``busy`` other processes spinning."""
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=_spin, args=(stop,)) for _ in range(busy)]
    for process in spinners:
        process.start()
    try:
        return interleaved(fits, rounds=rounds, warmup=1)
    finally:
        stop.set()
        for process in spinners:
            process.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1000, help="images embedded (1000)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (3)")
    parser.add_argument("--save", action="store_true", help="write results/embed.json")
    args = parser.parse_args()
    _, (x_test, _) = datasets.fashion_mnist()
    x = x_test[: args.images, ..., None] / np.float32(255)
    acts = activations(zoo.fashion_cnn(), x, "conv2d", progress=False)

    def fit(threads: int):
        def run():
            with mock.patch.object(embed_module, "FIT_THREADS", threads):
                return embed(acts)

        return run

    runs = []
    for busy in (0, 1):
        timings = _timed({"1 thread (ours)": fit(1), "2 threads": fit(2)}, args.rounds, busy)
        title = (f"embed (t-SNE) of {args.images} images at conv2d, {acts[0].size} values "
                 f"each; {busy} core(s) busy with other work")  # fmt: skip
        print(table(timings, title, unit="s"))
        runs.append({"images": args.images, "layer": "conv2d", "cores": os.cpu_count(),
                     "busy": busy, "timings": {name: {"median_s": t.median,
                     "times_s": list(t.times), "ratio": t.ratio}
                     for name, t in timings.items()}})  # fmt: skip
    if args.save:
        print(f"wrote {save('embed', runs)}")


if __name__ == "__main__":
    main()
