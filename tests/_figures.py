"""Helpers of the figure tests: render a figure to pixels, find a data point's pixel."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def rendered(fig) -> np.ndarray:
    """The figure as saved (PNG at its own dpi, no tight bbox), (rows, cols, 3) uint8."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    buffer.seek(0)
    with Image.open(buffer) as image:
        return np.asarray(image.convert("RGB"))


def pixel_of(ax, x: float, y: float, pixels: np.ndarray) -> tuple[int, int]:
    """(row, col) in ``rendered(fig)`` of the data point (x, y) of ``ax``."""
    px, py = ax.transData.transform((x, y))
    return int(round(pixels.shape[0] - py)), int(round(px))


def is_red_near(pixels: np.ndarray, row: int, col: int, radius: int = 2) -> bool:
    """Whether a pixel within ``radius`` of (row, col) is the region's red."""
    patch = pixels[row - radius : row + radius + 1, col - radius : col + radius + 1].astype(int)
    red = (patch[..., 0] > 180) & (patch[..., 1] < 80) & (patch[..., 2] < 80)
    return bool(red.any())
