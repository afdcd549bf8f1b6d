"""The explorer's PNG files: montages the page cuts tiles out of, kernels, thumbnails.

Every picture of many small ones is one PNG on a row-major grid without
borders (``imtile``), so a site of thousands of channels stays a few hundred
files; ``explorer.js`` cuts a tile out with CSS ``background-position``. File
names are indices, never names from the model or the data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from activations._arrays.normalize import mat2gray
from activations._arrays.tile import grid_shape, imtile

__all__ = ["THUMB_SIDE", "kernel_rows", "montage", "save_png", "thumbnails"]

#: Longest side of an image in the embedding's sprite of thumbnails.
THUMB_SIDE = 48


def save_png(pixels: NDArray, path: Path) -> None:
    """Write ``pixels`` (uint8, or floats in 0..1) of shape (H, W) or (H, W, 1|3) as a PNG."""
    array = np.asarray(pixels)
    if array.dtype != np.uint8:
        array = np.round(np.clip(array, 0, 1) * 255).astype(np.uint8)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def montage(tiles: NDArray, path: Path) -> list[int]:
    """Tile ``tiles`` of shape (T, H, W) or (T, H, W, 1|3) into one PNG; its [rows, cols].

    MATLAB's roughly square grid, filled row by row, no borders.
    """
    grid = grid_shape(len(tiles), tiles.shape[1:3])
    save_png(imtile(_squeezed(tiles), grid_size=grid), path)
    return [int(grid[0]), int(grid[1])]


def kernel_rows(kernel: NDArray[np.float32], path: Path) -> dict[str, int]:
    """Each output channel's kernel as a picture, stacked top to bottom in one PNG.

    A kernel of 1 or 3 input channels is one gray or colour picture (MATLAB's
    first-layer weights figure); with more inputs, one gray picture per input
    channel on a roughly square grid, a white pixel between them. Each output
    channel has its own gray scale (``mat2gray`` of its kernel).

    Parameters
    ----------
    kernel : ndarray of shape (KH, KW, C_in, C_out)
    path : Path

    Returns
    -------
    dict
        ``{"rows": C_out, "h": ..., "w": ..., "inputs": C_in}``: one block's
        size in pixels, and how many input channels it shows.
    """
    kh, kw, c_in, c_out = kernel.shape
    scaled = np.stack([mat2gray(kernel[..., c]) for c in range(c_out)])  # (C_out, KH, KW, C_in)
    if c_in in (1, 3):
        blocks = scaled[..., 0] if c_in == 1 else scaled
    else:
        rows, cols = grid_shape(c_in, (kh, kw))
        blocks = np.ones((c_out, rows * (kh + 1) - 1, cols * (kw + 1) - 1), np.float32)
        for i in range(c_in):
            r, c = divmod(i, cols)
            top, left = r * (kh + 1), c * (kw + 1)
            blocks[:, top : top + kh, left : left + kw] = scaled[..., i]
    save_png(np.concatenate(list(blocks), axis=0), path)
    return {"rows": c_out, "h": int(blocks.shape[1]), "w": int(blocks.shape[2]), "inputs": c_in}


def thumbnails(images: NDArray[np.uint8], path: Path) -> dict[str, int]:
    """A sprite of ``images`` (N, H, W, C) shrunk to at most :data:`THUMB_SIDE` a side.

    Returns ``{"rows", "cols", "h", "w"}``: the grid and one thumbnail's size.
    """
    n, h, w = images.shape[:3]
    factor = min(1.0, THUMB_SIDE / max(h, w))
    th, tw = max(1, round(h * factor)), max(1, round(w * factor))
    grid = grid_shape(n, (th, tw))
    size = None if (th, tw) == (h, w) else (th, tw)
    save_png(imtile(_squeezed(images), grid_size=grid, thumbnail_size=size), path)
    return {"rows": int(grid[0]), "cols": int(grid[1]), "h": th, "w": tw}


def _squeezed(frames: NDArray) -> NDArray:
    """(T, H, W, 1) as (T, H, W): the gray frames ``imtile`` takes."""
    return frames[..., 0] if frames.ndim == 4 and frames.shape[-1] == 1 else frames
