"""Fashion-MNIST, read offline from the original IDX files.

The four files of the original release are looked for, in this order, in

1. ``$FASHION_MNIST_DIR`` (when set),
2. ``/usr/share/datasets/fashion-mnist`` (Debian's ``dataset-fashion-mnist``),
3. the Keras cache, ``$KERAS_HOME/datasets/fashion-mnist`` or
   ``~/.keras/datasets/fashion-mnist``,

and only then downloaded with ``keras.datasets.fashion_mnist.load_data()``.
Each file may be gzip-compressed (``*.gz``, as released) or not.

A directory named by ``$FASHION_MNIST_DIR`` must hold all four files: the user
asked for it, so a missing file is a ``FileNotFoundError``. A default location
holding only some of them (an interrupted download, say) is skipped with a
warning in the log. A file that is present but wrong (bad magic number,
dimensions or size, corrupt gzip) is always a ``ValueError`` naming the file.
"""

from __future__ import annotations

import gzip
import logging
import os
import zlib
from io import BufferedIOBase
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

__all__ = ["CLASS_NAMES", "fashion_mnist", "tutorial_split"]

logger = logging.getLogger(__name__)

CLASS_NAMES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
_IMAGE_MAGIC = 2051
_LABEL_MAGIC = 2049
_SIDE = 28
# (file stem, kind, expected count), in the order they are returned.
_FILES = (
    ("train-images-idx3-ubyte", "images", 60000),
    ("train-labels-idx1-ubyte", "labels", 60000),
    ("t10k-images-idx3-ubyte", "images", 10000),
    ("t10k-labels-idx1-ubyte", "labels", 10000),
)

Split = tuple[NDArray[np.uint8], NDArray[np.uint8]]


def fashion_mnist() -> tuple[Split, Split]:
    """Load Fashion-MNIST as ``keras.datasets.fashion_mnist.load_data()`` does.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuples of ndarray
        ``x_train`` uint8 of shape (60000, 28, 28), ``y_train`` uint8 of shape
        (60000,), ``x_test`` uint8 of shape (10000, 28, 28), ``y_test`` uint8 of
        shape (10000,). Labels index :data:`CLASS_NAMES`. The arrays are fresh
        and writable on every call.

    Raises
    ------
    FileNotFoundError
        If ``$FASHION_MNIST_DIR`` is set but lacks one of the four files.
    OSError
        If the files are nowhere and the download fails.
    ValueError
        If a file is not a valid Fashion-MNIST IDX file (wrong magic number,
        dimensions or size, or corrupt gzip data). Files are read as streams and
        refused as soon as they hold more bytes than their header implies.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = fashion_mnist()  # doctest: +SKIP
    >>> x_train.shape, CLASS_NAMES[y_train[0]]  # doctest: +SKIP
    ((60000, 28, 28), 'Ankle boot')
    """
    for directory, explicit in _candidate_dirs():
        paths = _find_files(directory, explicit=explicit)
        if paths is not None:
            logger.info("Loading Fashion-MNIST from %s", directory)
            return _load_dir(paths)
    logger.info("Fashion-MNIST not found locally; downloading with keras.datasets")
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    except Exception as error:  # Keras raises a bare Exception when the download fails
        searched = ", ".join(str(d) for d, _ in _candidate_dirs())
        raise OSError(
            f"Fashion-MNIST is not in {searched} and could not be downloaded: {error}. "
            "Expected FASHION_MNIST_DIR to name a directory holding the four IDX files."
        ) from error
    return (x_train.copy(), y_train.copy()), (x_test.copy(), y_test.copy())


def _candidate_dirs() -> list[tuple[Path, bool]]:
    dirs: list[tuple[Path, bool]] = []
    env = os.environ.get("FASHION_MNIST_DIR")
    if env:
        dirs.append((Path(env).expanduser(), True))
    dirs.append((SYSTEM_DIR, False))
    keras_home = os.environ.get("KERAS_HOME")
    base = Path(keras_home).expanduser() if keras_home else Path.home() / ".keras"
    dirs.append((base / "datasets" / "fashion-mnist", False))
    return dirs


def _find_files(directory: Path, *, explicit: bool) -> list[Path] | None:
    """The four files of ``directory`` in ``_FILES`` order, or None to skip it."""
    if not directory.is_dir():
        if explicit:
            raise FileNotFoundError(
                "FASHION_MNIST_DIR should name a directory holding the Fashion-MNIST "
                f"IDX files. Received: FASHION_MNIST_DIR='{directory}'"
            )
        return None
    found, missing = [], []
    for stem, _, _ in _FILES:
        candidates = [directory / f"{stem}.gz", directory / stem]
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            missing.append(f"{stem}.gz")
        else:
            found.append(path)
    if not missing:
        return found
    message = f"Fashion-MNIST directory {directory} lacks {missing}"
    if explicit:
        raise FileNotFoundError(
            f"{message}: FASHION_MNIST_DIR should hold all four IDX files "
            f"(gzip-compressed or not). Received: FASHION_MNIST_DIR='{directory}'"
        )
    if found:
        logger.warning("%s; skipping it.", message)
    return None


