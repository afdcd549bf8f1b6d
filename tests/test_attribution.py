"""gradient_attribution() and smoothgrad(): exact gradients, every model kind, labels, errors.

(The comparison with Captum is in test_attribution_captum.py, Integrated
Gradients in test_integrated.py.) The ``core`` tests run on every backend; the
option handling around the one compiled step runs on TensorFlow only, since each
new step costs JAX a compilation.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from _models import KINDS, Elementwise
from _tolerance import assert_close
from keras import layers

from activations import activations, gradient_attribution, smoothgrad

METHODS = ["gradient", "guided-backprop"]


def _linear(kernel: np.ndarray) -> keras.Model:
    """Flatten -> Dense(softmax) on 3x3x2 images: the score's gradient is a kernel column."""
    model = keras.Sequential(
        [
            keras.Input((3, 3, 2)),
            layers.Flatten(),
            layers.Dense(2, activation="softmax", name="fc"),
        ]
    )
    model.get_layer("fc").set_weights([kernel, np.zeros(2)])
    return model


@pytest.fixture
def kernel() -> np.ndarray:
    return np.arange(36, dtype=np.float32).reshape(18, 2) - 17.0


@pytest.mark.parametrize(
    ("channels", "reduce"),
    [
        pytest.param(None, lambda g: g, marks=pytest.mark.core),
        ("sum-abs", lambda g: np.abs(g).sum(-1)),
        ("max-abs", lambda g: np.abs(g).max(-1)),
        ("sum", lambda g: g.sum(-1)),
    ],
)
def test_the_gradient_of_the_score_before_the_softmax(kernel, rng, channels, reduce):
    x = rng.random((4, 3, 3, 2), dtype=np.float32)
    maps = gradient_attribution(_linear(kernel), x, [0, 1, 1, 0], channels=channels)
    expected = np.stack([kernel[:, c].reshape(3, 3, 2) for c in (0, 1, 1, 0)])
    assert maps.dtype == np.float32
    np.testing.assert_array_equal(maps, reduce(expected))  # small integers: exact


@pytest.mark.core
def test_the_predicted_class_by_default(small_cnn, rng):
    x = rng.random((5, 12, 12, 1), dtype=np.float32)
    predicted = np.argmax(keras.ops.convert_to_numpy(small_cnn(x)), axis=-1)
    maps = gradient_attribution(small_cnn, x)  # the class chosen inside the compiled step
    assert_close(maps, gradient_attribution(small_cnn, x, predicted))
    smooth = smoothgrad(small_cnn, x, samples=3)  # the class of the clean image
    assert_close(smooth, smoothgrad(small_cnn, x, predicted, samples=3))


def test_one_image_gives_one_map(small_cnn, rng):
    x = rng.random((3, 12, 12, 1), dtype=np.float32)
    for method in METHODS:
        one = gradient_attribution(small_cnn, x[2], 1, method=method)
        assert one.shape == (12, 12)
        assert_close(one, gradient_attribution(small_cnn, x, 1, method=method)[2])


def _score(model: keras.Model, x: np.ndarray, label: int, layer: str | None) -> np.ndarray:
    if layer is None:
        out = model(x)
        return keras.ops.convert_to_numpy(out[0] if isinstance(out, (list, tuple)) else out)[
            :, label
        ]
    return activations(model, x, layer, stage="pre")[:, label]


def _multi_output() -> keras.Model:
    init = keras.initializers.GlorotUniform
    inputs = keras.Input((7, 7, 2))
    x = layers.Conv2D(3, 3, activation="relu", name="conv", kernel_initializer=init(1))(inputs)
    x = layers.ReLU(name="relu")(layers.Conv2D(4, 3, name="conv2", kernel_initializer=init(2))(x))
    flat = layers.Flatten(name="flat")(x)
    box = layers.Dense(4, name="box", kernel_initializer=init(3))(flat)
    score = layers.Dense(3, activation="softmax", name="score", kernel_initializer=init(4))(flat)
    return keras.Model(inputs, [box, score], name="two_heads")


@pytest.fixture
def two_heads() -> keras.Model:
    return _multi_output()


