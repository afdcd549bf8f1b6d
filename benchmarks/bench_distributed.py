"""Benchmark activations.distributed against the local top_images.

Run ``python benchmarks/bench_distributed.py`` (``--tiny`` for a quick check,
``--pool-only`` for the pool comparison alone). The trained Fashion CNN's
conv2d_1 (64 channels, k=9, batches of 128), uint8 made 0..1 floats by the
same ``preprocess``, on a dataset of 16 blocks already in the object store:

- pool: over the 10,000 test images, in ``--rounds`` rounds (default 5), each
  with two segments in alternating order (a pool holds the CPUs a per-call
  pool needs, so the two never overlap): (a) a per-call
  ``distributed.top_images`` (its own actors, started and stopped in the
  call) after a local call; (b) a new ``distributed.Pool``: its construction
  and first call timed together (the actors start: they import TensorFlow
  and build the model), then ``--later`` (default 3) calls on the same
  actors, each after a local call. Medians, min and max over all rounds; the
  ratios divide medians by the local median; "start s" is the first call's
  median less a later call's. Without ``distributed.Pool`` (an older
  checkout) only the per-call segment runs;
- local: ``activations.top_images`` in this process on the preprocessed
  batches as they stream, after warm-up (a warm process: the model built and
  its pass traced), for the per-image line below too;
- Ray startup: ``ray.init`` of a local cluster on this machine's CPUs, once;
- per call at two sizes, 10,000 and 280,000 images (the 70,000 train + test
  images four times over): ``distributed.top_images`` with 1 and 2 actors,
  the median of repeats. Every call starts its own actors, so each is cold.
  The two sizes split a call into a fixed cost and a cost per image (the line
  through the two medians);
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
import statistics
import time
from collections.abc import Callable, Iterator

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import ray  # noqa: E402
from _timing import median_time, save  # benchmarks/ is on sys.path when a script runs

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


def spread(times: list[float]) -> dict:
    """Median, min and max of timed calls, in seconds."""
    return {
        "median s": statistics.median(times),
        "min s": min(times),
        "max s": max(times),
        "calls": len(times),
    }


def pool_rounds(x: np.ndarray, concurrency: int, rounds: int, later: int) -> dict:
    """Local, per-call and pool calls over ``x``, interleaved over ``rounds`` rounds."""
    dataset = ray.data.from_numpy(np.array_split(x, BLOCKS)).materialize()
    model = zoo.fashion_cnn()
    options = {"column": "data", "preprocess": prep, "batch_size": BATCH, "progress": False}
    times: dict[str, list[float]] = {"local": [], "per call": []}

    def timed(key: str, fn: Callable[[], object]) -> None:
        start = time.perf_counter()
        fn()
        times.setdefault(key, []).append(time.perf_counter() - start)

    def run_local() -> None:
        top_images(model, batches(x), LAYER, progress=False)

    def per_call() -> None:
        timed("local", run_local)
        timed(
            "per call",
            lambda: distributed.top_images(
                zoo.fashion_cnn, dataset, LAYER, concurrency=concurrency, **options
            ),
        )

    def pool() -> None:
        start = time.perf_counter()
        with distributed.Pool(zoo.fashion_cnn, concurrency=concurrency) as actors:
            actors.top_images(dataset, LAYER, **options)
            times.setdefault("pool first call", []).append(time.perf_counter() - start)
            for _ in range(later):
                timed("local", run_local)
                timed("pool later calls", lambda: actors.top_images(dataset, LAYER, **options))

    for _ in range(2):
        run_local()  # warm-up: the model built and its pass traced
    segments = [per_call, pool] if hasattr(distributed, "Pool") else [per_call]
    for r in range(rounds):
        for segment in segments[r % 2 :] + segments[: r % 2]:  # alternate which goes first
            segment()
    result: dict = {"images": len(x), "concurrency": concurrency}
    result |= {key: spread(value) for key, value in times.items()}
    base = result["local"]["median s"]
    for key in times.keys() - {"local"}:
        result[f"{key} / local"] = result[key]["median s"] / base
    if "pool first call" in result:
        first, warm = result["pool first call"]["median s"], result["pool later calls"]["median s"]
        result["pool start s"] = first - warm
    return result


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
    parser.add_argument("--rounds", type=int, default=5, help="pool rounds (default 5)")
    parser.add_argument("--later", type=int, default=3, help="later pool calls a round")
    parser.add_argument("--concurrency", type=int, default=2, help="the pool's actors")
    parser.add_argument("--tiny", action="store_true", help="200 and 1000 images, 1 repeat")
    parser.add_argument("--no-ray", action="store_true", help="local and merge figures only")
    parser.add_argument("--pool-only", action="store_true", help="the pool comparison only")
    parser.add_argument("--save", action="store_true", help="write results/distributed.json")
    args = parser.parse_args()
    repeats, rounds = (1, 2) if args.tiny else (args.repeats, args.rounds)
    (x_train, _), (x_test, _) = datasets.fashion_mnist()
    x = np.concatenate([x_test, x_train] * (1 if args.tiny else 4))  # the test images first
    small, large = (200, 1000) if args.tiny else (len(x_test), len(x))
    result: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs"}
    if not args.pool_only:
        base = line(small, local(x[:small], repeats, 2), large, local(x[:large], repeats, 0))
        result["local"] = base
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
    n_pool = 1000 if args.tiny else len(x_test)
    result["pool"] = pool_rounds(x[:n_pool], args.concurrency, rounds, args.later)
    for concurrency in () if args.pool_only else (1, 2):
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
    if args.save:
        print(f"wrote {save('distributed', [result])}")


if __name__ == "__main__":
    main()
