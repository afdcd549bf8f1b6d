"""MTCNN's output network (ONet) as a readable functional Keras model; MTCNN's detector.

The trained weights ship with the ``mtcnn`` package (MIT licence,
``mtcnn/assets/weights/onet.lz4``). They are read through mtcnn's own ONet
and copied, layer by layer, into a functional model whose input is a plain
0..255 RGB image of any size: resizing to 48x48 and MTCNN's normalization
``(x - 127.5) / 128`` are layers of the model.

Orientation. MTCNN's original Caffe networks were trained on transposed
images. The ``mtcnn`` 1.0.0 weights are already converted: its conv kernels
work on images in natural (row, column) orientation (its ONet gives a face
score of 0.9997 on the astronaut's face and 0.65 on the same face
transposed), and its ``Permute((2, 1, 3))`` before ``Flatten`` only puts the
conv4 features in the order the Caffe dense weights expect. We keep the
conv kernels as they are and drop the permute by reordering the rows of the
``dense5`` kernel, so every output equals mtcnn's ONet on the same image and
the spatial maps equal theirs.

Resizing. The ``resize`` layer is bilinear with antialiasing, so that a
160-pixel portrait shrunk to 48x48 averages all its pixels instead of
sampling a few (mtcnn's own pipeline crops with ``tf.image.crop_and_resize``,
without antialiasing). At 48x48 the layer is the identity.
"""

from __future__ import annotations

import importlib.resources
from typing import Any

import keras
import numpy as np

from activations._engine.input_range import declare_input_range

__all__ = ["detect_face", "face_net"]

_INPUT_SIZE = 48
# Layer names of mtcnn's ONet (attribute names) -> ours, for the layers with weights.
_WEIGHT_LAYERS = (
    ("conv1", "conv1"),
    ("prelu1", "prelu1"),
    ("conv2", "conv2"),
    ("prelu2", "prelu2"),
    ("conv3", "conv3"),
    ("prelu3", "prelu3"),
    ("conv4", "conv4"),
    ("prelu4", "prelu4"),
    ("fc5", "dense5"),
    ("prelu5", "prelu5"),
    ("fc6_1", "box"),
    ("fc6_2", "landmarks"),
    ("fc6_3", "face_score"),
)
_KEYPOINT_NAMES = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")


def face_net() -> keras.Model:
    """MTCNN's output network (ONet) with its trained weights.

    The model takes a batch of RGB face crops in the 0..255 range, of any
    size, of shape (N, H, W, 3). Layers: ``image`` (input), ``resize``
    (bilinear with antialiasing, to 48x48), ``normalize`` ((x - 127.5) / 128), then
    ``conv1, prelu1, pool1`` (46x46x32, 23x23x32), ``conv2, prelu2, pool2``
    (21x21x64, 10x10x64), ``conv3, prelu3, pool3`` (8x8x64, 4x4x64),
    ``conv4, prelu4`` (3x3x128), ``flatten``, ``dense5, prelu5`` (256) and
    three heads, in mtcnn's order:

    - ``box`` (N, 4): offsets (dx1, dy1, dx2, dy2) of the face box corners,
      as fractions of the crop's width (x) and height (y);
    - ``landmarks`` (N, 10): the x coordinates of the five keypoints, then
      their y coordinates, as fractions of the crop's width and height, in
      the order left_eye, right_eye, nose, mouth_left, mouth_right ("left"
      is the image's left, i.e. the person's right);
    - ``face_score`` (N, 2): softmax probabilities (not a face, a face).

    A new model is built on each call (no shared state).

    Returns
    -------
    keras.Model
        Functional model named "face_net", not compiled; 389,040 weights.

    Examples
    --------
    >>> net = face_net()
    >>> net.get_layer("prelu2").output.shape
    (None, 21, 21, 64)
    >>> [tuple(out.shape) for out in net.outputs]
    [(None, 4), (None, 10), (None, 2)]
    """
    model = _build()
    source = _mtcnn_onet()
    for theirs, ours in _WEIGHT_LAYERS:
        weights = getattr(source, theirs).get_weights()
        if ours == "dense5":
            weights[0] = _unpermute_dense(weights[0], model.get_layer("prelu4").output.shape)
        model.get_layer(ours).set_weights(weights)
    declare_input_range(model, 0.0, 255.0, "RGB 0..255; the model normalizes inside")
    return model


