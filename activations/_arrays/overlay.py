"""``overlay``: a channel map, coloured and blended over the image it came from."""

from __future__ import annotations

import numbers
from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from activations._arrays.checks import as_real_array, colormap
from activations._arrays.normalize import mat2gray
from activations._arrays.region import cell_blocks
from activations._arrays.resize import imresize

__all__ = ["COARSE_CELL_PIXELS", "map_method", "map_to_image", "overlay"]

#: A map whose cells span at least this many photo pixels on both sides is
#: coarse: it is shown as blocks (nearest neighbour), not smoothed over the photo.
COARSE_CELL_PIXELS = 8
_METHODS = ("auto", "nearest", "bilinear", "bicubic")


def map_method(map_shape: tuple[int, ...], image_shape: tuple[int, ...]) -> str:
    """How to show a map on a photo: ``"nearest"`` (blocks) when coarse, else ``"bilinear"``.

    Coarse: each cell spans ``COARSE_CELL_PIXELS`` or more photo pixels on
    both sides (an 8x8 map on a 160x160 photo: 20 pixels per cell).

    Examples
    --------
    >>> map_method((8, 8), (160, 160)), map_method((46, 46), (160, 160))
    ('nearest', 'bilinear')
    """
    coarse = all(i >= COARSE_CELL_PIXELS * m for i, m in zip(image_shape[:2], map_shape[:2]))
    return "nearest" if coarse else "bilinear"


def map_to_image(
    channel_map: ArrayLike, image_shape: tuple[int, ...], *, method: str = "auto"
) -> NDArray:
    """A channel map at the photo's size, centre-aligned with the photo's pixels.

    Parameters
    ----------
    channel_map : array_like of shape (h, w)
    image_shape : tuple
        The photo's shape; its first two entries (H, W) are used.
    method : {"auto", "nearest", "bilinear", "bicubic"}, default "auto"
        ``"nearest"`` shows each cell as a block of the pixels whose centres
        fall in it (:func:`activations.region_weights`' coordinates), so block
        edges are cell edges; the others interpolate with :func:`imresize`.
        ``"auto"``: :func:`map_method`.

    Returns
    -------
    ndarray of shape (H, W)

    Examples
    --------
    >>> map_to_image(np.arange(4.0).reshape(2, 2), (4, 4), method="nearest")[:, 0]
    array([0., 0., 2., 2.])
    """
    if not isinstance(method, str):
        raise TypeError(f"Expected `method` to be a string. Received: {method=}")
    if method not in _METHODS:
        raise ValueError(f"Expected `method` to be one of {list(_METHODS)}. Received: {method=}")
    arr = as_real_array(channel_map, "channel_map")
    # Not checked to be a pair here: cell_blocks and imresize check their size.
    hw = cast(tuple[int, int], tuple(int(n) for n in image_shape[:2]))
    if method == "auto":
        method = map_method(arr.shape, hw)
    if method == "nearest":
        return cell_blocks(arr, hw)
    return imresize(arr, hw, method=method)


def _image_as_float(image: ArrayLike) -> NDArray[np.float64]:
    """(H, W, 3) float image in [0, 1] from a grayscale or RGB uint8/float/bool image."""
    img = as_real_array(image, "image")
    if not (img.ndim == 2 or (img.ndim == 3 and img.shape[2] in (1, 3))):
        raise ValueError(
            f"Expected `image` of shape (H, W) or (H, W, 3). Received: image.shape={img.shape}"
        )
    if img.dtype == np.uint8:
        values = img / 255.0
    elif img.dtype.kind in "fb":
        values = img.astype(np.float64)
        if values.min() < 0.0 or values.max() > 1.0:
            raise ValueError(
                "Expected a float `image` with values in [0, 1] (or a uint8 image). "
                f"Received: image with range [{values.min():g}, {values.max():g}]"
            )
    else:
        raise TypeError(
            f"Expected a uint8, float or bool `image`. Received: image.dtype={img.dtype}"
        )
    if values.ndim == 2:
        values = values[..., None]
    return np.broadcast_to(values, values.shape[:2] + (3,))


def overlay(
    image: ArrayLike,
    channel_map: ArrayLike,
    *,
    alpha: float = 0.5,
    cmap: str = "jet",
    method: str = "bilinear",
) -> NDArray[np.float32]:
    """Colour a channel map and blend it over an image.

    The map is normalized with :func:`mat2gray` (its own min/max), brought to
    the image's (H, W) with :func:`map_to_image` (``method``), coloured with a
    matplotlib colormap and blended: ``(1 - alpha) * image + alpha * colour``.

    Parameters
    ----------
    image : array_like of shape (H, W) or (H, W, 3)
        Grayscale or RGB, uint8 (0..255) or float/bool (0..1). Never modified.
    channel_map : array_like of shape (h, w)
        One channel of an activation, any real values.
    alpha : float, default 0.5
        Weight of the colour, in [0, 1]: 0 gives the image, 1 the colour.
    cmap : str or matplotlib Colormap, default "jet"
        Colormap name (``matplotlib.colormaps``).
    method : {"bilinear", "nearest", "bicubic", "auto"}, default "bilinear"
        How the map is enlarged: ``"nearest"`` draws each cell as a block
        (see :func:`map_to_image`; ``"auto"`` picks blocks for coarse maps).

    Returns
    -------
    ndarray of float32, shape (H, W, 3)
        RGB values in [0, 1].

    Raises
    ------
    TypeError
        If ``image`` or ``channel_map`` is not real-valued, ``image`` has an
        integer dtype other than uint8, ``alpha`` is not a number or ``cmap``
        is not a name.
    ValueError
        If a shape is wrong, a float image leaves [0, 1], an input holds NaN,
        ``alpha`` is outside [0, 1], or ``cmap`` or ``method`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> out = overlay(np.zeros((2, 2)), np.arange(4.0).reshape(2, 2), alpha=1.0, cmap="gray")
    >>> out[..., 0]
    array([[0.        , 0.33333334],
           [0.6666667 , 1.        ]], dtype=float32)
    """
    if isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"Expected `alpha` to be a number. Received: alpha={alpha!r}")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"Expected `alpha` in [0, 1]. Received: alpha={alpha}")
    cmap_ = colormap(cmap)
    base = _image_as_float(image)
    heat = as_real_array(channel_map, "channel_map")
    if heat.ndim != 2:
        raise ValueError(
            f"Expected `channel_map` of shape (h, w). Received: channel_map.shape={heat.shape}"
        )
    heat = map_to_image(mat2gray(heat), base.shape[:2], method=method)
    colour = cmap_(np.clip(heat, 0.0, 1.0))[..., :3]
    blended = (1.0 - alpha) * base + alpha * colour
    return np.clip(blended, 0.0, 1.0).astype(np.float32)
