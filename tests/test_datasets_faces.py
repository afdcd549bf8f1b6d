"""Tests of activations.datasets._faces: the two face portraits and the eye box."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import skimage.data
from PIL import Image

from activations._arrays.region import region_weights
from activations.datasets import face, face_eye_closed
from activations.datasets._faces import EYE_CLOSED_BOX, eye_closed_region

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "data" / "make_face_images.py"
SHIPPED = ROOT / "data"


@pytest.mark.parametrize("load", [face, face_eye_closed])
def test_portraits_are_uint8_rgb(load):
    image = load()
    assert image.shape == (160, 160, 3)
    assert image.dtype == np.uint8
    assert image.flags.writeable


def test_face_is_a_crop_of_astronaut():
    np.testing.assert_array_equal(face(), skimage.data.astronaut()[38:198, 144:304])


def test_portraits_differ_only_inside_the_eye_box():
    x0, y0, x1, y1 = EYE_CLOSED_BOX
    diff = np.abs(face().astype(int) - face_eye_closed().astype(int)).max(axis=-1)
    outside = diff.copy()
    outside[y0:y1, x0:x1] = 0
    assert outside.max() == 0
    assert diff[y0:y1, x0:x1].mean() > 15
    # the changed pixels reach all four sides of the box: the box is tight
    changed = np.argwhere(diff > 0)
    assert changed.min(axis=0).tolist() == [y0, x0]
    assert changed.max(axis=0).tolist() == [y1 - 1, x1 - 1]


@pytest.mark.parametrize("load", [face, face_eye_closed])
def test_portraits_are_fresh_copies(load):
    first = load()
    first[:] = 0
    second = load()
    assert second.max() > 0
    assert not np.shares_memory(first, second)


def test_eye_closed_region_in_pixels():
    x0, y0, x1, y1 = EYE_CLOSED_BOX
    expected = np.zeros((160, 160))
    expected[y0:y1, x0:x1] = 1.0
    np.testing.assert_array_equal(eye_closed_region(), expected)
    np.testing.assert_array_equal(eye_closed_region((160, 160)), expected)


def test_eye_closed_region_on_coarse_grids_weights_each_cell_by_its_share():
    # prelu3's 8x8 grid: cells of 20x20 face pixels; the box never covers half a cell.
    region = eye_closed_region((8, 8))
    assert region.dtype == np.float64
    expected = np.zeros((8, 8))
    expected[2:4, 4:6] = np.outer([1 / 20, 10 / 20], [12 / 20, 15 / 20])
    np.testing.assert_allclose(region, expected, rtol=0, atol=1e-12)
    # prelu4's 3x3 grid (cells of 53.3 pixels): the box straddles two cells of the middle row.
    np.testing.assert_allclose(eye_closed_region((3, 3)).sum(), 297 * 9 / 160**2, rtol=1e-12)
    # (1, 2): the box is all in the right half.
    np.testing.assert_allclose(eye_closed_region((1, 2)), [[0.0, 297 / 80**2 / 2]], rtol=1e-12)


def test_eye_closed_region_is_the_rule_of_region_weights():
    for shape in ((8, 8), (21, 21), (46, 46)):
        np.testing.assert_array_equal(
            eye_closed_region(shape),
            region_weights(EYE_CLOSED_BOX, shape, image_shape=(160, 160)),
        )


@pytest.mark.parametrize(
    ("shape", "error", "match"),
    [
        ("8x8", TypeError, "pair of ints .*Received: shape='8x8'"),
        ((8,), TypeError, r"Received: shape=\(8,\)"),
        ((8, 8.0), TypeError, r"Received: shape=\(8, 8.0\)"),
        ((True, 8), TypeError, r"Received: shape=\(True, 8\)"),
        ((0, 8), ValueError, r"positive sizes. Received: shape=\(0, 8\)"),
    ],
)
def test_eye_closed_region_rejects_bad_shapes(shape, error, match):
    with pytest.raises(error, match=match):
        eye_closed_region(shape)


def test_script_reproduces_the_shipped_images(tmp_path):
    spec = importlib.util.spec_from_file_location("make_face_images", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    boxes = script.make_images(tmp_path)
    assert boxes == {"crop_box": script.CROP_BOX, "eye_box": EYE_CLOSED_BOX}
    for name in ["face.png", "face_eye_closed.png"]:
        made = np.asarray(Image.open(tmp_path / name))
        shipped = np.asarray(Image.open(SHIPPED / name))
        np.testing.assert_array_equal(made, shipped)
