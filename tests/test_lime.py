"""image_lime(): MATLAB's imageLIME on hand-set models whose answer is known."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from _models import Elementwise
from _quadrant import quadrant_model
from keras import layers

from activations import LimeMaps, image_lime
from activations._explain import copies as _copies

pytestmark = pytest.mark.core

GRID = dict(segmentation="grid", output_upsampling="none", progress=False)


@pytest.fixture
def bright_corner() -> np.ndarray:
    """8x8x1: the top-left quadrant 1, the rest 0 (the mean colour, 0.25, dims it)."""
    x = np.zeros((8, 8, 1), np.float32)
    x[:4, :4] = 1.0
    return x


@pytest.mark.parametrize("model_type", ["tree", "linear"])
def test_grid_cells_of_the_scored_quadrant_rank_first(bright_corner, model_type):
    found = image_lime(
        quadrant_model((8, 8, 1)), bright_corner, 0, num_features=16, num_samples=256,
        model_type=model_type, seed=0, **GRID,
    )  # fmt: skip
    assert found.score_map.shape == (4, 4) and found.score_map.dtype == np.float32
    assert found.feature_map.shape == (8, 8) and found.feature_importance.shape == (16,)
    top4 = set(np.argsort(found.feature_importance)[::-1][:4].tolist())
    assert top4 == {0, 1, 4, 5}  # the cells of the top-left quadrant, row by row
    np.testing.assert_array_equal(found.score_map.ravel(), found.feature_importance)
    rest = np.delete(found.feature_importance, [0, 1, 4, 5])
    assert found.feature_importance[[0, 1, 4, 5]].min() > 10 * np.abs(rest).max()


def test_linear_importance_is_the_drop_of_each_cell():
    # Exact for a linear score: switching cell k off changes the score by a fixed amount,
    # (1 - 0.25) * 4 pixels / 16 = 0.1875, and ridge barely shrinks it with 512 samples.
    x = np.zeros((8, 8, 1), np.float32)
    x[:4, :4] = 1.0
    found = image_lime(
        quadrant_model((8, 8, 1)), x, 0, num_features=16, num_samples=512,
        model_type="linear", seed=1, **GRID,
    )  # fmt: skip
    np.testing.assert_allclose(found.feature_importance[[0, 1, 4, 5]], 0.1875, rtol=0.05)


def test_superpixels_of_the_scored_quadrant_rank_first(rng):
    # Four flat colours, one per quadrant: superpixels never cross a quadrant's edge.
    x = np.zeros((16, 16, 3), np.float32)
    for k, (r, c) in enumerate([(0, 0), (0, 8), (8, 0), (8, 8)]):
        x[r : r + 8, c : c + 8] = [0.9, 0.1, 0.1] if k == 0 else rng.uniform(0, 0.5, 3)
    found = image_lime(
        quadrant_model((16, 16, 3)), x, 0, num_features=16, num_samples=256, seed=0,
        progress=False,
    )  # fmt: skip
    labels, importance = found.feature_map, found.feature_importance
    counts = np.bincount(labels.ravel())
    inside = np.flatnonzero(np.bincount(labels[:8, :8].ravel(), minlength=len(counts)) == counts)
    assert 1 <= len(inside) < len(counts)
    top = np.argsort(importance)[::-1][: len(inside)]
    assert set(top.tolist()) == set(inside)
    assert found.score_map.shape == (16, 16)  # superpixels are painted at the image's size
    np.testing.assert_array_equal(found.score_map, importance[labels])


def test_the_same_seed_gives_the_same_result_and_another_seed_another(bright_corner):
    model = quadrant_model((8, 8, 1))
    options = dict(num_features=16, num_samples=64, model_type="linear", **GRID)
    first = image_lime(model, bright_corner, 0, seed=3, **options)
    again = image_lime(model, bright_corner, 0, seed=3, **options)
    other = image_lime(model, bright_corner, 0, seed=4, **options)
    np.testing.assert_array_equal(first.feature_importance, again.feature_importance)
    assert not np.array_equal(first.feature_importance, other.feature_importance)


def test_upsampling_of_grid_maps(bright_corner):
    model = quadrant_model((8, 8, 1))
    options = dict(num_features=4, num_samples=64, segmentation="grid", seed=0, progress=False)
    cells = image_lime(model, bright_corner, 0, output_upsampling="none", **options)
    nearest = image_lime(model, bright_corner, 0, output_upsampling="nearest", **options)
    smooth = image_lime(model, bright_corner, 0, **options)
    assert cells.score_map.shape == (2, 2)
    np.testing.assert_array_equal(nearest.score_map, np.kron(cells.score_map, np.ones((4, 4))))
    assert smooth.score_map.shape == (8, 8)
    assert np.unravel_index(np.argmax(smooth.score_map), (8, 8)) < (4, 4)


def test_batches_labels_and_unpacking(bright_corner):
    # Class k scores quadrant k: each image is explained for its own class.
    model = quadrant_model((8, 8, 1), classes=2)
    batch = np.stack([bright_corner, bright_corner[:, ::-1]])
    score_map, feature_map, importance = image_lime(
        model, batch, [0, 1], num_features=4, num_samples=64, seed=0, **GRID
    )
    assert score_map.shape == (2, 2, 2) and feature_map.shape == (2, 8, 8)
    assert importance.shape == (2, 4)
    assert np.argmax(importance[0]) == 0 and np.argmax(importance[1]) == 1
    predicted = image_lime(model, batch, num_features=4, num_samples=64, seed=0, **GRID)
    np.testing.assert_array_equal(predicted.feature_importance, importance)


def test_samples_go_through_the_model_in_batches(bright_corner, monkeypatch):
    sizes: list[int] = []
    forward = _copies.run_extractor

    def counted(extractor, batch):  # the real forward pass, counted
        sizes.append(len(batch))
        return forward(extractor, batch)

    monkeypatch.setattr(_copies, "run_extractor", counted)
    batch = np.stack([bright_corner] * 2)
    image_lime(
        quadrant_model((8, 8, 1)), batch, 0, num_features=4, num_samples=100, batch_size=64,
        seed=0, **GRID,
    )  # fmt: skip
    assert sizes == [64, 64, 64, 8]  # 2 images x 100 samples (each image itself among them)


def test_inputs_and_model_unchanged(small_cnn, rng):
    images = rng.random((2, 12, 12, 1), dtype=np.float32)
    kept, weights = images.copy(), [w.copy() for w in small_cnn.get_weights()]
    found = image_lime(small_cnn, images, num_features=9, num_samples=32, seed=0, progress=False)
    assert isinstance(found, LimeMaps) and found.score_map.shape == (2, 12, 12)
    np.testing.assert_array_equal(images, kept)
    for w, k in zip(small_cnn.get_weights(), weights):
        np.testing.assert_array_equal(w, k)


def test_a_subclassed_model_with_a_named_score_layer(subclassed_model, rng):
    x = rng.random((10, 10, 3), dtype=np.float32)
    found = image_lime(
        subclassed_model, x, 0, reduction_layer="fc", num_features=4, num_samples=32, seed=0,
        **GRID,
    )  # fmt: skip
    assert found.score_map.shape == (2, 2) and np.isfinite(found.score_map).all()


def test_an_image_with_a_score_that_is_not_finite_gets_a_nan_map(rng):
    model = keras.Sequential(
        [
            keras.Input((6, 6, 1)),
            Elementwise(keras.ops.sqrt),  # a negative pixel: NaN
            layers.Flatten(),
            layers.Dense(2, kernel_initializer="ones"),
        ]
    )
    x = rng.random((2, 6, 6, 1), dtype=np.float32) + 0.5
    x[1, 0, 0, 0] = -1.0
    with pytest.warns(RuntimeWarning, match=r"image_lime: 1 of 2 .* images \[1\]"):
        found = image_lime(model, x, 0, num_features=4, num_samples=16, seed=0, **GRID)
    assert np.isnan(found.score_map[1]).all() and np.isnan(found.feature_importance[1]).all()
    assert np.isfinite(found.score_map[0]).all()


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        (dict(segmentation="slic"), ValueError, r"`segmentation` to be one of .*'slic'"),
        (dict(model_type="forest"), ValueError, r"`model_type` to be one of .*'forest'"),
        (dict(output_upsampling="cubic"), ValueError, r"`output_upsampling` .*'cubic'"),
        (dict(num_samples=1), ValueError, r"num_samples"),
        (dict(num_features=0), ValueError, r"num_features"),
        (dict(num_features=2.5), TypeError, r"num_features"),
        (dict(seed="a"), TypeError, r"`seed` to be an int or None. Received: seed='a'"),
        (dict(label=3), ValueError, r"`label` in \[0, 0\]"),
    ],
)
def test_errors(bright_corner, options, error, match):
    with pytest.raises(error, match=match):
        image_lime(quadrant_model((8, 8, 1)), bright_corner, **{"num_samples": 8, **options})


def test_the_repr_is_short_and_the_html_a_bounded_table():
    features = np.arange(160 * 160).reshape(160, 160) // 400
    importance = np.linspace(-1, 1, 64).astype(np.float32)
    maps = LimeMaps(np.zeros((160, 160), np.float32), features, importance)
    text = repr(maps)
    assert text.splitlines()[0] == "LimeMaps(score_map (160, 160), 64 features)"
    assert "63 (1), 62 (0.9683)" in text and len(text) < 300
    page = maps._repr_html_()
    assert page.count("<tr>") == 11 and "and 54 more features" in page  # header + 10 rows
