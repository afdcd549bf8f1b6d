"""activations(): shapes, exact values, batching, stages, nesting, caching, errors."""

from __future__ import annotations

import logging
import re
import sys
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import keras
import numpy as np
import pytest
from _models import Elementwise
from _tolerance import assert_close
from keras import layers

from activations import activations
from activations._engine.cache import CACHE_SIZE
from activations._engine.extractors import _EXTRACTORS, extractor_for

pytestmark = pytest.mark.core

IMAGE = np.arange(16, dtype=np.float32).reshape(4, 4)


def test_hand_set_conv_gives_the_box_sums(box_model, box_sums):
    act = activations(box_model, IMAGE[..., None], "conv")
    assert act.shape == (4, 4, 2) and act.dtype == np.float32
    np.testing.assert_array_equal(act[..., 0], box_sums)
    np.testing.assert_array_equal(act[..., 1], np.zeros((4, 4)))  # 1 - box < 0, after ReLU


def test_pre_stage_is_before_the_fused_relu(box_model, box_sums):
    pre = activations(box_model, IMAGE[..., None], "conv", stage="pre")
    np.testing.assert_array_equal(pre[..., 0], box_sums)
    np.testing.assert_array_equal(pre[..., 1], 1 - box_sums)


def test_every_layer_in_one_call(box_model):
    acts = activations(box_model, IMAGE[..., None], ["conv", "pool", "flatten", "dense"])
    assert list(acts) == ["conv", "pool", "flatten", "dense"]
    np.testing.assert_array_equal(acts["pool"][..., 0], [[45, 54], [81, 90]])
    np.testing.assert_array_equal(acts["flatten"], [45, 0, 54, 0, 81, 0, 90, 0])
    np.testing.assert_array_equal(acts["dense"], [270, 270, 270])


def test_a_2d_image_is_one_grayscale_image(box_model):
    np.testing.assert_array_equal(
        activations(box_model, IMAGE, "conv"), activations(box_model, IMAGE[..., None], "conv")
    )


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.float64, np.float16])
def test_any_real_dtype(box_model, box_sums, dtype):
    act = activations(box_model, IMAGE.astype(dtype), "conv")
    assert act.dtype == np.float32
    np.testing.assert_array_equal(act[..., 0], box_sums)


def test_batch_list_and_single_agree(small_cnn, rng):
    x = rng.random((5, 12, 12, 1), dtype=np.float32)
    batch = activations(small_cnn, x, "conv2d_1")
    assert batch.shape == (5, 6, 6, 6)
    as_list = activations(small_cnn, list(x), "conv2d_1")
    assert_close(as_list, batch)
    assert_close(activations(small_cnn, x[2], "conv2d_1"), batch[2])
    gray_list = activations(small_cnn, [im[..., 0] for im in x], "conv2d_1")
    assert_close(gray_list, batch)


def test_matches_a_keras_submodel(small_cnn, rng):
    x = rng.random((4, 12, 12, 1), dtype=np.float32)
    for layer in small_cnn.layers:
        expected = keras.Model(small_cnn.inputs, layer.output).predict(x, verbose=0)
        assert_close(activations(small_cnn, x, layer.name), expected)


@pytest.mark.parametrize("batch_size", [1, 2, 3, 7, 100])
def test_batch_size_does_not_change_results(small_cnn, rng, batch_size):
    x = rng.random((7, 12, 12, 1), dtype=np.float32)
    names = ["conv2d", "dense_1"]
    whole = activations(small_cnn, x, names, batch_size=100)
    parts = activations(small_cnn, x, names, batch_size=batch_size)
    for name in names:
        assert_close(parts[name], whole[name])


def test_iterables_of_batches(small_cnn, rng):
    x = rng.random((6, 12, 12, 1), dtype=np.float32)
    expected = activations(small_cnn, x, "dense")
    gen = (x[i : i + 4] for i in range(0, 6, 4))
    assert_close(activations(small_cnn, gen, "dense"), expected)
    pairs = iter([(x[:3], np.zeros(3)), (x[3:], np.zeros(3))])  # (x, y) as fit() takes
    assert_close(activations(small_cnn, pairs, "dense"), expected)


