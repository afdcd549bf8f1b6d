"""The shipped Fashion-MNIST sample equals the real test image 0."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from activations.datasets import CLASS_NAMES, fashion_mnist, fashion_sample

SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")


def test_sample_is_a_fresh_uint8_image():
    image, label = fashion_sample()
    assert image.shape == (28, 28) and image.dtype == np.uint8
    assert CLASS_NAMES[label] == "Ankle boot"
    image[...] = 0
    assert fashion_sample()[0].any()


@pytest.mark.dataset
@pytest.mark.skipif(not SYSTEM_DIR.is_dir(), reason="dataset-fashion-mnist is not installed")
def test_sample_equals_the_real_test_image_0():
    _, (x_test, y_test) = fashion_mnist()
    image, label = fashion_sample()
    np.testing.assert_array_equal(image, x_test[0])
    assert label == y_test[0]
