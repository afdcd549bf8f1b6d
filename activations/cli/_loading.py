"""Loading what the command line names: a zoo model or a model file, and image files.

Model files load with ``safe_mode=True`` (never unpickled) and only on a Keras
release with the loading hardening we rely on (``SAFE_KERAS``).
"""

from __future__ import annotations

import logging
import sys
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from activations.cli._errors import CliError

__all__ = [
    "MODEL_SUFFIXES",
    "SAFE_KERAS",
    "ZOO",
    "LoadedModel",
    "announce",
    "keras_is_safe",
    "load_image",
    "load_model",
    "escaped",
    "printable",
]

logger = logging.getLogger(__name__)

ZOO = ("fashion", "face", "squeezenet")
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")
# The oldest Keras with all the hardening of model loading we rely on: safe_mode for
# .h5 Lambda layers (CVE-2025-9905), HDF5 shape bombs and external links (3.13.2),
# archive path traversal (3.14.0), H5 group checks and .keras member decompression
# bombs (3.15.1). Model files of older releases are refused. Keep in step with
# pyproject.toml.
SAFE_KERAS = "3.15.1"


@dataclass(frozen=True)
class LoadedModel:
    """A model and how to feed it: ``input = fitted uint8 image / scale``.

    ``note`` is the line that says which scale a model file without a record
    of its range gets; :func:`announce` prints it once, when images are first fed.
    """

    model: Any
    scale: float
    channels: int | None
    size: tuple[int | None, int | None] | None
    note: str | None = None


_ANNOUNCED: weakref.WeakSet = weakref.WeakSet()


def announce(loaded: LoadedModel) -> None:
    """Print ``loaded.note`` on stderr, once: the pixel scale the rule chose."""
    if loaded.note is not None and loaded not in _ANNOUNCED:
        _ANNOUNCED.add(loaded)
        print(loaded.note, file=sys.stderr, flush=True)


def _load_zoo(name: str) -> Any:
    from activations import zoo

    if name == "fashion":
        return zoo.fashion_cnn()
    if name == "face":
        return zoo.face_net()
    return zoo.squeezenet()


def load_model(spec: str, scale: float | None = None) -> LoadedModel:
    """Load a zoo model by name or a ``.keras`` / ``.h5`` file (``safe_mode=True``).

    The pixel scale (what 0..255 pixels are divided by) is ``scale`` when given,
    else the model's own range: a zoo model's, the range a model file records
    (``activations train-fashion`` writes it), or for a file that records none
    the rule of :func:`activations._engine.input_range.rule_input_range` (pixels/255
    unless the model starts with a Rescaling or Normalization layer), said in
    one line on stderr. The range is declared on the model, so images far
    outside it warn, as they do for zoo models.
    """
    import keras

    from activations._engine.input_range import (
        declare_input_range,
        input_range,
        read_input_range,
        rule_input_range,
    )

    if spec in ZOO:
        model = _load_zoo(spec)
    else:
        model = _load_model_file(spec)
        if not isinstance(model, keras.Model):
            raise CliError(f"{printable(spec)} does not hold a Keras model")
    shape = _input_shape(model, spec)
    declared, note = input_range(model), None
    if declared is None:
        declared = read_input_range(spec)
        why = "as the file records"
        if declared is None:
            declared, why = rule_input_range(model)
            if scale is None:
                note = (
                    f"activations: note: {printable(Path(spec).name)} records no pixel range "
                    f"and {why}: {_feeding(declared.scale)}; --scale sets another"
                )
        declare_input_range(model, declared.low, declared.high, declared.hint)
        logger.info("Model file %s: pixel range %s", printable(spec), why)
    scale = declared.scale if scale is None else scale
    logger.info("Model '%s': input %s, pixel values divided by %g", model.name, shape, scale)
    return LoadedModel(model, scale, shape[-1], shape[:2], note)


def _feeding(scale: float) -> str:
    """How the pixels are fed, in words: ``pixels/255 (0..1)`` or ``pixels as they are``."""
    if scale == 1:
        return "feeding pixels as they are (0..255)"
    return f"feeding pixels/{scale:g} (0..{255 / scale:g})"


