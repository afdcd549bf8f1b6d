"""SqueezeNet v1.1 with MATLAB's layer names, and a reader for the keras-squeezenet weights."""

from __future__ import annotations

import logging
import os

import h5py
import keras
import numpy as np
from numpy.typing import NDArray

from activations._input_range import declare_input_range
from activations.zoo._download import fetch

__all__ = ["squeezenet"]

logger = logging.getLogger("activations")

#: Release holding the Keras weights of keras-squeezenet (converted from the Caffe v1.1 model).
#: Override with the environment variable ``ACTIVATIONS_SQUEEZENET_URL`` (a mirror folder).
WEIGHTS_BASE_URL = "https://github.com/rcmalli/keras-squeezenet/releases/download/v1.0/"
URL_ENV = "ACTIVATIONS_SQUEEZENET_URL"
WEIGHTS_FILE = "squeezenet_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_FILE_NOTOP = "squeezenet_weights_tf_dim_ordering_tf_kernels_notop.h5"

#: Caffe's ImageNet mean pixel (``imagenet_utils.preprocess_input``, mode "caffe"), in RGB order.
MEAN_RGB = (123.68, 116.779, 103.939)

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


def _origin(fname: str) -> str:
    base = os.environ.get(URL_ENV) or WEIGHTS_BASE_URL
    return base.rstrip("/") + "/" + fname


def _attr_list(group: h5py.Group, name: str) -> list[str]:
    """A list attribute as Keras 2 wrote it (split into name0, name1, ... when long)."""
    if name in group.attrs:
        values = list(group.attrs[name])
    else:
        values, i = [], 0
        while f"{name}{i}" in group.attrs:
            values.extend(group.attrs[f"{name}{i}"])
            i += 1
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]


def _read_legacy_h5(path: str) -> list[tuple[str, list[NDArray]]]:
    """(layer name, arrays) for each layer with weights, in the file's order."""
    try:
        with h5py.File(path, "r") as f:
            root = f["model_weights"] if "model_weights" in f else f
            names = _attr_list(root, "layer_names")
            if not names:
                raise ValueError("no `layer_names` attribute")
            layers = []
            for name in names:
                group = root[name]
                arrays = [np.asarray(group[w][()]) for w in _attr_list(group, "weight_names")]
                if arrays:
                    layers.append((name, arrays))
            return layers
    except (OSError, KeyError, ValueError) as error:
        raise ValueError(
            f"Could not read '{path}' as a Keras 2 HDF5 weights file ({error}). Expected the "
            f"layout of keras-squeezenet's {WEIGHTS_FILE}; if it came from the cache, delete "
            f"it to download it again. Received: weights={path!r}"
        ) from error


def _problems(ours: list, arrays: dict) -> tuple[list[str], list[str]]:
    """Names of our weighted layers missing from ``arrays``, and shape mismatches."""
    missing = [layer.name for layer in ours if layer.name not in arrays]
    wrong = []
    for layer in ours:
        found = [a.shape for a in arrays.get(layer.name, [])]
        expected = [tuple(w.shape) for w in layer.weights]
        if layer.name in arrays and found != expected:
            wrong.append(f"{layer.name}: expected {expected}, found {found}")
    return missing, wrong


def _match(model: keras.Model, stored: list[tuple[str, list[NDArray]]], path: str) -> dict:
    """Pair our weighted layers with stored arrays, by name or else by order.

    By name: ``fire2/squeeze1x1`` is our ``fire2-squeeze1x1``. If names are
    missing but the order fits, by order.
    """
    ours = [layer for layer in model.layers if layer.weights]
    by_name = {name.replace("/", "-"): arrays for name, arrays in stored}
    missing, wrong = _problems(ours, by_name)
    if missing and len(stored) >= len(ours):
        by_order = {layer.name: arrays for layer, (_, arrays) in zip(ours, stored)}
        if _problems(ours, by_order) == ([], []):
            logger.info("Layer names of %s differ from SqueezeNet's: paired by order", path)
            return by_order
    if missing or wrong:
        raise ValueError(
            f"The weights file '{path}' does not fit SqueezeNet v1.1"
            + (f"; missing layers: {missing}" if missing else "")
            + (f"; wrong shapes: {wrong}" if wrong else "")
            + f". Received: weights={path!r}"
        )
    return {layer.name: by_name[layer.name] for layer in ours}


def _load_legacy_h5(model: keras.Model, path: str) -> None:
    arrays = _match(model, _read_legacy_h5(path), path)
    for name, values in arrays.items():
        if name == "conv1":  # the file's conv1 reads BGR; ours reads RGB
            values = [values[0][:, :, ::-1, :], values[1]]
        model.get_layer(name).set_weights(values)


def squeezenet(
    weights: str | os.PathLike | None = "imagenet",
    include_top: bool = True,
    *,
    input_shape: tuple[int, int, int] = (227, 227, 3),
) -> keras.Model:
    """SqueezeNet v1.1 with the layer names of MATLAB's ``squeezenet``.

    The layers are ``data``, ``data_normalization``, ``conv1``, ``relu_conv1``,
    ``pool1``, then for each fire module N in 2..9 ``fireN-squeeze1x1``,
    ``fireN-relu_squeeze1x1``, ``fireN-expand1x1``, ``fireN-relu_expand1x1``,
    ``fireN-expand3x3``, ``fireN-relu_expand3x3``, ``fireN-concat`` (with ``pool3``
    after fire3 and ``pool5`` after fire5), then ``drop9``, ``conv10``,
    ``relu_conv10``, ``pool10`` and ``prob``. Every ReLU is its own layer, so the
    value before a ReLU is the output of the layer named before it.

    The model takes RGB images with values in 0..255, of shape
    ``(N, 227, 227, 3)`` as MATLAB's (resize first, e.g. with
    ``activations.imresize``). ``data_normalization`` subtracts Caffe's ImageNet
    mean pixel, as ``keras.applications.imagenet_utils.preprocess_input`` does;
    the RGB to BGR swap that the Caffe weights expect is folded into ``conv1``,
    whose kernel therefore reads R, G, B in that order (like MATLAB's).

    Parameters
    ----------
    weights : {"imagenet"}, path or None, default="imagenet"
        ``"imagenet"`` downloads the weights of keras-squeezenet (release v1.0 of
        rcmalli/keras-squeezenet, converted from the Caffe v1.1 model, 1000
        ImageNet classes) into ``$KERAS_HOME/models`` (default ``~/.keras/models``)
        once; the environment variable ``ACTIVATIONS_SQUEEZENET_URL`` replaces the
        release folder with a mirror. No file hash is published, so none is
        checked. A path loads a Keras 2 HDF5 file in the same layout, or a
        ``.keras`` / ``.weights.h5`` file saved from this model. ``None`` keeps the
        random initialization.
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
        does not fit (missing layers, wrong shapes), or ``input_shape`` is invalid.
    OSError
        If the ImageNet weights are not cached and cannot be downloaded; the
        message gives the URL and the path to put the file at.

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
        fname = WEIGHTS_FILE if include_top else WEIGHTS_FILE_NOTOP
        path = fetch(fname, _origin(fname), cache_subdir="models")
    else:
        path = os.fspath(weights)
    if path.endswith((".keras", ".weights.h5")):
        model.load_weights(path)
    else:
        _load_legacy_h5(model, path)
    return model
