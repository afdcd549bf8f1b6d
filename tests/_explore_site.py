"""A small explorer site for the tests: a hand-set model file and a folder of images."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
from keras import layers
from PIL import Image

__all__ = ["HOSTILE_FILE", "LAYER", "explorer_inputs"]

#: A file name that would run script if a page parsed it as markup.
HOSTILE_FILE = "<img src=x onerror=alert(1)>.png"
#: The conv layer's name: ``>`` is the one markup character TensorFlow's scope names allow.
LAYER = "conv>1"


def _model() -> keras.Model:
    """Conv2D(3, 3x3, relu): a box sum (+1s), its negative (-1s: dead on pixels >= 0) and
    twice the centre pixel; then a seeded Dense(2)."""
    inputs = keras.Input((8, 8, 1))
    conv = layers.Conv2D(3, 3, activation="relu", name=LAYER)
    x = layers.Flatten(name="flatten")(conv(inputs))
    dense = layers.Dense(2, name="dense")
    model = keras.Model(inputs, dense(x), name="tiny_explorer")
    kernel = np.zeros((3, 3, 1, 3), "float32")
    kernel[..., 0], kernel[..., 1], kernel[1, 1, 0, 2] = 1.0, -1.0, 2.0
    conv.set_weights([kernel, np.zeros(3, "float32")])
    rng = np.random.default_rng(3)
    dense.set_weights([rng.normal(size=(108, 2)).astype("float32"), np.zeros(2, "float32")])
    return model


def explorer_inputs(root: Path) -> tuple[Path, Path, keras.Model, np.ndarray, list[str]]:
    """``(model file, image folder, model, pixels (N, 8, 8, 1) uint8, file names)`` in ``root``.

    Seven seeded 8x8 gray images, each with a bright square; the folder's files
    sort as the pixels do: the hostile name first, so the layer view shows it.
    """
    model = _model()
    model_file = root / "tiny.keras"
    model.save(model_file)
    folder = root / "images"
    folder.mkdir()
    rng = np.random.default_rng(7)
    names = [HOSTILE_FILE] + [f"img{i}.png" for i in range(6)]
    assert names == sorted(names)
    pixels = []
    for i, name in enumerate(names):
        image = (rng.random((8, 8)) * 60).astype(np.uint8)
        r, c = rng.integers(0, 5, 2)
        image[r : r + 3, c : c + 3] = 220 - 20 * i  # the hostile one brightest
        Image.fromarray(image).save(folder / name)
        pixels.append(image[..., None])
    return model_file, folder, model, np.stack(pixels), names
