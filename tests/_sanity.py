"""Sanity checks of saliency maps: the deletion test and MathWorks' randomization check.

Deletion (Adebayo et al., 2018; Samek et al., 2017): zero a growing fraction of
each image's pixels, most important first, and follow the mean probability of the
true class: a map that knows what matters makes it fall faster than a random
order, i.e. gives a smaller area under the curve. MathWorks' check ("Compare
Gradient Attribution Maps"): randomize one layer alone, then the top layers in
cascade, drawn as its ``randomizeLayer`` (0.01 x randn), and see which maps change.
"""

from __future__ import annotations

import numpy as np

from activations import activations, gradient_attribution, metrics

__all__ = ["deletion_area", "mathworks_check"]


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


def mathworks_check(model, x, label, alone: str, top: list[str]) -> tuple[dict, tuple]:
    """MathWorks' check of the gradient and guided backpropagation maps of ``x``.

    Returns ``({method: [alone, cascade step 1, step 2, ...]}, cascade layers)``:
    each the Spearman correlation with the trained model's map, the mean over the
    images; ``alone`` is randomized by itself, then ``top`` in cascade from the top.
    """
    found, layers = {}, ()
    for method in ("gradient", "guided-backprop"):

        def explain(m, images, method=method):
            return gradient_attribution(m, images, label, method=method, progress=False)

        one = metrics.randomization_check(
            model, x, explain, layers=alone, cascade=False, randomize="normal"
        )
        cascade = metrics.randomization_check(model, x, explain, layers=top, randomize="normal")
        layers = cascade.layers
        steps = np.nanmean(cascade.correlation.reshape(len(layers), -1), axis=1)
        found[method] = np.array([np.nanmean(one.correlation), *steps])
    return found, layers