def test_tf_data_dataset(small_cnn, rng):
    tf = pytest.importorskip("tensorflow")
    x = rng.random((5, 12, 12, 1), dtype=np.float32)
    ds = tf.data.Dataset.from_tensor_slices((x, np.arange(5))).batch(2)
    assert_close(activations(small_cnn, ds, "conv2d"), activations(small_cnn, x, "conv2d"))


def test_output_as_rows_and_columns(small_cnn, rng):
    x = rng.random((3, 12, 12, 1), dtype=np.float32)
    channels = activations(small_cnn, x, "conv2d")
    rows = activations(small_cnn, x, "conv2d", output_as="rows")
    cols = activations(small_cnn, x, "conv2d", output_as="columns")
    assert rows.shape == (3, 12 * 12 * 4) and cols.shape == (12 * 12 * 4, 3)
    np.testing.assert_array_equal(rows, channels.reshape(3, -1))
    np.testing.assert_array_equal(cols, rows.T)
    assert activations(small_cnn, x[0], "conv2d", output_as="rows").shape == (1, 576)


def test_layer_by_index_and_object(small_cnn, rng):
    x = rng.random((2, 12, 12, 1), dtype=np.float32)
    by_name = activations(small_cnn, x, "conv2d_1")
    assert_close(activations(small_cnn, x, 2), by_name)
    assert_close(activations(small_cnn, x, small_cnn.layers[2]), by_name)
    assert_close(activations(small_cnn, x, -1), activations(small_cnn, x, 7))


def test_pre_stage_on_dense_and_relu_of_it(small_cnn, rng):
    x = rng.random((3, 12, 12, 1), dtype=np.float32)
    pre = activations(small_cnn, x, "dense", stage="pre")
    post = activations(small_cnn, x, "dense")
    assert (pre < 0).any()
    assert_close(np.maximum(pre, 0), post)
    softmax_pre = activations(small_cnn, x, "dense_1", stage="pre")
    assert_close(
        keras.ops.convert_to_numpy(keras.ops.softmax(softmax_pre)),
        activations(small_cnn, x, "dense_1"),
    )


def test_nested_model_layers(nested_model, rng):
    x = rng.random((3, 8, 8, 3), dtype=np.float32)
    inner = nested_model.get_layer("inner")
    expected = keras.Model(inner.inputs, inner.get_layer("conv").output).predict(x, verbose=0)
    assert_close(activations(nested_model, x, "inner/conv"), expected)
    assert_close(activations(nested_model, x, "conv"), expected)
    acts = activations(nested_model, x, ["inner/bn", "inner", "head_conv"], stage="output")
    assert_close(acts["inner"], inner.predict(x, verbose=0))
    np.testing.assert_array_equal(acts["inner"], acts["inner/bn"])
    pre = activations(nested_model, x, "inner/conv", stage="pre")
    assert_close(np.maximum(pre, 0), expected)


def test_subclassed_model(subclassed_model, rng):
    x = rng.random((2, 10, 10, 3), dtype=np.float32)
    m = subclassed_model
    conv = keras.ops.convert_to_numpy(m.conv1(x))
    prelu = keras.ops.convert_to_numpy(m.prelu1(conv))
    acts = activations(m, x, ["conv1", "prelu1", "fc"])
    assert_close(acts["conv1"], conv)
    assert_close(acts["prelu1"], prelu)
    fc = keras.ops.convert_to_numpy(m(x)[0])
    assert_close(acts["fc"], fc)
    assert activations(m, x[0], "pool1").shape == (4, 4, 3)


def test_model_and_inputs_are_left_unchanged(small_cnn, rng):
    x = rng.random((2, 12, 12, 1), dtype=np.float32)
    before = [w.copy() for w in small_cnn.get_weights()]
    x_copy = x.copy()
    expected = small_cnn.predict(x, verbose=0)
    classes = [type(layer) for layer in small_cnn.layers]
    activations(small_cnn, x, [layer.name for layer in small_cnn.layers])
    activations(small_cnn, x, "conv2d", stage="pre")
    assert [type(layer) for layer in small_cnn.layers] == classes
    assert small_cnn.get_layer("conv2d").activation is keras.activations.relu
    assert not small_cnn.compiled
    assert len(small_cnn.layers) == 8
    for w, w0 in zip(small_cnn.get_weights(), before):
        np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(x, x_copy)
    assert_close(small_cnn.predict(x, verbose=0), expected)


