"""Fetch a file into the Keras cache, with an error that says what to do offline."""

from __future__ import annotations

import logging
import os
import tempfile

import keras

__all__ = ["cache_path", "fetch"]

logger = logging.getLogger("activations")


def _keras_home() -> str:
    """Keras's cache root, read now (Keras itself reads ``KERAS_HOME`` once, at import)."""
    root = os.environ.get("KERAS_HOME") or os.path.join("~", ".keras")
    root = os.path.expanduser(root)
    try:
        os.makedirs(root, exist_ok=True)
    except OSError:
        pass
    if not os.access(root, os.W_OK):  # the same fallback as keras.utils.get_file
        root = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")
    return root


def cache_path(fname: str, *, cache_subdir: str = "models") -> str:
    """Where :func:`fetch` keeps ``fname``: ``$KERAS_HOME/<cache_subdir>/<fname>``.

    ``KERAS_HOME`` defaults to ``~/.keras``; an unwritable one falls back to
    ``/tmp/.keras``, as in ``keras.utils.get_file``.

    Parameters
    ----------
    fname : str
        The file's name, without folders.
    cache_subdir : str, default="models"
        The folder under the Keras cache root.

    Returns
    -------
    str
        The absolute path of the cached file (it may not exist yet).

    Examples
    --------
    >>> cache_path("w.h5").endswith(os.path.join("models", "w.h5"))
    True
    """
    return os.path.join(_keras_home(), cache_subdir, fname)


def fetch(
    fname: str, origin: str, *, cache_subdir: str = "models", file_hash: str | None = None
) -> str:
    """Return the local path of ``fname``, downloading it from ``origin`` the first time.

    A thin wrapper of ``keras.utils.get_file``: the file lands in
    :func:`cache_path` and later calls read it from there without a network.

    Parameters
    ----------
    fname : str
        The file's name in the cache.
    origin : str
        The URL to download it from.
    cache_subdir : str, default="models"
        The folder under the Keras cache root (``KERAS_HOME``, default ``~/.keras``).
    file_hash : str or None, default=None
        The expected SHA-256 (or MD5) of the file; ``None`` skips the check.

    Returns
    -------
    str
        The path of the cached file.

    Raises
    ------
    OSError
        If the file is not cached and cannot be downloaded (offline, wrong URL).
        The message gives the URL and the exact path to put the file at by hand.

    Examples
    --------
    >>> fetch("w.h5", "http://127.0.0.1:9/w.h5")  # doctest: +SKIP
    """
    target = cache_path(fname, cache_subdir=cache_subdir)
    if os.path.exists(target) and file_hash is None:
        logger.info("Using cached %s", target)
        return target
    logger.info("Downloading %s from %s into %s", fname, origin, target)
    try:
        return keras.utils.get_file(
            fname,
            origin,
            cache_subdir=cache_subdir,
            cache_dir=os.path.dirname(os.path.dirname(target)),
            file_hash=file_hash,
        )
    except Exception as error:  # get_file raises a bare Exception on network failures
        raise OSError(
            f"Could not download '{fname}' ({error}). If this machine is offline, download "
            f"{origin} on another machine and put the file at {target} (the Keras cache: "
            "set KERAS_HOME to use another folder than ~/.keras). "
            f"Received: origin={origin!r}"
        ) from error