@pytest.mark.core
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_model_kind(kind, request, rng):
    fixture, shape, reduction_layer, pre = KINDS[kind]
    model = request.getfixturevalue(fixture)
    x = rng.random((3, *shape), dtype=np.float32)
    options = dict(reduction_layer=reduction_layer, progress=False)
    grad = gradient_attribution(model, x, 1, channels=None, **options)
    assert grad.shape == (3, *shape) and np.isfinite(grad).all()
    # The directional derivative along a random direction, by one-sided differences: the
    # score is piecewise linear (ReLU, max pooling), and a kink may lie on one side of x
    # (one image here sits 1e-4 from one), so a step to one side or the other must match.
    d = rng.standard_normal(shape).astype(np.float32)
    steps = np.array([1e-3, -1e-3, 3e-4, -3e-4], np.float32)
    moved = np.concatenate([x] + [x + step * d for step in steps])  # one forward pass
    at_x, *ats = np.split(_score(model, moved, 1, pre), 1 + len(steps))
    slope = (grad * d).sum(axis=(1, 2, 3))
    found = np.zeros(3, bool)
    for step, at in zip(steps, ats, strict=True):
        found |= np.isclose(slope, (at - at_x) / step, rtol=0.03, atol=2e-3)
    assert found.all(), slope
    guided = gradient_attribution(model, x, 1, method="guided-backprop", channels=None, **options)
    assert guided.shape == grad.shape and np.isfinite(guided).all()
    assert np.abs(guided - grad).max() > 1e-3 * np.abs(grad).max()  # its ReLUs were guided


def test_guided_backprop_without_relu_layers_is_the_gradient(kernel, rng, caplog):
    model = _linear(kernel)
    x = rng.random((2, 3, 3, 2), dtype=np.float32)
    with caplog.at_level("WARNING", logger="activations"):
        guided = gradient_attribution(model, x, 0, method="guided-backprop")
    np.testing.assert_array_equal(guided, gradient_attribution(model, x, 0))
    assert "no ReLU layers" in caplog.text


def test_a_reduction_function_as_matlab_reduction_fcn(kernel, rng):
    kernel = kernel / 100.0  # probabilities away from 0 and 1
    model = _linear(kernel)
    x = rng.random((2, 3, 3, 2), dtype=np.float32)
    # Of the output (after the softmax): p0 - p1, whose gradient is 2 p0 p1 (k0 - k1).
    maps = gradient_attribution(model, x, reduction=lambda p: p[:, 0] - p[:, 1], channels=None)
    p = keras.ops.convert_to_numpy(model(x))
    expected = (2 * p[:, 0] * p[:, 1])[:, None] * (kernel[:, 0] - kernel[:, 1])[None]
    assert_close(maps, expected.reshape(2, 3, 3, 2))


def test_smoothgrad_on_every_model_kind(nested_model, subclassed_model, two_heads, rng):
    for model, shape, layer in [
        (nested_model, (8, 8, 3), None),
        (subclassed_model, (10, 10, 3), "fc"),
        (two_heads, (7, 7, 2), "score"),
    ]:
        x = rng.random((2, *shape), dtype=np.float32)
        smooth = smoothgrad(model, x, 1, samples=4, reduction_layer=layer)
        assert smooth.shape == (2, *shape[:2]) and (smooth >= 0).all() and smooth.max() > 0


def test_batches_streams_and_seeds_give_the_same_maps(small_cnn, rng):
    x = rng.random((5, 12, 12, 1), dtype=np.float32)
    labels = [0, 1, 2, 1, 0]
    whole = gradient_attribution(small_cnn, x, labels)
    assert_close(gradient_attribution(small_cnn, iter([x[:2], x[2:]]), labels), whole)
    assert_close(gradient_attribution(small_cnn, x, labels, batch_size=2), whole)
    smooth = smoothgrad(small_cnn, x, labels, samples=4, seed=3)
    assert_close(smoothgrad(small_cnn, x, labels, samples=4, seed=3, batch_size=3), smooth)
    assert_close(smoothgrad(small_cnn, iter([x[:1], x[1:]]), labels, samples=4, seed=3), smooth)
    assert np.abs(smoothgrad(small_cnn, x, labels, samples=4, seed=4) - smooth).max() > 0
    assert smoothgrad(small_cnn, x, labels, samples=2, seed=None).shape == (5, 12, 12)
    # Without noise every copy is the image: SmoothGrad is the gradient map.
    assert_close(smoothgrad(small_cnn, x, labels, noise=0.0, samples=2), whole)


