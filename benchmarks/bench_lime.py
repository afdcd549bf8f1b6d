"""Benchmark image_lime(): 1,000 samples of one 160x160 face on the face network.

Run ``python benchmarks/bench_lime.py`` (``--repeats 1`` for a quick check; ``--save``
writes results/lime.json). The face photo (``datasets.face()``, 160x160) is explained
for the face network's ``face_score`` class 1 (a face), with MATLAB's defaults except
``num_samples=1000``, superpixels and grid. The floor is the model's forward pass alone
over 1,000 copies of the photo, 128 per ``predict_on_batch`` (image_lime's batch size):
what any batched LIME pays. Times are interleaved round by round after warm-up calls
(``_timing.interleaved``); compare the ratios, absolute times vary between machines and
runs (and with other processes on the machine).
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from _timing import environment, interleaved, save, table  # benchmarks/ is on sys.path

from activations import datasets, image_lime, zoo  # noqa: E402

SAMPLES, BATCH = 1000, 128


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--save", action="store_true", help="write results/lime.json")
    args = parser.parse_args()
    net = zoo.face_net()
    x = datasets.face().astype(np.float32)
    copies = np.repeat(x[None], BATCH, axis=0)
    last = copies[: SAMPLES % BATCH]

    def forward_only() -> None:
        for _ in range(SAMPLES // BATCH):
            net.predict_on_batch(copies)
        net.predict_on_batch(last)

    def lime(segmentation: str):
        return lambda: image_lime(
            net, x, 1, num_samples=SAMPLES, segmentation=segmentation,
            reduction_layer="face_score", seed=0, progress=False,
        )  # fmt: skip

    timings = interleaved(
        {
            f"forward pass of {SAMPLES} copies": forward_only,
            "image_lime superpixels": lime("superpixels"),
            "image_lime grid": lime("grid"),
        },
        rounds=args.repeats,
    )
    env = environment()
    load = env["load_average_1min"]
    print(f"backend {keras.backend.backend()}, {env['cpus']} CPUs, load {load}")
    print(table(timings, f"LIME of one 160x160 face, {SAMPLES} samples, batch {BATCH}", "s"))
    if args.save:
        runs = [{"samples": SAMPLES, "timings": {k: t.as_dict() for k, t in timings.items()}}]
        print(f"wrote {save('lime', runs)}")


if __name__ == "__main__":
    main()
