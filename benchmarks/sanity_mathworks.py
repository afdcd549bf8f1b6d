"""MathWorks' sanity check of gradient attribution maps, as its example runs it.

Run ``python benchmarks/sanity_mathworks.py`` (``--save`` writes
results/sanity-mathworks.json). MathWorks' "Compare Gradient Attribution Maps"
randomizes SqueezeNet's second-to-last convolution (``fire9-expand3x3``) alone,
then its last two (``conv10`` and ``fire9-expand3x3``) in cascade, drawing kernels
and biases as ``0.01 * randn``, and finds that only the plain gradient map
changes. Here the same on SqueezeNet (skimage's cat, its predicted class) and on
the Fashion CNN (its second-to-last layer with weights, ``dense``, then ``dense``
and ``dense_1``; the first 32 test images, true class), then on the Fashion CNN
down to the first convolution (cascade). Each figure is Spearman's rank
correlation of the absolute maps with the trained model's (1: unchanged), the
mean over the images. Needs the Fashion-MNIST files (Debian's dataset-fashion-mnist).
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import skimage.data  # noqa: E402
from _timing import save  # benchmarks/ is on sys.path when a script runs

from activations import datasets, gradient_attribution, imresize, metrics, zoo  # noqa: E402

METHODS = ("gradient", "guided-backprop")
#: Per model: (the layer randomized alone, the top layers randomized in cascade).
SETUPS = {
    "squeezenet": ("fire9-expand3x3", ["fire9-expand3x3", "conv10"]),
    "fashion_cnn": ("dense", ["dense", "dense_1"]),
}
FASHION_IMAGES = 32


def _inputs(name: str):
    if name == "squeezenet":
        model = zoo.squeezenet()
        x = imresize(skimage.data.chelsea(), (227, 227)).astype(np.float32)
        label = int(np.argmax(model.predict(x[None], verbose=0)))
        return model, x, label, "skimage.data.chelsea(), 227x227"
    model = zoo.fashion_cnn()
    pixels, labels = datasets.fashion_test_subset()
    x = pixels[:FASHION_IMAGES, ..., None] / np.float32(255)
    return model, x, labels[:FASHION_IMAGES].astype(int), f"first {FASHION_IMAGES} test images"


def _mean(check) -> list[float]:
    values = check.correlation if check.correlation.ndim == 2 else check.correlation[:, None]
    return np.nanmean(values, axis=1).tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", action="store_true", help="write the results' JSON")
    args = parser.parse_args()
    results = {}
    for name, (alone_layer, top_layers) in SETUPS.items():
        model, x, label, images = _inputs(name)
        rows = {}
        for method in METHODS:

            def explain(m, images, method=method, label=label):
                return gradient_attribution(m, images, label, method=method, progress=False)

            options = dict(randomize="normal")
            alone = metrics.randomization_check(
                model, x, explain, layers=alone_layer, cascade=False, **options
            )
            top = metrics.randomization_check(model, x, explain, layers=top_layers, **options)
            rows[method] = {"alone": _mean(alone)[0], "cascade": _mean(top),
                            "cascade_layers": list(top.layers)}  # fmt: skip
            if name == "fashion_cnn":  # and on, down to the first convolution
                every = metrics.randomization_check(model, x, explain, **options)
                rows[method].update(all=_mean(every), all_layers=list(every.layers))
            cells = ", ".join(f"{c:.2f}" for c in rows[method]["cascade"])
            print(f"{name} {method}: {alone_layer} alone {rows[method]['alone']:.2f}; "
                  f"cascade {cells}" + (f"; to the first layer {rows[method]['all'][-1]:.2f}"
                                        if "all" in rows[method] else ""))  # fmt: skip
        results[name] = {"images": images, "alone": alone_layer, "methods": rows}
    if args.save:
        print(f"wrote {save('sanity-mathworks', [results])}")


if __name__ == "__main__":
    main()
