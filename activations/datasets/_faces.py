"""The face portraits: the astronaut's face, and the same face with one eye closed.

Both are read from PNGs shipped in ``activations/data`` and made by
``scripts/make_face_images.py`` from ``skimage.data.astronaut()`` (Eileen
Collins, NASA, public domain): a square crop around her face (astronaut()
pixels x 144..303, y 38..197), and the same crop with the eye on the image's
right (her left eye) inpainted and drawn closed inside ``EYE_CLOSED_BOX``.
Outside that box the two images are identical.
"""

from __future__ import annotations

import importlib.resources

import numpy as np
from numpy.typing import NDArray
from PIL import Image

__all__ = ["EYE_CLOSED_BOX", "eye_closed_region", "face", "face_eye_closed"]

EYE_CLOSED_BOX = (88, 59, 115, 70)
"""Box (x0, y0, x1, y1) of the closed eye in face pixels, x along columns, end excluded."""

_FACE_SHAPE = (160, 160, 3)


def face() -> NDArray[np.uint8]:
    """The astronaut's face: a square RGB portrait with both eyes open.

    Returns
    -------
    ndarray of shape (160, 160, 3), uint8
        A new array on each call.

    Examples
    --------
    >>> image = face()
    >>> image.shape, image.dtype
    ((160, 160, 3), dtype('uint8'))
    """
    return _read("face.png")


def face_eye_closed() -> NDArray[np.uint8]:
    """The same portrait as :func:`face` with the eye on the image's right closed.

    The two images differ only inside ``EYE_CLOSED_BOX``.

    Returns
    -------
    ndarray of shape (160, 160, 3), uint8
        A new array on each call.

    Examples
    --------
    >>> x0, y0, x1, y1 = EYE_CLOSED_BOX
    >>> changed = np.any(face() != face_eye_closed(), axis=-1)
    >>> bool(changed[y0:y1, x0:x1].any()), int(changed.sum() - changed[y0:y1, x0:x1].sum())
    (True, 0)
    """
    return _read("face_eye_closed.png")


def eye_closed_region(shape: tuple[int, int] | None = None) -> NDArray[np.bool_]:
    """Mask of the closed eye's box, in face pixels or on a coarser grid.

    The face's (H, W) pixels are mapped uniformly onto a grid of ``shape``
    (an activation map's height and width): a grid cell is in the region
    when the pixels it covers overlap ``EYE_CLOSED_BOX``.

    Parameters
    ----------
    shape : (int, int) or None, default None
        Grid (height, width). ``None`` gives the mask in face pixels, (160, 160).

    Returns
    -------
    ndarray of shape ``shape``, bool

    Raises
    ------
    TypeError
        If ``shape`` is not a pair of ints.
    ValueError
        If a size is not positive.

    Examples
    --------
    >>> region = eye_closed_region((8, 8))
    >>> np.argwhere(region).tolist()
    [[2, 4], [2, 5], [3, 4], [3, 5]]
    """
    if shape is None:
        shape = _FACE_SHAPE[:2]
    if (
        not isinstance(shape, (tuple, list))
        or len(shape) != 2
        or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in shape)
    ):
        raise TypeError(
            f"`shape` should be a pair of ints (height, width). Received: shape={shape!r}"
        )
    if min(shape) < 1:
        raise ValueError(f"`shape` should hold positive sizes. Received: shape={tuple(shape)}")
    x0, y0, x1, y1 = EYE_CLOSED_BOX
    rows = _overlap(shape[0], _FACE_SHAPE[0], y0, y1)
    cols = _overlap(shape[1], _FACE_SHAPE[1], x0, x1)
    return rows[:, None] & cols[None, :]


def _overlap(cells: int, pixels: int, start: int, stop: int) -> NDArray[np.bool_]:
    # Cell i covers pixels [i * pixels / cells, (i + 1) * pixels / cells).
    edges = np.arange(cells + 1) * (pixels / cells)
    return (edges[:-1] < stop) & (edges[1:] > start)


def _read(name: str) -> NDArray[np.uint8]:
    resource = importlib.resources.files("activations") / "data" / name
    with resource.open("rb") as file, Image.open(file) as image:
        return np.array(image.convert("RGB"), dtype=np.uint8)
