"""Fashion-MNIST test images shipped inside the package, for offline demos."""

from __future__ import annotations

from importlib import resources

import numpy as np
from numpy.typing import NDArray
from PIL import Image

__all__ = ["fashion_sample", "fashion_test_subset"]

#: Label of the shipped image: Fashion-MNIST test image 0 is an ankle boot.
_SAMPLE_LABEL = 9


def fashion_sample() -> tuple[NDArray[np.uint8], int]:
    """The first Fashion-MNIST test image and its label, without the data set.

    The image ships with the package (``activations/data/fashion_test_0.png``,
    equal to ``fashion_mnist()[1][0][0]``), so demos run offline on machines
    without the Fashion-MNIST files.

    Returns
    -------
    image : ndarray of shape (28, 28), uint8
        A new array on each call.
    label : int
        Its class index in ``CLASS_NAMES`` (9, "Ankle boot").

    Examples
    --------
    >>> image, label = fashion_sample()
    >>> image.shape, image.dtype, label
    ((28, 28), dtype('uint8'), 9)
    """
    path = resources.files("activations") / "data" / "fashion_test_0.png"
    with resources.as_file(path) as file, Image.open(file) as im:
        return np.array(im, dtype=np.uint8), _SAMPLE_LABEL


def fashion_test_subset() -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """The first 1,000 Fashion-MNIST test images and labels, without the data set.

    They ship with the package (``activations/data/fashion_test_1000.npz``,
    made by ``data/make_fashion_subset.py``, equal to the first 1,000 of
    ``fashion_mnist()[1]``), so the demo's data-set sections run offline. The
    file holds plain arrays and is read without unpickling.

    Returns
    -------
    images : ndarray of shape (1000, 28, 28), uint8
    labels : ndarray of shape (1000,), int64
        Class indices into ``CLASS_NAMES``.

    Examples
    --------
    >>> images, labels = fashion_test_subset()
    >>> images.shape, int(labels[0])
    ((1000, 28, 28), 9)
    """
    path = resources.files("activations") / "data" / "fashion_test_1000.npz"
    with resources.as_file(path) as file, np.load(file, allow_pickle=False) as data:
        return np.array(data["images"], np.uint8), np.array(data["labels"], np.int64)
