"""How complete Integrated Gradients' maps are on the Fashion CNN, by quadrature and steps.

Run ``python benchmarks/ig_completeness.py`` (``--save`` writes
results/ig-completeness.json). For the first 256 Fashion-MNIST test images, each
explained for its predicted class from the zero baseline, the map's sum is
compared with score(x) - score(baseline) (the score before the softmax): the gap
relative to that change, per image. The straight path from black crosses many
ReLU and max-pool kinks near the baseline, where the biases decide which units
are on, so the gradient along it is a step function that a fixed rule of a few
dozen points cannot resolve; the gap falls as the steps grow. Needs the
Fashion-MNIST files (Debian's dataset-fashion-mnist).
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from _timing import save  # benchmarks/ is on sys.path when a script runs

from activations import activations, datasets, integrated_gradients, zoo  # noqa: E402

IMAGES = 256
CASES = [("gausslegendre", 32), ("gausslegendre", 64), ("gausslegendre", 128),
         ("gausslegendre", 256), ("riemann_middle", 64), ("riemann_trapezoid", 64)]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", action="store_true", help="write the results' JSON")
    args = parser.parse_args()
    model = zoo.fashion_cnn()
    _, (x_test, _) = datasets.fashion_mnist()
    x = x_test[:IMAGES, ..., None] / np.float32(255)
    last = model.layers[-1].name
    both = np.concatenate([x, np.zeros((1, *x.shape[1:]), np.float32)])
    scores = activations(model, both, last, stage="pre", progress=False)
    label = scores[:-1].argmax(axis=1)
    change = scores[np.arange(IMAGES), label] - scores[-1, label]
    rows = []
    print(f"{IMAGES} Fashion test images, predicted class, zero baseline: |sum - change| "
          "/ |change|")
    for rule, steps in CASES:
        maps = integrated_gradients(model, x, label, steps=steps, integration=rule, progress=False)
        gap = np.abs(maps.sum(axis=(1, 2)) - change) / np.abs(change)
        row = {"integration": rule, "steps": steps, "median": float(np.median(gap)),
               "p95": float(np.percentile(gap, 95)), "max": float(gap.max()),
               "share_within_1pct": float((gap <= 0.01).mean())}  # fmt: skip
        rows.append(row)
        print(f"  {rule:<18}{steps:>4} steps: median {row['median']:.2%}, p95 {row['p95']:.2%}, "
              f"max {row['max']:.2%}; within 1%: {row['share_within_1pct']:.0%} of the images")
    if args.save:
        print(f"wrote {save('ig-completeness', [{'images': IMAGES, 'cases': rows}])}")


if __name__ == "__main__":
    main()
