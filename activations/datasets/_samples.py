"""A Fashion-MNIST test image shipped inside the package, for offline demos."""

from __future__ import annotations

from importlib import resources

import numpy as np
from numpy.typing import NDArray
from PIL import Image

__all__ = ["fashion_sample"]

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
