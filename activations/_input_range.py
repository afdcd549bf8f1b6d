"""The pixel range a model expects, for models that declare one (the zoo's).

Feeding 0..255 pixels to a network trained on 0..1 gives plausible-looking but
meaningless maps (the Fashion CNN's conv1 peaks at 177 instead of 0.77), so
models that know their range say so once, with a warning, when an input lies
far outside it.
"""

from __future__ import annotations

import warnings
import weakref
from dataclasses import dataclass

import keras
import numpy as np

__all__ = ["InputRange", "check_input_range", "declare_input_range", "input_range"]


@dataclass(frozen=True)
class InputRange:
    """Pixel values a model was trained on: ``low..high``, e.g. 0..1 or 0..255.

    Attributes
    ----------
    low, high : float
    hint : str
        How to get there from 8-bit pixels, e.g. ``"divide 0..255 pixels by 255"``.
    """

    low: float
    high: float
    hint: str

    @property
    def scale(self) -> float:
        """What 0..255 pixels are divided by to reach this range (255 or 1)."""
        return 255.0 / (self.high - self.low)

    def is_far_outside(self, lo: float, hi: float) -> bool:
        """True when ``lo..hi`` leaves the range by more than its own width."""
        width = self.high - self.low
        return hi > self.high + width or lo < self.low - width


_RANGES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_WARNED: weakref.WeakSet = weakref.WeakSet()


def declare_input_range(model: keras.Model, low: float, high: float, hint: str) -> None:
    """Record that ``model`` expects pixels in ``low..high`` (zoo constructors call this)."""
    _RANGES[model] = InputRange(float(low), float(high), hint)


def input_range(model: keras.Model) -> InputRange | None:
    """The pixel range ``model`` declared, or None (models not from the zoo).

    Examples
    --------
    >>> from activations import zoo
    >>> input_range(zoo.fashion_cnn())
    InputRange(low=0.0, high=1.0, hint='divide 0..255 pixels by 255')
    """
    return _RANGES.get(model)


def check_input_range(model: keras.Model, batch: np.ndarray) -> None:
    """Warn (once per model) when ``batch`` lies far outside the model's declared range."""
    expected = _RANGES.get(model)
    if expected is None or model in _WARNED or batch.size == 0:
        return
    lo, hi = float(batch.min()), float(batch.max())
    if expected.is_far_outside(lo, hi):
        _WARNED.add(model)
        warnings.warn(
            f"Model '{model.name}' expects pixel values in {expected.low:g}..{expected.high:g} "
            f"({expected.hint}); these images range {lo:.4g}..{hi:.4g}, so its activations "
            "will not mean what they do on its training data. (Said once per model.) "
            f"Received: images with min={lo:.4g}, max={hi:.4g}",
            UserWarning,
            stacklevel=4,
        )