def _load_dir(paths: list[Path]) -> tuple[Split, Split]:
    arrays = [
        _read_idx(path, kind=kind, count=count)
        for path, (_, kind, count) in zip(paths, _FILES, strict=True)
    ]
    x_train, y_train, x_test, y_test = arrays
    return (x_train, y_train), (x_test, y_test)


def _read_idx(path: Path, *, kind: str, count: int) -> NDArray[np.uint8]:
    """Read and check one IDX file; ``kind`` is "images" or "labels".

    The header is checked before the data is read, and the data is read as a
    stream up to the size the header implies, so a file that inflates to more
    (a padded file or a decompression bomb) is refused after one byte too many.
    """
    with path.open("rb") as raw, _open_stream(raw) as stream:
        try:
            return _read_stream(stream, path, kind=kind, count=count)
        except (EOFError, OSError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
            if not isinstance(stream, gzip.GzipFile):
                raise
            raise ValueError(
                f"Fashion-MNIST file {path} is not valid gzip data (truncated or corrupt): {error}"
            ) from error


def _open_stream(raw: BufferedIOBase) -> BufferedIOBase:
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw, mode="rb")  # closing it leaves `raw` open
    raw.seek(0)
    return raw


def _read_stream(
    stream: BufferedIOBase, path: Path, *, kind: str, count: int
) -> NDArray[np.uint8]:
    magic, dims = (
        (_IMAGE_MAGIC, (count, _SIDE, _SIDE)) if kind == "images" else (_LABEL_MAGIC, (count,))
    )
    header_size = 4 + 4 * len(dims)
    payload_size = int(np.prod(dims))
    expected_size = header_size + payload_size
    header = stream.read(header_size)
    if len(header) < header_size:
        raise ValueError(
            f"Fashion-MNIST file {path} is too short for an IDX header: expected "
            f"{expected_size} bytes. Received: {len(header)} bytes"
        )
    values = np.frombuffer(header, dtype=">u4")
    if int(values[0]) != magic:
        raise ValueError(
            f"Fashion-MNIST file {path} has the wrong magic number: expected {magic} "
            f"({kind}). Received: magic={int(values[0])}"
        )
    received = tuple(int(d) for d in values[1:])
    if received != dims:
        raise ValueError(
            f"Fashion-MNIST file {path} has the wrong dimensions: expected {dims}. "
            f"Received: dims={received}"
        )
    array = np.empty(payload_size, dtype=np.uint8)
    filled = _read_into(stream, array.data)  # a writable memoryview of `array`
    if filled < payload_size:
        raise ValueError(
            f"Fashion-MNIST file {path} has the wrong size (truncated or padded): "
            f"expected {expected_size} bytes after decompression. Received: "
            f"{header_size + filled} bytes"
        )
    if stream.read(1):
        raise ValueError(
            f"Fashion-MNIST file {path} has the wrong size (truncated or padded): "
            f"expected {expected_size} bytes after decompression. Received: more (reading "
            f"stopped at byte {expected_size + 1}; a padded file or a decompression bomb)"
        )
    array = array.reshape(dims)
    if kind == "labels" and array.max(initial=0) >= len(CLASS_NAMES):
        raise ValueError(
            f"Fashion-MNIST file {path} holds labels outside 0..9. Received: "
            f"max label={int(array.max())}"
        )
    return array


def _read_into(stream: BufferedIOBase, buffer: memoryview) -> int:
    """Fill ``buffer`` from ``stream``; the number of bytes read (less at the end)."""
    filled = 0
    while filled < len(buffer):
        n = stream.readinto(buffer[filled:])
        if not n:
            break
        filled += n
    return filled


Arrays = tuple[NDArray[np.float32], NDArray[np.uint8]]


def tutorial_split(
    validation_split: float, seed: int, limit: int | None
) -> tuple[Arrays, Arrays, Arrays]:
    """The tutorials' data: (fit, validation, test) as (N, 28, 28, 1) float32 in 0..1.

    The tutorials' own split: scikit-learn's ``train_test_split(train_scaled,
    train_target, test_size=validation_split, random_state=seed)``, so the
    validation images are exactly theirs; ``limit`` keeps only the first images
    of each set (tests).
    """
    from sklearn.model_selection import train_test_split

    (raw_train, y_train), (raw_test, y_test) = fashion_mnist()
    if limit is not None:
        raw_train, y_train = raw_train[:limit], y_train[:limit]
        raw_test, y_test = raw_test[:limit], y_test[:limit]
    x_train = raw_train.reshape(-1, 28, 28, 1).astype(np.float32) / np.float32(255)
    x_test = raw_test.reshape(-1, 28, 28, 1).astype(np.float32) / np.float32(255)
    n_val = int(round(len(y_train) * validation_split))
    if not 0 < n_val < len(y_train):
        raise ValueError(
            "`validation_split` leaves no training or no validation images: expected "
            f"both non-empty. Received: validation_split={validation_split}, "
            f"images={len(y_train)}"
        )
    fit, val = train_test_split(
        np.arange(len(y_train)), test_size=validation_split, random_state=seed
    )
    return (x_train[fit], y_train[fit]), (x_train[val], y_train[val]), (x_test, y_test)
