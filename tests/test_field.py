"""ReceptiveField.patch: the patch of one cell as the library's one Box, clipped to the image."""

from __future__ import annotations

import re

import pytest

from activations import Box
from activations._arrays.field import ReceptiveField

pytestmark = pytest.mark.core


def _field(size: tuple, stride: tuple, offset: tuple) -> ReceptiveField:
    return ReceptiveField(size=size, stride=stride, offset=offset)


def test_patch_arithmetic_and_clipping():
    field = _field((3, 5), (2, 1), (-1, -2))
    assert field.patch(0, 0) == Box(x0=-2, y0=-1, x1=3, y1=2)
    assert field.patch(2, 3) == Box(x0=1, y0=3, x1=6, y1=6)
    assert field.patch(0, 0, image_shape=(4, 4)) == Box(x0=0, y0=0, x1=3, y1=2)
    assert field.patch(2, 3, image_shape=(4, 4)) == Box(x0=1, y0=3, x1=4, y1=4)
    empty = field.patch(9, 0, image_shape=(4, 4))  # past the image: empty
    assert (empty.y0, empty.y1) == (4, 4)


def test_the_old_box_order_still_works_with_a_deprecation_warning():
    field = _field((3, 5), (2, 1), (-1, -2))
    with pytest.warns(DeprecationWarning, match=r"use .patch\(row, col\)"):
        assert field.box(2, 3, image_shape=(4, 4)) == (3, 4, 1, 4)  # (r0, r1, c0, c1)


def test_patch_rejects_bad_cells_and_shapes():
    field = _field((3, 3), (1, 1), (0, 0))
    with pytest.raises(ValueError, match=r"Expected `row` >= 0. Received: row=-1"):
        field.patch(-1, 0)
    with pytest.raises(TypeError, match=r"Expected `col` to be an int. Received: col=1.5"):
        field.patch(0, 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Expected `image_shape` \(H, W\)"):
        field.patch(0, 0, image_shape=(4,))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"Expected `image_shape` >= 1"):
        field.patch(0, 0, image_shape=(0, 4))


def test_repr_is_the_three_tuples_and_html_a_small_table():
    field = _field((8, 8), (2, 2), (-3, -3))
    assert repr(field) == "ReceptiveField(size=(8, 8), stride=(2, 2), offset=(-3, -3))"
    html = field._repr_html_()
    assert "each map cell sees a patch of 8x8 input pixels" in html
    cells = re.findall(r'">([^<]*)</td>', html)
    assert cells == ["size", "8", "8", "stride", "2", "2", "offset", "-3", "-3"]
