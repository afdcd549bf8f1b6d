"""The face portraits: the astronaut's face, and the same face with one eye closed.

Both are read from PNGs shipped in ``activations/data`` and made by
``data/make_face_images.py`` from ``skimage.data.astronaut()`` (Eileen
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

from activations._arrays.region import Box, check_shape, region_weights

__all__ = ["EYE_CLOSED_BOX", "eye_closed_region", "face", "face_eye_closed"]

EYE_CLOSED_BOX = Box(88, 59, 115, 70)
"""The closed eye in face pixels: a :class:`activations.Box` (x0, y0, x1, y1), ends excluded."""

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


def eye_closed_region(shape: tuple[int, int] | None = None) -> NDArray[np.float64]:
    """The closed eye's box as weights, in face pixels or on an activation grid.

    ``region_weights(EYE_CLOSED_BOX, shape, image_shape=(160, 160))``: each cell
    of the grid is weighted by the fraction of it the box covers (see
    :func:`activations.region_weights` for the coordinates), the rule that
    :func:`activations.compare_channels`, ``activations compare`` and the
    report apply to a box.

    Parameters
    ----------
    shape : (int, int) or None, default None
        Grid (height, width), e.g. ``act.shape[:2]``. ``None`` gives the mask
        in face pixels, (160, 160): 1 inside the box, 0 outside.

    Returns
    -------
    ndarray of shape ``shape``, float64
        Weights in [0, 1].

    Raises
    ------
    TypeError
        If ``shape`` is not a pair of ints.
    ValueError
        If a size is not positive.

    Examples
    --------
    >>> eye_closed_region((8, 8))[2:4, 4:6]  # the box covers parts of 4 cells
    array([[0.03  , 0.0375],
           [0.3   , 0.375 ]])
    """
    grid = _FACE_SHAPE[:2] if shape is None else check_shape(shape, "shape")
    return region_weights(EYE_CLOSED_BOX, grid, image_shape=_FACE_SHAPE[:2])


def _read(name: str) -> NDArray[np.uint8]:
    resource = importlib.resources.files("activations") / "data" / name
    with resource.open("rb") as file, Image.open(file) as image:
        return np.array(image.convert("RGB"), dtype=np.uint8)
