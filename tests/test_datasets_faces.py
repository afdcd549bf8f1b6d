"""Tests of activations.datasets._faces: the two face portraits and the eye box."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import skimage.data
from PIL import Image

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
    expected = np.zeros((160, 160), dtype=bool)
    expected[y0:y1, x0:x1] = True
    np.testing.assert_array_equal(eye_closed_region(), expected)
    np.testing.assert_array_equal(eye_closed_region((160, 160)), expected)


@pytest.mark.parametrize(
    ("shape", "rows", "cols"),
    [((8, 8), slice(2, 4), slice(4, 6)), ((21, 21), slice(7, 10), slice(11, 16)), ((1, 2), 0, 1)],
)
def test_eye_closed_region_on_a_grid(shape, rows, cols):
    expected = np.zeros(shape, dtype=bool)
    expected[rows, cols] = True
    region = eye_closed_region(shape)
    assert region.dtype == bool
    np.testing.assert_array_equal(region, expected)


@pytest.mark.parametrize(
    ("shape", "error", "match"),
    [
        ("8x8", TypeError, "pair of ints .* Received: shape='8x8'"),
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
