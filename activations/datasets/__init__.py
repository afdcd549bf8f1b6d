"""Images and data sets, offline: Fashion-MNIST and the face portraits."""

from activations.datasets._faces import (
    EYE_CLOSED_BOX,
    eye_closed_region,
    face,
    face_eye_closed,
)
from activations.datasets._fashion_mnist import CLASS_NAMES, fashion_mnist
from activations.datasets._samples import fashion_sample, fashion_test_subset

__all__ = [
    "CLASS_NAMES",
    "EYE_CLOSED_BOX",
    "eye_closed_region",
    "face",
    "face_eye_closed",
    "fashion_mnist",
    "fashion_sample",
    "fashion_test_subset",
]
