"""activations._arrays.region: one rule from a photo's box or mask to an activation grid."""

from __future__ import annotations

import numpy as np
import pytest

from activations._arrays.region import box_title, cell_blocks, check_box, region_weights
from activations.datasets import EYE_CLOSED_BOX

pytestmark = pytest.mark.core


def test_box_weights_are_covered_fractions():
    # 4x4 photo, 2x2 grid: each cell is 2x2 pixels; the box covers rows 0-1, columns 0-2.
    weights = region_weights((0, 0, 3, 2), (2, 2), image_shape=(4, 4))
    assert weights.dtype == np.float64
    np.testing.assert_array_equal(weights, [[1.0, 0.5], [0.0, 0.0]])


def test_box_smaller_than_one_cell_keeps_its_share():
    # One pixel of a 4x4 photo on a 1x1 grid: 1/16 of the only cell.
    np.testing.assert_array_equal(
        region_weights((1, 1, 2, 2), (1, 1), image_shape=(4, 4)), [[0.0625]]
    )
    # One pixel on a 2x2 grid: a quarter of cell (0, 0), nothing elsewhere.
    np.testing.assert_array_equal(
        region_weights((1, 1, 2, 2), (2, 2), image_shape=(4, 4)), [[0.25, 0.0], [0.0, 0.0]]
    )


def test_box_on_cells_that_are_not_whole_pixels():
    # 3 pixels over 2 cells: a cell is 1.5 pixels; column 0 covers 2/3 of cell 0.
    weights = region_weights((0, 0, 1, 3), (2, 2), image_shape=(3, 3))
    np.testing.assert_array_equal(weights, [[2 / 3, 0.0], [2 / 3, 0.0]])


def test_box_on_a_grid_finer_than_the_photo():
    # 2x2 photo, 4x4 grid: pixel (0, 1) is cells (0..1, 2..3).
    expected = np.zeros((4, 4))
    expected[:2, 2:] = 1.0
    np.testing.assert_array_equal(
        region_weights((1, 0, 2, 1), (4, 4), image_shape=(2, 2)), expected
    )


def test_eye_box_on_the_face_network_grids():
    # prelu3 is 8x8 over the 160x160 face: cells of 20x20 pixels. The eye box
    # (x 88..115, y 59..70) covers 1/20 of row 2, 1/2 of row 3, 12/20 of column 4
    # and 15/20 of column 5: four cells, 0.7425 cells in all, none of them half.
    weights = region_weights(EYE_CLOSED_BOX, (8, 8), image_shape=(160, 160))
    expected = np.zeros((8, 8))
    expected[2:4, 4:6] = np.outer([0.05, 0.5], [0.6, 0.75])
    np.testing.assert_allclose(weights, expected, rtol=0, atol=1e-12)
    assert weights.sum() == pytest.approx(297 * 64 / 160**2, abs=1e-12)


