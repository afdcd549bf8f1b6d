"""Benchmark activations.distributed.top_images against the local top_images.

Run ``python benchmarks/bench_distributed.py`` (``--tiny`` for a quick check).
The trained Fashion CNN's conv2d_1 (64 channels, k=9, batches of 128) over
the 10,000 test images, and over 280,000 (the 70,000 train + test images four
times over), uint8 made 0..1 floats by the same ``preprocess``:

- local: ``activations.top_images`` in this process on the preprocessed
  batches as they stream, the median of repeats after warm-up (a warm
  process: the model built and its pass traced);
- Ray startup: ``ray.init`` of a local cluster on this machine's CPUs, once;
- distributed: ``distributed.top_images`` on a dataset of 16 blocks already
  in the object store, with 1 and 2 actors, the median of repeats. Every call
  starts its own actor pool, so each is cold: its actors import TensorFlow
  and build the model. The two sizes split a call into a fixed cost and a
  cost per image (the line through the two medians);
- the driver's merge of one batch's (C, k) candidates, for C=64 and C=2048.

The ratios compare a distributed call with the local one; the per-image
figures (ms/image) are what a cluster plan scales. All from one machine that
others may share: compare the ratios, rerun when they look off.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Iterator

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import ray  # noqa: E402
from _timing import median_time  # benchmarks/ is on sys.path when a script runs

from activations import datasets, distributed, top_images, zoo  # noqa: E402
from activations._probes.top_reduce import TopAccumulator  # noqa: E402

LAYER, BATCH, BLOCKS = "conv2d_1", 128, 16


def prep(batch: np.ndarray) -> np.ndarray:
    """uint8 (B, 28, 28) to the CNN's input (B, 28, 28, 1), 0..1 float32."""
    return (batch[..., None] / 255.0).astype(np.float32)


def batches(x: np.ndarray) -> Iterator[np.ndarray]:
    for start in range(0, len(x), BATCH):
        yield prep(x[start : start + BATCH])


def local(x: np.ndarray, repeats: int, warmup: int) -> float:
    model = zoo.fashion_cnn()
    return median_time(
        lambda: top_images(model, batches(x), LAYER, progress=False), repeats, warmup
    )


def remote(x: np.ndarray, concurrency: int, repeats: int) -> float:
    dataset = ray.data.from_numpy(np.array_split(x, BLOCKS)).materialize()

    def run() -> None:
        distributed.top_images(
            zoo.fashion_cnn,
            dataset,
            LAYER,
            column="data",
            preprocess=prep,
            batch_size=BATCH,
            concurrency=concurrency,
            progress=False,
        )

    return median_time(run, repeats, warmup=0)  # every call is cold: no warm-up to skip


def merge(channels: int, repeats: int, k: int = 9, n: int = 200) -> float:
    """Milliseconds the driver spends merging one batch's (C, k) candidates."""
    rng = np.random.default_rng(0)
    parts = [
        (
            rng.random((channels, k), dtype=np.float32),
            np.tile(np.arange(k), (channels, 1)),
            np.zeros((channels, k), np.int64),
        )
        for _ in range(n)
    ]

    def run() -> None:
        running = TopAccumulator(k)
        for part in parts:
            running.add_batch(part, BATCH)

    return 1e3 * median_time(run, repeats) / n


def line(small: int, t_small: float, large: int, t_large: float) -> dict:
    """Seconds at both sizes, and the fixed and per-image cost of the line through them."""
    per_image = (t_large - t_small) / (large - small)
    return {
        f"{small} images s": t_small,
        f"{large} images s": t_large,
        "fixed s": t_small - small * per_image,
        "ms/image": 1e3 * per_image,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats (default 3)")
    parser.add_argument("--tiny", action="store_true", help="200 and 1000 images, 1 repeat")
    parser.add_argument("--no-ray", action="store_true", help="local and merge figures only")
    args = parser.parse_args()
    repeats = 1 if args.tiny else args.repeats
    (x_train, _), (x_test, _) = datasets.fashion_mnist()
    x = np.concatenate([x_test, x_train] * (1 if args.tiny else 4))  # the test images first
    small, large = (200, 1000) if args.tiny else (len(x_test), len(x))
    base = line(small, local(x[:small], repeats, 2), large, local(x[:large], repeats, 0))
    result: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs", "local": base}
    result["driver merge ms/batch"] = {f"C={c}": merge(c, repeats) for c in (64, 2048)}
    if args.no_ray:
        print(json.dumps(result, indent=2))
        return
    start = time.perf_counter()
    ray.init(
        num_cpus=os.cpu_count(),
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"TF_CPP_MIN_LOG_LEVEL": "2"}},
    )
    result["ray.init s"] = time.perf_counter() - start
    for concurrency in (1, 2):
        t_small, t_large = (remote(x[:n], concurrency, repeats) for n in (small, large))
        figures = line(small, t_small, large, t_large)
        for n in (small, large):
            figures[f"distributed / local, {n} images"] = (
                figures[f"{n} images s"] / base[f"{n} images s"]
            )
        figures["distributed / local, per image"] = figures["ms/image"] / base["ms/image"]
        result[f"{concurrency} actor(s)"] = figures
    ray.shutdown()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
