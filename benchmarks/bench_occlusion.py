"""Benchmark occlusion_sensitivity() against one predict_on_batch per occluded copy.

Run ``python benchmarks/bench_occlusion.py`` (``--repeats 1`` for a quick check). One
28x28 Fashion-MNIST image (the shipped ankle boot) on the trained Fashion CNN, mask 4,
stride 2 (14 x 14 = 196 occluded copies). Times are interleaved round by round after
warm-up calls (``_timing.interleaved``), from one process; compare the ratio, absolute
times vary between machines and runs. The floor line is the model's forward pass alone
over all the copies in one batch, the cost any batched method pays: the ratio cannot get
much above the naive time over the floor.
"""

from __future__ import annotations

import argparse
import os
import platform

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from _timing import interleaved, save, table  # benchmarks/ is on sys.path when a script runs

from activations import datasets, occlusion_sensitivity, zoo  # noqa: E402
from activations._explain.occlusion import mask_positions  # noqa: E402

MASK, STRIDE = 4, 2


def one_predict_per_copy(model: keras.Model, x: np.ndarray, label: int) -> np.ndarray:
    """The naive loop: occlude, predict one copy, repeat (the same masks, the same value)."""
    base = float(np.asarray(model.predict_on_batch(x[None]))[0, label])
    spans = mask_positions(x.shape[0], MASK, STRIDE, True)
    fill = x.mean(axis=(0, 1))
    out = np.empty((len(spans), len(spans)), np.float32)
    for i, (r0, r1) in enumerate(spans):
        for j, (c0, c1) in enumerate(spans):
            copy = x.copy()
            copy[r0:r1, c0:c1] = fill
            out[i, j] = base - float(np.asarray(model.predict_on_batch(copy[None]))[0, label])
    return out


def all_copies(x: np.ndarray) -> np.ndarray:
    """The same occluded copies as one batch (N, 28, 28, 1), for the forward-pass floor."""
    spans = mask_positions(x.shape[0], MASK, STRIDE, True)
    copies = np.repeat(x[None], len(spans) ** 2, axis=0)
    for k, ((r0, r1), (c0, c1)) in enumerate((r, c) for r in spans for c in spans):
        copies[k, r0:r1, c0:c1] = x.mean(axis=(0, 1))
    return copies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="rounds (default 7)")
    parser.add_argument("--save", action="store_true", help="write results/occlusion.json")
    args = parser.parse_args()
    model = zoo.fashion_cnn()
    image, label = datasets.fashion_sample()
    x = (image[..., None] / 255.0).astype(np.float32)

    def batched() -> np.ndarray:
        return occlusion_sensitivity(
            model, x, label, mask_size=MASK, stride=STRIDE, output_upsampling="none"
        )

    fast, slow = batched(), one_predict_per_copy(model, x, label)
    largest = float(np.abs(fast - slow).max())
    copies = all_copies(x)
    timings = interleaved(
        {
            "one predict_on_batch of all copies": lambda: model.predict_on_batch(copies),
            "occlusion_sensitivity": batched,
            "one predict_on_batch per copy": lambda: one_predict_per_copy(model, x, label),
        },
        rounds=args.repeats,
    )
    print(f"backend {keras.backend.backend()}, {platform.machine()}, {os.cpu_count()} CPUs")
    title = f"{fast.size} occluded copies of one 28x28 image, mask {MASK}, stride {STRIDE}"
    print(table(timings, title))
    print(f"largest difference of the maps {largest:.2g}")
    if args.save:
        runs = [{"copies": len(copies), "timings": {k: t.as_dict() for k, t in timings.items()}}]
        print(f"wrote {save('occlusion', runs)}")


if __name__ == "__main__":
    main()
