"""Argument checks shared across the package: arrays, integers, colormaps, outputs.

Each check raises a Keras-style error (what was expected, then ``Received:``)
and returns the checked value, so callers read ``arr = as_real_array(x, "act")``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "as_real_array",
    "check_int",
    "check_output_dir",
    "check_output_file",
    "colormap",
    "make_output_dir",
]


def as_real_array(array: ArrayLike, name: str = "array", *, allow_nan: bool = False) -> NDArray:
    """``array`` as a non-empty real ndarray (bool, integer or float), never copied.

    Raises
    ------
    TypeError
        If the dtype is not bool, integer or float (complex, object, strings).
    ValueError
        If the array is empty, or holds NaN (unless ``allow_nan``).

    Examples
    --------
    >>> as_real_array([1, 2], "act").dtype.kind
    'i'
    """
    arr = np.asarray(array)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"Expected `{name}` to be a real-valued array (bool, integer or float). "
            f"Received: {name}.dtype={arr.dtype}"
        )
    if arr.size == 0:
        raise ValueError(f"Expected a non-empty `{name}`. Received: {name}.shape={arr.shape}")
    if not allow_nan and arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError(
            f"Expected `{name}` without NaN values; found {int(np.isnan(arr).sum())} NaN. "
            f"Received: {name} with shape {arr.shape}"
        )
    return arr


def check_int(value: Any, name: str, minimum: int) -> int:
    """``value`` if it is an int (not a bool) of at least ``minimum``.

    Examples
    --------
    >>> check_int(3, "epochs", 1)
    3
    """
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"Expected `{name}` to be an int. Received: {name}={value!r}")
    if value < minimum:
        raise ValueError(f"Expected `{name}` >= {minimum}. Received: {name}={value}")
    return int(value)


def colormap(cmap: Any) -> Any:
    """A matplotlib ``Colormap`` from a name or a Colormap (pyplot is never imported).

    Raises
    ------
    TypeError
        If ``cmap`` is neither a string nor a Colormap.
    ValueError
        For an unknown name (the message lists common ones).
    """
    import matplotlib
    from matplotlib.colors import Colormap

    if isinstance(cmap, Colormap):
        return cmap
    if not isinstance(cmap, str):
        raise TypeError(
            f"Expected `cmap` to be a colormap name or a Colormap. Received: cmap={cmap!r}"
        )
    try:
        return matplotlib.colormaps[cmap]
    except KeyError:
        names = ", ".join(["jet", "viridis", "inferno", "magma", "gray", "hot", "turbo"])
        raise ValueError(
            f"Unknown colormap. Expected a matplotlib colormap name such as {names} "
            f"(all: list(matplotlib.colormaps)). Received: cmap={cmap!r}"
        ) from None


def _as_path(path: Any, name: str) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"Expected `{name}` to be a path. Received: {name}={path!r}")
    return Path(path)


def check_output_file(path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Refuse an existing file (unless ``force``), a directory, or a missing parent."""
    out = _as_path(path, "path")
    if out.is_dir():
        raise IsADirectoryError(f"The output path '{out}' is a directory; expected a file name.")
    if out.exists() and not force:
        raise FileExistsError(f"The output file '{out}' exists; pass --force to overwrite it.")
    if not out.absolute().parent.is_dir():
        raise FileNotFoundError(f"The directory of the output file '{out}' does not exist.")
    return out


def check_output_dir(
    path: str | os.PathLike[str], *, force: bool = False, make_parents: bool = False
) -> Path:
    """Refuse a non-empty directory (unless ``force``), a file, or a missing parent.

    ``make_parents=True`` accepts a missing parent (the caller creates it).
    """
    out = _as_path(path, "out_dir")
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"The output path '{out}' is a file; expected a directory.")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise FileExistsError(
            f"The output directory '{out}' is not empty; pass force=True (--force) to write "
            "into it."
        )
    if not make_parents and not out.absolute().parent.is_dir():
        raise FileNotFoundError(f"The parent directory of '{out}' does not exist.")
    return out


def make_output_dir(out: Path) -> Path | None:
    """Create ``out`` and missing parents; return the topmost directory created, if any."""
    target = out.absolute()
    missing = [p for p in (target, *target.parents) if not p.exists()]
    out.mkdir(parents=True, exist_ok=True)
    return missing[-1] if missing else None
