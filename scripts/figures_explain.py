"""The explanation methods' and the live server's figures, for ``readme_figures.py``.

Sources (``benchmarks/results/``): ``faithfulness-fashion.json``
(``benchmarks/faithfulness_fashion.py``: deletion, insertion, MuFidelity and the
randomization check on the Fashion CNN), ``attribution-*.json``
(``bench_attribution.py``), ``lime.json`` (``bench_lime.py``), ``metrics.json``
(``bench_metrics.py``), ``serve.json`` (``bench_serve.py``) and
``sanity-mathworks.json`` (``benchmarks/sanity_mathworks.py``); and
``docs/figures/explain_numbers.json`` (``examples/explain.py``: the maps' maxima)
``ig-completeness.json`` (``benchmarks/ig_completeness.py``); and
``docs/figures/tsne_numbers.json`` (``examples/tsne.py``: the 10-NN agreements).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from pathlib import Path

__all__ = ["EXPLAIN_SOURCES"]

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
FIGURES = Path(__file__).resolve().parents[1] / "docs" / "figures"

#: Rows of the faithfulness table, in order, by their key in the results.
METHOD_ROWS = {
    "random": "random map (uniform noise)",
    "gradcam": "`gradcam`",
    "occlusion_sensitivity": "`occlusion_sensitivity`",
    "lime": "`image_lime` (superpixels, tree)",
    "gradient": "`gradient_attribution` (gradient)",
    "guided-backprop": "`gradient_attribution` (guided backprop)",
    "smoothgrad": "`smoothgrad`",
    "integrated-gradients": "`integrated_gradients`",
}


def _runs(name: str) -> list[dict]:
    return json.loads((RESULTS / f"{name}.json").read_text())["runs"]


def _table(columns: list[str], rows: list[list[str]]) -> str:
    """A Markdown table, the first column left-aligned and the others right: a figure block."""
    lines = ["", "| " + " | ".join(columns) + " |", "| --- |" + " ---: |" * (len(columns) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def faithfulness_table() -> str:
    """Deletion, insertion and MuFidelity of each method on 256 Fashion test images."""
    run = _runs("faithfulness-fashion")[0]
    columns = ["map", "deletion area (lower: better)", "insertion area (higher: better)",
               "MuFidelity (higher: better)", "time for the maps"]  # fmt: skip
    rows = []
    for key, label in METHOD_ROWS.items():
        row = run["methods"][key]
        rows.append([label, f"{row['deletion_area']['mean']:.3f}",
                     f"{row['insertion_area']['mean']:.3f}", f"{row['mu_fidelity']['mean']:.3f}",
                     f"{row['explain_seconds']:.1f} s"])  # fmt: skip
    return _table(columns, rows)


def randomization_table() -> str:
    """Mean Spearman correlation of each method's maps as layers are randomized from the top."""
    checks = _runs("faithfulness-fashion")[0]["randomization"]["methods"]
    layers = checks["gradient"]["layers"]
    rows = [[METHOD_ROWS[key], *(f"{c:.2f}" for c in checks[key]["mean_correlation"])]
            for key in checks]  # fmt: skip
    return _table(["randomized (from the top)", *(f"+ {name}" for name in layers)], rows)


def mathworks_sanity_table() -> str:
    """MathWorks' sanity check as its example runs it, on SqueezeNet and the Fashion CNN."""
    rows = []
    for model, entry in _runs("sanity-mathworks")[0].items():
        for method, row in entry["methods"].items():
            steps = ", ".join(f"+ {n} {c:.2f}" for n, c in zip(row["cascade_layers"],
                                                              row["cascade"]))  # fmt: skip
            every = f"{row['all'][-1]:.2f}" if "all" in row else "not run"
            rows.append([f"{model}: {METHOD_ROWS[method]}", f"{entry['alone']} {row['alone']:.2f}",
                         steps, every])  # fmt: skip
    columns = ["model: map", "one layer alone", "cascade from the top", "down to the first layer"]
    return _table(columns, rows)


def ig_completeness_table() -> str:
    """Integrated Gradients' completeness gap per image on the Fashion CNN, by rule and steps."""
    rows = [[f"{c['integration']}, {c['steps']}", f"{c['median']:.2%}", f"{c['p95']:.2%}",
             f"{c['max']:.2%}", f"{c['share_within_1pct']:.0%}"]
            for c in _runs("ig-completeness")[0]["cases"]]  # fmt: skip
    columns = ["quadrature, steps", "median gap", "95th percentile", "largest", "images within 1%"]
    return _table(columns, rows)


def _sanity(model: str, method: str, key: str) -> Callable[[], str]:
    """One figure of the MathWorks check: ``key`` "alone" (the layer alone) or "cascade"."""

    def get() -> str:
        row = _runs("sanity-mathworks")[0][model]["methods"][method]
        return f"{(row[key] if key == 'alone' else row[key][-1]):.2f}"

    return get


