"""The argparse types of ``activations``' options: each parses one text or says why not."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence

__all__ = [
    "SCALE_RANGE",
    "channel_range",
    "channels",
    "fraction",
    "lr_factor",
    "non_negative_int",
    "positive_int",
    "scale",
    "size",
]

SCALE_RANGE = (1e-3, 1e5)


def scale(text: str) -> float:
    low, high = SCALE_RANGE
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low <= value <= high):
        raise argparse.ArgumentTypeError(
            f"expected a number from {low:g} to {high:g} (pixel values 0..255 are divided "
            f"by it), got '{text}'"
        )
    return value


def size(text: str) -> tuple[int, int]:
    """``48,48``: an image size, rows then columns."""
    parts = text.split(",")
    try:
        values = tuple(int(part) for part in parts)
    except ValueError:
        values = ()
    if len(values) != 2 or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected a size H,W like 48,48, got '{text}'")
    return values[0], values[1]


def channel_range(text: str) -> Sequence[int]:
    """``0-15`` or ``3,14``: channel indices; a range stays a ``range`` (never expanded).

    ``0-999999999`` costs nothing here: the command checks the range's end against
    the layer's channel count (:func:`activations.cli._channels.checked_channels`)
    before anything is built from it.
    """
    if "-" in text and "," not in text:
        first, _, last = text.partition("-")
        try:
            low, high = int(first), int(last)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a range like 0-15, got '{text}'") from None
        if not 0 <= low <= high:
            raise argparse.ArgumentTypeError(f"expected a range like 0-15, got '{text}'")
        return range(low, high + 1)
    return channels(text)


def channels(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers like 3,14, got '{text}'") from None
    if any(v < 0 for v in values):
        raise argparse.ArgumentTypeError(f"channels are indices from 0, got '{text}'")
    return values


def _int_at_least(minimum: int, what: str) -> Callable[[str], int]:
    """An argparse type: an integer >= ``minimum``, refused as ``expected {what}``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {what}, got '{text}'")
        return value

    return parse


positive_int = _int_at_least(1, "a positive integer")
non_negative_int = _int_at_least(0, "an integer >= 0")


def fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got '{text}'")
    return value


def lr_factor(text: str) -> float | None:
    return None if text.lower() == "none" else fraction(text)
