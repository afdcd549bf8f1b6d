"""Write ``fashion_test_1000.npz``: the first 1,000 Fashion-MNIST test images and labels.

Run ``python data/make_fashion_subset.py [OUTPUT_DIR]`` on a machine with the data set
(Debian's ``dataset-fashion-mnist``). Deterministic: the arrays are copied unchanged.
The demo's "what a channel means" section scans these, so it runs offline.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from activations.datasets import fashion_mnist

N_IMAGES = 1000


def main(out_dir: str | None = None) -> Path:
    _, (images, labels) = fashion_mnist()
    path = Path(out_dir or Path(__file__).parent) / "fashion_test_1000.npz"
    np.savez_compressed(path, images=images[:N_IMAGES], labels=labels[:N_IMAGES])
    return path


if __name__ == "__main__":
    print(main(sys.argv[1] if len(sys.argv) > 1 else None))