def test_extractor_is_built_once_and_follows_weight_changes(small_cnn, rng):
    x = rng.random((2, 12, 12, 1), dtype=np.float32)
    first = extractor_for(small_cnn, ["conv2d", "dense"])[2]
    activations(small_cnn, x, ["conv2d", "dense"])
    assert extractor_for(small_cnn, ["conv2d", "dense"])[2] is first
    assert extractor_for(small_cnn, ["conv2d", "dense"], stage="pre")[2] is not first
    conv = small_cnn.get_layer("conv2d")
    conv.set_weights([w * 0 for w in conv.get_weights()])
    np.testing.assert_array_equal(activations(small_cnn, x, "conv2d"), 0)


def test_dense_only_model(rng):
    model = keras.Sequential([keras.Input((5,)), layers.Dense(3, name="d")])
    x = rng.random((4, 5), dtype=np.float32)
    assert activations(model, x, "d").shape == (4, 3)
    assert activations(model, x[0], "d").shape == (3,)


# ---------------------------------------------------------------- errors


def test_unknown_layer_name_suggests_the_closest(small_cnn):
    with pytest.raises(
        ValueError,
        match=r"No layer named `conv9` in model 'small_cnn'\. "
        r"Did you mean 'conv2d'\?.*Available layers: \['conv2d'.*"
        r"Received: layer='conv9'",
    ):
        activations(small_cnn, np.zeros((12, 12, 1)), "conv9")


def test_index_out_of_range(small_cnn):
    with pytest.raises(ValueError, match=r"index 8 is out of range .* 8 layers .*-8 to 7"):
        activations(small_cnn, np.zeros((12, 12, 1)), 8)


def test_bad_layer_type(small_cnn):
    with pytest.raises(TypeError, match=r"Expected `layer`.*Received: layer=1.5"):
        activations(small_cnn, np.zeros((12, 12, 1)), 1.5)
    with pytest.raises(ValueError, match=r"at least one layer"):
        activations(small_cnn, np.zeros((12, 12, 1)), [])
    with pytest.raises(ValueError, match=r"more than once"):
        activations(small_cnn, np.zeros((12, 12, 1)), ["conv2d", 0])
    stranger = layers.Dense(2, name="stranger")
    with pytest.raises(ValueError, match=r"'stranger' is not part of model 'small_cnn'"):
        activations(small_cnn, np.zeros((12, 12, 1)), stranger)


def test_ambiguous_nested_name(rng):
    def block(name):
        return keras.Sequential([keras.Input((6, 6, 1)), layers.Conv2D(1, 3, name="c")], name=name)

    inputs = keras.Input((6, 6, 1))
    outer = keras.Model(inputs, [block("a")(inputs), block("b")(inputs)], name="twins")
    with pytest.raises(ValueError, match=r"`c` is ambiguous.*\['a/c', 'b/c'\]"):
        activations(outer, np.zeros((6, 6, 1)), "c")
    assert activations(outer, np.zeros((6, 6, 1)), "b/c").shape == (4, 4, 1)


@pytest.mark.parametrize(
    ("images", "pattern"),
    [
        (
            np.zeros((12, 13, 1)),
            r"Expected one image of shape \(12, 12, 1\).*"
            r"Received: images.shape=\(12, 13, 1\)",
        ),
        (np.zeros((2, 12, 12, 3)), r"Received: images.shape=\(2, 12, 12, 3\)"),
        (np.zeros((5, 12, 12)), r"add the channel axis.*Received: images.shape=\(5, 12, 12\)"),
        (np.zeros((1, 2, 12, 12, 1)), r"Received: images.shape=\(1, 2, 12, 12, 1\)"),
        (np.zeros((0, 12, 12, 1)), r"at least one image"),
        ([], r"at least one image"),
        ([np.zeros((12, 12, 1)), np.zeros((11, 12, 1))], r"one size"),
        (iter([]), r"at least one batch"),
    ],
)
def test_images_that_do_not_fit(small_cnn, images, pattern):
    with pytest.raises(ValueError, match=pattern):
        activations(small_cnn, images, "conv2d")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_pixels(small_cnn, bad):
    x = np.zeros((12, 12, 1))
    x[3, 4, 0] = bad
    with pytest.raises(ValueError, match=r"Expected finite pixel values"):
        activations(small_cnn, x, "conv2d")


