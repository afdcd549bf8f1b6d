"""channel_stats(): streamed per-channel statistics."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
from _tolerance import assert_close

from activations import ChannelStats, activations, channel_stats

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


def _hand_stats() -> ChannelStats:
    per_image_max = np.array([[1.0, 0.0, 5.0], [3.0, 0.0, 2.0]], np.float32)
    return ChannelStats(
        max=per_image_max.max(axis=0),
        mean=np.array([1.0, 0.0, 2.0], np.float32),
        min=np.array([0.0, -1.0, 0.0], np.float32),
        per_image_max=per_image_max,
        n_images=2,
    )


def test_repr_names_the_strongest_channels():
    assert repr(_hand_stats()).splitlines() == [
        "ChannelStats(2 images x 3 channels, 1 never above 0)",
        "  per-channel max 0..5; overall min -1, mean 1",
        "  strongest (by max): 2 (5), 0 (3), 1 (0)",
    ]


def test_html_ranks_channels_by_max_with_the_image_of_their_max():
    html = _hand_stats()._repr_html_()
    cells = re.findall(r'">([^<]*)</td>', html)
    assert cells[:5] == ["2", "5", "2", "0", "0"]  # channel, max, mean, min, image of max
    assert cells[5:10] == ["0", "3", "1", "0", "1"] and cells[10:15] == ["1", "0", "0", "-1", "0"]
    assert html.count("width:100.0%") == 1 and "more channels" not in html


def test_repr_of_a_large_result_stays_short_and_fast(rng):
    per_image_max = rng.random((10_000, 512), dtype=np.float32)
    stats = ChannelStats(
        max=per_image_max.max(axis=0),
        mean=per_image_max.mean(axis=0),
        min=per_image_max.min(axis=0),
        per_image_max=per_image_max,
        n_images=10_000,
    )
    start = time.perf_counter()
    text = repr(stats)
    took = time.perf_counter() - start
    assert len(text) < 300 and len(text.splitlines()) == 3 and took < 0.05
    assert text.startswith("ChannelStats(10,000 images x 512 channels)") and ", ..." in text
    start = time.perf_counter()
    html = stats._repr_html_()
    assert time.perf_counter() - start < 0.05
    assert html.count("<tr>") == 11 and "... and 502 more channels" in html