def _build() -> keras.Model:
    layers = keras.layers
    image = keras.Input(shape=(None, None, 3), name="image")
    x = layers.Resizing(
        _INPUT_SIZE, _INPUT_SIZE, interpolation="bilinear", antialias=True, name="resize"
    )(image)
    x = layers.Rescaling(1 / 128, offset=-127.5 / 128, name="normalize")(x)
    blocks = ((32, 3, 3, "same"), (64, 3, 3, "valid"), (64, 3, 2, "same"))
    for i, (filters, kernel, pool, padding) in enumerate(blocks, start=1):
        x = layers.Conv2D(filters, kernel, name=f"conv{i}")(x)
        x = layers.PReLU(shared_axes=[1, 2], name=f"prelu{i}")(x)
        x = layers.MaxPooling2D(pool, strides=2, padding=padding, name=f"pool{i}")(x)
    x = layers.Conv2D(128, 2, name="conv4")(x)
    x = layers.PReLU(shared_axes=[1, 2], name="prelu4")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(256, name="dense5")(x)
    x = layers.PReLU(name="prelu5")(x)
    box = layers.Dense(4, name="box")(x)
    landmarks = layers.Dense(10, name="landmarks")(x)
    score = layers.Dense(2, activation="softmax", name="face_score")(x)
    return keras.Model(image, [box, landmarks, score], name="face_net")


def _mtcnn_onet() -> Any:
    # mtcnn's own network and loader, as its ONet stage uses them; the full
    # path keeps its loader from picking up a file of the same name in the cwd.
    from mtcnn.network.onet import ONet
    from mtcnn.utils.tensorflow import load_weights

    path = importlib.resources.files("mtcnn.assets.weights") / "onet.lz4"
    onet = ONet()
    onet.build()
    onet.set_weights(load_weights(str(path)))
    return onet


def _unpermute_dense(kernel: np.ndarray, conv_shape: tuple) -> np.ndarray:
    # mtcnn flattens conv4's (H, W, C) maps after swapping H and W; reorder
    # the dense rows so that a plain flatten of (H, W, C) meets the same weights.
    height, width, channels = conv_shape[1:]
    rows = kernel.reshape(width, height, channels, kernel.shape[-1])
    return rows.transpose(1, 0, 2, 3).reshape(kernel.shape)


def detect_face(image: np.ndarray) -> dict[str, Any]:
    """The most confident face in an image, found by MTCNN (on the CPU).

    Parameters
    ----------
    image : ndarray of shape (H, W, 3), uint8
        RGB image.

    Returns
    -------
    dict
        ``"box"``: (x, y, width, height) in pixels, x along columns;
        ``"keypoints"``: dict of (x, y) pixel positions for ``left_eye``,
        ``right_eye``, ``nose``, ``mouth_left`` and ``mouth_right`` ("left"
        is the image's left); ``"confidence"``: float in 0..1.

    Raises
    ------
    TypeError
        If ``image`` is not a uint8 NumPy array.
    ValueError
        If ``image`` is not of shape (H, W, 3), or no face is found.

    Examples
    --------
    >>> import skimage.data
    >>> found = detect_face(skimage.data.astronaut())
    >>> found["box"], found["keypoints"]["left_eye"]
    ((182, 64, 83, 107), (204, 100))
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(
            f"`image` should be a NumPy array. Received: image of type {type(image).__name__}"
        )
    if image.dtype != np.uint8:
        raise TypeError(f"`image` should be of dtype uint8. Received: image.dtype={image.dtype}")
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(
            "`image` should be an RGB image of shape (H, W, 3). "
            f"Received: image.shape={image.shape}"
        )
    from mtcnn import MTCNN

    faces = MTCNN(device="CPU:0").detect_faces(image)
    if not faces:
        raise ValueError(f"No face found in the image. Received: image.shape={image.shape}")
    best = max(faces, key=lambda found: found["confidence"])
    keypoints = {name: tuple(int(v) for v in best["keypoints"][name]) for name in _KEYPOINT_NAMES}
    return {
        "box": tuple(int(v) for v in best["box"]),
        "keypoints": keypoints,
        "confidence": float(best["confidence"]),
    }
