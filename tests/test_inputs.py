"""Reading the model input and checking images against it."""

from __future__ import annotations

import numpy as np
import pytest

from activations._engine.inputs import ModelInput, as_image_source, check_batch, input_spec

pytestmark = pytest.mark.core


def test_model_input_of_declared_and_subclassed_models(small_cnn, subclassed_model):
    assert input_spec(small_cnn) == ModelInput((12, 12, 1), "float32", "small_cnn")
    spec = input_spec(subclassed_model)
    assert spec.shape is None and spec.rank == 4


def test_check_batch_casts_without_touching_the_input():
    spec = ModelInput((2, 2, 1), "float32", "m")
    x = np.arange(4, dtype=np.uint8).reshape(2, 2)
    batch, single = check_batch(x, spec, allow_single=True)
    assert single and batch.shape == (1, 2, 2, 1) and batch.dtype == np.float32
    batch[...] = 9
    np.testing.assert_array_equal(x, [[0, 1], [2, 3]])


def test_free_sizes_accept_any_image_size():
    spec = ModelInput((None, None, 3), "float32", "m")
    assert check_batch(np.zeros((7, 5, 3)), spec, allow_single=True)[0].shape == (1, 7, 5, 3)
    with pytest.raises(ValueError, match=r"shape \(\?, \?, 3\)"):
        check_batch(np.zeros((7, 5, 4)), spec, allow_single=True)


def test_array_sources_are_sliced_in_batches():
    spec = ModelInput((1,), "float32", "m")
    source = as_image_source(np.arange(5.0)[:, None], spec)
    assert [len(b) for b in source.iter_batches(2)] == [2, 2, 1]


def test_rejects_dicts_and_none():
    spec = ModelInput((1,), "float32", "m")
    for bad in ({"x": 1}, None):
        with pytest.raises(TypeError, match=r"Expected `images`"):
            as_image_source(bad, spec)
