"""metrics.randomization_check: the cascade, one correlation per layer, the model untouched."""

from __future__ import annotations

import numpy as np
import pytest
from _sanity import mathworks_check

from activations import activations, datasets, metrics, zoo
from activations.metrics import RandomizationCheck

pytestmark = pytest.mark.core

CASCADE = ("dense_1", "dense", "conv2d_1", "conv2d")  # small_cnn's layers with weights, top first


def first_layer_map(model, images):
    """A map that depends on the first conv layer only: its summed channels."""
    return activations(model, images, "conv2d").sum(axis=-1)


def test_a_map_changes_only_once_its_layer_is_randomized(small_cnn, rng):
    images = rng.random((3, 12, 12, 1), dtype=np.float32)
    found = metrics.randomization_check(small_cnn, images, first_layer_map)
    assert found.layers == CASCADE
    assert found.correlation.shape == (4, 3)
    np.testing.assert_allclose(found.correlation[:3], 1.0)  # conv2d still as trained
    assert (found.correlation[3] < 0.9).all()


def test_a_map_that_ignores_the_model_never_changes(small_cnn, rng):
    # Adebayo et al.'s point: an edge detector "passes" for a saliency map.
    image = rng.random((12, 12, 1), dtype=np.float32)
    found = metrics.randomization_check(small_cnn, image, lambda m, x: x[..., 0] ** 2)
    assert found.correlation.shape == (4,)
    np.testing.assert_allclose(found.correlation, 1.0)


def test_the_model_given_is_left_exactly_as_found(small_cnn, rng):
    images = rng.random((2, 12, 12, 1), dtype=np.float32)
    weights = [w.copy() for w in small_cnn.get_weights()]
    layers = list(small_cnn.layers)
    seen = []

    def explain(model, x):
        seen.append(model)
        return first_layer_map(model, x)

    before = explain(small_cnn, images)
    metrics.randomization_check(small_cnn, images, explain, layers=["conv2d", "dense"])
    assert seen[1] is small_cnn and all(m is not small_cnn for m in seen[2:])
    assert len(seen) == 2 + 2  # the original maps, then one per layer randomized
    for got, kept in zip(small_cnn.get_weights(), weights):
        np.testing.assert_array_equal(got, kept)
    assert list(small_cnn.layers) == layers
    np.testing.assert_array_equal(explain(small_cnn, images), before)


def test_nested_layers_signs_and_seeds(nested_model, rng):
    images = rng.random((2, 8, 8, 3), dtype=np.float32)

    def explain(model, x):
        return activations(model, x, "head_conv")[..., 0]

    found = metrics.randomization_check(nested_model, images, explain)
    assert found.layers == ("out", "head_conv", "inner/bn", "inner/conv")
    again = metrics.randomization_check(nested_model, images, explain)
    np.testing.assert_array_equal(found.correlation, again.correlation)
    signed = metrics.randomization_check(nested_model, images, explain, absolute=False)
    assert signed.correlation.shape == (4, 2)
    np.testing.assert_allclose(signed.correlation[0], 1.0)  # "out" is above head_conv


def test_one_layer_at_a_time_restores_each_before_the_next(small_cnn, rng):
    images = rng.random((3, 12, 12, 1), dtype=np.float32)
    alone = metrics.randomization_check(small_cnn, images, first_layer_map, cascade=False)
    assert alone.layers == CASCADE and not alone.cascade
    np.testing.assert_allclose(alone.correlation[:3], 1.0)  # conv2d trained in each of these
    cascade = metrics.randomization_check(small_cnn, images, first_layer_map)
    assert (alone.correlation[3] < 0.9).all() and cascade.cascade
    assert "randomized one at a time" in repr(alone)

    def dense_map(model, x):  # depends on every layer but the last
        return activations(model, x, "dense")

    # dense's map alone: only steps 2.. touch it; conv2d_1 alone is not conv2d_1 after dense.
    alone = metrics.randomization_check(small_cnn, images, dense_map, cascade=False, seed=1)
    cascade = metrics.randomization_check(small_cnn, images, dense_map, seed=1)
    np.testing.assert_allclose(alone.correlation[0], 1.0)
    np.testing.assert_allclose(alone.correlation[1], cascade.correlation[1])  # the same draw
    assert not np.allclose(alone.correlation[2], cascade.correlation[2])


def test_normal_draws_kernels_and_biases_as_mathworks_randomizelayer(nested_model, rng):
    images = rng.random((2, 8, 8, 3), dtype=np.float32)
    drawn = []

    def explain(model, x):
        drawn.append(model.get_layer("head_conv").get_weights())
        return activations(model, x, "head_conv")[..., 0]

    found = metrics.randomization_check(nested_model, images, explain, randomize="normal")
    assert found.layers == ("out", "head_conv", "inner/conv")  # the batch norm passed over
    kernel, bias = drawn[2]  # after head_conv's step
    trained = nested_model.get_layer("head_conv").get_weights()
    assert not np.allclose(kernel, trained[0]) and kernel.dtype == trained[0].dtype
    assert 0.005 < np.concatenate([kernel.ravel(), bias]).std() < 0.015  # 0.01 * randn
    with pytest.raises(ValueError, match=r"draws kernels and biases .* \['inner/bn'\]"):
        metrics.randomization_check(
            nested_model, images, explain, layers=["inner/bn"], randomize="normal"
        )


def test_mathworks_finding_on_the_fashion_cnn():
    """MathWorks' check, on the Fashion CNN: only the plain gradient changes.

    As MathWorks' example runs it on SqueezeNet: the second-to-last layer with
    weights randomized alone, then the top two in cascade, drawn as its
    ``randomizeLayer`` (0.01 x randn). 32 test images, their true classes.
    """
    model = zoo.fashion_cnn()
    pixels, labels = datasets.fashion_test_subset()
    x, y = pixels[:32, ..., None] / np.float32(255), labels[:32].astype(int)
    found, _ = mathworks_check(model, x, y, "dense", ["dense", "dense_1"])
    gradient, guided = found["gradient"], found["guided-backprop"]
    assert (gradient < 0.45).all() and (guided > 0.6).all(), found
    assert (guided - gradient > 0.3).all(), found


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        (dict(explain="gradcam"), TypeError, r"`explain` to be a callable"),
        (dict(layers="max_pooling2d"), ValueError, r"have none. Received: layers="),
        (dict(layers="conv9"), ValueError, r"No layer named `conv9`"),
        (dict(explain=lambda m, x: np.zeros(3)), ValueError, r"one map per image \(2\)"),
        (dict(randomize="uniform"), ValueError, r"`randomize` to be one of \['shuffle'"),
    ],
)
def test_errors(small_cnn, rng, options, error, match):
    images = rng.random((2, 12, 12, 1), dtype=np.float32)
    kw = {"explain": first_layer_map, **options}
    with pytest.raises(error, match=match):
        metrics.randomization_check(small_cnn, images, **kw)


def test_the_repr_lists_each_step_s_mean_correlation():
    check = RandomizationCheck(("<b>top</b>", "conv"), np.array([[1.0, 0.5], [0.2, 0.0]]))
    assert repr(check).splitlines()[1] == (
        "  mean Spearman correlation after each: <b>top</b> 0.75, conv 0.1"
    )
    page = check._repr_html_()
    assert "&lt;b&gt;top&lt;/b&gt;" in page and "<b>top" not in page  # names are text
