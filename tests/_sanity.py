"""The deletion test of saliency maps (Adebayo et al., 2018; Samek et al., 2017).

Zero a growing fraction of each image's pixels, most important first, and follow
the mean probability of the true class: a map that knows what matters makes it
fall faster than a random order, i.e. gives a smaller area under the curve.
"""

from __future__ import annotations

import numpy as np

from activations import activations

__all__ = ["deletion_area"]


def deletion_area(model, x: np.ndarray, y: np.ndarray, orders, layer: str = "dense_1") -> float:
    """Mean class probability over 0..50% of the pixels zeroed in ``orders``, as an area."""
    fractions = np.linspace(0, 0.5, 11)
    n_pixels = int(np.prod(x.shape[1:3]))
    means = []
    for fraction in fractions:
        batch = x.copy().reshape(len(x), -1)
        k = int(round(fraction * n_pixels))
        for row, order in zip(batch, orders):
            row[order[:k]] = 0
        probs = activations(model, batch.reshape(x.shape), layer)
        means.append(probs[np.arange(len(x)), y].mean())
    return float(np.trapezoid(means, fractions) / fractions[-1])