def test_wrong_types(small_cnn):
    with pytest.raises(TypeError, match=r"real numeric dtype.*complex128"):
        activations(small_cnn, np.zeros((12, 12, 1), complex), "conv2d")
    with pytest.raises(TypeError, match=r"Received: images of type str"):
        activations(small_cnn, "photo.png", "conv2d")
    with pytest.raises(TypeError, match=r"Expected `model` to be a `keras.Model`"):
        activations(lambda x: x, np.zeros((12, 12, 1)), "conv2d")


def test_bad_options(small_cnn):
    x = np.zeros((12, 12, 1))
    with pytest.raises(
        ValueError,
        match=r"`output_as`.*\['channels', 'rows', 'columns'\].*"
        r"Received: output_as='cols'",
    ):
        activations(small_cnn, x, "conv2d", output_as="cols")
    with pytest.raises(ValueError, match=r"`stage`.*Received: stage='post'"):
        activations(small_cnn, x, "conv2d", stage="post")
    for bad in (0, -1):
        with pytest.raises(ValueError, match=r"`batch_size` >= 1. Received: batch_size"):
            activations(small_cnn, x, "conv2d", batch_size=bad)
    for bad in (2.5, True, "a"):
        with pytest.raises(TypeError, match=r"`batch_size` to be an int. Received: batch_size"):
            activations(small_cnn, x, "conv2d", batch_size=bad)


def test_pre_stage_needs_a_fused_activation(small_cnn):
    with pytest.raises(ValueError, match=r"Layer 'max_pooling2d' \(MaxPooling2D\) has none"):
        activations(small_cnn, np.zeros((12, 12, 1)), "max_pooling2d", stage="pre")


def test_untraceable_model_gets_a_clear_error(rng):
    class Opaque(keras.Model):
        def __init__(self):
            super().__init__(name="opaque")
            self.conv = layers.Conv2D(2, 3, name="conv")

        def call(self, x):  # NumPy inside call(): works eagerly, cannot be traced
            return self.conv(np.asarray(keras.ops.convert_to_numpy(x)) * 2.0)

    model = Opaque()
    model(np.zeros((1, 6, 6, 1), "float32"))
    with pytest.raises(ValueError, match=r"Could not tap layers \['conv'\] of model 'opaque'"):
        activations(model, np.zeros((6, 6, 1)), "conv")


def test_shared_layer_called_twice_is_refused(rng):
    shared = layers.Dense(3, name="shared")
    inputs = keras.Input((3,))
    model = keras.Model(inputs, shared(shared(inputs)), name="twice")
    with pytest.raises(ValueError, match=r"'shared' .* is called 2 times"):
        activations(model, np.zeros((3,)), "shared")


def test_multi_input_model_is_refused():
    a, b = keras.Input((3,)), keras.Input((3,))
    model = keras.Model([a, b], layers.Add(name="add")([a, b]), name="two_inputs")
    with pytest.raises(ValueError, match=r"exactly one input.*2 inputs"):
        activations(model, np.zeros((3,)), "add")


# ---------------------------------------------------------------- trust fixes


def _block(name: str) -> keras.Model:
    inputs = keras.Input((4,))
    x = layers.Dense(4, name="fc1", kernel_initializer=keras.initializers.Identity())(inputs)
    return keras.Model(inputs, layers.ReLU(name="relu")(x), name=name)


