"""A request to stop (the command line's SIGTERM) that writers check before they publish.

The command line turns SIGTERM into a :class:`StopRequested` exception so that
cleanups run, as Ctrl-C's ``KeyboardInterrupt`` does. Python delivers a signal
between bytecodes, so the exception can be raised inside a callback whose
errors are ignored (a garbage-collector hook of JAX, a ``__del__``) and be
lost. The request itself is kept here too: code that makes results visible
(the staged report folder, a saved figure, a training run) calls
:func:`check_stop` first and discards its work instead.
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
    """Raise :class:`StopRequested` if a stop was requested, even if its first raise was lost."""
    if _REQUESTED.is_set():
        raise StopRequested
