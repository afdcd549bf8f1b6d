"""t-SNE of the trained Fashion CNN's activations (MATLAB's "View Network Behavior Using tsne").

N Fashion-MNIST test images (default 2,000) go through the trained CNN. The
activations of an early layer (the first conv, conv2d: 28x28x32 = 25,088 values
per image), a late one (dense, the 100 units before the softmax) and the
softmax output (dense_1: 10 class probabilities) are each embedded in 2-D with
t-SNE and scattered, coloured by the true class. The classes mix in the early
layer and separate in the later ones.

Printed per layer: the 10-nearest-neighbour class agreement (the share of each
image's 10 nearest neighbours that have its class), in the layer's own space
and in the 2-D map, and the seconds t-SNE took.

Run it::

    python examples/tsne.py --out figures/
    python examples/tsne.py --out figures/ --n 500   # quicker
"""

from __future__ import annotations

import json
from pathlib import Path
from time import perf_counter

import numpy as np
from _common import example_parser, save  # examples/ is on sys.path when run
from matplotlib.figure import Figure
from sklearn.neighbors import NearestNeighbors

from activations import activations, embed
from activations.datasets import CLASS_NAMES, fashion_mnist
from activations.plot import plot_embedding
from activations.zoo import fashion_cnn

#: The three layers of MATLAB's example, and how the panels name them.
LAYERS = {
    "conv2d": "early: conv2d (first conv)",
    "dense": "late: dense (before the softmax)",
    "dense_1": "softmax output (dense_1)",
}


def knn_agreement(points: np.ndarray, labels: np.ndarray, k: int = 10) -> float:
    """Mean share of each point's ``k`` nearest neighbours (itself left out) of its class."""
    flat = points.reshape(len(points), -1)
    _, index = NearestNeighbors(n_neighbors=k + 1).fit(flat).kneighbors(flat)
    return float((labels[index[:, 1:]] == labels[:, None]).mean())


def main(out: str | Path, *, small: bool = False, n: int | None = None) -> dict:
    """Save ``fashion_tsne.png`` and ``tsne_numbers.json`` in ``out``; return those numbers.

    ``small=True`` embeds 300 images at a low resolution, unless ``n`` says how many.
    """
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    n = (300 if small else 2000) if n is None else n
    if not 2 <= n <= 10_000:
        raise ValueError(f"Expected `n` in [2, 10000] (the test set). Received: n={n}")
    _, (x_test, y_test) = fashion_mnist()
    images = x_test[:n, :, :, None].astype(np.float32) / 255  # as the model was trained
    labels = y_test[:n].astype(np.int64)
    print(f"{n} test images; images per class: {np.bincount(labels, minlength=10).tolist()}")

    start = perf_counter()
    acts = activations(fashion_cnn(), images, list(LAYERS))  # one forward pass per batch
    print(f"activations of {', '.join(LAYERS)}: {perf_counter() - start:.1f} s")

    fig = Figure(figsize=(13.0, 4.9), layout="constrained")
    numbers: dict = {"n": n, "knn_full": {}, "knn_2d": {}, "seconds": {}}
    for ax, (layer, act) in zip(fig.subplots(1, 3), acts.items()):
        start = perf_counter()
        coords = embed(act)  # t-SNE, perplexity 30, init "pca", random_state 0
        seconds = perf_counter() - start
        full, flat = knn_agreement(act, labels), knn_agreement(coords, labels)
        print(f"  {layer} {act.shape[1:]}: 10-NN class agreement {full:.3f} in the layer, "
              f"{flat:.3f} in 2-D; t-SNE {seconds:.1f} s")  # fmt: skip
        numbers["knn_full"][layer], numbers["knn_2d"][layer] = full, flat
        numbers["seconds"][layer] = seconds
        shape = "x".join(map(str, act.shape[1:]))
        title = f"{LAYERS[layer]}\n{shape} values; 10-NN agreement {flat:.2f}"
        plot_embedding(coords, labels, class_names=CLASS_NAMES, ax=ax, title=title, legend=None)
        ax.set_xticks([])  # t-SNE's axes have no units
        ax.set_yticks([])
    handles = fig.axes[0].collections
    fig.legend(handles, [h.get_label() for h in handles], loc="outside lower center", ncols=10,
               markerscale=2.5, frameon=False, handletextpad=0.1, columnspacing=1.2)  # fmt: skip
    fig.suptitle(f"t-SNE of the Fashion CNN's activations: {n} test images, coloured by class")
    save(fig, out_dir / "fashion_tsne.png", 60 if small else 110)
    (out_dir / "tsne_numbers.json").write_text(json.dumps(numbers, indent=2) + "\n", "utf-8")
    return numbers


if __name__ == "__main__":
    parser = example_parser(__doc__, small_help="quick run (300 images, low resolution)")
    parser.add_argument("--n", type=int, default=None, help="test images to embed (2000)")
    args = parser.parse_args()
    main(args.out, small=args.small, n=args.n)
