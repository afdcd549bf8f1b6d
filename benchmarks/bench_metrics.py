"""Benchmark metrics.deletion(): 256 Fashion-MNIST test images, 28 steps, batched per step.

Run ``python benchmarks/bench_metrics.py`` (``--repeats 1`` for a quick check; ``--save``
writes results/metrics.json). Deletion scores the images and then one masked copy per
image and step, 256 per forward pass (``batch_size=256``): 29 passes (the images
themselves, then 28 steps). The floor is 28 ``predict_on_batch`` calls on the same 256
images, the forward passes alone; a second line gives 29. Needs the Fashion-MNIST files
(Debian's dataset-fashion-mnist). Times are interleaved round by round after warm-up
calls (``_timing.interleaved``); compare the ratios, absolute times vary between machines
and runs (and with other processes on the machine).
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from _timing import environment, interleaved, save, table  # benchmarks/ is on sys.path

from activations import datasets, metrics, zoo  # noqa: E402

IMAGES, STEPS = 256, 28


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="rounds (default 7)")
    parser.add_argument("--save", action="store_true", help="write results/metrics.json")
    args = parser.parse_args()
    model = zoo.fashion_cnn()
    _, (x_test, y_test) = datasets.fashion_mnist()
    x = (x_test[:IMAGES, ..., None] / 255.0).astype(np.float32)
    y = y_test[:IMAGES].astype(np.int64)
    maps = np.random.default_rng(0).random(x.shape[:3]).astype(np.float32)

    def passes(k: int):
        def run() -> None:
            for _ in range(k):
                model.predict_on_batch(x)

        return run

    def deletion() -> None:
        metrics.deletion(model, x, maps, y, steps=STEPS, batch_size=IMAGES, progress=False)

    timings = interleaved(
        {
            f"{STEPS} predict_on_batch of the {IMAGES} images": passes(STEPS),
            f"{STEPS + 1} predict_on_batch of the {IMAGES} images": passes(STEPS + 1),
            "metrics.deletion": deletion,
        },
        rounds=args.repeats,
    )
    env = environment()
    load = env["load_average_1min"]
    print(f"backend {keras.backend.backend()}, {env['cpus']} CPUs, load {load}")
    print(table(timings, f"deletion of {IMAGES} 28x28 images, {STEPS} steps, batch {IMAGES}"))
    if args.save:
        runs = [
            {
                "images": IMAGES,
                "steps": STEPS,
                "timings": {k: t.as_dict() for k, t in timings.items()},
            }
        ]
        print(f"wrote {save('metrics', runs)}")


if __name__ == "__main__":
    main()
