"""``imtile``: tile frames into one image, as MATLAB's ``imtile``."""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from skimage.util import montage

from activations._arrays.resize import imresize

__all__ = ["grid_shape", "imtile"]

logger = logging.getLogger(__name__)


def _frame_list(frames: ArrayLike | Sequence[ArrayLike | None], frame_axis: int) -> list:
    """Split the input into a list of frames (ndarray or None for a blank tile)."""
    if isinstance(frames, (list, tuple)):
        items = [None if f is None else np.asarray(f) for f in frames]
    else:
        stack = np.asarray(frames)
        if stack.ndim not in (3, 4):
            raise ValueError(
                "Expected an array of frames with 3 or 4 dimensions (or a list of images). "
                f"Received: frames.shape={stack.shape}"
            )
        if isinstance(frame_axis, bool) or not isinstance(frame_axis, (int, np.integer)):
            raise TypeError(f"Expected `frame_axis` to be an int. Received: {frame_axis=}")
        if not -stack.ndim <= frame_axis < stack.ndim:
            raise ValueError(
                f"Expected `frame_axis` in [{-stack.ndim}, {stack.ndim - 1}] for frames of "
                f"shape {stack.shape}. Received: {frame_axis=}"
            )
        items = list(np.moveaxis(stack, frame_axis, 0))
    if not any(f is not None for f in items):
        raise ValueError(f"Expected at least one frame. Received: {len(items)} frames, none set")
    for i, f in enumerate(items):
        if f is None:
            continue
        if f.dtype.kind not in "biuf":
            raise TypeError(f"Expected real-valued frames. Received: frame {i} dtype={f.dtype}")
        if not (f.ndim == 2 or (f.ndim == 3 and f.shape[2] in (1, 3))) or 0 in f.shape:
            raise ValueError(
                "Expected each frame to be (H, W), (H, W, 1) or (H, W, 3); for the channels "
                "of one (H, W, C) activation pass frame_axis=-1, for a batch act[0]. "
                f"Received: frame {i} shape={f.shape}"
            )
        if f.ndim == 3 and f.shape[2] == 1:
            items[i] = f[..., 0]
    return items


def _pair(value: object, name: str, *, allow_none: bool, minimum: int) -> tuple:
    """Validate an int or an (int, int) pair (entries may be None if allowed)."""
    pair = (value, value) if isinstance(value, numbers.Integral) else value
    if isinstance(pair, (str, bytes)) or not isinstance(pair, (Sequence, np.ndarray)):
        raise TypeError(f"Expected `{name}` to be an int or a pair. Received: {name}={value!r}")
    if len(pair) != 2:
        raise ValueError(f"Expected `{name}` to be a pair. Received: {name}={value!r}")
    for v in pair:
        if v is None and allow_none:
            continue
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < minimum:
            raise ValueError(
                f"Expected `{name}` entries to be integers >= {minimum}"
                f"{' or None' if allow_none else ''}. Received: {name}={value!r}"
            )
    return tuple(None if v is None else int(v) for v in pair)


