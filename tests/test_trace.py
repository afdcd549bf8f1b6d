"""The symbolic trace behind activations(): taps, restores, refuses clearly."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from activations._engine.layers import resolve_layers
from activations._engine.tap import fused_activation
from activations._engine.trace import build_extractor, trace

pytestmark = pytest.mark.core


def test_extractor_shares_the_users_weights(small_cnn):
    refs, _ = resolve_layers(small_cnn, ["conv2d", "dense_1"])
    extractor = build_extractor(small_cnn, refs, input_shape=(12, 12, 1))
    assert [tuple(o.shape) for o in extractor.outputs] == [(None, 12, 12, 4), (None, 3)]
    (model,) = extractor.models
    ours = {id(w) for w in model.weights}
    assert {id(w) for w in small_cnn.get_layer("conv2d").weights} <= ours


def test_classes_are_restored_when_the_trace_fails(small_cnn):
    refs, _ = resolve_layers(small_cnn, ["conv2d", "dense"])
    classes = [type(r.layer) for r in refs]
    with pytest.raises(ValueError, match=r"Could not tap layers"):
        trace(small_cnn, refs, input_shape=(5, 5, 5))  # wrong shape: the trace fails
    assert [type(r.layer) for r in refs] == classes


def test_pre_stage_restores_the_activation(small_cnn):
    refs, _ = resolve_layers(small_cnn, "conv2d")
    extractor = build_extractor(small_cnn, refs, input_shape=(12, 12, 1), stage="pre")
    out = extractor.models[0].predict_on_batch(-np.ones((1, 12, 12, 1), "float32"))
    assert small_cnn.get_layer("conv2d").activation is keras.activations.relu
    assert (np.asarray(out[0] if isinstance(out, list) else out) < 0).any()


def test_fused_activation():
    assert fused_activation(keras.layers.Dense(2, activation="relu")) is keras.activations.relu
    assert fused_activation(keras.layers.Dense(2)) is None
    assert fused_activation(keras.layers.MaxPooling2D()) is None
    assert fused_activation(keras.layers.Activation("relu")) is keras.activations.relu