def test_nested_layers_whose_names_collide_come_together(rng):
    inputs = keras.Input((4,))
    first, second = _block("model"), _block("block")
    second.get_layer("fc1").set_weights([-np.eye(4), np.ones(4)])
    x = second(first(inputs))
    model = keras.Model(inputs, layers.Dense(2, name="fc1")(x), name="collide")
    x = rng.normal(size=(3, 4)).astype(np.float32)
    asked = ["model/fc1", "model/relu", "block/fc1", "block/relu", "fc1"]
    acts = activations(model, x, asked)
    assert list(acts) == asked
    relu = np.maximum(x, 0)
    np.testing.assert_array_equal(acts["model/fc1"], x)
    np.testing.assert_array_equal(acts["model/relu"], relu)
    assert_close(acts["block/fc1"], 1 - relu)
    assert_close(acts["block/relu"], np.maximum(1 - relu, 0))
    assert_close(acts["fc1"], model.predict(x, verbose=0))


def test_inputs_given_as_a_list_build_without_warnings(rng):
    inputs = keras.Input((4,))
    model = keras.Model(inputs=[inputs], outputs=layers.Dense(3, name="d")(inputs))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        act = activations(model, rng.random((2, 4), dtype=np.float32), "d")
    assert act.shape == (2, 3)
    assert [str(w.message) for w in caught if "structure" in str(w.message)] == []


def test_an_unbuilt_model_is_refused_and_left_unbuilt():
    model = keras.Sequential([layers.Dense(4)])
    with pytest.raises(ValueError, match=r"is not built.*never builds.*Received: model"):
        activations(model, np.ones((3, 5), "float32"), 0)
    assert not model.built and model.weights == []
    assert model(np.ones((3, 5), "float32")).shape == (3, 4)  # still usable as the user wants


def test_the_input_layer_by_name_is_explained(small_cnn, nested_model):
    name = small_cnn.inputs[0]._keras_history.operation.name  # hidden from `layers`
    with pytest.raises(ValueError, match=rf"`{name}` is an input layer of model 'small_cnn'"):
        activations(small_cnn, np.zeros((12, 12, 1)), name)
    inputs = keras.Input((4,), name="pixels")
    functional = keras.Model(inputs, layers.Dense(2, name="d")(inputs))
    with pytest.raises(ValueError, match=r"`pixels` is an input layer.*Received: layer='pixels'"):
        activations(functional, np.zeros(4), "pixels")


def test_all_layers(small_cnn, nested_model, rng):
    x = rng.random((2, 12, 12, 1), dtype=np.float32)
    acts = activations(small_cnn, x, "all")
    assert list(acts) == [layer.name for layer in small_cnn.layers]
    assert_close(acts["dense_1"], small_cnn.predict(x, verbose=0))
    nested = activations(nested_model, rng.random((1, 8, 8, 3), dtype=np.float32), "all")
    assert "inner" in nested and "inner/conv" in nested


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_many_layers_in_a_row_do_not_warn_about_retracing(small_cnn, rng):
    x = rng.random((12, 12, 1), dtype=np.float32)
    tf_logger = logging.getLogger("tensorflow")  # TF logs here and does not propagate
    records = _Records()
    tf_logger.addHandler(records)
    try:
        for index in range(len(small_cnn.layers)):
            activations(small_cnn, x, index)
            activations(small_cnn, np.stack([x] * 3), index, batch_size=2)  # a short last batch
    finally:
        tf_logger.removeHandler(records)
    assert [m for m in records.messages if "retracing" in m] == []


def test_float64_beyond_float32_range_is_refused(small_cnn):
    x = np.full((12, 12, 1), 1e300)
    with pytest.raises(ValueError, match=r"within the model's input dtype float32.*1e\+300"):
        activations(small_cnn, x, "conv2d")


@pytest.mark.parametrize("n", [1, 3, 7])
def test_results_are_writeable_and_own_their_memory(small_cnn, rng, n):
    x = rng.random((n, 12, 12, 1), dtype=np.float32)
    act = activations(small_cnn, x, "conv2d", batch_size=3)
    maps = activations(small_cnn, x, ["conv2d", "dense"], batch_size=3)
    for out in (act, *maps.values()):
        assert out.flags.writeable and out.flags.owndata or out.base is not None
        out[out < 0.5] = 0  # what a NumPy user does
    again = activations(small_cnn, x, "conv2d", batch_size=3)
    assert (again < 0.5).any()  # the cached extractor's buffers were not touched


