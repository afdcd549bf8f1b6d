"""SqueezeNet v1.1 with MATLAB's layer names and its ImageNet weights, shipped and offline.

The weights file ``activations/zoo/weights/squeezenet_v1_1.npz`` is
DeepScale's Caffe SqueezeNet v1.1 (BSD-2) as keras-squeezenet (MIT) and then
ndf 0.1.4 (MIT) carried it, converted once by ``data/convert_squeezenet.py``
(which flips conv1's input channels from Caffe's BGR to RGB); see
``data/README.md``. Nothing is downloaded.
"""

from __future__ import annotations

import importlib.resources
import os

import keras
import numpy as np

from activations._engine.input_range import declare_input_range
from activations.zoo._squeezenet_files import load_keras2_h5, load_npz

__all__ = ["squeezenet"]

#: The shipped ImageNet weights, in ``activations/zoo/weights``.
WEIGHTS_FILE = "squeezenet_v1_1.npz"

#: Caffe's ImageNet mean pixel (the mean of ``ilsvrc_2012_mean.npy``, BGR 104.007,
#: 116.669, 122.679, that the Caffe SqueezeNet weights expect subtracted), in RGB order.
MEAN_RGB = (122.67891434, 116.66876762, 104.00698793)

#: (fire id, squeeze filters, expand filters); a max pooling follows fire3 and fire5.
FIRES = ((2, 16, 64), (3, 16, 64), (4, 32, 128), (5, 32, 128),
         (6, 48, 192), (7, 48, 192), (8, 64, 256), (9, 64, 256))  # fmt: skip
_MIN_SIZE = 19  # the smallest height/width that leaves pool5 at least 1x1

_BAD_WEIGHTS = (
    "The `weights` argument should be either `None` (random initialization), "
    '`"imagenet"` (pre-training on ImageNet), or the path to the weights file to be loaded. '
    "Received: weights={!r}"
)


def _fire(x: keras.KerasTensor, fire: int, squeeze: int, expand: int) -> keras.KerasTensor:
    p = f"fire{fire}-"
    x = keras.layers.Conv2D(squeeze, 1, name=p + "squeeze1x1")(x)
    x = keras.layers.ReLU(name=p + "relu_squeeze1x1")(x)
    left = keras.layers.Conv2D(expand, 1, name=p + "expand1x1")(x)
    left = keras.layers.ReLU(name=p + "relu_expand1x1")(left)
    right = keras.layers.Conv2D(expand, 3, padding="same", name=p + "expand3x3")(x)
    right = keras.layers.ReLU(name=p + "relu_expand3x3")(right)
    return keras.layers.Concatenate(axis=-1, name=p + "concat")([left, right])


def _pool_paddings(size: int) -> tuple[str, str] | None:
    """Keras paddings of pool3 and pool5 that give MATLAB's, for an input of ``size``.

    A 3x3/2 max pooling padded with one row/column at the bottom/right
    ([0 1 0 1], Caffe's ceil mode) is "same" on an even size and "valid" on an
    odd one. None if ``size`` is too small.
    """
    if size < _MIN_SIZE:
        return None
    size = ((size - 3) // 2 + 1 - 3) // 2 + 1  # conv1, pool1
    paddings = []
    for _ in range(2):
        paddings.append("same" if size % 2 == 0 else "valid")
        size = (size - 2) // 2 + 1
    return paddings[0], paddings[1]


def _build(include_top: bool, input_shape: tuple[int, int, int]) -> keras.Model:
    pool_paddings = _pool_paddings(input_shape[0])
    assert pool_paddings is not None, "_check_args rejects a size too small to pool"
    paddings = dict(zip((3, 5), pool_paddings))
    inputs = keras.Input(shape=input_shape, name="data")
    x = keras.layers.Normalization(
        mean=list(MEAN_RGB), variance=[1.0, 1.0, 1.0], name="data_normalization"
    )(inputs)
    x = keras.layers.Conv2D(64, 3, strides=2, name="conv1")(x)
    x = keras.layers.ReLU(name="relu_conv1")(x)
    x = keras.layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for fire, squeeze, expand in FIRES:
        x = _fire(x, fire, squeeze, expand)
        if fire in (3, 5):
            x = keras.layers.MaxPooling2D(
                3, strides=2, padding=paddings[fire], name=f"pool{fire}"
            )(x)
    if include_top:
        x = keras.layers.Dropout(0.5, name="drop9")(x)
        x = keras.layers.Conv2D(1000, 1, name="conv10")(x)
        x = keras.layers.ReLU(name="relu_conv10")(x)
        x = keras.layers.GlobalAveragePooling2D(name="pool10")(x)
        x = keras.layers.Softmax(name="prob")(x)
    return keras.Model(inputs, x, name="squeezenet")


def _check_args(weights: object, include_top: object, input_shape: object) -> tuple[int, int, int]:
    if weights is not None and not isinstance(weights, (str, os.PathLike)):
        raise TypeError(_BAD_WEIGHTS.format(weights))
    if isinstance(weights, (str, os.PathLike)) and weights != "imagenet":
        if not os.path.isfile(weights):
            raise ValueError(_BAD_WEIGHTS.format(weights))
    if not isinstance(include_top, bool):
        raise TypeError(
            f"Expected `include_top` to be a bool. Received: include_top={include_top!r}"
        )
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
    if (
        shape is None
        or len(shape) != 3
        or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in shape)
        or shape[2] != 3
        or _pool_paddings(shape[0]) is None
        or _pool_paddings(shape[0]) != _pool_paddings(shape[1])
    ):
        raise ValueError(
            "Expected `input_shape` to be (height, width, 3) with integer height and width of "
            f"at least {_MIN_SIZE} that pool alike (equal ones do; MATLAB's SqueezeNet takes "
            "(227, 227, 3)). "
            f"Received: input_shape={input_shape!r}"
        )
    return (int(shape[0]), int(shape[1]), 3)


