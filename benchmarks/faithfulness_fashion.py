"""Faithfulness of the explanation maps on 256 Fashion-MNIST test images, against a random map.

Run ``python benchmarks/faithfulness_fashion.py`` (``--save`` writes
results/faithfulness-fashion.json). The trained Fashion CNN (``zoo.fashion_cnn()``)
explains the first 256 test images for their true class with each method in
``METHODS``; each set of maps is scored by ``metrics.deletion`` and
``metrics.insertion`` (28 steps, 28 pixels each: one pixel row's worth; baseline 0,
the images' background) and ``metrics.mu_fidelity`` (Xplique's defaults, seed 0). A
method earns its place by a lower deletion area, a higher insertion area and a higher
MuFidelity than the random map (uniform noise, seed 0). Add a method by adding a line
to ``METHODS``: ``name -> explain(model, images, labels) -> (N, 28, 28) maps``. Needs the
Fashion-MNIST files (Debian's dataset-fashion-mnist).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from _timing import save  # benchmarks/ is on sys.path when a script runs

from activations import (  # noqa: E402
    datasets,
    gradcam,
    gradient_attribution,
    image_lime,
    integrated_gradients,
    metrics,
    occlusion_sensitivity,
    smoothgrad,
    zoo,
)

IMAGES, STEPS = 256, 28


def _random(model, images, labels) -> np.ndarray:
    return np.random.default_rng(0).random(images.shape[:3]).astype(np.float32)


METHODS: dict[str, Callable[..., np.ndarray]] = {
    "random": _random,
    "gradcam": lambda model, x, y: gradcam(model, x, y, progress=False),
    "occlusion_sensitivity": lambda model, x, y: occlusion_sensitivity(
        model, x, y, progress=False
    ),
    "gradient": lambda model, x, y: gradient_attribution(model, x, y, progress=False),
    "guided-backprop": lambda model, x, y: gradient_attribution(
        model, x, y, method="guided-backprop", progress=False
    ),
    "smoothgrad": lambda model, x, y: smoothgrad(model, x, y, progress=False),
    "integrated-gradients": lambda model, x, y: integrated_gradients(model, x, y, progress=False),
    "lime": lambda model, x, y: image_lime(model, x, y, seed=0, progress=False).score_map,
}

#: MathWorks' sanity check: the maps of these methods as the layers are randomized.
RANDOMIZED = ("gradient", "guided-backprop", "gradcam")
RANDOMIZED_IMAGES = 32


def randomization(model, x, y) -> dict:
    """Mean Spearman correlation per randomized layer (from the top) of each method's maps."""
    out = {}
    labels = y[:RANDOMIZED_IMAGES]
    for name in RANDOMIZED:
        explain = METHODS[name]
        check = metrics.randomization_check(
            model, x[:RANDOMIZED_IMAGES], lambda m, images, f=explain: f(m, images, labels)
        )
        out[name] = {
            "layers": list(check.layers),
            "mean_correlation": np.nanmean(check.correlation, axis=-1).tolist(),
        }
        cells = ", ".join(
            f"{layer} {c:.2f}" for layer, c in zip(check.layers, out[name]["mean_correlation"])
        )
        print(f"  randomized from the top, {name}: {cells}")
    return out


def _summary(values: np.ndarray) -> dict:
    return {"mean": float(np.nanmean(values)), "std": float(np.nanstd(values))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", action="store_true", help="write the results' JSON")
    args = parser.parse_args()
    model = zoo.fashion_cnn()
    _, (x_test, y_test) = datasets.fashion_mnist()
    x = (x_test[:IMAGES, ..., None] / 255.0).astype(np.float32)
    y = y_test[:IMAGES].astype(np.int64)
    options = dict(batch_size=IMAGES, progress=False)
    results = {}
    print(f"{IMAGES} Fashion-MNIST test images, true class; deletion/insertion {STEPS} steps")
    print(f"  {'method':<24}{'deletion':>10}{'insertion':>11}{'MuFidelity':>12}{'time':>8}")
    for name, explain in METHODS.items():
        start = time.perf_counter()
        maps = explain(model, x, y)
        seconds = time.perf_counter() - start
        gone = metrics.deletion(model, x, maps, y, steps=STEPS, **options)
        grown = metrics.insertion(model, x, maps, y, steps=STEPS, **options)
        fidelity = metrics.mu_fidelity(model, x, maps, y, seed=0, **options)
        results[name] = {
            "deletion_area": _summary(gone.area),
            "insertion_area": _summary(grown.area),
            "mu_fidelity": _summary(fidelity),
            "deletion_curve": np.nanmean(gone.scores, axis=0).tolist(),
            "insertion_curve": np.nanmean(grown.scores, axis=0).tolist(),
            "explain_seconds": seconds,
        }
        row = results[name]
        print(
            f"  {name:<24}{row['deletion_area']['mean']:>10.3f}"
            f"{row['insertion_area']['mean']:>11.3f}{row['mu_fidelity']['mean']:>12.3f}"
            f"{seconds:>7.1f}s"
        )
    checks = randomization(model, x, y)
    if args.save:
        run = {
            "images": IMAGES, "steps": STEPS, "baseline": 0.0, "methods": results,
            "randomization": {"images": RANDOMIZED_IMAGES, "methods": checks},
        }  # fmt: skip
        print(f"wrote {save('faithfulness-fashion', [run])}")


if __name__ == "__main__":
    main()
