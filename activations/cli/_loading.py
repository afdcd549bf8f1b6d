"""Loading what the command line names: a zoo model or a model file, and image files.

Model files load with ``safe_mode=True`` (never unpickled) and only on a Keras
release with the loading hardening we rely on (``SAFE_KERAS``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from activations.cli._errors import CliError

__all__ = [
    "MODEL_SUFFIXES",
    "SAFE_KERAS",
    "ZOO",
    "LoadedModel",
    "keras_is_safe",
    "load_image",
    "load_model",
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
    """A model and how to feed it: ``input = fitted uint8 image / scale``."""

    model: Any
    scale: float
    channels: int | None
    size: tuple[int | None, int | None] | None


def _load_zoo(name: str) -> Any:
    from activations import zoo

    if name == "fashion":
        return zoo.fashion_cnn()
    if name == "face":
        return zoo.face_net()
    return zoo.squeezenet()


def load_model(spec: str, scale: float | None = None) -> LoadedModel:
    """Load a zoo model by name or a ``.keras`` / ``.h5`` file (``safe_mode=True``)."""
    import keras

    from activations._input_range import input_range

    if spec in ZOO:
        model = _load_zoo(spec)
    else:
        model = _load_model_file(spec)
        if not isinstance(model, keras.Model):
            raise CliError(f"'{spec}' does not hold a Keras model")
    declared = input_range(model)  # zoo models know theirs: 0..1 is 255, 0..255 is 1
    default_scale = 1.0 if declared is None else declared.scale
    shape = _input_shape(model, spec)
    scale = default_scale if scale is None else scale
    logger.info("Model '%s': input %s, pixel values divided by %g", model.name, shape, scale)
    return LoadedModel(model, scale, shape[-1], shape[:2])


def _load_model_file(spec: str) -> Any:
    import keras

    path = Path(spec)
    if not path.is_file():
        raise CliError(f"no model file '{spec}' (and not a zoo model: {', '.join(ZOO)})")
    if path.suffix not in MODEL_SUFFIXES:  # Keras picks the format by the lowercase suffix
        raise CliError(f"expected a .keras, .h5 or .hdf5 model file, got '{spec}'")
    if not keras_is_safe(keras.__version__):
        raise CliError(
            f"Keras {keras.__version__} can run code from a model file despite safe_mode "
            f"(e.g. CVE-2025-9905); expected keras>={SAFE_KERAS}: upgrade it to load '{spec}'"
        )
    if path.suffix == ".keras":
        kind, valid, why = "Keras archive", _is_zip(path), "it is not a zip file"
    else:
        kind, valid, why = "HDF5 model", _is_hdf5(path), "it is not an HDF5 file"
    if not valid:
        raise CliError(f"'{spec}' exists but is not a valid {kind}: {why}")
    try:
        return keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # Keras raises many kinds for a file that is not a model
        reason = _reason(error)
        if "safe_mode" in reason:
            raise CliError(
                f"refused to load '{spec}': {reason.split(' This ')[0]} Model files are "
                "loaded with Keras' safe_mode, which never runs Python code from a file"
            ) from None
        raise CliError(f"'{spec}' exists but is not a valid {kind}: {reason}") from None


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
    from activations._inputs import input_spec

    try:
        shape = input_spec(model).shape
    except ValueError as error:
        raise CliError(str(error)) from None
    if shape is None or len(shape) != 3:
        raise CliError(
            f"model '{spec}' should take images of shape (H, W, C); its input is {shape}"
        )
    return shape


def load_image(path: str, loaded: LoadedModel, *, size=None, name: str = "image"):
    """Read an image file and fit it to the model (channels, size)."""
    from activations.cli._images import fit_image, read_image

    image = read_image(path)
    logger.info("Read %s: %dx%d, %d channel(s)", path, *image.shape)
    return fit_image(image, channels=loaded.channels, size=size or loaded.size, name=name)


def model_x(image, loaded: LoadedModel):
    from activations.report._sections import scaled_input

    return scaled_input(image, loaded.scale)
