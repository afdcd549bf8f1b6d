"""gradcam(): class activation mapping exactly, on every model kind; labels; no side effects."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from _models import Elementwise
from _sanity import deletion_area
from _tolerance import assert_close
from keras import layers

from activations import activations, gradcam
from activations.datasets._fashion_mnist import SYSTEM_DIR

pytestmark = pytest.mark.core


def _cam_model(seed: int = 3) -> tuple[keras.Model, np.ndarray]:
    """Conv (relu) -> global average pooling -> Dense softmax, hand-set weights."""
    model = keras.Sequential(
        [
            keras.Input((6, 6, 1)),
            layers.Conv2D(3, 3, padding="same", activation="relu", name="conv"),
            layers.GlobalAveragePooling2D(name="gap"),
            layers.Dense(2, activation="softmax", name="fc"),
        ],
        name="cam",
    )
    rng = np.random.default_rng(seed)
    model.get_layer("conv").set_weights([rng.normal(size=(3, 3, 1, 3)), np.zeros(3)])
    weights = np.array([[1.0, -0.5], [0.5, 1.0], [-1.0, 0.25]])
    model.get_layer("fc").set_weights([weights, np.zeros(2)])
    return model, weights


def test_equals_class_activation_mapping_up_to_a_positive_scale(rng):
    model, weights = _cam_model()
    x = rng.random((4, 6, 6, 1), dtype=np.float32)
    maps = activations(model, x, "conv")
    for c in (0, 1):
        cam = gradcam(model, x, label=c, feature_layer="conv")
        # d score_c / d A_k(i, j) = w_kc / 36 through the average pooling, before softmax
        expected = np.maximum((maps * weights[:, c]).sum(axis=-1), 0) / 36
        assert expected.max() > 0
        assert_close(cam, expected)


def test_defaults_label_and_one_image(rng):
    model, _ = _cam_model()
    x = rng.random((3, 6, 6, 1), dtype=np.float32)
    predicted = activations(model, x, "fc").argmax(-1)
    by_default = gradcam(model, x)  # the last spatial layer, the output layer, predicted class
    assert by_default.shape == (3, 6, 6) and by_default.dtype == np.float32
    assert_close(by_default, gradcam(model, x, label=list(predicted), feature_layer="conv"))
    assert_close(gradcam(model, x[1]), by_default[1])
    assert_close(gradcam(model, x, batch_size=2), by_default)


def test_maps_are_resized_to_the_input(rng):
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.Conv2D(2, 3, strides=2, padding="same", activation="relu", name="conv"),
            layers.Flatten(),
            layers.Dense(3, name="logits"),
        ]
    )
    cam = gradcam(model, rng.random((2, 8, 8, 1), dtype=np.float32), label=1)
    assert cam.shape == (2, 8, 8) and np.isfinite(cam).all()


def test_every_model_kind(nested_model, subclassed_model, rng):
    x = rng.random((2, 8, 8, 3), dtype=np.float32)
    nested = gradcam(nested_model, x, feature_layer="inner/conv")  # default reduction: "out"
    assert nested.shape == (2, 8, 8) and np.isfinite(nested).all()
    assert nested.max() > 0
    y = rng.random((2, 10, 10, 3), dtype=np.float32)
    sub = gradcam(subclassed_model, y, feature_layer="conv1", reduction_layer="fc")
    assert sub.shape == (2, 10, 10) and (sub >= 0).all()


def test_nothing_is_changed(rng):
    model, _ = _cam_model()
    x = rng.random((2, 6, 6, 1), dtype=np.float32)
    x_copy = x.copy()
    weights = [w.copy() for w in model.get_weights()]
    classes = [type(layer) for layer in model.layers]
    gradcam(model, x)
    with pytest.raises(ValueError):
        gradcam(model, x, label=5)
    assert [type(layer) for layer in model.layers] == classes
    assert model.get_layer("fc").activation is keras.activations.softmax
    assert all(layer.trainable for layer in model.layers) and not model.compiled
    for w, w0 in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(x, x_copy)


def test_errors(rng):
    model, _ = _cam_model()
    x = rng.random((2, 6, 6, 1), dtype=np.float32)
    with pytest.raises(ValueError, match=r"`label` in \[0, 1\].*Received: label=5"):
        gradcam(model, x, label=5)
    with pytest.raises(ValueError, match=r"one index per image \(2\)"):
        gradcam(model, x, label=[0, 1, 0])
    with pytest.raises(TypeError, match=r"a class index or one index per image.*label=0.5"):
        gradcam(model, x, label=0.5)  # the same rule as occlusion_sensitivity
    with pytest.raises(ValueError, match=r"one score per class.*reduction_layer='conv'"):
        gradcam(model, x, reduction_layer="conv")
    inputs = keras.Input((6, 6, 1))
    conv = layers.Conv2D(2, 3, name="conv")(inputs)
    two = keras.Model(inputs, [layers.Flatten(name="a")(conv), layers.Flatten(name="b")(conv)])
    with pytest.raises(ValueError, match=r"2 outputs \['a', 'b'\].*Pass `reduction_layer`"):
        gradcam(two, x)
    with pytest.raises(ValueError, match=r"one index per image \(at least 4\)\. Received: 3"):
        gradcam(model, iter([x, x]), label=[0, 1, 0])
    with pytest.raises(ValueError, match=r"one index per image \(2\)\. Received: 3 labels"):
        gradcam(model, iter([x]), label=[0, 1, 0])


@pytest.mark.core
def test_an_iterable_of_batches_gives_the_arrays_maps(rng):
    model, _ = _cam_model()
    x = rng.random((5, 6, 6, 1), dtype=np.float32)
    expected = gradcam(model, x, label=[0, 1, 1, 0, 1])
    streamed = gradcam(model, iter([x[:2], x[2:]]), label=[0, 1, 1, 0, 1], progress=False)
    assert_close(streamed, expected)
    assert_close(gradcam(model, (b for b in (x[:3], x[3:]))), gradcam(model, x))


# ------------------------------------------- sanity checks (Adebayo et al., 2018)

needs_fashion = pytest.mark.skipif(
    not SYSTEM_DIR.is_dir(), reason="dataset-fashion-mnist is not installed"
)


def _spearman(u: np.ndarray, v: np.ndarray) -> float:
    def ranks(values):
        return np.argsort(np.argsort(values.ravel(), kind="stable"), kind="stable").astype(float)

    ru, rv = ranks(u), ranks(v)
    return 0.0 if ru.std() == 0 or rv.std() == 0 else float(np.corrcoef(ru, rv)[0, 1])


@pytest.fixture(scope="module")
def fashion_test_64():
    from activations.datasets import fashion_mnist

    _, (x_test, y_test) = fashion_mnist()
    return x_test[:64, ..., None].astype(np.float32) / 255, y_test[:64].astype(np.int64)


@pytest.mark.dataset
@needs_fashion
def test_maps_of_the_trained_and_untrained_cnn_differ(fashion_test_64):
    from activations import zoo

    x, y = fashion_test_64
    trained = gradcam(zoo.fashion_cnn(), x, label=y)
    untrained = gradcam(zoo.fashion_cnn(weights=None, seed=0), x, label=y)
    rho = np.mean([_spearman(a, b) for a, b in zip(trained, untrained)])
    assert rho < 0.3, f"mean Spearman rank correlation {rho:.3f}"  # measured: 0.116


@pytest.mark.dataset
@needs_fashion
def test_deleting_the_most_important_pixels_first_drops_the_score_faster(fashion_test_64):
    from activations import zoo

    model = zoo.fashion_cnn()
    x, y = fashion_test_64
    maps = gradcam(model, x, label=y)
    rng = np.random.default_rng(0)
    random_orders = [rng.permutation(28 * 28) for _ in range(len(x))]
    by_map = [np.argsort(-m.ravel(), kind="stable") for m in maps]

    ours = deletion_area(model, x, y, by_map)
    random = deletion_area(model, x, y, random_orders)
    assert ours < random - 0.05, (ours, random)  # measured: 0.564 vs 0.671


@pytest.mark.core
def test_a_feature_layer_without_maps_is_refused(small_cnn):
    x = np.zeros((12, 12, 1), np.float32)
    with pytest.raises(ValueError, match=r"Expected a feature layer with \(H, W, C\) maps"):
        gradcam(small_cnn, x, 0, feature_layer="dense")


@pytest.mark.core
def test_a_score_without_a_gradient_to_the_feature_layer_is_refused():
    inputs = keras.Input((6, 6, 1))
    conv = layers.Conv2D(2, 3, name="conv")(inputs)
    side = layers.Conv2D(2, 3, name="side")(inputs)  # a branch the score never uses
    score = layers.Dense(3, name="score")(layers.GlobalAveragePooling2D()(conv))
    model = keras.Model(inputs, [score, layers.Flatten(name="unused")(side)])
    x = np.zeros((6, 6, 1), np.float32)
    with pytest.raises(ValueError, match=r"does not depend on layer 'side'.*no gradient"):
        gradcam(model, x, 0, feature_layer="side", reduction_layer="score")
    ints = keras.Model(inputs, layers.Lambda(lambda t: keras.ops.cast(t, "int32"))(score))
    if keras.backend.backend() == "jax":  # JAX differentiates a cast to int as 0
        assert not gradcam(ints, x, 0, feature_layer="conv").any()
    else:  # TensorFlow gives no gradient, PyTorch raises: one error for both
        with pytest.raises(ValueError, match=r"gives no gradient with respect to the maps"):
            gradcam(ints, x, 0, feature_layer="conv")


def _not_finite_model(fn) -> keras.Model:
    """``fn`` on the pixels, then conv -> average -> softmax: a bad pixel gives NaN scores."""
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            Elementwise(fn, name="fn"),
            layers.Conv2D(2, 3, name="conv", kernel_initializer="ones"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(2, activation="softmax", kernel_initializer="ones"),
        ]
    )


# sqrt of a negative pixel is NaN; 1/0 is inf (then inf - inf in the softmax: NaN)
NOT_FINITE = [(keras.ops.sqrt, -1.0), (lambda t: keras.ops.divide(1.0, t), 0.0)]


@pytest.mark.core
@pytest.mark.parametrize("label", [None, 1])
@pytest.mark.parametrize("fn, bad", NOT_FINITE)
def test_an_image_with_a_score_that_is_not_finite_gets_a_nan_map(rng, label, fn, bad):
    # Before: a NaN map with no word, and label=None explained class 0 (NaN's argmax).
    model = _not_finite_model(fn)
    x = rng.random((3, 8, 8, 1), dtype=np.float32) + 0.5
    x[1, 2, 3, 0] = bad
    with pytest.warns(RuntimeWarning, match=r"gradcam: 1 of 3 images .* images \[1\]"):
        maps = gradcam(model, x, label=label, feature_layer="conv", batch_size=2)
    assert maps.shape == (3, 8, 8)  # resized from 6 x 6: before, imresize refused NaN
    assert np.isnan(maps[1]).all() and np.isfinite(maps[[0, 2]]).all()
    assert_close(maps[[0, 2]], gradcam(model, x[[0, 2]], label=label, feature_layer="conv"))


def _regression_model() -> keras.Model:
    """Conv (relu) -> global average pooling -> one linear output: a regression."""
    inputs = keras.Input((6, 6, 1))
    conv = layers.Conv2D(3, 3, padding="same", activation="relu", name="conv")(inputs)
    out = layers.Dense(1, name="value")(layers.GlobalAveragePooling2D()(conv))
    model = keras.Model(inputs, out, name="regression")
    rng = np.random.default_rng(5)
    model.get_layer("conv").set_weights([rng.normal(size=(3, 3, 1, 3)), np.zeros(3)])
    model.get_layer("value").set_weights([np.array([[1.0], [-0.5], [0.75]]), np.zeros(1)])
    return model


@pytest.mark.core
def test_a_reduction_function_as_matlab_reduction_fcn(rng):
    model = _regression_model()
    x = rng.random((3, 6, 6, 1), dtype=np.float32)
    # MATLAB's regression example: reductionFcn = @(x) x, one value per image.
    maps = gradcam(model, x, reduction=lambda y: y[:, 0], feature_layer="conv")
    assert_close(maps, gradcam(model, x, 0, feature_layer="conv"))
    assert_close(gradcam(model, x, reduction=lambda y: y, feature_layer="conv"), maps)  # (N, 1)
    # A negated score turns the map around: other channels get the weight.
    negated = gradcam(model, x, reduction=lambda y: -y[:, 0], feature_layer="conv")
    assert np.abs(negated - maps).max() > 1e-3


def test_reduction_errors(rng):
    model = _regression_model()
    x = rng.random((2, 6, 6, 1), dtype=np.float32)
    with pytest.raises(ValueError, match=r"either `label` .* or `reduction`"):
        gradcam(model, x, 0, reduction=lambda y: y)
    with pytest.raises(TypeError, match=r"`reduction` to be None or a function"):
        gradcam(model, x, reduction=3)
    with pytest.raises(ValueError, match=r"one score per image, shape \(N,\) or \(N, 1\)"):
        gradcam(model, x, reduction=lambda y: keras.ops.sum(y), feature_layer="conv")
    with pytest.raises(ValueError, match=r"Calling `reduction` on the output of layer 'value'"):
        gradcam(model, x, reduction=lambda y: y.numpy(), feature_layer="conv")
