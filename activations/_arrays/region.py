"""Where a region of the photo falls on an activation grid: one rule for the whole library.

Coordinates. Pixel (r, c) of an (H, W) photo is the unit square
``[r, r + 1) x [c, c + 1)``, its centre at ``(r + 0.5, c + 0.5)``. An (h, w)
activation grid spans the photo evenly: cell (i, j) is the rectangle
``[i * H / h, (i + 1) * H / h) x [j * W / w, (j + 1) * W / w)``, its centre at
``((i + 0.5) * H / h, (j + 0.5) * W / w)``. This is the centre-aligned
convention of :func:`activations.imresize` (and MATLAB's ``imresize``), so a
channel map resized to the photo lines up with a box drawn on the photo.
Receptive fields and padding are not modelled: the grid is simply laid over
the photo.

A box ``(x0, y0, x1, y1)`` is in photo pixels, x along columns, ends excluded:
columns ``x0 .. x1 - 1`` and rows ``y0 .. y1 - 1``, i.e. the rectangle
``[y0, y1) x [x0, x1)``, as ``image[y0:y1, x0:x1]``.

The rule. A region (a box, or a mask of the photo's size) becomes a weight map
on the grid: each cell's weight is the fraction of the cell's area that the
region covers, a float in [0, 1]. A box smaller than one cell still has
weight on the cells it overlaps, so it works on coarse layers too.
:func:`activations.compare_channels` takes weighted means with these weights
inside the region and with ``1 - weight`` outside it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, NamedTuple, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Box",
    "box_title",
    "cell_blocks",
    "check_box",
    "check_shape",
    "map_shape_argument",
    "region_weights",
]



class Box(NamedTuple):
    """A box of pixels, ``image[y0:y1, x0:x1]``: x along columns, ends excluded.

    The one box of the library: a region to compare (``region_weights``, the
    command line's ``--region``), a receptive field's patch
    (:meth:`ReceptiveField.patch`) and a top image's patch (:meth:`TopImages.patches`).

    Examples
    --------
    >>> box = Box(88, 59, 115, 70)
    >>> box.y1 - box.y0, box.x1 - box.x0
    (11, 27)
    """

    x0: int
    y0: int
    x1: int
    y1: int

    @classmethod
    def from_rows_cols(cls, r0: int, r1: int, c0: int, c1: int) -> Box:
        """The box of rows ``[r0, r1)`` and columns ``[c0, c1)``."""
        return cls(int(c0), int(r0), int(c1), int(r1))


# Weights this close to 0 or 1 are snapped to it: a fully covered cell weighs exactly 1.
_SNAP = 1e-12


def box_title(box: tuple[int, int, int, int]) -> str:
    """``"x 88..115, y 59..70"`` for the box (88, 59, 115, 70).

    Examples
    --------
    >>> box_title((88, 59, 115, 70))
    'x 88..115, y 59..70'
    """
    x0, y0, x1, y1 = box
    return f"x {x0}..{x1}, y {y0}..{y1}"


def map_shape_argument(map_shape: Any, kwargs: dict[str, Any], function: str) -> Any:
    """``map_shape``, or the deprecated ``grid_shape`` keyword it replaced."""
    if "grid_shape" in kwargs:
        warnings.warn(
            f"{function}(grid_shape=...) is deprecated; the activation map's (h, w) is "
            "`map_shape` everywhere. Received: grid_shape",
            DeprecationWarning,
            stacklevel=3,
        )
        if map_shape is not None:
            raise TypeError(f"{function}() got both `map_shape` and `grid_shape`")
        map_shape = kwargs.pop("grid_shape")
    if kwargs:
        raise TypeError(f"{function}() got unexpected keyword arguments {sorted(kwargs)}")
    if map_shape is None:
        raise TypeError(f"{function}() is missing `map_shape`, the activation map's (h, w)")
    return map_shape


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_box(box: Sequence[int], image_shape: tuple[int, int]) -> Box:
    """Check a box (x0, y0, x1, y1) in photo pixels: four ints, ends excluded, inside.

    Parameters
    ----------
    box : sequence of 4 ints
        ``(x0, y0, x1, y1)``: columns ``x0 .. x1 - 1``, rows ``y0 .. y1 - 1``.
    image_shape : (int, int)
        The photo's (rows, cols).

    Returns
    -------
    (int, int, int, int)
        The box as Python ints.

    Raises
    ------
    TypeError
        If ``box`` is not four ints.
    ValueError
        If the box is empty or not inside a photo of ``image_shape``.

    Examples
    --------
    >>> check_box([1, 2, 5, 4], (10, 10))
    Box(x0=1, y0=2, x1=5, y1=4)
    """
    if (
        isinstance(box, (str, bytes))
        or not isinstance(box, (Sequence, np.ndarray))
        or len(box) != 4
        or not all(_is_int(v) for v in box)
    ):
        raise TypeError(f"Expected a box of four ints x0,y0,x1,y1. Received: region={box!r}")
    x0, y0, x1, y1 = (int(v) for v in box)
    rows, cols = image_shape
    if not (0 <= x0 < x1 <= cols and 0 <= y0 < y1 <= rows):
        raise ValueError(
            f"Expected a region x0,y0,x1,y1 with 0 <= x0 < x1 <= {cols} and "
            f"0 <= y0 < y1 <= {rows} (pixels of the {rows}x{cols} image, ends excluded). "
            f"Received: region={x0},{y0},{x1},{y1}"
        )
    return Box(x0, y0, x1, y1)


def check_shape(shape: object, name: str) -> tuple[int, int]:
    if (
        isinstance(shape, (str, bytes))
        or not isinstance(shape, (Sequence, np.ndarray))
        or len(shape) != 2
        or not all(_is_int(n) for n in shape)
    ):
        raise TypeError(
            f"Expected `{name}` to be a pair of ints (rows, cols). Received: {name}={shape!r}"
        )
    if min(shape) < 1:
        raise ValueError(f"Expected `{name}` with positive sizes. Received: {name}={tuple(shape)}")
    return int(shape[0]), int(shape[1])


def _coverage(starts: NDArray, stops: NDArray, n_pixels: int, n_cells: int) -> NDArray:
    """(n_cells, len(starts)): fraction of each cell that [start, stop) covers.

    Positions are taken in cell units (``x * n_cells / n_pixels``), where cell
    i is exactly [i, i + 1), so a fully covered cell gives exactly 1.
    """
    lo = np.asarray(starts, np.float64) * n_cells / n_pixels
    hi = np.asarray(stops, np.float64) * n_cells / n_pixels
    cells = np.arange(n_cells, dtype=np.float64)[:, None]
    return np.clip(np.minimum(cells + 1, hi[None, :]) - np.maximum(cells, lo[None, :]), 0, 1)


def _snap(weights: NDArray[np.float64]) -> NDArray[np.float64]:
    weights = np.clip(weights, 0.0, 1.0)
    weights[weights < _SNAP] = 0.0
    weights[weights > 1.0 - _SNAP] = 1.0
    return weights


def _mask_array(mask: ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(mask)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            "Expected `region` to be a box (x0, y0, x1, y1) or a mask of bools or "
            f"weights in [0, 1]. Received: region.dtype={arr.dtype}"
        )
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(
            "Expected `region` to be a box (x0, y0, x1, y1) or a 2-D mask (rows, cols). "
            f"Received: region.shape={arr.shape}"
        )
    values = arr.astype(np.float64)
    if not np.isfinite(values).all() or values.min() < 0 or values.max() > 1:
        raise ValueError(
            "Expected a `region` mask of bools or weights in [0, 1]. "
            f"Received: region with values in [{values.min():g}, {values.max():g}]"
        )
    return values


def region_weights(
    region: Sequence[int] | ArrayLike,
    map_shape: tuple[int, int] | None = None,
    *,
    image_shape: tuple[int, int] | None = None,
    **deprecated: Any,
) -> NDArray[np.float64]:
    """Map a box or a photo-sized mask onto an activation grid, as cell weights.

    Each cell's weight is the fraction of its area that the region covers (see
    the module docstring for the coordinates): 1 for a cell wholly inside, 0
    for one wholly outside, and in between on the region's edges. A box
    smaller than one cell of a coarse grid gets fractional weights on the
    cells it overlaps instead of vanishing. :func:`compare_channels` uses the
    weights for its means inside (``weight``) and outside (``1 - weight``).

    Parameters
    ----------
    region : (x0, y0, x1, y1) or array_like of shape (H, W)
        A box in photo pixels (x along columns, ends excluded; needs
        ``image_shape``), or a mask of the photo: bools, or weights in [0, 1]
        (a pixel's weight is the fraction of it in the region). A mask of the
        grid's own shape is returned as it is (each cell is one pixel).
    map_shape : (int, int)
        The activation map's (h, w), e.g. ``act.shape[:2]`` (``grid_shape=``
        still works, with a DeprecationWarning).
    image_shape : (int, int), optional
        The photo's (H, W), e.g. ``image.shape[:2]``. Required for a box;
        for a mask it must match the mask's shape when given.

    Returns
    -------
    ndarray of shape (h, w), float64
        Weights in [0, 1]. A new array; ``region`` is never modified.

    Raises
    ------
    TypeError
        If the box is not four ints, a mask is not boolean or real, or a shape
        is not a pair of ints.
    ValueError
        If the box is empty or leaves the photo, a box comes without
        ``image_shape``, a mask is not 2-D, holds values outside [0, 1] or
        does not match ``image_shape``, or a size is not positive.

    Examples
    --------
    >>> region_weights((0, 0, 3, 2), (2, 2), image_shape=(4, 4))
    array([[1. , 0.5],
           [0. , 0. ]])
    >>> region_weights((1, 1, 2, 2), (1, 1), image_shape=(4, 4))  # 1 of 16 pixels
    array([[0.0625]])
    """
    map_shape = map_shape_argument(map_shape, deprecated, "region_weights")
    grid = check_shape(map_shape, "map_shape")
    if np.ndim(region) == 1:  # a box
        # 1-D: a list, tuple or array of the box's numbers; check_box checks them.
        box = cast(Sequence[int], region)
        if image_shape is None:
            raise ValueError(
                "Expected `image_shape` (the photo's rows, cols) with a box region: the "
                f"box is in photo pixels. Received: region={tuple(box)!r}, image_shape=None"
            )
        shape = check_shape(image_shape, "image_shape")
        x0, y0, x1, y1 = check_box(box, shape)
        rows = _coverage(np.array([y0]), np.array([y1]), shape[0], grid[0])[:, 0]
        cols = _coverage(np.array([x0]), np.array([x1]), shape[1], grid[1])[:, 0]
        return _snap(rows[:, None] * cols[None, :])
    mask = _mask_array(region)
    if image_shape is not None and check_shape(image_shape, "image_shape") != mask.shape:
        raise ValueError(
            f"Expected a `region` mask of the photo's shape {tuple(image_shape)}. "
            f"Received: region.shape={mask.shape}"
        )
    if mask.shape == grid:
        return mask.copy()
    pixels_r, pixels_c = np.arange(mask.shape[0]), np.arange(mask.shape[1])
    along_rows = _coverage(pixels_r, pixels_r + 1, mask.shape[0], grid[0])  # (h, H)
    along_cols = _coverage(pixels_c, pixels_c + 1, mask.shape[1], grid[1])  # (w, W)
    return _snap(along_rows @ mask @ along_cols.T)


def cell_blocks(channel_map: ArrayLike, image_shape: tuple[int, int]) -> NDArray:
    """A grid map enlarged to the photo as blocks: each pixel shows the cell its centre is in.

    Nearest-neighbour enlargement with the module's coordinates, so the block
    edges are the cell edges that :func:`region_weights` uses.

    Parameters
    ----------
    channel_map : array_like of shape (h, w) or (h, w, C)
    image_shape : (int, int)
        The photo's (H, W).

    Returns
    -------
    ndarray of shape (H, W) or (H, W, C), the dtype of ``channel_map``

    Examples
    --------
    >>> cell_blocks(np.arange(4).reshape(2, 2), (4, 4))
    array([[0, 0, 1, 1],
           [0, 0, 1, 1],
           [2, 2, 3, 3],
           [2, 2, 3, 3]])
    """
    arr = np.asarray(channel_map)
    if arr.ndim not in (2, 3):
        raise ValueError(
            "Expected `channel_map` of shape (h, w) or (h, w, C). "
            f"Received: channel_map.shape={arr.shape}"
        )
    rows, cols = check_shape(image_shape, "image_shape")
    h, w = arr.shape[:2]
    index_r = np.minimum(((np.arange(rows) + 0.5) * h // rows).astype(np.int64), h - 1)
    index_c = np.minimum(((np.arange(cols) + 0.5) * w // cols).astype(np.int64), w - 1)
    return arr[index_r[:, None], index_c[None, :]]
