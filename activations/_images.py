"""Read image files with Pillow and turn them into what a model takes."""

from __future__ import annotations

import logging
import math
import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

__all__ = [
    "box_cells",
    "box_mask",
    "box_title",
    "check_box",
    "fit_image",
    "photos_with_box",
    "read_image",
]

logger = logging.getLogger(__name__)

_GRAY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F")


def read_image(path: str | os.PathLike[str]) -> NDArray[np.uint8]:
    """Read a PNG, JPEG or any Pillow-readable file as a uint8 array.

    Grayscale files (with or without alpha, 8 or 16 bits) give one channel;
    everything else (palette, RGBA, CMYK, ...) is converted to RGB, the alpha
    channel dropped. Conversions are logged at INFO level.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    ndarray of shape (H, W, 1) or (H, W, 3), uint8

    Raises
    ------
    TypeError
        If ``path`` is not a path.
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If the file is not an image Pillow can read, or its header claims more
        pixels than ``PIL.Image.MAX_IMAGE_PIXELS`` (a decompression bomb: the
        check comes before any pixel is decoded).

    Examples
    --------
    >>> read_image("photo.png").shape  # doctest: +SKIP
    (160, 160, 3)
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"Expected `path` to be a path. Received: path={path!r}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No image file at '{path}'. Received: path='{path}'")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)  # checks the size in the header; decodes nothing
        with image:
            image.load()
            mode = image.mode
            target = "L" if mode in _GRAY_MODES else "RGB"
            if mode != target:
                logger.info("Converted %s from Pillow mode %s to %s", path.name, mode, target)
            if mode.startswith("I;16") or mode in ("I", "F"):
                array = _scale_to_uint8(np.asarray(image, dtype=np.float64))
            else:
                array = np.asarray(image.convert(target), dtype=np.uint8)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        claimed = re.search(r"\((\d+) pixels\)", str(error))  # Pillow: "Image size (N pixels)"
        size = f"{int(claimed[1]):,} pixels" if claimed else "too many pixels"
        raise ValueError(
            f"Could not read '{path}' as an image: its header claims {size}, more than the "
            f"{Image.MAX_IMAGE_PIXELS:,} that PIL.Image.MAX_IMAGE_PIXELS allows (a "
            f"decompression bomb?). Expected a smaller image. Received: path='{path}'"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValueError(
            f"Could not read '{path}' as an image: {error}. Expected a PNG or JPEG file. "
            f"Received: path='{path}'"
        ) from None
    return array[..., None] if array.ndim == 2 else array.copy()


def _scale_to_uint8(values: NDArray[np.float64]) -> NDArray[np.uint8]:
    top = 65535.0 if values.max(initial=0) > 255 else 255.0
    return np.clip(np.round(values * (255.0 / top)), 0, 255).astype(np.uint8)


def fit_image(
    image: NDArray[np.uint8],
    *,
    channels: int | None,
    size: tuple[int | None, int | None] | None,
    name: str = "image",
) -> NDArray[np.uint8]:
    """Convert a uint8 image to a model's channel count and fixed input size.

    Parameters
    ----------
    image : ndarray of shape (H, W, 1) or (H, W, 3), uint8
        As :func:`read_image` returns it. Never modified.
    channels : {1, 3} or None
        Channels the model takes: 1 averages RGB to gray (ITU-R 601 luma, as
        Pillow's ``"L"``), 3 repeats a gray channel. None keeps the image's.
    size : (rows, cols) or None
        The model's fixed input size; a None side keeps the image's. The image
        is resized with Pillow's bilinear filter (antialiased when shrinking).
    name : str, default "image"
        Name used in the log messages.

    Returns
    -------
    ndarray of shape (rows, cols, channels), uint8
        The image as the model sees it, before any scaling of its values.

    Raises
    ------
    ValueError
        If ``channels`` is not 1, 3 or None, or the image is not (H, W, 1|3).

    Examples
    --------
    >>> rgb = np.zeros((4, 6, 3), np.uint8)
    >>> fit_image(rgb, channels=1, size=(2, 3)).shape
    (2, 3, 1)
    """
    if image.ndim != 3 or image.shape[-1] not in (1, 3):
        raise ValueError(f"Expected an image of shape (H, W, 1|3). Received: shape={image.shape}")
    if channels not in (1, 3, None):
        raise ValueError(
            f"The model takes {channels}-channel inputs; only 1 (gray) and 3 (RGB) images "
            f"can be made from a file. Received: channels={channels}"
        )
    pil = Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image)
    if channels is not None and channels != image.shape[-1]:
        logger.info("Converted %s from %d to %d channels", name, image.shape[-1], channels)
        pil = pil.convert("L" if channels == 1 else "RGB")
    if size is not None:
        rows = size[0] or image.shape[0]
        cols = size[1] or image.shape[1]
        if (rows, cols) != image.shape[:2]:
            logger.info(
                "Resized %s from %dx%d to the model's input size %dx%d",
                name, image.shape[0], image.shape[1], rows, cols,
            )  # fmt: skip
            pil = pil.resize((cols, rows), Image.Resampling.BILINEAR)
    out = np.asarray(pil, dtype=np.uint8)
    return out[..., None] if out.ndim == 2 else out.copy()


Box = tuple[int, int, int, int]


def box_title(box: Box) -> str:
    """``"x 88..115, y 59..70"`` for the box (88, 59, 115, 70)."""
    x0, y0, x1, y1 = box
    return f"x {x0}..{x1}, y {y0}..{y1}"


def check_box(box: Sequence[int], image_hw: tuple[int, int]) -> Box:
    """Check a box (x0, y0, x1, y1) in image pixels: ends excluded, inside the image.

    Raises
    ------
    TypeError
        If ``box`` is not four ints.
    ValueError
        If the box is empty or not inside an image of ``image_hw`` (rows, cols).

    Examples
    --------
    >>> check_box([1, 2, 5, 4], (10, 10))
    (1, 2, 5, 4)
    """
    if len(box) != 4 or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in box
    ):
        raise TypeError(f"Expected a box of four ints x0,y0,x1,y1. Received: region={box!r}")
    x0, y0, x1, y1 = (int(v) for v in box)
    rows, cols = image_hw
    if not (0 <= x0 < x1 <= cols and 0 <= y0 < y1 <= rows):
        raise ValueError(
            f"Expected a region x0,y0,x1,y1 with 0 <= x0 < x1 <= {cols} and "
            f"0 <= y0 < y1 <= {rows} (pixels of the {rows}x{cols} image, ends excluded). "
            f"Received: region={x0},{y0},{x1},{y1}"
        )
    return x0, y0, x1, y1


def box_mask(box: Box, image_hw: tuple[int, int], grid_hw: tuple[int, int]) -> NDArray[np.bool_]:
    """The box as a boolean mask for ``compare_channels`` on a (h, w) activation grid.

    At image size, or at a whole multiple of it when the image is smaller than
    the grid (``compare_channels`` needs a mask at least as large as the grid).

    Examples
    --------
    >>> box_mask((1, 0, 3, 1), (2, 4), (2, 2)).astype(int)
    array([[0, 1, 1, 0],
           [0, 0, 0, 0]])
    """
    factor = max(1, math.ceil(max(grid_hw[0] / image_hw[0], grid_hw[1] / image_hw[1])))
    x0, y0, x1, y1 = (v * factor for v in box)
    mask = np.zeros((image_hw[0] * factor, image_hw[1] * factor), dtype=bool)
    mask[y0:y1, x0:x1] = True
    return mask


def box_cells(box: Box, image_hw: tuple[int, int], grid_hw: tuple[int, int]) -> NDArray[np.bool_]:
    """Cells of a (h, w) grid over the image that the box covers at least half of.

    The rule ``compare_channels`` applies to a mask at image size.

    Examples
    --------
    >>> box_cells((0, 0, 3, 2), (4, 4), (2, 2)).astype(int)
    array([[1, 1],
           [0, 0]])
    """
    x0, y0, x1, y1 = box
    rows = _covered(y0, y1, image_hw[0], grid_hw[0])
    cols = _covered(x0, x1, image_hw[1], grid_hw[1])
    return rows[:, None] * cols[None, :] >= 0.5 - 1e-9


def _covered(start: int, stop: int, pixels: int, cells: int) -> NDArray[np.float64]:
    # Fraction of each cell [i, i + 1) * pixels / cells that [start, stop) covers.
    edges = np.arange(cells + 1) * (pixels / cells)
    overlap = np.minimum(edges[1:], stop) - np.maximum(edges[:-1], start)
    return np.clip(overlap, 0.0, None) / (pixels / cells)


def photos_with_box(
    images: Sequence[NDArray], box: tuple[int, int, int, int] | None, *, scale: int = 1
) -> NDArray[np.uint8]:
    """Photos side by side, enlarged ``scale`` times, with ``box`` drawn in red on each.

    Parameters
    ----------
    images : sequence of ndarray of shape (H, W, 1|3), uint8
        Photos of the same height.
    box : (x0, y0, x1, y1) or None
        In the photos' pixels, ends excluded; None draws no box.
    scale : int, default 1

    Returns
    -------
    ndarray of shape (H * scale, W_total, 3), uint8
        With a 12-px white gap between the photos.
    """
    from PIL import ImageDraw

    tiles = []
    for photo in images:
        pil = Image.fromarray(photo[..., 0] if photo.shape[-1] == 1 else photo).convert("RGB")
        pil = pil.resize((pil.width * scale, pil.height * scale), Image.Resampling.NEAREST)
        if box is not None:
            x0, y0, x1, y1 = (v * scale for v in box)
            ImageDraw.Draw(pil).rectangle((x0, y0, x1 - 1, y1 - 1), outline=(230, 0, 0), width=2)
        tiles.append(np.asarray(pil))
    gap = np.full((tiles[0].shape[0], 12, 3), 255, np.uint8)
    parts = [part for tile in tiles for part in (gap, tile)][1:]
    return np.concatenate(parts, axis=1)