def _square_cols(n: int, cell_h: int, cell_w: int) -> int:
    """Columns that make ``n`` cells of ``cell_h x cell_w`` pixels roughly square.

    ``ceil(sqrt(n * cell_h / cell_w))`` in exact integer arithmetic (the least
    ``c`` with ``c**2 * cell_w >= n * cell_h``), at most ``n``: for square
    cells it is ``ceil(sqrt(n))``.
    """
    cols = math.isqrt(n * cell_h // cell_w)
    while cols * cols * cell_w < n * cell_h:
        cols += 1
    return max(1, min(cols, n))


def grid_shape(
    n: int, cell_hw: tuple[int, int] = (1, 1), *, exact_split: bool = False
) -> tuple[int, int]:
    """(rows, cols) for ``n`` cells of ``cell_hw`` pixels: a roughly square picture.

    MATLAB's ``imtile`` rule: ``cols = ceil(sqrt(n * h / w))``, ``rows =
    ceil(n / cols)``. With ``exact_split`` (the figures of :mod:`activations.plot`)
    a grid that ``n`` fills exactly is preferred when its picture is at most
    twice as wide as tall or the reverse: 32 square tiles give 4 x 8 rather
    than 6 x 6 with four blanks; 7 tiles still give 3 x 3, never a 1 x 7 strip.

    Examples
    --------
    >>> grid_shape(16), grid_shape(16, (2, 8)), grid_shape(32, exact_split=True)
    ((4, 4), (8, 2), (4, 8))
    """
    cell_h, cell_w = cell_hw
    if exact_split:
        splits = [(r, n // r) for r in range(1, n + 1) if n % r == 0]
        # How far from square each picture is; ties go to the wider one.
        ranked = sorted(
            splits, key=lambda rc: (abs(math.log(rc[1] * cell_w / (rc[0] * cell_h))), rc[0])
        )
        rows, cols = ranked[0]
        if 0.5 <= cols * cell_w / (rows * cell_h) <= 2:
            return rows, cols
    cols = _square_cols(n, cell_h, cell_w)
    return math.ceil(n / cols), cols


def _grid(
    grid_size: Sequence[int | None] | None, n: int, cell_hw: tuple[int, int]
) -> tuple[int, int]:
    """(rows, cols): a roughly square picture by default, a None computed from the other."""
    rows, cols = (None, None) if grid_size is None else grid_size
    if rows is None and cols is None:
        rows, cols = grid_shape(n, cell_hw)
    elif rows is None:
        assert cols is not None  # narrowing for the type checker: only rows is None here
        rows = math.ceil(n / cols)
    elif cols is None:
        cols = math.ceil(n / rows)
    if rows * cols < n:
        raise ValueError(
            f"Expected a grid with room for all {n} frames; use None for one side to compute "
            f"it, or pass fewer frames (e.g. frames[:{rows * cols}]). "
            f"Received: grid_size={grid_size!r}"
        )
    logger.debug("imtile: %d frames on a %d x %d grid of %d x %d cells", n, rows, cols, *cell_hw)
    return rows, cols


def _background(color: object, dtype: np.dtype) -> NDArray:
    """The background as a (1,) or (3,) array of ``dtype``; checks it is representable."""
    values = np.atleast_1d(np.asarray(color))
    if values.dtype.kind not in "biuf" or values.ndim != 1:
        raise TypeError(
            f"Expected `background_color` to be a number or an RGB triple. Received: {color!r}"
        )
    if values.shape[0] not in (1, 3):
        raise ValueError(
            f"Expected `background_color` to be a number or an RGB triple. Received: {color!r}"
        )
    cast = values.astype(dtype)
    if not np.array_equal(cast.astype(np.float64), values.astype(np.float64)):
        raise ValueError(
            f"Expected `background_color` representable in the frames' dtype {dtype}. "
            f"Received: background_color={color!r}"
        )
    return cast


def imtile(
    frames: ArrayLike | Sequence[ArrayLike | None],
    *,
    grid_size: Sequence[int | None] | None = None,
    border_size: int | Sequence[int] = 0,
    background_color: float | Sequence[float] = 0.0,
    thumbnail_size: Sequence[int | None] | None = None,
    frame_axis: int = 0,
) -> NDArray:
    """Tile frames into one image, as MATLAB's ``imtile``.

    Frames fill the grid row by row. Frames of different sizes are placed
    top-left in cells the size of the largest frame (MATLAB resizes them to the
    first frame's size instead; pass ``thumbnail_size`` for that). A grid too
    small for all frames is an error rather than a silent cut: slice the frames
    to show a subset (MATLAB's ``Frames`` option).

    Parameters
    ----------
    frames : ndarray or list of ndarray
        An array whose frames lie along ``frame_axis``: (K, H, W) grayscale,
        (K, H, W, 3) RGB, or with ``frame_axis=-1`` the channels of an (H, W, C)
        activation. Or a list of (H, W), (H, W, 1) or (H, W, 3) images, whose
        sizes may differ; a None entry is a blank tile. Never modified.
    grid_size : pair of (int or None), optional
        ``(rows, cols)``. By default the tiled picture is roughly square in
        pixels, as MATLAB's: for K cells of ``h x w`` pixels (the largest
        frame plus borders), ``cols = ceil(sqrt(K * h / w))`` (at most K) and
        ``rows = ceil(K / cols)``, so square frames give ``cols = ceil(sqrt(K))``
        and 16 frames of 2 x 8 a 16 x 16 picture (8 rows, 2 columns). A None
        entry is computed from the other (MATLAB's NaN), an int ``n`` means
        ``(n, n)``.
    border_size : int or pair of int, default 0
        Padding, in pixels, around each frame (``(rows, cols)`` for different
        top/bottom and left/right widths), as MATLAB's ``BorderSize``: adjacent
        frames are ``2 * border_size`` apart and ``border_size`` from the edge.
    background_color : float or RGB triple, default 0.0
        Fills borders, unused cells and the space around smaller frames. A
        triple makes the output RGB. Must be representable in the frames'
        dtype (e.g. an integer for uint8 frames).
    thumbnail_size : pair of (int or None), optional
        Resize every frame to ``(h, w)`` first, with :func:`imresize`
        ("bilinear", "nearest" for bool) cast back to the frames' dtype
        (integers rounded); a None entry keeps each frame's aspect ratio, an
        int ``n`` means ``(n, n)``.
    frame_axis : int, default 0
        Axis of ``frames`` that indexes the frames (arrays only).

    Returns
    -------
    ndarray of shape (rows * h_cell, cols * w_cell) or (..., 3)
        Grayscale if every frame is grayscale and the background a scalar,
        else RGB (grayscale frames are repeated into 3 channels). The dtype is
        the frames' dtype (a common NumPy type if they differ, values unscaled).

    Raises
    ------
    TypeError
        If frames are not real-valued, or an option has a wrong type.
    ValueError
        If there are no frames, a frame is not (H, W), (H, W, 1) or (H, W, 3),
        the grid cannot hold every frame, or an option has a wrong value.

    Examples
    --------
    >>> import numpy as np
    >>> imtile(np.arange(12).reshape(3, 2, 2))
    array([[ 0,  1,  4,  5],
           [ 2,  3,  6,  7],
           [ 8,  9,  0,  0],
           [10, 11,  0,  0]])
    >>> imtile(np.arange(8).reshape(2, 2, 2), frame_axis=-1, border_size=1, background_color=-1)
    array([[-1, -1, -1, -1, -1, -1, -1, -1],
           [-1,  0,  2, -1, -1,  1,  3, -1],
           [-1,  4,  6, -1, -1,  5,  7, -1],
           [-1, -1, -1, -1, -1, -1, -1, -1]])
    """
    items = _frame_list(frames, frame_axis)
    present = [f for f in items if f is not None]
    dtype = np.result_type(*present)
    grid = None if grid_size is None else _pair(grid_size, "grid_size", allow_none=True, minimum=1)
    border = _pair(border_size, "border_size", allow_none=False, minimum=0)
    bg = _background(background_color, dtype)
    if thumbnail_size is not None:
        size = _pair(thumbnail_size, "thumbnail_size", allow_none=True, minimum=1)
        items = [None if f is None else _thumbnail(f, size, dtype) for f in items]
    rgb = bg.shape[0] == 3 or any(f is not None and f.ndim == 3 for f in items)
    cells = _cells(items, border, bg, 3 if rgb else 1, dtype)
    rows, cols = _grid(grid, len(items), cells.shape[1:3])
    # A tuple, not an array: montage compares `fill == "mean"` (ambiguous for arrays).
    fill = tuple(np.broadcast_to(bg, cells.shape[-1:]).tolist())
    out = montage(cells, fill=fill, grid_shape=(rows, cols), channel_axis=-1)
    return out if rgb else out[..., 0]


def _cells(items: list, border: tuple, bg: NDArray, n_chan: int, dtype: np.dtype) -> NDArray:
    """Paste each frame top-left, inside its border, into a background-filled cell.

    skimage's ``montage`` lays out equal-size cells with one fill value but knows
    no per-frame border (its ``padding_width`` puts one width between tiles, not
    MATLAB's padding around each), no frames of different sizes and no blank
    tiles, so the cells are built here and ``montage`` only arranges them.
    """
    cell_h = max(f.shape[0] for f in items if f is not None) + 2 * border[0]
    cell_w = max(f.shape[1] for f in items if f is not None) + 2 * border[1]
    cells = np.empty((len(items), cell_h, cell_w, n_chan), dtype=dtype)
    cells[...] = bg
    for cell, frame in zip(cells, items, strict=True):
        if frame is not None:
            h, w = frame.shape[:2]
            cell[border[0] : border[0] + h, border[1] : border[1] + w] = frame.reshape(h, w, -1)
    return cells


def _thumbnail(frame: NDArray, size: tuple, dtype: np.dtype) -> NDArray:
    """Resize one frame and cast it back to ``dtype`` (rounding and clipping integers)."""
    resized = imresize(frame, size, method="nearest" if dtype == np.bool_ else "bilinear")
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        resized = np.clip(np.rint(resized), info.min, info.max)
    return resized.astype(dtype, copy=False)
