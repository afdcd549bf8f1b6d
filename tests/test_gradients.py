"""The backend's gradient of a model output, checked against finite differences."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from activations._engine.gradients import output_gradient

pytestmark = pytest.mark.core


def _two_input_model() -> keras.Model:
    x, d = keras.Input((3,)), keras.Input((3,))
    hidden = layers.Dense(4, activation="tanh", name="h")(layers.Add()([x, d]))
    model = keras.Model([x, d], layers.Dense(2, name="out")(hidden))
    rng = np.random.default_rng(1)
    model.get_layer("h").set_weights([rng.normal(size=(3, 4)), rng.normal(size=4)])
    model.get_layer("out").set_weights([rng.normal(size=(4, 2)), rng.normal(size=2)])
    return model


def _target(outputs):
    return keras.ops.sum(keras.ops.square(outputs[0]))


def test_matches_central_differences():
    model = _two_input_model()
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3)).astype(np.float32)
    d = rng.normal(size=(2, 3)).astype(np.float32) * 0.1
    (out,), grad = output_gradient(model, [x, d], 1, _target)
    np.testing.assert_allclose(out, model.predict([x, d], verbose=0), rtol=1e-5, atol=1e-5)
    eps = 1e-2
    numeric = np.zeros_like(d)
    for index in np.ndindex(d.shape):
        up, down = d.copy(), d.copy()
        up[index] += eps
        down[index] -= eps
        f_up = np.square(model.predict([x, up], verbose=0)).sum()
        f_down = np.square(model.predict([x, down], verbose=0)).sum()
        numeric[index] = (f_up - f_down) / (2 * eps)
    # float32 forward passes: central differences carry ~1e-4 relative error at eps=1e-2
    np.testing.assert_allclose(grad, numeric, rtol=2e-3, atol=2e-3 * np.abs(numeric).max())


def test_the_compiled_step_is_reused_and_the_model_unchanged():
    model = _two_input_model()
    weights = [w.copy() for w in model.get_weights()]
    x = np.ones((1, 3), np.float32)
    first = output_gradient(model, [x, np.zeros((1, 3), np.float32)], 1, _target)[1]
    second = output_gradient(model, [x, np.zeros((1, 3), np.float32)], 1, _target)[1]
    np.testing.assert_array_equal(first, second)
    for w, w0 in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(w, w0)
    assert not model.compiled
