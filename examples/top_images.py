"""Which Fashion-MNIST test images drive each conv2d_1 channel, and where (a contact sheet).

All 10,000 test images stream through the trained CNN once; ``top_images``
keeps, per channel, the 9 images whose map has the largest maximum and the
peak's position, in O(channels x k) memory. Each is shown as the 8x8-pixel
patch one conv2d_1 cell sees (``receptive_field``) around the peak.

Printed: the share of each channel's top 9 that belong to its most common
class (class coherence) for conv2d_1 and for the live units of dense, against
random sets of 9 images.

Run it::

    python examples/top_images.py --out figures/
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import example_parser, save  # examples/ is on sys.path when run

from activations import receptive_field, top_images
from activations.datasets import fashion_mnist
from activations.plot import plot_top_images
from activations.zoo import fashion_cnn


def random_coherence(labels: np.ndarray, k: int = 9, draws: int = 1000, seed: int = 0) -> float:
    """The same share for random sets of ``k`` images: the baseline."""
    rng = np.random.default_rng(seed)
    sets = [labels[rng.choice(len(labels), k, replace=False)] for _ in range(draws)]
    return float(np.mean([np.bincount(s).max() / k for s in sets]))


def main(out: str | Path, *, small: bool = False) -> dict:
    """Save ``fashion_top_conv2d_1.png`` in ``out``; return the coherence numbers.

    ``small=True`` scans the first 1,000 test images instead of 10,000.
    """
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    model = fashion_cnn()
    _, (images, labels) = fashion_mnist()
    if small:
        images, labels = images[:1000], labels[:1000]
    x = (images[..., None] / 255.0).astype(np.float32)
    field = receptive_field(model, "conv2d_1")
    print(f"conv2d_1 cells see {field.size} pixels, stride {field.stride}, offset {field.offset}")
    numbers = {"n": len(x), "random": random_coherence(labels.astype(np.int64))}
    for layer in ("conv2d_1", "dense"):
        top = top_images(model, x, layer, k=9)
        numbers[layer] = float(top.class_share(labels)[top.live].mean())
        numbers[f"{layer} live"] = int(top.live.sum())
        print(f"{layer}: top-9 class coherence {numbers[layer]:.2f} over "
              f"{numbers[f'{layer} live']} live channels")  # fmt: skip
        if layer == "conv2d_1":
            fig = plot_top_images(top, images, channels=range(16))
            save(fig, out_dir / "fashion_top_conv2d_1.png", dpi=70 if small else 110)
    print(f"random sets of 9: {numbers['random']:.2f}")
    return numbers


if __name__ == "__main__":
    args = example_parser(__doc__, small_help="scan 1,000 test images").parse_args()
    main(args.out, small=args.small)