def squeezenet(
    weights: str | os.PathLike | None = "imagenet",
    include_top: bool = True,
    *,
    input_shape: tuple[int, int, int] = (227, 227, 3),
) -> keras.Model:
    """SqueezeNet v1.1 with the layer names of MATLAB's ``squeezenet`` and its ImageNet weights.

    The layers are ``data``, ``data_normalization``, ``conv1``, ``relu_conv1``,
    ``pool1``, then for each fire module N in 2..9 ``fireN-squeeze1x1``,
    ``fireN-relu_squeeze1x1``, ``fireN-expand1x1``, ``fireN-relu_expand1x1``,
    ``fireN-expand3x3``, ``fireN-relu_expand3x3``, ``fireN-concat`` (with ``pool3``
    after fire3 and ``pool5`` after fire5), then ``drop9``, ``conv10``,
    ``relu_conv10``, ``pool10`` and ``prob``. Every ReLU is its own layer, so the
    value before a ReLU is the output of the layer named before it.

    The model takes RGB photos with values in 0..255, of shape
    ``(N, 227, 227, 3)`` as MATLAB's (resize first, e.g. with
    ``activations.imresize``), and declares that range: the command line
    feeds it 0..255 pixels, and 0..1 images get a warning. ``data_normalization`` subtracts Caffe's
    ImageNet mean pixel (R, G, B = 122.68, 116.67, 104.01); the RGB to BGR swap
    that the Caffe weights expect is folded into ``conv1``, whose kernel
    therefore reads R, G, B in that order (like MATLAB's). Output ``i`` of
    ``prob`` is the class ``activations.zoo.imagenet_classes()[i]``.

    Parameters
    ----------
    weights : {"imagenet"}, path or None, default="imagenet"
        ``"imagenet"`` loads the ImageNet weights shipped with the package
        (``activations/zoo/weights/squeezenet_v1_1.npz``: DeepScale's Caffe
        SqueezeNet v1.1, 1000 ImageNet classes); nothing is downloaded. A
        path loads one of: a ``.npz`` in the shipped layout (arrays
        ``<layer>/kernel`` and ``<layer>/bias``, read without pickles); a
        Keras 2 HDF5 file in keras-squeezenet's layout (its
        ``squeezenet_weights_tf_dim_ordering_tf_kernels.h5``, whose conv1
        reads BGR); a ``.keras`` or ``.weights.h5`` file saved from this
        model. ``None`` keeps the random initialization.
    include_top : bool, default=True
        If False, the model ends at ``fire9-concat`` (output ``(N, 14, 14, 512)``
        for 227x227 inputs).
    input_shape : tuple of int, default=(227, 227, 3)
        ``(height, width, 3)``; height and width at least 19, and pooled
        alike: pool3 and pool5 pad one row and column at the bottom and right
        (MATLAB's ``[0 1 0 1]`` padding, Caffe's ceil-mode pooling), which Keras
        expresses as "same" on even sizes and "valid" on odd ones, so both
        sizes must give the same choice (equal sizes always do).

    Returns
    -------
    keras.Model
        The model named ``"squeezenet"``; its output is ``(N, 1000)`` class
        probabilities, or the ``fire9-concat`` maps.

    Raises
    ------
    TypeError
        If ``weights`` is not a str, a path or None, or ``include_top`` is not a bool.
    ValueError
        If ``weights`` is neither ``"imagenet"`` nor an existing file, the file
        cannot be read or does not fit (missing layers, wrong shapes), or
        ``input_shape`` is invalid.

    Examples
    --------
    >>> net = squeezenet(weights=None)
    >>> net.get_layer("fire9-concat").output.shape
    (None, 14, 14, 512)
    """
    shape = _check_args(weights, include_top, input_shape)
    model = _build(include_top, shape)
    declare_input_range(model, 0.0, 255.0, "RGB 0..255; the model subtracts the mean inside")
    if weights is None:
        return model
    if weights == "imagenet":
        resource = importlib.resources.files("activations.zoo") / "weights" / WEIGHTS_FILE
        with importlib.resources.as_file(resource) as shipped:
            load_npz(model, str(shipped))
        return model
    path = os.fspath(weights)
    if path.endswith((".keras", ".weights.h5")):
        model.load_weights(path)
    elif path.endswith(".npz"):
        load_npz(model, path)
    else:
        load_keras2_h5(model, path)
    return model