def test_iterables_of_single_images_get_a_clear_error(small_cnn, rng):
    x = rng.random((3, 12, 12, 1), dtype=np.float32)
    with pytest.raises(
        ValueError, match=r"iterable of batches.*shape of one image, \(12, 12, 1\)"
    ):
        activations(small_cnn, (im for im in x), "conv2d")
    with pytest.raises(ValueError, match=r"nested lists.*np.asarray\(images\)"):
        activations(small_cnn, x[0].tolist(), "conv2d")


def test_tf_data_of_single_images_gets_a_clear_error(small_cnn, rng):
    tf = pytest.importorskip("tensorflow")
    ds = tf.data.Dataset.from_tensor_slices(rng.random((3, 12, 12, 1), dtype=np.float32))
    with pytest.raises(ValueError, match=r"dataset.batch\(32\)"):
        activations(small_cnn, ds, "conv2d")


def test_the_extractor_cache_keeps_the_most_recent(small_cnn):
    x = np.zeros((12, 12, 1), "float32")
    combos = [[a, b] for a in range(8) for b in range(8) if a < b][: CACHE_SIZE + 6]
    oldest = extractor_for(small_cnn, combos[0])[2]
    for combo in combos:
        activations(small_cnn, x, combo)
    assert len(_EXTRACTORS.keys(small_cnn)) == CACHE_SIZE
    recent = extractor_for(small_cnn, combos[-1])[2]
    assert extractor_for(small_cnn, combos[-1])[2] is recent  # kept
    assert extractor_for(small_cnn, combos[0])[2] is not oldest  # freed, rebuilt on demand
    assert len(_EXTRACTORS.keys(small_cnn)) == CACHE_SIZE


# ---------------------------------------------------------------- threads


def _many_threads(func, count: int = 16, workers: int = 4) -> list:
    saved = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(lambda _: func(), range(count)))
    finally:
        sys.setswitchinterval(saved)


def test_threads_on_a_cold_cache_all_succeed_and_leave_the_model_alone(small_cnn, rng):
    x = rng.random((2, 12, 12, 1), dtype=np.float32)
    classes = [type(layer) for layer in small_cnn.layers]
    expected = activations(small_cnn, x, ["conv2d", "dense"])
    _EXTRACTORS.clear(small_cnn)
    results = _many_threads(lambda: activations(small_cnn, x, ["conv2d", "dense"]))
    assert [type(layer) for layer in small_cnn.layers] == classes
    for result in results:
        assert_close(result["conv2d"], expected["conv2d"])
        assert_close(result["dense"], expected["dense"])


def test_pre_stage_never_changes_what_other_threads_see(small_cnn, rng):
    conv = small_cnn.get_layer("conv2d")
    x = -rng.random((1, 12, 12, 1), dtype=np.float32)  # pre-ReLU values are mostly negative
    stop = threading.Event()
    negatives = []

    def call_the_layer():
        while not stop.is_set():
            negatives.append(int((keras.ops.convert_to_numpy(conv(x)) < 0).sum()))

    def build_pre():
        _EXTRACTORS.clear(small_cnn)
        return activations(small_cnn, x, ["conv2d", "dense"], stage="pre")

    watcher = threading.Thread(target=call_the_layer)
    watcher.start()
    try:
        results = _many_threads(build_pre, count=8, workers=2)
    finally:
        stop.set()
        watcher.join()
    assert (results[0]["conv2d"] < 0).any()
    assert len(negatives) > 0 and max(negatives) == 0
    assert conv.activation is keras.activations.relu


