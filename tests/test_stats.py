"""channel_stats(): streamed per-channel statistics."""

from __future__ import annotations

import numpy as np
import pytest
from _tolerance import assert_close

from activations import activations, channel_stats

pytestmark = pytest.mark.core


def test_matches_the_full_activations(small_cnn, rng):
    x = rng.random((23, 12, 12, 1), dtype=np.float32)
    full = activations(small_cnn, x, "conv2d_1")
    stats = channel_stats(small_cnn, x, "conv2d_1", batch_size=5)
    assert stats.n_images == 23
    assert_close(stats.max, full.max(axis=(0, 1, 2)))
    assert_close(stats.min, full.min(axis=(0, 1, 2)))
    assert_close(stats.mean, full.mean(axis=(0, 1, 2)))
    assert_close(stats.per_image_max, full.max(axis=(1, 2)))


def test_vector_layers_and_generators(small_cnn, rng):
    x = rng.random((9, 12, 12, 1), dtype=np.float32)
    full = activations(small_cnn, x, "dense", stage="pre")
    stats = channel_stats(small_cnn, (x[i : i + 4] for i in range(0, 9, 4)), "dense", stage="pre")
    assert_close(stats.mean, full.mean(axis=0))
    assert_close(stats.per_image_max, full)


def test_hand_set_values(box_model):
    image = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
    stats = channel_stats(box_model, np.stack([image, image * 0]), "conv", stage="pre")
    np.testing.assert_array_equal(stats.max, [90, 1])
    np.testing.assert_array_equal(stats.min, [0, -89])
    np.testing.assert_array_equal(stats.per_image_max, [[90, -9], [0, 1]])


def test_one_layer_only(small_cnn):
    with pytest.raises(TypeError, match=r"Expected one layer"):
        channel_stats(small_cnn, np.zeros((1, 12, 12, 1)), ["conv2d", "dense"])
