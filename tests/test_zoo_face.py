"""Tests of activations.zoo._face: MTCNN's ONet rebuilt, and MTCNN's detector."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import skimage.data
from _tolerance import assert_close

from activations import occlusion_sensitivity
from activations.datasets._faces import eye_closed_region, face, face_eye_closed
from activations.zoo import detect_face, face_net
from activations.zoo._face import _mtcnn_onet

LAYER_NAMES = [
    "image",
    "resize",
    "normalize",
    "conv1",
    "prelu1",
    "pool1",
    "conv2",
    "prelu2",
    "pool2",
    "conv3",
    "prelu3",
    "pool3",
    "conv4",
    "prelu4",
    "flatten",
    "dense5",
    "prelu5",
    "box",
    "landmarks",
    "face_score",
]


@pytest.fixture(scope="module")
def net() -> keras.Model:
    return face_net()


@pytest.fixture(scope="module")
def astronaut_face() -> dict:
    return detect_face(skimage.data.astronaut())


def _their_maps(onet, x: np.ndarray) -> dict[str, np.ndarray]:
    # mtcnn's ONet, run layer by layer as its call() does.
    maps = {}
    for i, pool in enumerate([onet.maxpool1, onet.maxpool2, onet.maxpool3, None], start=1):
        x = getattr(onet, f"prelu{i}")(getattr(onet, f"conv{i}")(x))
        maps[f"prelu{i}"] = keras.ops.convert_to_numpy(x)
        x = pool(x) if pool is not None else x
    return maps


def test_face_net_architecture(net):
    assert net.name == "face_net"
    assert [layer.name for layer in net.layers] == LAYER_NAMES
    assert net.input.shape == (None, None, None, 3)
    assert [tuple(out.shape) for out in net.outputs] == [(None, 4), (None, 10), (None, 2)]
    shapes = {name: tuple(net.get_layer(name).output.shape) for name in LAYER_NAMES[3:14]}
    assert shapes["prelu1"] == (None, 46, 46, 32)
    assert shapes["prelu2"] == (None, 21, 21, 64)
    assert shapes["prelu3"] == (None, 8, 8, 64)
    assert shapes["prelu4"] == (None, 3, 3, 128)
    assert net.count_params() == 389_040
    resize = net.get_layer("resize").get_config()
    assert (resize["height"], resize["width"], resize["interpolation"]) == (48, 48, "bilinear")
    normalize = net.get_layer("normalize").get_config()
    assert normalize["scale"] == pytest.approx(1 / 128)
    assert normalize["offset"] == pytest.approx(-127.5 / 128)


def test_face_net_matches_mtcnn_onet(net, rng):
    images = rng.integers(0, 256, size=(4, 48, 48, 3)).astype(np.uint8)
    normalized = (images.astype(np.float32) - 127.5) / 128
    onet = _mtcnn_onet()
    theirs = [keras.ops.convert_to_numpy(out) for out in onet(normalized)]
    ours = net.predict(images, verbose=0)
    for mine, their in zip(ours, theirs):
        assert_close(mine, their)
    names = ["prelu1", "prelu2", "prelu3", "prelu4"]
    maps = keras.Model(net.input, [net.get_layer(n).output for n in names]).predict(
        images, verbose=0
    )
    their_maps = _their_maps(onet, normalized)
    for name, mine in zip(names, maps):
        assert_close(mine, their_maps[name])


def test_face_net_resize_is_identity_at_48(net, rng):
    images = rng.integers(0, 256, size=(2, 48, 48, 3)).astype(np.uint8)
    resized = keras.Model(net.input, net.get_layer("resize").output).predict(images, verbose=0)
    np.testing.assert_array_equal(resized, images.astype(np.float32))


def test_face_net_takes_any_size(net, rng):
    images = rng.integers(0, 256, size=(1, 70, 90, 3)).astype(np.uint8)
    box, landmarks, score = net.predict(images, verbose=0)
    assert (box.shape, landmarks.shape, score.shape) == ((1, 4), (1, 10), (1, 2))
    np.testing.assert_allclose(score.sum(axis=-1), [1.0], atol=1e-6)


def test_face_net_sees_the_face_in_natural_orientation(net, astronaut_face):
    # On the face box MTCNN found, ONet says "face" and puts its keypoints
    # where the detector did: x coordinates first, then y, image-left eye first.
    x, y, width, height = astronaut_face["box"]
    crop = skimage.data.astronaut()[y : y + height, x : x + width]
    _, landmarks, score = net.predict(crop[None], verbose=0)
    transposed = net.predict(crop.transpose(1, 0, 2)[None], verbose=0)[2]
    assert score[0, 1] > 0.99
    assert transposed[0, 1] < score[0, 1]
    xs = x + landmarks[0, :5] * width
    ys = y + landmarks[0, 5:] * height
    names = ["left_eye", "right_eye", "nose", "mouth_left", "mouth_right"]
    expected = np.array([astronaut_face["keypoints"][name] for name in names])
    np.testing.assert_allclose(np.stack([xs, ys], axis=-1), expected, atol=6)


def test_face_net_builds_a_new_model_each_call(net):
    other = face_net()
    assert other is not net
    kernel = other.get_layer("conv1").kernel
    kernel.assign(keras.ops.zeros_like(kernel))
    assert np.abs(keras.ops.convert_to_numpy(net.get_layer("conv1").kernel)).max() > 0
    assert np.abs(keras.ops.convert_to_numpy(face_net().get_layer("conv1").kernel)).max() > 0


def test_detect_face_on_astronaut(astronaut_face):
    assert astronaut_face["box"] == (182, 64, 83, 107)
    assert astronaut_face["keypoints"] == {
        "left_eye": (204, 100),
        "right_eye": (245, 102),
        "nose": (224, 126),
        "mouth_left": (202, 139),
        "mouth_right": (244, 140),
    }
    assert isinstance(astronaut_face["confidence"], float)
    assert astronaut_face["confidence"] > 0.99


def test_detect_face_does_not_modify_its_input():
    image = skimage.data.astronaut()
    before = image.copy()
    detect_face(image)
    np.testing.assert_array_equal(image, before)


def test_detect_face_without_face_raises():
    with pytest.raises(ValueError, match=r"No face found .* Received: image.shape=\(64, 64, 3\)"):
        detect_face(np.full((64, 64, 3), 128, dtype=np.uint8))


@pytest.mark.parametrize(
    ("image", "error", "match"),
    [
        ([[[0, 0, 0]]], TypeError, "should be a NumPy array. Received: image of type list"),
        (np.zeros((64, 64, 3)), TypeError, r"dtype uint8. Received: image.dtype=float64"),
        (np.zeros((64, 64), np.uint8), ValueError, r"Received: image.shape=\(64, 64\)"),
        (np.zeros((64, 64, 4), np.uint8), ValueError, r"Received: image.shape=\(64, 64, 4\)"),
    ],
)
def test_detect_face_rejects_bad_images(image, error, match):
    with pytest.raises(error, match=match):
        detect_face(image)


def _region_means(net: keras.Model, layer: str) -> tuple[np.ndarray, ...]:
    maps = keras.Model(net.input, net.get_layer(layer).output).predict(
        np.stack([face(), face_eye_closed()]), verbose=0
    )
    inside = eye_closed_region(maps.shape[1:3]) > 0  # every cell the box touches
    return maps[:, inside].mean(axis=1), maps[:, ~inside].mean(axis=1)


@pytest.mark.parametrize("layer", ["prelu2", "prelu3"])
def test_eye_channels_stop_firing_on_the_closed_eye(net, layer):
    (in_open, in_closed), (out_open, out_closed) = _region_means(net, layer)
    drop = (in_open - in_closed) / np.abs(in_open)
    change = np.abs(out_closed - out_open) / np.abs(out_open)
    fires = in_open > 0
    assert np.any(fires & (drop > 0.5) & (change < 0.15))
    # The best eye channel: among the channels that fire more on the open eye
    # than elsewhere on the face, the one whose response there falls most.
    eye_channels = np.flatnonzero(in_open > np.maximum(out_open, 0))
    best = eye_channels[np.argmax((in_open - in_closed)[eye_channels])]
    assert drop[best] > 0.5
    assert change[best] < 0.15


def test_occluding_the_eye_box_lowers_prelu3_channel_21_most(net):
    # occlusion_sensitivity(layer=, channel=), MATLAB's channel occlusion, on the README's
    # eye channel: hiding the closed eye's box lowers its total activation about 2.6x as
    # much as hiding the rest of the face does, on average (0.53 vs 0.20). The map's largest
    # drops are elsewhere, though: the other eye and the bottom-right corner also drive it.
    x = face()
    found = occlusion_sensitivity(
        net, x, layer="prelu3", channel=21, mask_size=12, stride=6, progress=False
    )
    eye = eye_closed_region() > 0
    assert found.shape == x.shape[:2]
    assert found[eye].mean() > 2 * found[~eye].mean()