def test_zoo_models_warn_once_about_pixels_far_outside_their_range(rng):
    from activations import zoo
    from activations._engine.input_range import input_range

    model = zoo.fashion_cnn(weights=None, seed=0)
    assert input_range(model).scale == 255.0
    boot = rng.integers(0, 256, size=(28, 28, 1)).astype(np.float32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        activations(model, boot, "conv2d")
    ours = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(ours) == 1 and re.search(r"'fashion_cnn' expects pixel values in 0\.\.1", ours[0])
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*expects pixel values")
        activations(model, boot, "conv2d")  # said once
        activations(zoo.fashion_cnn(weights=None, seed=0), boot / 255, "conv2d")  # in range


def test_pre_stage_follows_new_weights(box_model, box_sums):
    # Before: the cached pre-activation twin was a copy.copy of the layer, which Keras
    # makes by saving and loading it: new variables, stale after set_weights.
    x = np.arange(16.0, dtype=np.float32).reshape(4, 4, 1)
    before = activations(box_model, x, "conv", stage="pre")
    np.testing.assert_array_equal(before[..., 0], box_sums)
    conv = box_model.get_layer("conv")
    kernel, bias = conv.get_weights()
    conv.set_weights([2 * kernel, bias])
    after = activations(box_model, x, "conv", stage="pre")
    np.testing.assert_array_equal(after[..., 0], 2 * box_sums)
    np.testing.assert_array_equal(after[..., 1], 1 - 2 * box_sums)


@pytest.mark.parametrize("n", [2, 2500])  # 2500: 10.6 MB of maps, copied by two threads
def test_results_are_new_writeable_arrays_that_share_nothing(small_cnn, n):
    x = np.random.default_rng(0).random((n,) + small_cnn.input_shape[1:], dtype=np.float32)
    names = [layer.name for layer in small_cnn.layers]
    acts = activations(small_cnn, x, names, batch_size=n)
    arrays = list(acts.values())
    assert all(a.flags.writeable and a.flags.c_contiguous for a in arrays)
    for i, a in enumerate(arrays):
        assert not np.shares_memory(a, x)
        assert not any(np.shares_memory(a, b) for b in arrays[i + 1 :])
    again = activations(small_cnn, x, names, batch_size=7)  # the batched path agrees
    for name in names:
        np.testing.assert_allclose(acts[name], again[name], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["my<model>&", "_under", "über model"])
def test_any_keras_model_name_works(name):
    # Before: TensorFlow refused 'my<model>&_activations' as a root scope name.
    model = keras.Sequential([keras.Input((4, 4, 1)), layers.Conv2D(2, 3, name="c")], name=name)
    assert activations(model, np.zeros((4, 4, 1), np.float32), "c").shape == (2, 2, 2)
    assert model.name == name


class _Weight(keras.layers.Layer):
    """Returns its weight broadcast to the batch: a buffer that outlives the call."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(2,), initializer="ones")

    def call(self, x):
        return keras.ops.broadcast_to(self.w, (keras.ops.shape(x)[0], 2))


@pytest.mark.parametrize("n", [1, 4])
def test_handed_over_buffers_are_the_results_alone(n):
    # Results are the step's own output buffers where they can be (no copy);
    # aliases must be copied: a reshape or identity (views of another output
    # or the input), a constant folded into the compiled step, a weight.
    inputs = keras.Input((4, 4, 1))
    conv = layers.Conv2D(2, 3, name="conv")(inputs)
    flat = layers.Reshape((8,), name="flat")(conv)
    same = layers.Dropout(0.5, name="same")(flat)
    ones = Elementwise(keras.ops.ones_like, name="ones")(flat)
    weight = _Weight(name="weight")(flat)
    start = Elementwise(lambda x: x, name="start")(inputs)
    model = keras.Model(inputs, [same, ones, weight, start])
    x = np.random.default_rng(0).random((n, 4, 4, 1), dtype=np.float32)
    x_before = x.copy()
    names = ["conv", "flat", "same", "ones", "weight", "start"]
    first = activations(model, x, names, batch_size=n)
    arrays = list(first.values())
    assert all(a.flags.writeable and a.dtype == np.float32 for a in arrays)
    for i, a in enumerate(arrays):
        assert not np.shares_memory(a, x)
        assert not any(np.shares_memory(a, b) for b in arrays[i + 1 :])
    expected = {name: a.copy() for name, a in first.items()}
    for a in arrays:
        a[...] = -7.0  # a user writes into every result
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(model.get_layer("weight").w, [1.0, 1.0])
    again = activations(model, x, names, batch_size=n)
    for name in names:
        np.testing.assert_array_equal(again[name], expected[name], err_msg=name)
