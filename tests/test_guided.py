"""activations._engine.guided: which layers are ReLUs, and their guided backward pass."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from activations import gradient_attribution
from activations._engine.guided import guided_swaps, is_relu


def test_which_layers_are_plain_relus():
    assert is_relu(layers.ReLU())
    assert is_relu(layers.Activation("relu"))
    assert is_relu(layers.Conv2D(2, 3, activation="relu"))
    assert is_relu(layers.Dense(2, activation="relu"))
    assert not is_relu(layers.ReLU(max_value=6.0))  # ReLU6: Captum leaves it alone too
    assert not is_relu(layers.ReLU(negative_slope=0.1))
    assert not is_relu(layers.LeakyReLU())
    assert not is_relu(layers.Dense(2))
    assert not is_relu(layers.Dense(2, activation="softmax"))
    assert not is_relu(keras.Sequential([layers.ReLU()]))  # a model: its layers are found


def test_nested_relus_are_found_with_their_path(nested_model):
    refs, swaps = guided_swaps(nested_model)
    assert [ref.name for ref in refs] == ["inner/conv"]
    assert refs[0].path == (nested_model.get_layer("inner"),)
    assert set(swaps) == {id(refs[0].layer)}


def _three_relus() -> keras.Model:
    """One pixel, three channels; each goes through one kind of ReLU to a weighted sum.

    Channel k: a_k = w_k * x_k + b_k, then a ReLU; score = sum_k v_k relu(a_k).
    """
    inputs = keras.Input((1, 1, 3))
    flat = layers.Flatten()(inputs)
    parts = [
        layers.Dense(1, activation="relu", name="fused")(flat[:, 0:1]),
        layers.Activation("relu", name="activation")(layers.Dense(1, name="d1")(flat[:, 1:2])),
        layers.ReLU(name="relu")(layers.Dense(1, name="d2")(flat[:, 2:3])),
    ]
    score = layers.Dense(1, use_bias=False, name="score")(layers.Concatenate()(parts))
    model = keras.Model(inputs, score)
    for name in ("fused", "d1", "d2"):
        model.get_layer(name).set_weights([np.full((1, 1), 2.0), np.full(1, -1.0)])
    model.get_layer("score").set_weights([np.array([[1.0], [-1.0], [3.0]])])
    return model


@pytest.mark.core
def test_the_guided_backward_pass_of_every_kind_of_relu():
    model = _three_relus()
    # a = 2x - 1: x = (1, 1, 1) opens every ReLU; upstream v = (1, -1, 3).
    x = np.ones((2, 1, 1, 3), np.float32)
    x[1] = [0.25, 1.0, 0.25]  # a = (-0.5, 1, -0.5): the first and last ReLU closed
    plain = gradient_attribution(model, x, 0, channels=None)[:, 0, 0]
    guided = gradient_attribution(model, x, 0, method="guided-backprop", channels=None)[:, 0, 0]
    np.testing.assert_array_equal(plain, [[2.0, -2.0, 6.0], [0.0, -2.0, 0.0]])
    # Guided: a negative upstream gradient stops at the ReLU too (the middle channel).
    np.testing.assert_array_equal(guided, [[2.0, 0.0, 6.0], [0.0, 0.0, 0.0]])
    assert type(model.get_layer("relu")) is layers.ReLU  # the swaps were for the trace only
    assert model.get_layer("fused").activation is keras.activations.relu


class _SharedRelu(keras.Model):
    """One ReLU layer and one Activation("relu") layer, each called after both convs."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.c1 = layers.Conv2D(3, 3, padding="same", name="c1")
        self.c2 = layers.Conv2D(3, 3, padding="same", name="c2")
        self.relu, self.act = layers.ReLU(name="relu"), layers.Activation("relu", name="act")
        self.flat, self.fc = layers.Flatten(name="flat"), layers.Dense(2, name="fc")

    def call(self, x):
        x = self.act(self.relu(self.c1(x)))
        return self.fc(self.flat(self.act(self.relu(self.c2(x)))))


@pytest.mark.core
def test_a_relu_layer_called_after_every_conv(rng):
    shared = _SharedRelu(name="shared")
    shared(np.zeros((1, 6, 6, 1), np.float32))
    shared.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in shared.weights])
    inputs = keras.Input((6, 6, 1))  # the same network with a ReLU layer per call
    x = layers.ReLU()(layers.ReLU()(shared.c1(inputs)))
    x = layers.ReLU()(layers.ReLU()(shared.c2(x)))
    separate = keras.Model(inputs, shared.fc(shared.flat(x)))
    images = rng.random((2, 6, 6, 1), dtype=np.float32)
    guided = gradient_attribution(shared, images, 0, method="guided-backprop", channels=None)
    expected = gradient_attribution(separate, images, 0, method="guided-backprop", channels=None)
    np.testing.assert_allclose(guided, expected, rtol=1e-5, atol=1e-6)
    plain = gradient_attribution(shared, images, 0, channels=None)
    assert np.abs(guided - plain).max() > 1e-3 * np.abs(plain).max()
