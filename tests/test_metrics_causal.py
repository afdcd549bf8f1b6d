"""metrics.deletion / metrics.insertion on a model whose important pixels are known."""

from __future__ import annotations

import numpy as np
import pytest
from _quadrant import quadrant_model

from activations import metrics
from activations._explain import copies as _copies
from activations.metrics import CausalCurve

pytestmark = pytest.mark.core

QUIET = dict(progress=False)


@pytest.fixture
def bright_corner() -> np.ndarray:
    """8x8x1: 1 on the top-left quadrant (what class 0 scores), 0 elsewhere."""
    x = np.zeros((8, 8, 1), np.float32)
    x[:4, :4] = 1.0
    return x


@pytest.fixture
def perfect() -> np.ndarray:
    """The top-left quadrant's 16 pixels first (distinct values), the rest after."""
    found = np.zeros((8, 8), np.float32)
    found[:4, :4] = 100.0 + np.arange(16).reshape(4, 4)
    return found


def test_exact_curves_of_a_perfect_map(bright_corner, perfect):
    model = quadrant_model((8, 8, 1))
    gone = metrics.deletion(model, bright_corner, perfect, 0, steps=4, **QUIET)
    np.testing.assert_allclose(gone.fractions, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(gone.scores, [1, 0, 0, 0, 0], atol=1e-6)
    assert isinstance(gone.area, float) and gone.area == pytest.approx(0.125)
    grown = metrics.insertion(model, bright_corner, perfect, 0, steps=4, **QUIET)
    np.testing.assert_allclose(grown.scores, [0, 1, 1, 1, 1], atol=1e-6)
    assert grown.area == pytest.approx(0.875)


def test_a_perfect_map_beats_a_random_one(bright_corner, perfect, rng):
    model = quadrant_model((8, 8, 1))
    batch = np.stack([bright_corner] * 4)
    good, noise = np.stack([perfect] * 4), rng.random((4, 8, 8))
    options = dict(steps=16, **QUIET)
    deleted = [metrics.deletion(model, batch, m, 0, **options).area for m in (good, noise)]
    inserted = [metrics.insertion(model, batch, m, 0, **options).area for m in (good, noise)]
    assert deleted[0].shape == (4,) and deleted[0].dtype == np.float32
    assert (deleted[0] < deleted[1]).all() and (inserted[0] > inserted[1]).all()


def test_one_batched_pass_per_step(bright_corner, perfect, monkeypatch):
    sizes: list[int] = []
    forward = _copies.run_extractor

    def counted(extractor, batch):  # the real forward pass, counted
        sizes.append(len(batch))
        return forward(extractor, batch)

    monkeypatch.setattr(_copies, "run_extractor", counted)
    batch = np.stack([bright_corner] * 3)
    found = metrics.deletion(
        quadrant_model((8, 8, 1)), batch, np.stack([perfect] * 3), steps=4, batch_size=3, **QUIET
    )
    assert sizes == [3] * 5  # the images (step 0), then one pass per step
    assert found.scores.shape == (3, 5)


def test_channels_baselines_labels_and_max_fraction(bright_corner, perfect):
    model = quadrant_model((8, 8, 1), classes=2)
    with_channels = np.repeat(perfect[..., None], 3, axis=-1)  # averaged over channels
    options = dict(steps=2, max_fraction=0.5, **QUIET)
    found = metrics.deletion(model, bright_corner, with_channels, **options)
    np.testing.assert_allclose(found.fractions, [0, 0.25, 0.5])
    np.testing.assert_allclose(found.scores, [1, 0, 0], atol=1e-6)  # predicted class: 0
    half = metrics.deletion(model, bright_corner, perfect, 0, baseline=0.5, **options)
    np.testing.assert_allclose(half.scores, [1, 0.5, 0.5], atol=1e-6)
    mean = metrics.deletion(model, bright_corner, perfect, 0, baseline="auto", **options)
    np.testing.assert_allclose(mean.scores, [1, 0.25, 0.25], atol=1e-6)  # the image's mean
    other = metrics.insertion(model, bright_corner, perfect, 1, **options)
    np.testing.assert_allclose(other.scores, [0, 0, 0], atol=1e-6)  # class 1's quadrant is 0


def test_inputs_and_model_unchanged(bright_corner, perfect):
    model = quadrant_model((8, 8, 1))
    kept, map_kept = bright_corner.copy(), perfect.copy()
    weights = [w.copy() for w in model.get_weights()]
    metrics.insertion(model, bright_corner, perfect, steps=3, **QUIET)
    np.testing.assert_array_equal(bright_corner, kept)
    np.testing.assert_array_equal(perfect, map_kept)
    np.testing.assert_array_equal(model.get_weights()[0], weights[0])


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        (dict(maps=np.zeros((4, 4))), ValueError, r"`maps` of shape \(8, 8\).*\(4, 4\)"),
        (dict(maps=np.full((8, 8), np.nan)), ValueError, r"`maps` without NaN"),
        (dict(steps=0), ValueError, r"steps"),
        (dict(max_fraction=0.0), ValueError, r"`max_fraction` in \(0, 1\]"),
        (dict(max_fraction="all"), TypeError, r"`max_fraction` to be a number"),
        (dict(baseline="black"), ValueError, r"`baseline` to be \"auto\".*'black'"),
        (dict(label=1), ValueError, r"`label` in \[0, 0\]"),
    ],
)
def test_errors(bright_corner, perfect, options, error, match):
    kw = {"maps": perfect, **options}
    with pytest.raises(error, match=match):
        metrics.deletion(quadrant_model((8, 8, 1)), bright_corner, **kw)


def test_the_repr_gives_the_mean_area_and_the_html_one_row_per_image():
    scores = np.tile(np.linspace(1, 0, 29, dtype=np.float32), (300, 1))
    curve = CausalCurve(np.linspace(0, 1, 29), scores, np.full(300, 0.5))
    assert repr(curve) == (
        "CausalCurve(300 image(s), 28 steps to 1 of the pixels)\n"
        "  mean area 0.5; mean score 1 -> 0"
    )
    assert "and 290 more images" in curve._repr_html_()
