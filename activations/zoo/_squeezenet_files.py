"""SqueezeNet weight files: the shipped ``.npz`` and keras-squeezenet's Keras 2 HDF5 files.

Both are read as (layer name, [kernel, bias]) pairs and put into our model by
name (``fire2/squeeze1x1`` is our ``fire2-squeeze1x1``), or by order when
the names differ but every shape fits.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable

import h5py
import keras
import numpy as np
from numpy.typing import NDArray

__all__ = ["load_keras2_h5", "load_npz"]

logger = logging.getLogger("activations")

Stored = list[tuple[str, list[NDArray]]]


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


def _read_keras2_h5(path: str) -> Stored:
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
            "layout of keras-squeezenet's squeezenet_weights_tf_dim_ordering_tf_kernels.h5. "
            f"Received: weights={path!r}"
        ) from error


def _read_npz(path: str) -> Stored:
    """(layer name, [kernel, bias]) from ``<layer>/kernel`` and ``<layer>/bias`` members."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            layers = list(dict.fromkeys(key.rsplit("/", 1)[0] for key in archive.files))
            pairs = {f"{n}/{w}" for n in layers for w in ("kernel", "bias")}
            if set(archive.files) != pairs:
                missing, extra = (
                    sorted(pairs - set(archive.files)),
                    sorted(set(archive.files) - pairs),
                )
                raise ValueError(f"missing arrays {missing}, unexpected arrays {extra}")
            return [(n, [archive[f"{n}/kernel"], archive[f"{n}/bias"]]) for n in layers]
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        raise ValueError(
            f"Could not read '{path}' as a SqueezeNet .npz weights file ({error}). Expected "
            "only arrays named '<layer>/kernel' and '<layer>/bias' (no pickled objects). "
            f"Received: weights={path!r}"
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


def _match(model: keras.Model, stored: Stored, path: str) -> dict:
    """Pair our weighted layers with stored arrays, by name or else by order.

    By name: ``fire2/squeeze1x1`` is our ``fire2-squeeze1x1``. If names are
    missing but the order fits, by order. Stored layers the model lacks
    (``conv10`` for a model without top) are left out.
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


def _load(model: keras.Model, path: str, read: Callable[[str], Stored], bgr: bool) -> None:
    for name, values in _match(model, read(path), path).items():
        if bgr and name == "conv1":  # the file's conv1 reads BGR; ours reads RGB
            values = [values[0][:, :, ::-1, :], values[1]]
        model.get_layer(name).set_weights(values)


def load_npz(model: keras.Model, path: str) -> None:
    """Set ``model``'s weights from an ``.npz`` in our layout (conv1 already reads RGB)."""
    _load(model, path, _read_npz, bgr=False)


def load_keras2_h5(model: keras.Model, path: str) -> None:
    """Set ``model``'s weights from a keras-squeezenet HDF5 file (its conv1 reads BGR)."""
    _load(model, path, _read_keras2_h5, bgr=True)