@pytest.mark.parametrize(
    "grid", [(1, 1), (3, 3), (8, 8), (21, 21), (46, 46), (160, 160), (200, 7)]
)
def test_a_box_and_its_mask_give_the_same_weights(grid):
    x0, y0, x1, y1 = EYE_CLOSED_BOX
    mask = np.zeros((160, 160), dtype=bool)
    mask[y0:y1, x0:x1] = True
    from_box = region_weights(EYE_CLOSED_BOX, grid, image_shape=(160, 160))
    np.testing.assert_allclose(region_weights(mask, grid), from_box, rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_weights_keep_the_region_area(seed):
    # The weights add up to the box's area in cells, whatever the grid.
    rng = np.random.default_rng(seed)
    image, grid = (
        (int(rng.integers(5, 60)), int(rng.integers(5, 60))),
        tuple(rng.integers(1, 30, 2)),
    )
    x0, y0 = int(rng.integers(0, image[1] - 1)), int(rng.integers(0, image[0] - 1))
    box = (
        x0,
        y0,
        int(rng.integers(x0 + 1, image[1] + 1)),
        int(rng.integers(y0 + 1, image[0] + 1)),
    )
    weights = region_weights(box, (int(grid[0]), int(grid[1])), image_shape=image)
    area = (box[2] - box[0]) * (box[3] - box[1]) * grid[0] * grid[1] / (image[0] * image[1])
    assert weights.sum() == pytest.approx(area, rel=1e-12)
    assert weights.min() >= 0 and weights.max() <= 1


def test_mask_of_weights_is_averaged_by_area():
    mask = np.zeros((4, 4))
    mask[:, :2] = 1.0  # the left half
    mask[0, 3] = 0.5  # half of one more pixel
    np.testing.assert_array_equal(region_weights(mask, (1, 1)), [[(8 + 0.5) / 16]])
    np.testing.assert_array_equal(region_weights(mask, (2, 2)), [[1.0, 0.125], [1.0, 0.0]])


def test_mask_at_the_grid_size_is_a_copy_of_itself():
    mask = np.array([[True, False], [False, True]])
    weights = region_weights(mask, (2, 2))
    np.testing.assert_array_equal(weights, [[1.0, 0.0], [0.0, 1.0]])
    assert not np.shares_memory(weights, mask)


def test_inputs_are_not_modified():
    mask = np.zeros((6, 6))
    mask[1:3, 2:5] = 0.75
    copy = mask.copy()
    region_weights(mask, (3, 2), image_shape=(6, 6))
    np.testing.assert_array_equal(mask, copy)


@pytest.mark.parametrize(
    ("region", "kwargs", "error", "match"),
    [
        ((0, 0, 2, 2), {}, ValueError, r"`image_shape`.*region=\(0, 0, 2, 2\), image_shape=None"),
        ((0, 0, 9, 2), {"image_shape": (4, 4)}, ValueError, r"0 <= x0 < x1 <= 4.*region=0,0,9,2"),
        ((2, 0, 2, 2), {"image_shape": (4, 4)}, ValueError, "Received: region=2,0,2,2"),
        ((0, 0, 1.5, 2), {"image_shape": (4, 4)}, TypeError, "box of four ints"),
        ((0, 0, 2), {"image_shape": (4, 4)}, TypeError, "box of four ints"),
        (np.full((4, 4), 2.0), {}, ValueError, r"in \[0, 1\]. Received: .* in \[2, 2\]"),
        (np.full((4, 4), np.nan), {}, ValueError, r"in \[0, 1\]"),
        (np.zeros((4, 4, 1)), {}, ValueError, r"2-D mask .*region.shape=\(4, 4, 1\)"),
        (np.zeros((4, 4), complex), {}, TypeError, "region.dtype=complex128"),
        (np.zeros((4, 4)), {"image_shape": (4, 5)}, ValueError, r"\(4, 5\). .*shape=\(4, 4\)"),
    ],
)  # fmt: skip
def test_region_errors(region, kwargs, error, match):
    with pytest.raises(error, match=match):
        region_weights(region, (2, 2), **kwargs)


@pytest.mark.parametrize(
    ("grid", "error", "match"),
    [
        ("8x8", TypeError, "`map_shape` to be a pair of ints.*Received: map_shape='8x8'"),
        ((8, 8.0), TypeError, r"map_shape=\(8, 8.0\)"),
        ((0, 8), ValueError, r"positive sizes. Received: map_shape=\(0, 8\)"),
    ],
)
def test_grid_shape_errors(grid, error, match):
    with pytest.raises(error, match=match):
        region_weights(np.ones((2, 2)), grid)


def test_check_box_and_title():
    assert check_box([0, 1, 4, 3], (3, 4)) == (0, 1, 4, 3)
    assert check_box(np.array([1, 2, 5, 4]), (10, 10)) == (1, 2, 5, 4)
    assert box_title((88, 59, 115, 70)) == "x 88..115, y 59..70"


@pytest.mark.parametrize(
    "box", [(2, 0, 2, 1), (3, 0, 1, 1), (0, 0, 5, 1), (-1, 0, 2, 1), (0, 2, 1, 4)]
)
def test_check_box_rejects_empty_or_outside(box):
    with pytest.raises(ValueError, match=r"0 <= x0 < x1 <= 4 and 0 <= y0 < y1 <= 3"):
        check_box(box, (3, 4))


@pytest.mark.parametrize("box", [(0, 0, 1), (0, 0, 1.5, 1), (0, 0, True, 1)])
def test_check_box_rejects_wrong_types(box):
    with pytest.raises(TypeError, match="Expected a box of four ints"):
        check_box(box, (3, 4))


def test_cell_blocks_are_cells_of_the_region_rule():
    np.testing.assert_array_equal(
        cell_blocks(np.arange(4).reshape(2, 2), (4, 4)),
        [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]],
    )
    # 3 pixels over 2 cells: pixel 1's centre (1.5) is where cell 1 begins.
    np.testing.assert_array_equal(cell_blocks(np.arange(2)[None, :], (1, 3)), [[0, 1, 1]])
    # Every pixel is drawn with the cell its centre lies in, and that cell is the one
    # region_weights gives most of the pixel (a pixel can straddle two cells).
    for image, grid in (((160, 160), (8, 8)), ((160, 160), (3, 3)), ((17, 23), (5, 7))):
        index = np.arange(grid[0] * grid[1]).reshape(grid)
        blocks = cell_blocks(index, image)
        for r, c in ((0, 0), (image[0] - 1, image[1] - 1), (image[0] // 2, image[1] // 3)):
            weights = region_weights((c, r, c + 1, r + 1), grid, image_shape=image)
            assert weights.ravel()[blocks[r, c]] == weights.max()


def test_cell_blocks_keep_channels_and_dtype():
    stack = np.arange(8, dtype=np.float32).reshape(2, 2, 2)
    blocks = cell_blocks(stack, (4, 2))
    assert blocks.shape == (4, 2, 2) and blocks.dtype == np.float32
    np.testing.assert_array_equal(blocks[:, 0, 1], [1, 1, 5, 5])
    with pytest.raises(ValueError, match=r"channel_map.shape=\(4,\)"):
        cell_blocks(np.zeros(4), (4, 4))


def test_grid_shape_still_works_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match=r"grid_shape=...\) is deprecated.*map_shape"):
        old = region_weights((0, 0, 3, 2), grid_shape=(2, 2), image_shape=(4, 4))
    np.testing.assert_array_equal(old, region_weights((0, 0, 3, 2), (2, 2), image_shape=(4, 4)))
    with pytest.raises(TypeError, match=r"missing `map_shape`"):
        region_weights((0, 0, 3, 2), image_shape=(4, 4))


def test_one_box_type_everywhere():
    from activations import Box
    from activations.datasets import EYE_CLOSED_BOX

    assert isinstance(check_box([1, 2, 5, 4], (10, 10)), Box)
    assert EYE_CLOSED_BOX == Box(x0=88, y0=59, x1=115, y1=70)
    assert Box.from_rows_cols(59, 70, 88, 115) == EYE_CLOSED_BOX
