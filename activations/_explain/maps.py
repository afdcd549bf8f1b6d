"""What the explanations do with their maps: the unexplained blanked, then the resize.

Shared by :func:`activations.gradcam` and :func:`activations.occlusion_sensitivity`,
so both follow one rule: an image whose class score (or map) is not finite has
no explanation; its map is all NaN and one warning names such images.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import NDArray

from activations._arrays.resize import imresize

__all__ = ["blank_unexplained", "finite_rows", "to_size"]

#: How many image indices a warning lists before "...".
SHOWN = 10


def finite_rows(scores: NDArray, labels: NDArray | None) -> NDArray[np.bool_]:
    """Whether each image's explained score is finite, shape (N,).

    With ``labels`` the score of each image's class; without (the predicted
    class), every class's score, since the argmax of a row with NaN is no class.
    """
    if labels is None:
        return np.isfinite(scores).all(axis=1)
    return np.isfinite(scores[np.arange(len(scores)), labels])


def blank_unexplained(maps: NDArray, ok: NDArray[np.bool_], what: str) -> NDArray:
    """``maps`` (N, ...) with the maps of images not ``ok`` or not finite set to NaN.

    Warns once (``RuntimeWarning``) naming the images, in place on ``maps``
    (the caller's own new array); returns it.
    """
    bad = ~(ok & np.isfinite(maps.reshape(len(maps), -1)).all(axis=1))
    if bad.any():
        maps[bad] = np.nan
        which = np.flatnonzero(bad)
        shown = ", ".join(map(str, which[:SHOWN])) + (", ..." if len(which) > SHOWN else "")
        warnings.warn(
            f"{what}: {len(which)} of {len(maps)} images have a class score that is not "
            f"finite (NaN or inf), or a map that is not: images [{shown}]. Their maps are "
            "all NaN (no explanation); check those images and the model's output for them.",
            RuntimeWarning,
            stacklevel=3,
        )
    return maps


def to_size(maps: NDArray, hw: tuple[int, int], method: str) -> NDArray[np.float32]:
    """(N, h, w) maps resized to (N, *hw) with :func:`imresize`; NaN maps stay all NaN."""
    if maps.shape[1:] == tuple(hw):
        return np.ascontiguousarray(maps, dtype=np.float32)
    blank = np.isnan(maps.reshape(len(maps), -1)).any(axis=1)
    finite = np.where(blank[:, None, None], np.float32(0), maps) if blank.any() else maps
    stack = imresize(np.moveaxis(finite, 0, -1), tuple(hw), method=method)  # all at once
    out = np.ascontiguousarray(np.moveaxis(stack.reshape(*hw, -1), -1, 0), dtype=np.float32)
    out[blank] = np.nan
    return out
