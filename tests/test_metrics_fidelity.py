"""metrics.mu_fidelity on a linear model, where the perfect map is known exactly."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from activations import metrics

pytestmark = pytest.mark.core


@pytest.fixture
def weighted() -> tuple[keras.Model, np.ndarray, np.ndarray]:
    """score = sum of w * x with small integers: every drop is exact in float32.

    Hiding a set S of pixels (baseline 0) lowers the score by exactly the sum over
    S of w * x, so that map ranks every subset exactly as the model does.
    """
    rng = np.random.default_rng(1)
    x = rng.integers(0, 10, (9, 9, 1)).astype(np.float32)
    w = rng.integers(-5, 6, (9, 9, 1)).astype(np.float32)
    model = keras.Sequential(
        [keras.Input((9, 9, 1)), layers.Flatten(), layers.Dense(1, use_bias=False)]
    )
    model.layers[-1].set_weights([w.reshape(-1, 1)])
    return model, x, (w * x)[..., 0]


def test_the_exact_contributions_correlate_perfectly(weighted):
    model, x, perfect = weighted
    found = metrics.mu_fidelity(model, x, perfect, 0, num_samples=64, seed=0, progress=False)
    assert isinstance(found, float) and found == pytest.approx(1.0, abs=1e-12)


def test_a_random_map_correlates_far_less(weighted, rng):
    model, x, perfect = weighted
    batch, maps = np.stack([x, x]), np.stack([perfect, rng.normal(size=perfect.shape)])
    found = metrics.mu_fidelity(model, batch, maps, 0, num_samples=64, seed=0, progress=False)
    assert found.shape == (2,) and found[0] == pytest.approx(1.0) and abs(found[1]) < 0.5


def test_the_same_seed_gives_the_same_subsets(weighted, rng):
    model, x, _ = weighted
    noise = rng.normal(size=(9, 9))
    options = dict(label=0, grid_size=3, num_samples=16, progress=False)
    first = metrics.mu_fidelity(model, x, noise, seed=5, **options)
    assert first == metrics.mu_fidelity(model, x, noise, seed=5, **options)
    assert first != metrics.mu_fidelity(model, x, noise, seed=6, **options)


def test_a_map_without_spread_scores_zero(weighted):
    model, x, _ = weighted
    flat = np.zeros((9, 9))  # every subset sums to 0: no ranking; Xplique counts it as 0
    found = metrics.mu_fidelity(model, x, flat, 0, num_samples=8, seed=0, progress=False)
    assert found == 0.0


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        (dict(grid_size=0), ValueError, r"grid_size"),
        (dict(subset_fraction=1.0), ValueError, r"`subset_fraction` in \(0, 1\)"),
        (dict(subset_fraction="a"), TypeError, r"`subset_fraction` to be a number"),
        (dict(num_samples=1), ValueError, r"num_samples"),
        (dict(seed=1.5), TypeError, r"`seed` to be an int or None"),
    ],
)
def test_errors(weighted, options, error, match):
    model, x, perfect = weighted
    with pytest.raises(error, match=match):
        metrics.mu_fidelity(model, x, perfect, **options)
