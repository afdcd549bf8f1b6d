"""ReceptiveField.box: the patch of one cell, clipped to the image."""

from __future__ import annotations

import pytest

from activations._arrays.field import ReceptiveField

pytestmark = pytest.mark.core


def _field(size: tuple, stride: tuple, offset: tuple) -> ReceptiveField:
    return ReceptiveField(size=size, stride=stride, offset=offset)


def test_box_arithmetic_and_clipping():
    field = _field((3, 5), (2, 1), (-1, -2))
    assert field.box(0, 0) == (-1, 2, -2, 3)
    assert field.box(2, 3) == (3, 6, 1, 6)
    assert field.box(0, 0, image_shape=(4, 4)) == (0, 2, 0, 3)
    assert field.box(2, 3, image_shape=(4, 4)) == (3, 4, 1, 4)
    assert field.box(9, 0, image_shape=(4, 4))[:2] == (4, 4)  # past the image: empty


def test_box_rejects_bad_cells_and_shapes():
    field = _field((3, 3), (1, 1), (0, 0))
    with pytest.raises(ValueError, match=r"Expected `row` >= 0. Received: row=-1"):
        field.box(-1, 0)
    with pytest.raises(TypeError, match=r"Expected `col` to be an int. Received: col=1.5"):
        field.box(0, 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Expected `image_shape` \(H, W\)"):
        field.box(0, 0, image_shape=(4,))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"Expected `image_shape` >= 1"):
        field.box(0, 0, image_shape=(0, 4))