def escaped(text: str) -> str:
    """``text`` with every control character written as its escape, as repr() writes it.

    For names from outside printed inside a line: they can neither move the cursor,
    set the terminal's title, nor forge a line of output.

    Examples
    --------
    >>> escaped("a" + chr(27) + "b") == "a" + chr(92) + "x1bb"
    True
    """
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def printable(text: str) -> str:
    r"""``text`` quoted for a terminal: control characters escaped, as ``repr`` does.

    A file or layer name from outside never moves the cursor, sets the title or
    forges a line of output.

    Examples
    --------
    >>> print(printable("fake" + chr(10) + "line.h5"))
    'fake\nline.h5'
    """
    return repr(str(text))


def _load_model_file(spec: str) -> Any:
    import keras

    path = Path(spec)
    if not path.is_file():
        raise CliError(f"no model file {printable(spec)} (and not a zoo model: {', '.join(ZOO)})")
    if path.suffix not in MODEL_SUFFIXES:  # Keras picks the format by the lowercase suffix
        raise CliError(f"expected a .keras, .h5 or .hdf5 model file, got {printable(spec)}")
    if not keras_is_safe(keras.__version__):
        raise CliError(
            f"Keras {keras.__version__} can run code from a model file despite safe_mode "
            f"(e.g. CVE-2025-9905); expected keras>={SAFE_KERAS}: upgrade it to load "
            f"{printable(spec)}"
        )
    if path.suffix == ".keras":
        kind, valid, why = "Keras archive", _is_zip(path), "it is not a zip file"
    else:
        kind, valid, why = "HDF5 model", _is_hdf5(path), "it is not an HDF5 file"
    if not valid:
        raise CliError(f"{printable(spec)} exists but is not a valid {kind}: {why}")
    try:
        return keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # Keras raises many kinds for a file that is not a model
        reason = _reason(error)
        if "safe_mode" in reason:
            raise CliError(
                f"refused to load {printable(spec)}: {reason.split(' This ')[0]} Model files are "
                "loaded with Keras' safe_mode, which never runs Python code from a file"
            ) from None
        raise CliError(f"{printable(spec)} exists but is not a valid {kind}: {reason}") from None


def keras_is_safe(version: str) -> bool:
    """Whether this Keras release refuses code in model files (``>= SAFE_KERAS``)."""
    from packaging.version import InvalidVersion, Version

    try:
        return Version(version) >= Version(SAFE_KERAS)
    except InvalidVersion:
        return False


def _is_zip(path: Path) -> bool:
    import zipfile

    return zipfile.is_zipfile(path)


def _is_hdf5(path: Path) -> bool:
    import h5py

    return h5py.is_hdf5(path)


def _reason(error: BaseException, limit: int = 300) -> str:
    """Keras' reason on one line: its first paragraph (not the config dump), shortened."""
    text = " ".join(str(error).split("\n\n")[0].split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _input_shape(model: Any, spec: str) -> tuple:
    from activations._engine.inputs import input_spec

    try:
        shape = input_spec(model).shape
    except ValueError as error:
        raise CliError(str(error)) from None
    if shape is None or len(shape) != 3:
        raise CliError(
            f"model {printable(spec)} should take images of shape (H, W, C); its input is {shape}"
        )
    return shape


def load_image(path: str, loaded: LoadedModel, *, size=None, name: str = "image"):
    """Read an image file and fit it to the model (channels, size)."""
    from activations.cli._images import fit_image, read_image

    announce(loaded)
    image = read_image(path)
    logger.info("Read %s: %dx%d, %d channel(s)", path, *image.shape)
    return fit_image(image, channels=loaded.channels, size=size or loaded.size, name=name)


def model_x(image, loaded: LoadedModel):
    """The model's input: ``image / loaded.scale`` as float32 (the scale said once)."""
    from activations.report._sections import scaled_input

    announce(loaded)
    return scaled_input(image, loaded.scale)
