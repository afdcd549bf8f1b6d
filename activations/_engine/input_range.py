"""The pixel range a model expects, for models that declare one (the zoo's).

Feeding 0..255 pixels to a network trained on 0..1 gives plausible-looking but
meaningless maps (the Fashion CNN's conv1 peaks at 177 instead of 0.77), so
models that know their range say so once, with a warning, when an input lies
far outside it.

The range travels with a model file: :func:`write_input_range` records it in a
``.keras`` archive (a member ``activations.json``) or an ``.h5`` file (a root
attribute), as ``activations train-fashion`` does, and :func:`read_input_range`
reads it back. A file that records none gets :func:`rule_input_range`'s choice.
"""

from __future__ import annotations

import json
import os
import warnings
import weakref
import zipfile
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

__all__ = [
    "InputRange",
    "check_input_range",
    "declare_input_range",
    "input_range",
    "read_input_range",
    "rule_input_range",
    "write_input_range",
]

#: Where a model file records its range: a member of a ``.keras`` zip, an ``.h5`` root attribute.
META_MEMBER = "activations.json"
META_ATTR = "activations_input_range"
_META_LIMIT = 4096  # bytes: the record is a few numbers and a hint
#: The hint of 0..1 models, and of the rule for files that record no range.
DIVIDE_BY_255 = "divide 0..255 pixels by 255"
#: First layers that scale raw pixels themselves (the model takes 0..255).
_SCALING_LAYERS = ("Rescaling", "Normalization")


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


def write_input_range(path: str | os.PathLike[str], low: float, high: float, hint: str) -> None:
    """Record the pixel range ``low..high`` in a saved ``.keras`` or ``.h5`` model file.

    Keras ignores the record when loading; :func:`read_input_range` reads it.

    Parameters
    ----------
    path : path-like
        A file written by ``model.save``: ``.keras`` (the record is a member
        ``activations.json`` of the archive) or ``.h5`` / ``.hdf5`` (a root attribute).
    low, high : float
        The pixel values the model was trained on, e.g. 0 and 1.
    hint : str
        How to get there from 8-bit pixels, e.g. ``"divide 0..255 pixels by 255"``.

    Raises
    ------
    ValueError
        If ``path`` has another suffix, or ``low >= high``.
    """
    path = Path(path)
    if not float(low) < float(high):
        raise ValueError(f"Expected low < high. Received: low={low}, high={high}")
    record = json.dumps({"low": float(low), "high": float(high), "hint": str(hint)})
    suffix = path.suffix.lower()
    if suffix == ".keras":
        with zipfile.ZipFile(path) as archive:
            present = META_MEMBER in archive.namelist()
        if present:  # a zip cannot replace a member in place: rewrite the archive
            _rewrite_without(path, META_MEMBER)
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr(META_MEMBER, record)
    elif suffix in (".h5", ".hdf5"):
        import h5py

        with h5py.File(path, "a") as file:
            file.attrs[META_ATTR] = record
    else:
        raise ValueError(
            f"Expected a .keras, .h5 or .hdf5 model file. Received: path='{path}'"
        )


def _rewrite_without(path: Path, member: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(temporary, "w") as target:
        for info in source.infolist():
            if info.filename != member:
                target.writestr(info, source.read(info.filename))
    os.replace(temporary, path)


def read_input_range(path: str | os.PathLike[str]) -> InputRange | None:
    """The pixel range recorded in a model file by :func:`write_input_range`, or None.

    A record that is missing, too large or malformed counts as none: the file
    is someone else's, and a range is only a hint.

    Parameters
    ----------
    path : path-like
        A ``.keras``, ``.h5`` or ``.hdf5`` file.

    Returns
    -------
    InputRange or None
    """
    path = Path(path)
    raw: bytes | str | None = None
    try:
        if path.suffix.lower() == ".keras":
            with zipfile.ZipFile(path) as archive:
                info = archive.getinfo(META_MEMBER) if META_MEMBER in archive.namelist() else None
                if info is not None and info.file_size <= _META_LIMIT:
                    raw = archive.read(info)
        elif path.suffix.lower() in (".h5", ".hdf5"):
            import h5py

            with h5py.File(path, "r") as file:
                value = file.attrs.get(META_ATTR)
                if isinstance(value, (bytes, str)) and len(value) <= _META_LIMIT:
                    raw = value
        if raw is None:
            return None
        record = json.loads(raw)
        low, high = float(record["low"]), float(record["high"])
        hint = str(record.get("hint", ""))[:200]
    except (OSError, KeyError, TypeError, ValueError, zipfile.BadZipFile):
        return None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        return None
    return InputRange(low, high, hint)


def rule_input_range(model: keras.Model) -> tuple[InputRange, str]:
    """The range assumed for a model file that records none, and why.

    The rule: a model whose first layer after its input is a ``Rescaling`` or
    ``Normalization`` layer scales raw pixels itself, so it takes 0..255;
    any other model takes pixels/255 (0..1), as the Keras tutorials train them.

    Parameters
    ----------
    model : keras.Model

    Returns
    -------
    (InputRange, str)
        The range, and the reason in a few words.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Rescaling(1 / 255)])
    >>> rule_input_range(model)[0].high
    255.0
    """
    first = next(
        (layer for layer in model.layers if type(layer).__name__ != "InputLayer"), None
    )
    kind = type(first).__name__ if first is not None else None
    if kind in _SCALING_LAYERS:
        return (
            InputRange(0.0, 255.0, "feed 0..255 pixels as they are"),
            f"its first layer is a {kind} layer",
        )
    return InputRange(0.0, 1.0, DIVIDE_BY_255), "it has no Rescaling layer first"
