"""Benchmark and check top_images() on the trained Fashion CNN.

Run ``python benchmarks/bench_top.py`` (``--tiny`` for a quick check). From
one process and machine, so compare the ratios:

- speed: ``top_images`` of conv2d_1 over the 10,000 test images against
  ``predict_on_batch`` on the same batches of 128, interleaved round by round
  (``_timing.interleaved``: medians and the ratio's spread);
- class coherence: the share of each channel's top 9 that belong to its most
  common class, for conv2d_1 and the live units of dense, against random sets
  of 9; and the top 9 against brute force (an argsort of ``channel_stats``'
  per-image maxima);
- memory: the peak resident memory above the warmed-up model while
  ``top_images`` streams the 70,000 train + test images (in a fresh process).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from collections.abc import Iterator

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from _memory import PeakRSS, rss_mb  # benchmarks/ is on sys.path when a script runs
from _timing import interleaved, save, table

from activations import channel_stats, datasets, top_images, zoo  # noqa: E402

BATCH = 128


def batches(images: np.ndarray, size: int = BATCH) -> Iterator[np.ndarray]:
    """Float batches in 0..1 from uint8 images, made one at a time."""
    for start in range(0, len(images), size):
        yield (images[start : start + size, ..., None] / 255.0).astype(np.float32)


def speed(model: keras.Model, x: np.ndarray, repeats: int) -> dict:
    chunks = [x[i : i + BATCH] for i in range(0, len(x), BATCH)]

    def predict() -> None:
        for chunk in chunks:
            model.predict_on_batch(chunk)

    def top() -> None:
        top_images(model, x, "conv2d_1", k=9, batch_size=BATCH, progress=False)

    timings = interleaved({"predict_on_batch": predict, "top_images": top}, rounds=repeats)
    print(table(timings, f"top_images of conv2d_1, {len(x)} images, batches of {BATCH}", "s"))
    t_predict, t_top = timings["predict_on_batch"], timings["top_images"]
    return {
        "images": len(x),
        "predict_on_batch images/s": len(x) / t_predict.median,
        "top_images images/s": len(x) / t_top.median,
        "top_images / predict_on_batch (time)": t_top.as_dict(),
    }


def coherence(model: keras.Model, x: np.ndarray, labels: np.ndarray, seed: int = 0) -> dict:
    out: dict = {}
    rng = np.random.default_rng(seed)
    for layer in ("conv2d_1", "dense"):
        top = top_images(model, x, layer, k=9, batch_size=BATCH, progress=False)
        per_image = channel_stats(model, x, layer, batch_size=BATCH).per_image_max
        live = per_image.max(axis=0) > 0
        brute = np.argsort(-per_image.T, axis=1, kind="stable")[:, :9]
        share = top.class_share(labels)
        random_share = [
            np.bincount(labels[rng.choice(len(x), 9, replace=False)], minlength=10).max() / 9
            for _ in range(1000)
        ]
        out[layer] = {
            "channels": int(len(live)),
            "live channels": int(live.sum()),
            "top-9 share of the most common class (live channels)": float(
                np.mean(np.asarray(share)[live])
            ),
            "random 9 share": float(np.mean(random_share)),
            "top-9 sets equal to brute force (channels)": int(
                sum(set(a) == set(b) for a, b in zip(top.indices, brute))
            ),
        }
    return out


def memory_child() -> dict:
    """Run in a subprocess: peak RSS above the warmed-up model while streaming 70,000 images."""
    model = zoo.fashion_cnn()
    (x_train, _), (x_test, _) = datasets.fashion_mnist()
    images = np.concatenate([x_train, x_test])  # uint8, 55 MB
    top_images(model, next(batches(images)), "conv2d_1", progress=False)  # warm up
    before = rss_mb()
    with PeakRSS() as peak:
        top = top_images(model, batches(images), "conv2d_1", k=9, progress=False)
    return {
        "images": top.n_images,
        "one batch of conv2d_1 maps MB": BATCH * 14 * 14 * 64 * 4 / 1e6,
        "peak above warm model and data MB": peak.peak - before,
    }


def memory() -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--memory-child"], capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="rounds per run (default 7)")
    parser.add_argument("--runs", type=int, default=3, help="independent runs (default 3)")
    parser.add_argument("--save", action="store_true", help="write benchmarks/results/top.json")
    parser.add_argument("--tiny", action="store_true", help="500 images, no memory run")
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        print(json.dumps(memory_child()))
        return
    model = zoo.fashion_cnn()
    _, (x_test, y_test) = datasets.fashion_mnist()
    n = 500 if args.tiny else len(x_test)
    x = (x_test[:n, ..., None] / 255.0).astype(np.float32)
    result = {
        "backend": keras.backend.backend(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "speed": [speed(model, x, 1 if args.tiny else args.repeats) for _ in range(args.runs)],
        "coherence": coherence(model, x, y_test[:n].astype(np.int64)),
    }
    if not args.tiny:
        result["memory"] = memory()
    print(json.dumps(result, indent=2))
    if args.save:
        print(f"wrote {save('top', [result])}")


if __name__ == "__main__":
    main()
