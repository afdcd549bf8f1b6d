"""Benchmark activations() against the model's own forward pass.

Run ``python benchmarks/bench_activations.py`` (``--tiny`` for a quick check).
Prints a table and writes ``bench.json`` into ``--out``. All figures of one
run come from the same process and machine, so compare the ratios; absolute
times vary between machines and runs.

Per model and batch size it times, interleaved round by round after a warm-up
(``_timing.interleaved``; medians, and the ratios with their spread):
``predict_on_batch`` (the compiled forward pass, the floor), an eager
``model(x, training=False)``, ``activations()`` of one mid layer, of all conv
layers and of every layer, and the tutorial way (a new ``keras.Model`` up to
the layer and ``predict``, per call). Then call 1 vs call 100 in a loop, and
the peak memory of extracting one layer, or streaming ``channel_stats``, for
10,000 images (each in a fresh subprocess).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from _memory import PeakRSS, rss_mb  # benchmarks/ is on sys.path when a script runs
from _timing import interleaved, save

import activations as act  # noqa: E402
from activations import zoo  # noqa: E402

MODELS = {
    "fashion_cnn": dict(
        build=lambda: zoo.fashion_cnn(weights=None),
        mid="conv2d_1",
        shape=(28, 28, 1),
        batches=(1, 32, 256),
    ),
    "face_net": dict(build=zoo.face_net, mid="prelu2", shape=(48, 48, 3), batches=(1, 32, 256)),
    "squeezenet": dict(
        build=lambda: zoo.squeezenet(weights=None),
        mid="fire5-expand3x3",
        shape=(227, 227, 3),
        batches=(1, 16, 64),
    ),
}
TINY = {"fashion_cnn": (1, 8), "face_net": (1, 8), "squeezenet": (1,)}


def layer_groups(model: keras.Model, mid: str) -> dict[str, list[str]]:
    names = [
        layer.name for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)
    ]
    convs = [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    return {"one layer": [mid], "conv layers": convs, "every layer": names}


def tutorial_way(model: keras.Model, layer: str, x: np.ndarray) -> np.ndarray:
    """What the tutorials do: a new sub-model and predict(), every call."""
    sub = keras.Model(model.inputs, model.get_layer(layer).output)
    return sub.predict(x, verbose=0)


def bench_batch(model: keras.Model, mid: str, x: np.ndarray, reps: int) -> dict:
    """Median times of every variant for one batch ``x``, interleaved round by round."""
    batch = len(x)
    groups = layer_groups(model, mid)
    contenders = {
        "predict_on_batch": lambda: model.predict_on_batch(x),
        "eager call": lambda: model(x, training=False),
        **{
            label: lambda layers=layers: act.activations(model, x, layers, batch_size=batch)
            for label, layers in groups.items()
        },
    }
    timings = interleaved(contenders, rounds=reps)
    # The tutorial way builds a model per call (slow): fewer rounds, beside one layer.
    slow = interleaved(
        {"one layer": contenders["one layer"], "tutorial": lambda: tutorial_way(model, mid, x)},
        rounds=max(3, reps // 3),
        warmup=1,
    )
    row: dict = {"batch": batch, **{name: t.median for name, t in timings.items()}}
    row["tutorial (one layer)"] = row["one layer"] * slow["tutorial"].ratio
    row["ratios"] = {name: t.as_dict() for name, t in timings.items()}
    every = act.activations(model, x, groups["every layer"], batch_size=batch)
    row["every layer MB"] = sum(a.nbytes for a in every.values()) / 1e6
    return row


def bench_model(name: str, batches, repeats: int) -> list[dict]:
    spec = MODELS[name]
    model = spec["build"]()
    rng = np.random.default_rng(0)
    rows = []
    for batch in batches:
        x = rng.random((batch, *spec["shape"]), dtype=np.float32)
        if name != "fashion_cnn":
            x *= 255  # face_net and squeezenet take 0..255 pixels
        reps = max(3, repeats if batch * np.prod(spec["shape"]) < 2e6 else repeats // 3)
        rows.append({"model": name, **bench_batch(model, spec["mid"], x, reps)})
        print(format_row(rows[-1]), flush=True)
    return rows


def format_row(row: dict) -> str:
    base = row["predict_on_batch"]
    cells = [f"{row['model']:<12} batch {row['batch']:>3}  floor {base * 1e3:8.2f} ms"]
    for key in ("eager call", "one layer", "conv layers", "every layer", "tutorial (one layer)"):
        cells.append(f"{key} {row[key] / base:5.2f}x")
    cells.append(f"tutorial/ours {row['tutorial (one layer)'] / row['one layer']:5.1f}x")
    mbps = row["every layer MB"] / row["every layer"]
    cells.append(f"to host {mbps:,.0f} MB/s")
    return " | ".join(cells)


def target_runs(runs: int, repeats: int) -> list[dict]:
    """The target row, every layer of the Fashion CNN at batch 256, in ``runs`` more runs.

    Each run interleaves the floor and every layer afresh (its own warm-up), so
    the spread between runs shows beside the spread between rounds.
    """
    model = MODELS["fashion_cnn"]["build"]()
    x = np.random.default_rng(0).random((256, 28, 28, 1), dtype=np.float32)
    names = layer_groups(model, "conv2d_1")["every layer"]
    out = []
    for _ in range(runs):
        timings = interleaved(
            {
                "predict_on_batch": lambda: model.predict_on_batch(x),
                "every layer": lambda: act.activations(model, x, names, batch_size=256),
            },
            rounds=repeats,
        )
        out.append(timings["every layer"].as_dict())
        print(f"fashion_cnn every layer, batch 256: {out[-1]['ratio']:.2f}x", flush=True)
    return out


def repeated_calls(n: int) -> dict:
    model = zoo.fashion_cnn(weights=None)
    names = [layer.name for layer in model.layers]  # a Sequential model: no InputLayer here
    x = np.random.default_rng(1).random((1, 28, 28, 1), dtype=np.float32)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        act.activations(model, x, names)
        times.append(time.perf_counter() - start)
    early, late = statistics.median(times[1:10]), statistics.median(times[-10:])
    return {
        "calls": n,
        "call 1 (builds the extractor) s": times[0],
        "median calls 2-10 s": early,
        "median last 10 s": late,
        "late / early": late / early,
    }


def memory_child(mode: str, n_images: int) -> dict:
    """Run in a subprocess: peak RSS above the warmed-up model for one job."""
    model = zoo.fashion_cnn(weights=None)
    x = np.random.default_rng(2).random((n_images, 28, 28, 1), dtype=np.float32)
    act.activations(model, x[:128], "conv2d_1", batch_size=128)  # warm up: build, trace
    act.channel_stats(model, x[:128], "conv2d_1", batch_size=128)
    before = rss_mb()
    with PeakRSS() as peak:
        if mode == "extract":
            result = act.activations(model, x, "conv2d_1", batch_size=128)
            result_mb = result.nbytes / 1e6
        else:
            stats = act.channel_stats(model, x, "conv2d_1", batch_size=128)
            result_mb = stats.per_image_max.nbytes / 1e6
    return {
        "mode": mode,
        "images": n_images,
        "input MB": x.nbytes / 1e6,
        "result MB": result_mb,
        "one batch of activations MB": 128 * 14 * 14 * 64 * 4 / 1e6,
        "peak above warm model MB": peak.peak - before,
        "peak above warm model minus result MB": peak.peak - before - result_mb,
    }


def memory(n_images: int) -> list[dict]:
    """Each job in a fresh process; extraction also with glibc returning freed
    blocks at once (MALLOC_MMAP_THRESHOLD_), to separate what we hold from what
    the allocator keeps of TensorFlow's freed per-batch buffers."""
    jobs = [
        ("extract", {}),
        ("extract", {"MALLOC_MMAP_THRESHOLD_": "1000000"}),
        ("channel_stats", {}),
    ]
    out = []
    for mode, env in jobs:
        proc = subprocess.run(
            [sys.executable, __file__, "--memory-child", mode, "--images", str(n_images)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, **env},
        )
        out.append({**json.loads(proc.stdout.strip().splitlines()[-1]), "env": env})
        print(out[-1], flush=True)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench-out", help="folder for bench.json")
    parser.add_argument(
        "--save", action="store_true", help="also write results/activations-*.json"
    )
    parser.add_argument("--tiny", action="store_true", help="small sizes: shows the script works")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument(
        "--runs", type=int, default=3, help="independent runs of the target row (default 3)"
    )
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--memory-child", choices=("extract", "channel_stats"))
    args = parser.parse_args(argv)
    if args.memory_child:
        print(json.dumps(memory_child(args.memory_child, args.images)))
        return 0
    repeats = 3 if args.tiny else args.repeats
    report = {
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "speed": [],
    }
    for name in args.models.split(","):
        batches = TINY[name] if args.tiny else MODELS[name]["batches"]
        report["speed"] += bench_model(name, batches, repeats)
    if not args.tiny and "fashion_cnn" in args.models.split(","):
        report["target runs"] = target_runs(args.runs, repeats)
    report["repeated calls"] = repeated_calls(20 if args.tiny else 100)
    print(report["repeated calls"], flush=True)
    report["memory"] = memory(500 if args.tiny else args.images)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(report, indent=2))
    print(f"wrote {out / 'bench.json'}")
    if args.save:
        print(f"wrote {save(f'activations-{keras.backend.backend()}', [report])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
