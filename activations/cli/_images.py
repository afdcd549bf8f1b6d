"""Read image files with Pillow and turn them into what a model takes."""

from __future__ import annotations

import logging
import os
import re
import warnings
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from activations.cli._loading import escaped

__all__ = ["PIXEL_TYPES", "fit_image", "read_image"]

logger = logging.getLogger(__name__)

_GRAY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "I;16S", "F")

#: The values each pixel type brings to 0 and 255 (scaled linearly in between).
#: 8-bit pixels are taken as they are and 1-bit ones as 0 or 255 (Pillow's "L").
PIXEL_TYPES = {
    "uint16": (0.0, 65535.0),
    "int16": (-32768.0, 32767.0),
    "float": (0.0, 1.0),
}


def read_image(path: str | os.PathLike[str]) -> NDArray[np.uint8]:
    """Read a PNG, JPEG, TIFF or any Pillow-readable file as a uint8 array.

    Grayscale files (with or without alpha, 1, 8 or 16 bits, float) give one
    channel; everything else (palette, RGBA, CMYK, ...) is converted to RGB, the
    alpha channel dropped. Conversions are logged at INFO level.

    The pixels are brought onto 0..255 by the file's pixel type, never guessed
    from their values, so one rule holds for every file of a folder
    (:data:`PIXEL_TYPES`): 8-bit pixels as they are; 16-bit ones times
    255/65535 (signed 16-bit ones are first shifted by 32768, so -32768 is black
    and 32767 white); float ones are taken as 0..1 and times 255; 1-bit ones as
    0 or 255. 16-bit colour files are reduced to 8 bits by Pillow (their high
    byte: within 1 of the rule). Files of 32-bit integers, whose range is not
    known, are refused.

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
        If the file is not an image Pillow can read, its header claims more
        pixels than ``PIL.Image.MAX_IMAGE_PIXELS`` (a decompression bomb: the
        check comes before any pixel is decoded), it holds float pixels outside
        0..1 (or NaN), or 32-bit integer pixels.

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
            kind = _pixel_type(image)
            if kind == "uint8":
                array = np.asarray(image.convert(target), dtype=np.uint8)
            else:
                array = _to_uint8(np.asarray(image, dtype=np.float64), kind, path)
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


def _pixel_type(image: Image.Image) -> str:
    """What a file's pixels are, by Pillow's mode: a key of :data:`PIXEL_TYPES`.

    Pillow widens some 16-bit files to its 32-bit mode ``I``: PNG and PGM files
    (at most 16 bits; a PGM's are scaled to 0..65535 by Pillow) and TIFF files,
    whose sample tags say what they hold.
    """
    mode = image.mode
    if mode == "F":
        return "float"
    if mode.startswith("I;16"):
        return "int16" if mode.endswith("S") else "uint16"
    if not mode.startswith("I"):
        return "uint8"  # 1-bit, 8-bit, palette, colour: Pillow converts them to L or RGB
    if image.format in ("PNG", "PPM"):
        return "uint16"
    tags = getattr(image, "tag_v2", {})  # TIFF: BitsPerSample (258), SampleFormat (339)
    bits, sample_format = tags.get(258, (32,)), tags.get(339, (1,))
    if bits[0] == 16:
        return "int16" if sample_format[0] == 2 else "uint16"
    return "int32"


def _to_uint8(values: NDArray[np.float64], kind: str, path: Path) -> NDArray[np.uint8]:
    """Pixels of type ``kind`` (not uint8) onto 0..255, as :data:`PIXEL_TYPES` says."""
    where = escaped(str(path))
    if kind == "int32":
        raise ValueError(
            f"Could not read '{where}' as an image: its pixels are 32-bit integers, whose "
            "range is not known. Expected 1-, 8- or 16-bit integer pixels, or float pixels "
            f"in 0..1. Received: path='{where}'"
        )
    if kind == "float":
        _check_floats(values, where)
    low, high = PIXEL_TYPES[kind]
    return np.round((values - low) * (255.0 / (high - low))).astype(np.uint8)


def _check_floats(values: NDArray[np.float64], where: str) -> None:
    """Refuse float pixels outside 0..1 (or NaN): no scale would be right for all files."""
    finite = values[np.isfinite(values)]
    if finite.size == values.size and (finite.size == 0 or 0 <= finite.min() <= finite.max() <= 1):
        return
    found = f"values {finite.min():g}..{finite.max():g}" if finite.size else "no finite value"
    if 0 < finite.size < values.size:
        found += " and NaN or infinite ones"
    raise ValueError(
        f"Could not read '{where}' as an image: float pixels are read as 0..1 (0 black, 1 "
        f"white) and it holds {found}. Expected float pixels in 0..1 (or 8- or 16-bit "
        f"integer ones). Received: path='{where}'"
    )


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
