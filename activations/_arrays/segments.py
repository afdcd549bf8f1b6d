"""Image features for LIME: a grid of near-square cells, or SLIC superpixels.

MATLAB's ``imageLIME`` splits the image into about ``NumFeatures`` features,
either a regular grid ("grid") or superpixels ("superpixels", its
``superpixels`` function, which is SLIC). Each returns an integer label per
pixel, from 0, every label used.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = ["grid_shape", "grid_segments", "superpixel_segments"]

#: SLIC's compactness: 10 in CIELAB (L in 0..100) for RGB, the same weight on [0, 1] data.
COMPACTNESS_LAB = 10.0
COMPACTNESS_UNIT = 0.1


def grid_shape(hw: tuple[int, int], num_features: int) -> tuple[int, int]:
    """The (rows, cols) of a grid of about ``num_features`` near-square cells.

    Rows and columns follow the image's aspect ratio, each at least 1 and at
    most the image's size; rows x cols may differ from ``num_features``.

    Examples
    --------
    >>> grid_shape((160, 160), 49), grid_shape((100, 200), 50), grid_shape((4, 4), 100)
    ((7, 7), (5, 10), (4, 4))
    """
    h, w = hw
    rows = min(h, max(1, round(math.sqrt(num_features * h / w))))
    cols = min(w, max(1, round(num_features / rows)))
    return rows, cols


def grid_segments(hw: tuple[int, int], num_features: int) -> NDArray[np.intp]:
    """(H, W) labels of the :func:`grid_shape` cells, row by row from the top left.

    Cell edges are spread evenly (``floor(i * H / rows)``), so cells differ
    in size by at most one pixel.

    Examples
    --------
    >>> grid_segments((4, 6), 6)
    array([[0, 0, 1, 1, 2, 2],
           [0, 0, 1, 1, 2, 2],
           [3, 3, 4, 4, 5, 5],
           [3, 3, 4, 4, 5, 5]])
    """
    rows, cols = grid_shape(hw, num_features)
    row = np.arange(hw[0]) * rows // hw[0]
    col = np.arange(hw[1]) * cols // hw[1]
    return (row[:, None] * cols + col[None, :]).astype(np.intp)


def superpixel_segments(image: NDArray, num_features: int) -> NDArray[np.intp]:
    """(H, W) labels of about ``num_features`` SLIC superpixels of one (H, W, C) image.

    The image is scaled to [0, 1] first (SLIC's colour distances depend on
    the range); an RGB image is segmented in CIELAB with compactness 10, as
    scikit-image and MATLAB's ``superpixels`` default to; other channel counts
    on the scaled values with compactness 0.1 (the same weight relative to the
    range: CIELAB's L spans 0..100). Labels are renumbered 0..F-1.

    Examples
    --------
    >>> image = np.zeros((16, 16, 1)); image[:, 8:] = 1.0
    >>> labels = superpixel_segments(image, 4)
    >>> int(labels.max()) + 1, all(np.ptp(image[labels == k]) == 0 for k in range(4))
    (4, True)
    """
    from skimage.segmentation import slic

    data = np.asarray(image, np.float64)
    low, high = float(data.min()), float(data.max())
    scaled = (data - low) / (high - low) if high > low else np.zeros_like(data)
    rgb = data.shape[-1] == 3
    labels = slic(
        scaled,
        n_segments=num_features,
        compactness=COMPACTNESS_LAB if rgb else COMPACTNESS_UNIT,
        channel_axis=-1,
        convert2lab=rgb,
        start_label=0,
        enforce_connectivity=True,
    )
    _, dense = np.unique(labels, return_inverse=True)
    return dense.reshape(labels.shape).astype(np.intp)
