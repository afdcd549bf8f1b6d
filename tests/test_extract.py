"""activations(): shapes, exact values, batching, stages, nesting, caching, errors."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from activations import activations
from activations._extract import extractor_for

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
    np.testing.assert_allclose(as_list, batch, rtol=1e-6)
    np.testing.assert_allclose(activations(small_cnn, x[2], "conv2d_1"), batch[2], rtol=1e-5)
    gray_list = activations(small_cnn, [im[..., 0] for im in x], "conv2d_1")
    np.testing.assert_allclose(gray_list, batch, rtol=1e-6)


def test_matches_a_keras_submodel(small_cnn, rng):
    x = rng.random((4, 12, 12, 1), dtype=np.float32)
    for layer in small_cnn.layers:
        expected = keras.Model(small_cnn.inputs, layer.output).predict(x, verbose=0)
        np.testing.assert_allclose(activations(small_cnn, x, layer.name), expected, atol=1e-6)


@pytest.mark.parametrize("batch_size", [1, 2, 3, 7, 100])
def test_batch_size_does_not_change_results(small_cnn, rng, batch_size):
    x = rng.random((7, 12, 12, 1), dtype=np.float32)
    names = ["conv2d", "dense_1"]
    whole = activations(small_cnn, x, names, batch_size=100)
    parts = activations(small_cnn, x, names, batch_size=batch_size)
    for name in names:
        np.testing.assert_allclose(parts[name], whole[name], atol=1e-6)


def test_iterables_of_batches(small_cnn, rng):
    x = rng.random((6, 12, 12, 1), dtype=np.float32)
    expected = activations(small_cnn, x, "dense")
    gen = (x[i : i + 4] for i in range(0, 6, 4))
    np.testing.assert_allclose(activations(small_cnn, gen, "dense"), expected, atol=1e-6)
    pairs = iter([(x[:3], np.zeros(3)), (x[3:], np.zeros(3))])  # (x, y) as fit() takes
    np.testing.assert_allclose(activations(small_cnn, pairs, "dense"), expected, atol=1e-6)


def test_tf_data_dataset(small_cnn, rng):
    tf = pytest.importorskip("tensorflow")
    x = rng.random((5, 12, 12, 1), dtype=np.float32)
    ds = tf.data.Dataset.from_tensor_slices((x, np.arange(5))).batch(2)
    np.testing.assert_allclose(
        activations(small_cnn, ds, "conv2d"), activations(small_cnn, x, "conv2d"), atol=1e-6
    )


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
    np.testing.assert_array_equal(activations(small_cnn, x, 2), by_name)
    np.testing.assert_array_equal(activations(small_cnn, x, small_cnn.layers[2]), by_name)
    np.testing.assert_array_equal(activations(small_cnn, x, -1), activations(small_cnn, x, 7))


def test_pre_stage_on_dense_and_relu_of_it(small_cnn, rng):
    x = rng.random((3, 12, 12, 1), dtype=np.float32)
    pre = activations(small_cnn, x, "dense", stage="pre")
    post = activations(small_cnn, x, "dense")
    assert (pre < 0).any()
    np.testing.assert_allclose(np.maximum(pre, 0), post, atol=1e-6)
    softmax_pre = activations(small_cnn, x, "dense_1", stage="pre")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(keras.ops.softmax(softmax_pre)),
        activations(small_cnn, x, "dense_1"),
        atol=1e-6,
    )


def test_nested_model_layers(nested_model, rng):
    x = rng.random((3, 8, 8, 3), dtype=np.float32)
    inner = nested_model.get_layer("inner")
    expected = keras.Model(inner.inputs, inner.get_layer("conv").output).predict(x, verbose=0)
    np.testing.assert_allclose(activations(nested_model, x, "inner/conv"), expected, atol=1e-6)
    np.testing.assert_allclose(activations(nested_model, x, "conv"), expected, atol=1e-6)
    acts = activations(nested_model, x, ["inner/bn", "inner", "head_conv"], stage="output")
    np.testing.assert_allclose(acts["inner"], inner.predict(x, verbose=0), atol=1e-6)
    np.testing.assert_array_equal(acts["inner"], acts["inner/bn"])
    pre = activations(nested_model, x, "inner/conv", stage="pre")
    np.testing.assert_allclose(np.maximum(pre, 0), expected, atol=1e-6)


def test_subclassed_model(subclassed_model, rng):
    x = rng.random((2, 10, 10, 3), dtype=np.float32)
    m = subclassed_model
    conv = keras.ops.convert_to_numpy(m.conv1(x))
    prelu = keras.ops.convert_to_numpy(m.prelu1(conv))
    acts = activations(m, x, ["conv1", "prelu1", "fc"])
    np.testing.assert_allclose(acts["conv1"], conv, atol=1e-6)
    np.testing.assert_allclose(acts["prelu1"], prelu, atol=1e-6)
    fc = keras.ops.convert_to_numpy(m(x)[0])
    np.testing.assert_allclose(acts["fc"], fc, atol=1e-5)
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
    np.testing.assert_allclose(small_cnn.predict(x, verbose=0), expected, atol=1e-7)


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
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match=r"positive integer.*batch_size"):
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
