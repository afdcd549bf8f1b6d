"""receptive_field(): hand-computed fields, and the patches one-pixel perturbations reveal."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from _models import Elementwise
from keras import layers

from activations import zoo
from activations._arrays.field import ReceptiveField
from activations._probes.activations import activations
from activations._probes.receptive_field import receptive_field

pytestmark = pytest.mark.core


def _sequential(shape: tuple, *stack: keras.layers.Layer) -> keras.Model:
    return keras.Sequential([keras.Input(shape), *stack], name="stack")


def _field(size: tuple, stride: tuple, offset: tuple) -> ReceptiveField:
    return ReceptiveField(size=size, stride=stride, offset=offset)


def _positive(model: keras.Model) -> keras.Model:
    """All-ones kernels (and gammas, variances, PReLU slopes), zero biases and means:
    on non-negative images nothing cancels, so a pixel a cell sees always changes it."""
    for variable in model.weights:
        name = variable.path.split("/")[-1]
        value = 0.0 if name in ("bias", "beta", "moving_mean") else 1.0
        variable.assign(np.full(variable.shape, value, dtype="float32"))
    return model


def _touched(model: keras.Model, names: list[str], shape: tuple) -> dict[str, np.ndarray]:
    """For each layer: ``seen[r, c, i, j]``, whether lighting pixel (r, c) of a black
    image changes cell (i, j). One image per pixel, all layers in one call.
    A 1-D model (input (L, C)) gets a trivial column axis: (L, 1, l, 1)."""
    spatial = shape[:-1]
    count = int(np.prod(spatial))
    images = np.zeros((count, *shape), dtype="float32")
    images.reshape(count, count, shape[-1])[np.arange(count), np.arange(count)] = 1.0
    maps = activations(model, images, names, batch_size=count)
    black = activations(model, np.zeros((1, *shape), "float32"), names)
    assert not any(act.any() for act in black.values())
    seen = {}
    for name, act in maps.items():
        act = act if len(spatial) == 2 else act[:, :, None, :]
        grid = (spatial + (1,))[:2]
        seen[name] = (np.abs(act) > 0).any(axis=-1).reshape(*grid, *act.shape[1:3])
    return seen


def _check_boxes(model: keras.Model, names: list[str], shape: tuple, dense: dict) -> None:
    """The pixels that change each cell fill its clipped box, or (``dense[name]`` False:
    a dilated kernel leaves holes) lie in it and, away from the borders, span it."""
    seen = _touched(model, names, shape)
    image = (shape[:-1] + (1,))[:2]
    for name in names:
        field = receptive_field(model, name)
        for i, j in np.ndindex(seen[name].shape[2:]):
            c0, r0, c1, r1 = field.patch(i, j, image_shape=image)
            changed = seen[name][:, :, i, j]
            expected = np.zeros(image, dtype=bool)
            expected[r0:r1, c0:c1] = True
            if dense.get(name, True):
                assert np.array_equal(changed, expected), (name, i, j, field)
            else:
                assert not (changed & ~expected).any(), (name, i, j, field)
                if field.patch(i, j) == (c0, r0, c1, r1):  # not clipped
                    rows, cols = np.nonzero(changed)
                    hull = (rows.min(), rows.max() + 1, cols.min(), cols.max() + 1)
                    assert hull == (r0, r1, c0, c1), (name, i, j, field)


# --- hand-computed fields ------------------------------------------------------------

HAND = {
    "conv3 valid": ((8, 8, 1), [layers.Conv2D(1, 3)], ((3, 3), (1, 1), (0, 0))),
    "conv3 pool2 conv3": (
        (10, 10, 1),
        [layers.Conv2D(1, 3), layers.MaxPooling2D(2), layers.Conv2D(1, 3)],
        ((8, 8), (2, 2), (0, 0)),
    ),
    "conv3 same": ((8, 8, 1), [layers.Conv2D(1, 3, padding="same")], ((3, 3), (1, 1), (-1, -1))),
    "conv5 same": ((8, 8, 1), [layers.Conv2D(1, 5, padding="same")], ((5, 5), (1, 1), (-2, -2))),
    # pad total 3: one before, two after (TF puts the extra pixel at the bottom/right)
    "conv4 same": ((8, 8, 1), [layers.Conv2D(1, 4, padding="same")], ((4, 4), (1, 1), (-1, -1))),
    "strided": (
        (11, 11, 1),
        [layers.Conv2D(1, 3, strides=2), layers.Conv2D(1, 3)],
        ((7, 7), (2, 2), (0, 0)),
    ),
    "dilated": ((9, 9, 1), [layers.Conv2D(1, 3, dilation_rate=2)], ((5, 5), (1, 1), (0, 0))),
    "dilated then conv3": (
        (9, 9, 1),
        [layers.Conv2D(1, 3, dilation_rate=2), layers.Conv2D(1, 3)],
        ((7, 7), (1, 1), (0, 0)),
    ),
    "rectangular": (
        (8, 9, 1),
        [layers.Conv2D(1, (3, 5), strides=(1, 2))],
        ((3, 5), (1, 2), (0, 0)),
    ),
    "zero padding": (
        (6, 6, 1),
        [layers.ZeroPadding2D(((1, 0), (2, 0))), layers.Conv2D(1, 3)],
        ((3, 3), (1, 1), (-1, -2)),
    ),
    "cropping": (
        (6, 6, 1),
        [layers.Cropping2D(((1, 0), (2, 0))), layers.Conv2D(1, 3)],
        ((3, 3), (1, 1), (1, 2)),
    ),
    "avgpool3 s2 same on 8": (
        (8, 8, 1),
        [layers.AveragePooling2D(3, strides=2, padding="same")],
        ((3, 3), (2, 2), (0, 0)),
    ),
    "avgpool3 s2 same on 7": (
        (7, 7, 1),
        [layers.AveragePooling2D(3, strides=2, padding="same")],
        ((3, 3), (2, 2), (-1, -1)),
    ),
    "transposed valid": ((5, 5, 1), [layers.Conv2DTranspose(1, 3)], ((3, 3), (1, 1), (-2, -2))),
    "transposed same": (
        (5, 5, 1),
        [layers.Conv2DTranspose(1, 3, padding="same")],
        ((3, 3), (1, 1), (-1, -1)),
    ),
    "pass-through": (
        (6, 6, 2),
        [layers.Normalization(mean=0.5, variance=4.0), layers.Conv2D(2, 3)]
        + [layers.BatchNormalization(), layers.ReLU(), layers.Dropout(0.5)]
        + [layers.PReLU(), layers.Activation("tanh"), layers.Dense(3), layers.Softmax()],
        ((3, 3), (1, 1), (0, 0)),
    ),
    "1-D causal": ((8, 2), [layers.Conv1D(1, 3, padding="causal")], ((3, 1), (1, 1), (-2, 0))),
    "1-D pool": (
        (8, 2),
        [layers.Conv1D(1, 3), layers.MaxPooling1D(2), layers.Conv1D(1, 2, dilation_rate=2)],
        ((8, 1), (2, 1), (0, 0)),
    ),
}


@pytest.mark.parametrize("case", sorted(HAND))
def test_hand_computed_fields(case):
    shape, stack, expected = HAND[case]
    model = _sequential(shape, *[type(lyr).from_config(lyr.get_config()) for lyr in stack])
    assert receptive_field(model, -1) == _field(*expected)


def test_same_offset_depends_on_the_input_size():
    def offset(size):
        model = _sequential((size, size, 1), layers.Conv2D(1, 3, strides=2, padding="same"))
        return receptive_field(model, 0).offset

    # pad total max((ceil(n/2) - 1) * 2 + 3 - n, 0): 1 on 8 (all after), 2 on 7 (one before)
    assert (offset(8), offset(7)) == ((0, 0), (-1, -1))


def test_a_free_input_size_is_needed_only_by_strided_same_layers():
    model = _sequential(
        (None, None, 1),
        layers.Conv2D(1, 3, padding="same", name="same1"),
        layers.Conv2D(1, 3, strides=2, padding="same", name="same2"),
    )
    assert receptive_field(model, "same1") == _field((3, 3), (1, 1), (-1, -1))
    with pytest.raises(ValueError, match=r"'same2' \(Conv2D\) uses padding='same' with strides 2"):
        receptive_field(model, "same2")
    got = receptive_field(model, "same2", input_shape=(7, 7, 1))
    assert got == _field((5, 5), (2, 2), (-2, -2))


def test_layer_object_index_and_nested_paths(nested_model):
    conv = nested_model.get_layer("inner").get_layer("conv")
    assert receptive_field(nested_model, conv) == _field((3, 3), (1, 1), (0, 0))
    assert receptive_field(nested_model, "inner/bn") == _field((3, 3), (1, 1), (0, 0))
    assert receptive_field(nested_model, "inner") == _field((3, 3), (1, 1), (0, 0))
    assert receptive_field(nested_model, "head_conv") == _field((5, 5), (1, 1), (0, 0))
    assert type(conv) is layers.Conv2D  # the trace leaves no class swapped


def test_subclassed_models_need_their_input_shape(subclassed_model):
    with pytest.raises(ValueError, match="does not declare its input shape"):
        receptive_field(subclassed_model, "conv1")
    shape = (10, 10, 3)
    assert receptive_field(subclassed_model, "prelu1", input_shape=shape).size == (3, 3)
    got = receptive_field(subclassed_model, "pool1", input_shape=shape)
    assert got == _field((4, 4), (2, 2), (0, 0))


def test_a_shared_layer_is_refused_but_what_follows_it_is_not():
    inputs = keras.Input((8, 8, 1))
    shared = layers.Conv2D(1, 3, padding="same", name="shared")
    outputs = layers.Conv2D(1, 3, name="last")(shared(shared(inputs)))
    model = keras.Model(inputs, outputs)
    with pytest.raises(ValueError, match="'shared' .* is called 2 times"):
        receptive_field(model, "shared")
    assert receptive_field(model, "last") == _field((7, 7), (1, 1), (-2, -2))


def test_elementwise_keras_ops_keep_the_geometry():
    inputs = keras.Input((8, 8, 1))
    x = keras.ops.relu(layers.Conv2D(1, 3, name="conv")(inputs))
    model = keras.Model(inputs, layers.Conv2D(1, 3, name="last")(keras.ops.add(x, 1.0)))
    assert receptive_field(model, "last") == _field((5, 5), (1, 1), (0, 0))


# --- the empirical check: which pixels change which cells ----------------------------


def _branchy() -> tuple[keras.Model, list[str], dict]:
    inputs = keras.Input((9, 9, 1))
    a = layers.Conv2D(2, 3, padding="same", name="a")(inputs)
    b = layers.BatchNormalization(name="bn")(layers.Conv2D(2, 5, padding="same")(inputs))
    added = layers.Add(name="add")([a, b])
    side = layers.DepthwiseConv2D(5, padding="same", name="depthwise")(inputs)
    side = layers.Cropping2D(((0, 2), (1, 1)))(layers.ZeroPadding2D(((2, 0), (1, 1)))(side))
    # rows: 5 from -4 (shifted down by 2), cols: 5 from -2; with `add` a 7x5 box
    cat = layers.Concatenate(name="cat")([layers.ReLU()(added), side])
    out = layers.SeparableConv2D(2, 3, strides=2, padding="same", name="sep")(cat)
    model = keras.Model(inputs, layers.Conv2DTranspose(1, 4, padding="same", name="up1")(out))
    return model, ["add", "cat", "sep", "up1"], {}


def _nested() -> tuple[keras.Model, list[str], dict]:
    inner = keras.Sequential(
        [
            keras.Input((8, 8, 2)),
            layers.Conv2D(2, 3, strides=2, padding="same", name="down"),
            layers.MaxPooling2D(2, strides=1, padding="same", name="pool"),
        ],
        name="inner",
    )
    inputs = keras.Input((10, 10, 1))
    x = inner(layers.Conv2D(2, 3, name="stem")(inputs))
    model = keras.Model(inputs, layers.Conv2D(1, 3, padding="same", name="head")(x))
    return model, ["stem", "inner/down", "inner", "head"], {}


ARCHITECTURES = {
    "valid, pool": lambda: (
        _sequential(
            (10, 10, 1),
            layers.Conv2D(2, 3, name="c1"),
            layers.MaxPooling2D(2, name="p1"),
            layers.Conv2D(2, 3, name="c2"),
        ),
        ["c1", "p1", "c2"],
        {},
    ),
    "same, stride, even kernel": lambda: (
        _sequential(
            (9, 9, 1),
            layers.Conv2D(2, 3, padding="same", name="s1"),
            layers.Conv2D(2, 4, strides=2, padding="same", name="s2"),
            layers.MaxPooling2D(3, strides=2, padding="same", name="s3"),
        ),
        ["s1", "s2", "s3"],
        {},
    ),
    "dilation": lambda: (
        _sequential(
            (11, 11, 1),
            layers.Conv2D(2, 3, dilation_rate=2, padding="same", name="d1"),
            layers.Conv2D(2, 3, name="d2"),
            layers.AveragePooling2D(2, strides=3, name="d3"),
        ),
        ["d1", "d2", "d3"],
        {"d1": False},
    ),
    "1-D": lambda: (
        _sequential(
            (12, 1),
            layers.Conv1D(2, 3, padding="causal", name="e1"),
            layers.MaxPooling1D(2, padding="same", name="e2"),
            layers.Conv1D(2, 3, strides=2, padding="same", name="e3"),
        ),
        ["e1", "e2", "e3"],
        {},
    ),
    "branchy": _branchy,
    "nested": _nested,
}


@pytest.mark.parametrize("architecture", sorted(ARCHITECTURES))
def test_empirical_patches_match_the_boxes(architecture):
    model, names, dense = ARCHITECTURES[architecture]()
    _positive(model)
    _check_boxes(model, names, tuple(model.inputs[0].shape[1:]), dense)


def test_fashion_cnn_fields_and_patches():
    names = ["conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1"]
    trained = zoo.fashion_cnn()
    fields = [receptive_field(trained, name) for name in names]
    assert fields == [
        _field((3, 3), (1, 1), (-1, -1)),
        _field((4, 4), (2, 2), (-1, -1)),
        _field((8, 8), (2, 2), (-3, -3)),
        _field((10, 10), (4, 4), (-3, -3)),
    ]
    with pytest.raises(ValueError, match="'flatten' \\(Flatten\\) has no spatial map"):
        receptive_field(trained, "dense")
    twin = _positive(zoo.fashion_cnn(weights=None, seed=0))
    _check_boxes(twin, names, (28, 28, 1), {})


# --- refusals ---------------------------------------------------------------------------


class Shift(keras.layers.Layer):
    """A layer receptive_field() does not know."""

    def call(self, x):
        return x


def _refusing(stack: list) -> keras.Model:
    return _sequential((8, 8, 1), layers.Conv2D(2, 3, name="conv"), *stack)


REFUSALS = {
    "flatten, dense": (
        [layers.Flatten(name="flat"), layers.Dense(2, name="dense")],
        "dense",
        r"'dense' in model 'stack' is undefined: .*'flat' \(Flatten\) has no spatial map",
    ),
    "global pooling": (
        [layers.GlobalAveragePooling2D(name="gap")],
        "gap",
        r"'gap' \(GlobalAveragePooling2D\) has no spatial map",
    ),
    "upsampling": (
        [layers.UpSampling2D(name="up"), layers.Conv2D(1, 1)],
        -1,
        r"'up' \(UpSampling2D\) upsamples",
    ),
    "strided transposed conv": (
        [layers.Conv2DTranspose(1, 3, strides=2, name="tconv")],
        "tconv",
        r"unsupported: .*'tconv' \(Conv2DTranspose\) is a transposed convolution with strides",
    ),
    "reshape": (
        [layers.Reshape((3, 12, 2), name="reshape"), layers.Conv2D(1, 1)],
        -1,
        r"'reshape' \(Reshape\) rearranges the map",
    ),
    "unknown layer": (
        [Shift(name="shift"), layers.Conv2D(1, 1)],
        -1,
        r"unsupported: .*'shift' \(Shift\) is not a layer whose geometry .* Supported \(1D/2D\)",
    ),
    "layer without a config": (  # before: Keras' NotImplementedError from get_config()
        [Elementwise(keras.ops.exp, name="exp"), layers.Conv2D(1, 1)],
        -1,
        r"unsupported: .*'exp' \(Elementwise\) is not a layer whose geometry",
    ),
    "spatial softmax": (
        [layers.Softmax(axis=1, name="softmax")],
        "softmax",
        r"'softmax' \(Softmax\) works along a spatial axis \(axis=1\)",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_layers_without_a_field_are_refused(case):
    stack, layer, message = REFUSALS[case]
    with pytest.raises(ValueError, match=message + ".* Received: layer="):
        receptive_field(_refusing(stack), layer)


def test_branches_must_agree_on_the_stride():
    inputs = keras.Input((8, 8, 1))
    fine = layers.Conv2D(1, 5, name="fine")(inputs)  # 4x4, stride 1
    coarse = layers.MaxPooling2D(2, name="coarse")(inputs)  # 4x4, stride 2
    model = keras.Model(inputs, layers.Add(name="add")([fine, coarse]))
    with pytest.raises(ValueError, match=r"'add' \(Add\) merges branches with different strides"):
        receptive_field(model, "add")
    assert receptive_field(model, "fine").size == (5, 5)


def test_unknown_operations_and_concatenation_along_space_are_refused():
    inputs = keras.Input((8, 8, 1))
    conv = layers.Conv2D(1, 3, name="conv")(inputs)
    cat = layers.Concatenate(axis=1, name="cat")([conv, conv])
    flipped = keras.ops.flip(conv, axis=1)
    model = keras.Model(inputs, [cat, layers.Conv2D(1, 1, name="after")(flipped)])
    with pytest.raises(ValueError, match=r"'cat' \(Concatenate\) works along a spatial axis"):
        receptive_field(model, "cat")
    with pytest.raises(ValueError, match=r"operation '.*' \(Flip\) is not a layer whose"):
        receptive_field(model, "after")


def test_lookup_and_type_errors():
    model = keras.Sequential(
        [keras.Input((4, 4, 1), name="pixels"), layers.Conv2D(1, 3, name="conv2d")], name="tiny"
    )
    with pytest.raises(ValueError, match=r"No layer named `conv9` .* Received: layer='conv9'"):
        receptive_field(model, "conv9")
    with pytest.raises(ValueError, match="`pixels` is an input layer"):  # refused, not (1, 1, 0)
        receptive_field(model, "pixels")
    with pytest.raises(TypeError, match=r"Expected `model` to be a `keras.Model`"):
        receptive_field("model.keras", "conv2d")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Expected `layer` to be a layer name"):
        receptive_field(model, 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"Expected an image \(H, W, C\) or sequence \(L, C\)"):
        receptive_field(model, "conv2d", input_shape=(4,))


def test_channels_first_is_refused():
    model = _sequential((1, 8, 8), layers.Conv2D(1, 3, data_format="channels_first", name="cf"))
    with pytest.raises(ValueError, match=r"'cf' \(Conv2D\) is channels-first"):
        receptive_field(model, "cf")


def test_a_field_is_traced_once_per_model_and_layer():
    model = _sequential((8, 8, 1), layers.Conv2D(2, 3, name="c"), layers.MaxPooling2D(2))
    conv = model.get_layer("c")
    first = receptive_field(model, "c")
    nodes = len(conv._inbound_nodes)
    assert receptive_field(model, conv) is first  # the same layer by object: cached
    assert len(conv._inbound_nodes) == nodes  # no second trace added a node
