"""TopReducer and TopAccumulator: the per-batch top k and its merge."""

from __future__ import annotations

import numpy as np
import pytest
from _tolerance import assert_close

from activations._engine.preamble import prepare
from activations._probes.top_reduce import TopAccumulator, TopReducer

pytestmark = pytest.mark.core


def test_the_accumulator_keeps_the_best_k_earlier_images_first_on_ties():
    running = TopAccumulator(3)
    running.add_batch((np.array([[5.0, 1.0]]), np.array([[1, 0]]), np.array([[7, 8]])), 2)
    running.add_batch((np.array([[5.0, 4.0]]), np.array([[0, 1]]), np.array([[2, 3]])), 2)
    assert running.n_images == 4
    np.testing.assert_array_equal(running.values, [[5, 5, 4]])
    np.testing.assert_array_equal(running.indices, [[1, 2, 3]])  # image 1 before image 2
    np.testing.assert_array_equal(running.peaks, [[7, 2, 3]])


def test_batches_too_large_for_int32_indices_are_reduced_in_pieces(small_cnn, rng):
    x = rng.random((13, 12, 12, 1), dtype=np.float32)
    _, _, _, extractor = prepare(small_cnn, x, "conv2d_1", stage="output")
    reducer = TopReducer(extractor, tuple(range(6)), "max", 4)
    assert reducer.max_rows == (2**31 - 1) // (6 * 6 * 6)
    whole = reducer(x)
    reducer.max_rows = 3  # as if each map held ~2**31 / 3 values
    pieces = reducer(x)
    assert_close(pieces[0], whole[0])  # other batchings: float32 rounding
    np.testing.assert_array_equal(pieces[1], whole[1])
    np.testing.assert_array_equal(pieces[2], whole[2])
