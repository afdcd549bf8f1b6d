"""activations.metrics._common: the rank correlation every metric uses."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from activations.metrics._common import spearman

pytestmark = pytest.mark.core


def test_spearman_equals_scipys_with_ties(rng):
    a = rng.integers(0, 5, (6, 30)).astype(float)  # many ties
    b = rng.normal(size=(6, 30))
    expected = [spearmanr(x, y)[0] for x, y in zip(a, b)]
    np.testing.assert_allclose(spearman(a, b), expected, rtol=1e-12)


def test_monotone_maps_correlate_fully_and_flat_ones_not_at_all():
    a = np.array([[1.0, 2, 3, 4], [1, 1, 1, 1], [4, 3, 2, 1]])
    b = np.array([[1.0, 4, 9, 16]] * 3)
    np.testing.assert_array_equal(spearman(a, b), [1.0, 0.0, -1.0])