def _example(model: str, *keys: str, spec: str) -> Callable[[], str]:
    """A number ``examples/explain.py`` wrote beside its figures, e.g. ("occlusion", "max")."""

    def get() -> str:
        value = json.loads((FIGURES / "explain_numbers.json").read_text())[model]
        for key in keys:
            value = value[key]
        return format(value, spec)

    return get


def _tsne(layer: str | None = None) -> Callable[[], str]:
    """``examples/tsne.py``'s 10-NN class agreement in 2-D for ``layer``, or (None) the
    largest gap between the 2-D map's and the layer's own space's, over the layers."""

    def get() -> str:
        found = json.loads((FIGURES / "tsne_numbers.json").read_text())
        flat, full = found["knn_2d"], found["knn_full"]
        if layer is not None:
            return f"{flat[layer]:.2f}"
        return f"{max(abs(flat[k] - full[k]) for k in flat):.2f}"

    return get


def _pairs(key: str) -> Callable[[], str]:
    """bench_attribution's ours / hand-written tape on TensorFlow: median (range, runs)."""

    def get() -> str:
        ratios = [r["pairs"][key][0] for r in _runs("attribution-tensorflow") if r.get("pairs")]
        low, high = min(ratios), max(ratios)
        return f"{statistics.median(ratios):.2f}x ({low:.2f}-{high:.2f}, {len(ratios)} runs)"

    return get


def _integrated(backend: str) -> Callable[[], str]:
    """Our Integrated Gradients' time over Captum's, median of the runs."""

    def get() -> str:
        runs = [r for r in _runs(f"attribution-{backend}") if r["what"] == "integrated"]
        ratios = [r["timings"]["integrated_gradients, batch_size=128"]["ratio"] for r in runs]
        return f"{statistics.median(ratios):.2f}x"

    return get


def _timing(name: str, who: str, field: str, spec: str) -> Callable[[], str]:
    return lambda: format(_runs(name)[0]["timings"][who][field], spec)


def _serve(model: str, view: str = "layer") -> Callable[[], str]:
    """The slowest p95 of a dropped image's redraw in Chromium, over the model's cases.

    ``view`` "layer": one layer's grid (a case per layer); "network": the network
    view's column of every explored layer's strongest channels.
    """
    return lambda: format(
        max(r["browser_end_to_end"]["p95_ms"] for r in _runs("serve")
            if r["model"] == model and r.get("view", "layer") == view),
        ".0f",
    )  # fmt: skip


EXPLAIN_SOURCES: dict[str, Callable[[], str]] = {
    "faithfulness_table": faithfulness_table,
    "randomization_table": randomization_table,
    "mathworks_sanity_table": mathworks_sanity_table,
    "ig_completeness_table": ig_completeness_table,
    "tsne_conv2d": _tsne("conv2d"),
    "tsne_dense": _tsne("dense"),
    "tsne_softmax": _tsne("dense_1"),
    "tsne_gap": _tsne(),
    "tsne_n": lambda: f"{json.loads((FIGURES / 'tsne_numbers.json').read_text())['n']:,}",
    "example_boot_p": _example("fashion", "p", spec=".3f"),
    "example_boot_occlusion": _example("fashion", "occlusion", "max", spec=".2g"),
    "example_face_p": _example("face", "p", spec=".3f"),
    "example_face_occlusion": _example("face", "occlusion", "max", spec=".2f"),
    "sanity_squeezenet_gradient": _sanity("squeezenet", "gradient", "alone"),
    "sanity_squeezenet_guided": _sanity("squeezenet", "guided-backprop", "alone"),
    "sanity_fashion_gradient": _sanity("fashion_cnn", "gradient", "alone"),
    "sanity_fashion_guided": _sanity("fashion_cnn", "guided-backprop", "alone"),
    "saliency_vs_tape": _pairs("gradient: ours / hand-written"),
    "guided_vs_tape": _pairs("guided: ours / hand-written"),
    "ig_vs_captum_tf": _integrated("tensorflow"),
    "ig_vs_captum_torch": _integrated("torch"),
    "lime_s": _timing("lime", "image_lime superpixels", "median_s", ".1f"),
    "lime_ratio": _timing("lime", "image_lime superpixels", "ratio", ".2f"),
    "deletion_ratio": _timing("metrics", "metrics.deletion", "ratio", ".2f"),
    "serve_fashion_p95": _serve("fashion"),
    "serve_face_p95": _serve("face"),
    "serve_fashion_network_p95": _serve("fashion", "network"),
    "serve_face_network_p95": _serve("face", "network"),
}