def test_nothing_is_changed(small_cnn, rng):
    x = rng.random((2, 12, 12, 1), dtype=np.float32)
    kept, weights = x.copy(), [w.copy() for w in small_cnn.get_weights()]
    config = small_cnn.get_config()
    classes = [type(layer) for layer in small_cnn.layers]
    for method in METHODS:
        gradient_attribution(small_cnn, x, method=method)
        smoothgrad(small_cnn, x, method=method, samples=2)
    assert [type(layer) for layer in small_cnn.layers] == classes
    assert small_cnn.get_layer("conv2d").activation is keras.activations.relu
    assert small_cnn.get_config() == config and not small_cnn.compiled
    for w, w0 in zip(small_cnn.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(x, kept)


def test_an_image_whose_score_is_not_finite_gets_a_nan_map(rng):
    model = keras.Sequential(
        [
            keras.Input((4, 4, 1)),
            Elementwise(keras.ops.sqrt, name="sqrt"),  # sqrt(-1) = NaN
            layers.Flatten(),
            layers.Dense(2, activation="softmax", kernel_initializer="ones"),
        ]
    )
    x = rng.random((3, 4, 4, 1), dtype=np.float32) + 0.5
    x[1, 0, 0, 0] = -1.0
    for run in (gradient_attribution, smoothgrad):
        with pytest.warns(RuntimeWarning, match=rf"{run.__name__}: 1 of 3 images .* \[1\]"):
            maps = run(model, x, batch_size=2)
        assert np.isnan(maps[1]).all() and np.isfinite(maps[[0, 2]]).all()


def test_errors(small_cnn, two_heads, rng):
    x = rng.random((2, 12, 12, 1), dtype=np.float32)
    with pytest.raises(
        ValueError, match=r"`method` to be one of \['gradient', 'guided-backprop'\]"
    ):
        gradient_attribution(small_cnn, x, method="deconvnet")
    with pytest.raises(ValueError, match=r"`channels` to be one of \['sum-abs', 'max-abs', 'sum'"):
        smoothgrad(small_cnn, x, channels="mean")
    with pytest.raises(ValueError, match=r"`label` in \[0, 2\].*Received: label=3"):
        gradient_attribution(small_cnn, x, 3)
    with pytest.raises(ValueError, match=r"either `label` .* or `reduction`"):
        gradient_attribution(small_cnn, x, 0, reduction=lambda y: y[:, 0])
    with pytest.raises(TypeError, match=r"`reduction` to be None or a function"):
        gradient_attribution(small_cnn, x, reduction="sum")
    with pytest.raises(
        ValueError, match=r"one score per image, shape \(N,\) or \(N, 1\).*\(None, 3\)"
    ):
        gradient_attribution(small_cnn, x, reduction=lambda y: y)
    with pytest.raises(ValueError, match=r"2 outputs \['box', 'score'\].*Pass `reduction_layer`"):
        gradient_attribution(two_heads, rng.random((7, 7, 2), dtype=np.float32))
    with pytest.raises(ValueError, match=r"one score per class.*reduction_layer='conv2d'"):
        gradient_attribution(small_cnn, x, reduction_layer="conv2d")
    with pytest.raises(ValueError, match=r"`noise` >= 0"):
        smoothgrad(small_cnn, x, noise=-0.1)
    with pytest.raises(TypeError, match=r"`noise` to be a number"):
        smoothgrad(small_cnn, x, noise="0.1")
    with pytest.raises(ValueError, match=r"`samples` >= 1"):
        smoothgrad(small_cnn, x, samples=0)
    with pytest.raises(ValueError, match=r"`seed` >= 0"):
        smoothgrad(small_cnn, x, seed=-1)
    with pytest.raises(TypeError, match=r"`squared` to be a bool"):
        smoothgrad(small_cnn, x, squared="yes")
    with pytest.raises(ValueError, match=r"`batch_size` >= 1"):
        gradient_attribution(small_cnn, x, batch_size=0)
