"""Write the measured figures of README.md and the docs pages from the files that measured them.

Every figure in README.md or a page under ``docs/`` that comes from a run (the shipped
model's accuracy, the demo's time, the performance tables, ...) sits between markers,
``<!--fig:KEY-->value<!--/fig-->``; this script fills each from its source, so no figure is
typed by hand:

    python scripts/readme_figures.py           # rewrite README.md and docs/**/*.md
    python scripts/readme_figures.py --check   # exit 1 and list the figures that differ

``tests/test_readme.py`` runs the check. The sources:

- ``activations/zoo/weights/fashion_cnn_history.json``: ``activations train-fashion``'s
  history of the shipped Fashion CNN;
- ``benchmarks/results/demo.json``: ``python scripts/measure_demo.py`` (the demo's time);
- ``benchmarks/results/*.json``: the benchmarks run with ``--save`` (the performance page,
  ``docs/performance.md``, and the figures of the guide and validation pages).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when loaded from its path
from figures_explain import EXPLAIN_SOURCES  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
HISTORY = ROOT / "activations" / "zoo" / "weights" / "fashion_cnn_history.json"
RESULTS = ROOT / "benchmarks" / "results"
DEMO = RESULTS / "demo.json"
MARKER = re.compile(r"<!--fig:([\w.]+)-->(.*?)<!--/fig-->", re.S)


def _history(key: str, spec: str) -> Callable[[], str]:
    return lambda: format(json.loads(HISTORY.read_text())[key], spec)


def _runs(name: str) -> list:
    return json.loads((RESULTS / f"{name}.json").read_text())["runs"]


def _ratios(per_run: list[dict]) -> str:
    """'1.23x (1.10-1.31)': the median of the runs' median ratios, and their range."""
    medians = sorted(r["ratio"] for r in per_run)
    middle = (
        medians[len(medians) // 2]
        if len(medians) % 2
        else sum(medians[len(medians) // 2 - 1 : len(medians) // 2 + 1]) / 2
    )
    spread = (
        f" ({medians[0]:.2f}-{medians[-1]:.2f}, {len(medians)} runs)"
        if len(medians) > 1
        else (f" (rounds {per_run[0]['ratio_min']:.2f}-{per_run[0]['ratio_max']:.2f})")
    )
    return f"{middle:.2f}x{spread}"


def _gradcam(batch: int, who: str, backend: str = "tensorflow") -> list[dict]:
    return [r["timings"][who] for r in _runs(f"gradcam-{backend}") if r["batch"] == batch]


def _every_layer(model: str, batch: int) -> list[dict]:
    report = _runs("activations-tensorflow")[0]
    if (model, batch) == ("fashion_cnn", 256) and report.get("target runs"):
        return report["target runs"]  # the target row, in independent runs
    rows = report["speed"]
    return [
        r["ratios"]["every layer"] for r in rows if r["model"] == model and r["batch"] == batch
    ]


PERF_ROWS: list[tuple[str, str, Callable[[], list[dict]], str]] = [
    (
        "Grad-CAM, 256 Fashion images, labels given",
        "hand-written `tf.function` tape",
        lambda: _gradcam(256, "gradcam, labels"),
        "<= 1.3x",
    ),
    (
        "Grad-CAM, 256 images, `label=None`",
        "the same tape, labels given",
        lambda: _gradcam(256, "gradcam, label=None"),
        "<= 1.5x",
    ),
    (
        "Grad-CAM, 1 image, labels given",
        "the same tape",
        lambda: _gradcam(1, "gradcam, labels"),
        "<= 1.3x",
    ),
    (
        "Grad-CAM, 1 image, `label=None`",
        "the same tape, label given",
        lambda: _gradcam(1, "gradcam, label=None"),
        "<= 1.5x",
    ),
    (
        "Grad-CAM, 256 images, labels given, JAX",
        "the forward pass (`predict_on_batch`)",
        lambda: _gradcam(256, "gradcam, labels", "jax"),
        "reported",
    ),
    (
        "Grad-CAM, 256 images, labels given, PyTorch",
        "the forward pass (`predict_on_batch`)",
        lambda: _gradcam(256, "gradcam, labels", "torch"),
        "reported",
    ),
    (
        "`top_images`, 10,000 images, conv2d_1",
        "`predict_on_batch`, same batches",
        lambda: [r["top_images / predict_on_batch (time)"] for r in _runs("top")[0]["speed"]],
        "<= 1.1x",
    ),
    (
        "every layer, Fashion CNN, batch 256",
        "`predict_on_batch`",
        lambda: _every_layer("fashion_cnn", 256),
        "<= 1.4x",
    ),
    (
        "every layer, face net, batch 256",
        "`predict_on_batch`",
        lambda: _every_layer("face_net", 256),
        "reported",
    ),
    (
        "every layer, SqueezeNet, batch 64",
        "`predict_on_batch`",
        lambda: _every_layer("squeezenet", 64),
        "reported",
    ),
    (
        "deep dream, 16 channels x 30 steps",
        "hand-written ascent, same schedule",
        lambda: [r["timings"]["deep_dream"] for r in _runs("dream-tensorflow")],
        "<= 1.1x",
    ),
    (
        "occlusion, 1 image, 196 copies",
        "one `predict_on_batch` of all copies",
        lambda: [r["timings"]["occlusion_sensitivity"] for r in _runs("occlusion")],
        "reported",
    ),
]


def _pool() -> dict:
    return _runs("distributed")[0]["pool"]


def _pool_ratio(key: str) -> str:
    pool = _pool()
    return f"{pool[key + ' / local']:.2f}x (medians of {pool[key]['calls']} calls)"


def _verdict(ratio: str, target: str) -> str:
    """The target, and whether the median ratio meets it ("<= 1.3x: met")."""
    if not target.startswith("<= "):
        return target
    met = float(ratio.split("x")[0]) <= float(target[3:].rstrip("x"))
    return f"{target}: {'met' if met else 'not met'}"


def perf_table() -> str:
    """The performance table: each row's floor, measured ratio and target."""
    lines = ["", "| what | floor | ours / floor | target |", "| --- | --- | ---: | --- |"]
    for what, floor, source, target in PERF_ROWS:
        ratio = _ratios(source())
        lines.append(f"| {what} | {floor} | {ratio} | {_verdict(ratio, target)} |")
    n = _pool()["images"]
    lines.append(
        f"| Ray `Pool`, later calls, {n:,} images | the local call | "
        f"{_pool_ratio('pool later calls')} | "
        f"{_verdict(_pool_ratio('pool later calls'), '<= 1.5x')} |"
    )
    lines.append(
        f"| Ray, one call with its own actors, {n:,} images | the local call | "
        f"{_pool_ratio('per call')} | reported |"
    )
    return "\n".join(lines) + "\n"


MODEL_NAMES = {"fashion_cnn": "Fashion CNN", "face_net": "face net", "squeezenet": "SqueezeNet"}


def activations_table() -> str:
    """bench_activations' ratios to the forward pass, one row per model and batch."""
    lines = [
        "",
        "| model, batch | forward pass | one layer | all conv layers | every layer "
        "| tutorial way / ours, one layer |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in _runs("activations-tensorflow")[0]["speed"]:
        forward = row["predict_on_batch"] * 1e3
        ratios = [row["ratios"][k]["ratio"] for k in ("one layer", "conv layers", "every layer")]
        tutorial = row["tutorial (one layer)"] / row["one layer"]
        lines.append(
            f"| {MODEL_NAMES[row['model']]}, {row['batch']} | {forward:.2g} ms | "
            + " | ".join(f"{r:.2f}x" for r in ratios)
            + f" | {tutorial:.2g}x |"
        )
    return "\n".join(lines) + "\n"


def _activations(*keys: str) -> Callable[[], object]:
    def get() -> object:
        value: object = _runs("activations-tensorflow")[0]
        for key in keys:
            value = value[int(key)] if isinstance(value, list) else value[key]  # type: ignore[index]
        return value

    return get


def _ms(get: Callable[[], object], spec: str = ".2g") -> Callable[[], str]:
    return lambda: format(float(get()) * 1e3, spec)  # type: ignore[arg-type]


def _mb(get: Callable[[], object]) -> Callable[[], str]:
    return lambda: format(float(get()), ".0f")  # type: ignore[arg-type]


def _imresize(name: str, field: str = "median_s") -> Callable[[], str]:
    def get() -> str:
        value = _runs("imresize")[0][name][field]
        return format(value * 1e3, ".2g") if field == "median_s" else format(value, ".2f")

    return get


def _coherence(layer: str, key: str, spec: str = ".0%") -> Callable[[], str]:
    """bench_top's class coherence of the top-9 sets (``results/top.json``)."""
    return lambda: format(_runs("top")[0]["coherence"][layer][key], spec)


def _explore(key: str, spec: str) -> Callable[[], str]:
    """bench_explore's figures over the Fashion test images (``results/explore.json``)."""
    return lambda: format(_runs("explore")[0][key], spec)


def _embed(busy: int, who: str) -> Callable[[], str]:
    """bench_embed's median t-SNE time with ``busy`` other cores busy (``results/embed.json``)."""
    return lambda: format(
        next(r for r in _runs("embed") if r["busy"] == busy)["timings"][who]["median_s"], ".1f"
    )


SOURCES: dict[str, Callable[[], str]] = {
    **EXPLAIN_SOURCES,
    "embed_idle_one": _embed(0, "1 thread (ours)"),
    "embed_idle_two": _embed(0, "2 threads"),
    "embed_busy_one": _embed(1, "1 thread (ours)"),
    "embed_busy_two": _embed(1, "2 threads"),
    "test_accuracy": _history("test_accuracy", ".4f"),
    "test_loss": _history("test_loss", ".4f"),
    "best_val_accuracy": _history("best_val_accuracy", ".4f"),
    "best_val_loss": _history("best_val_loss", ".4f"),
    "best_epoch": _history("best_epoch", "d"),
    "epochs_run": _history("epochs_run", "d"),
    "demo_seconds": lambda: format(json.loads(DEMO.read_text())["median_wall_s"], ".0f"),
    "demo_runs": lambda: str(len(json.loads(DEMO.read_text())["runs"])),
    "perf_table": perf_table,
    "activations_table": activations_table,
    "pool_start_s": lambda: format(_pool()["pool start s"], ".1f"),
    "coherence_conv": _coherence(
        "conv2d_1", "top-9 share of the most common class (live channels)"
    ),
    "coherence_dense": _coherence("dense", "top-9 share of the most common class (live channels)"),
    "coherence_random": _coherence("conv2d_1", "random 9 share"),
    "live_conv": _coherence("conv2d_1", "live channels", "d"),
    "live_dense": _coherence("dense", "live channels", "d"),
    "top_stream_mb": lambda: format(
        _runs("top")[0]["memory"]["peak above warm model and data MB"], ".1f"
    ),
    "call1_ms": _ms(_activations("repeated calls", "call 1 (builds the extractor) s")),
    "calls_early_ms": _ms(_activations("repeated calls", "median calls 2-10 s")),
    "calls_late_ms": _ms(_activations("repeated calls", "median last 10 s")),
    "mem_extract_mb": _mb(_activations("memory", "0", "peak above warm model MB")),
    "mem_extract_result_mb": _mb(_activations("memory", "0", "result MB")),
    "mem_extract_over_mb": _mb(
        _activations("memory", "0", "peak above warm model minus result MB")
    ),
    "mem_extract_mmap_over_mb": _mb(
        _activations("memory", "1", "peak above warm model minus result MB")
    ),
    "mem_stats_mb": _mb(_activations("memory", "2", "peak above warm model MB")),
    "explore_images": _explore("images", ","),
    "explore_s": _explore("seconds", ".0f"),
    "explore_mb": _explore("site MB", ".1f"),
    "explore_files": _explore("files", ","),
    "explore_peak_mb": _explore("peak MB above loaded model and data", ".0f"),
    "explore_paint_ms": _explore("first contentful paint ms (median of 5)", ".0f"),
    "imresize_bicubic_ms": _imresize("imresize bicubic (default)"),
    "imresize_bilinear_ms": _imresize("imresize bilinear"),
    "imresize_bilinear_ratio": _imresize("imresize bilinear", "ratio"),
    "skimage_ms": _imresize("skimage resize order=1"),
}


def figures(text: str) -> list[tuple[str, str, str]]:
    """(key, value in the text, value from its source) for every marker in ``text``."""
    found = []
    for match in MARKER.finditer(text):
        key = match[1]
        if key not in SOURCES:
            raise KeyError(f"Figure {key!r} has no source; known: {sorted(SOURCES)}")
        found.append((key, match[2], SOURCES[key]()))
    return found


def fill(text: str) -> str:
    """``text`` with every marked figure replaced by its source's value."""
    return MARKER.sub(lambda m: f"<!--fig:{m[1]}-->{SOURCES[m[1]]()}<!--/fig-->", text)


def documents() -> list[Path]:
    """README.md and every Markdown page of the docs (not the built site)."""
    pages = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.relative_to(DOCS).parts)
    return [README, *pages]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only list figures that differ")
    args = parser.parse_args(argv)
    stale_any = False
    for path in documents():
        text = path.read_text()
        stale = [(k, old, new) for k, old, new in figures(text) if old != new]
        stale_any = stale_any or bool(stale)
        name = path.relative_to(ROOT)
        if args.check:
            for key, old, new in stale:
                print(f"{name} figure {key}: {old!r}, its source says {new!r}")
        elif stale:
            path.write_text(fill(text))
            print(f"{len(stale)} figure(s) updated in {name}")
    return 1 if args.check and stale_any else 0


if __name__ == "__main__":
    sys.exit(main())
