"""The shipped Fashion-MNIST samples equal the real test images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from activations.datasets import CLASS_NAMES, fashion_mnist, fashion_sample, fashion_test_subset

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


def test_subset_is_fresh_and_readable_offline():
    images, labels = fashion_test_subset()
    assert images.shape == (1000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (1000,) and labels.dtype == np.int64
    assert set(np.unique(labels)) == set(range(10))
    images[...] = 0
    assert fashion_test_subset()[0].any()


@pytest.mark.dataset
@pytest.mark.skipif(not SYSTEM_DIR.is_dir(), reason="dataset-fashion-mnist is not installed")
def test_subset_equals_the_first_1000_test_images(tmp_path):
    _, (x_test, y_test) = fashion_mnist()
    images, labels = fashion_test_subset()
    np.testing.assert_array_equal(images, x_test[:1000])
    np.testing.assert_array_equal(labels, y_test[:1000])
    # the script that made the file makes the same arrays again
    import runpy

    script = runpy.run_path(str(Path(__file__).parents[1] / "data" / "make_fashion_subset.py"))
    with np.load(script["main"](str(tmp_path)), allow_pickle=False) as remade:
        np.testing.assert_array_equal(remade["images"], images)
        np.testing.assert_array_equal(remade["labels"], labels)
