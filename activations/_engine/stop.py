"""A request to stop (the command line's SIGTERM), honoured at safe points.

Raising from a signal handler is unsafe here: Python runs the handler between
any two bytecodes, so the exception can land inside TensorFlow's tracing
(where it surfaces as a ``SystemError``) or inside a callback whose errors are
ignored (a garbage-collector hook of JAX) and be lost. The command line's
SIGTERM handler only calls :func:`request_stop`; long work calls
:func:`check_stop` between steps (each batch of ``activations()``, each report
step, each training batch) and before it publishes anything (the staged report
folder, a saved figure), which raises :class:`StopRequested` so that cleanups
run as after Ctrl-C. Outside the command line nothing requests a stop.
"""

from __future__ import annotations

import threading

__all__ = ["StopRequested", "check_stop", "clear_stop", "request_stop"]

_REQUESTED = threading.Event()


class StopRequested(BaseException):
    """The process was asked to stop (SIGTERM); like KeyboardInterrupt, not an Exception."""


def request_stop() -> None:
    """Record a stop request (called by the command line's SIGTERM handler)."""
    _REQUESTED.set()


def clear_stop() -> None:
    """Forget a stop request (the command line, once a command has ended)."""
    _REQUESTED.clear()


def check_stop() -> None:
    """Raise :class:`StopRequested` if a stop was requested."""
    if _REQUESTED.is_set():
        raise StopRequested
