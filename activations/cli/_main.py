"""The ``activations`` command line: summary, show, compare, report, demo, train-fashion.

MODEL is a ``.keras`` / ``.h5`` file (loaded with ``safe_mode=True``, never
unpickled) or a zoo name: ``fashion``, ``face``, ``squeezenet``. Images are
read with Pillow and converted to what the model takes (logged with ``-v``).
Errors, argument errors included, print one line, ``activations: error: ...``,
naming the command's options by their flags (``--reduction-layer``, not
``reduction_layer``), and exit with status 2; a report section that fails
unexpectedly (a bug) exits with 1; Ctrl-C exits with 130 and SIGTERM with 143,
with no partial output left behind.

Keras and TensorFlow are imported only by the commands, so ``--help`` and
``--version`` are quick. TensorFlow's C++ log follows ``TF_CPP_MIN_LOG_LEVEL``,
set to 3 (errors hidden too) unless the user set it; the lines TensorFlow prints
while it is imported, before it reads that setting, are filtered by the same
level. ``TF_CPP_MIN_LOG_LEVEL=0`` shows them all.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from activations._engine.stop import StopRequested, check_stop, clear_stop, request_stop
from activations.cli._errors import CliError, with_flags
from activations.cli._parser import build_parser, one_line
from activations.cli._quiet import import_keras_quietly, quiet_tensorflow

__all__ = ["main"]

logger = logging.getLogger(__name__)

_TERMINATED = 128 + signal.SIGTERM


@contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """While inside, SIGTERM records a stop request (a second one kills at once).

    The handler does not raise: an exception thrown at an arbitrary bytecode can
    land inside TensorFlow's tracing (a ``SystemError``) or a garbage-collector
    callback (lost). The work checks the request at safe points instead (each
    report step, each batch, each training batch, before anything is published)
    and raises :class:`StopRequested` there, so cleanups run as after Ctrl-C.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        request_stop()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _warnings_in_one_line() -> Iterator[None]:
    """The library's warnings as ``activations: warning: ...`` lines, escaped.

    Python's default shows the file and line of the ``warnings.warn`` call and
    the source line: noise to a user of the command line.
    """

    def show(message: Any, category: type, *args: Any, **kwargs: Any) -> None:
        print(f"activations: warning: {one_line(str(message))}", file=sys.stderr, flush=True)

    with warnings.catch_warnings():
        warnings.showwarning = show
        for category in (UserWarning, RuntimeWarning):  # what the library warns with
            warnings.filterwarnings("default", category=category)
        yield


def _run(
    func: Callable[[], int],
    verbose: int,
    *,
    tf_log_level: int = 0,
    flags: dict[str, str] | None = None,
) -> int:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("activations: %(levelname)s: %(message)s"))
    package = logging.getLogger("activations")
    saved = package.level
    package.addHandler(handler)
    package.setLevel(
        logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    )
    try:
        with _stop_on_sigterm(), _warnings_in_one_line():
            import_keras_quietly(tf_log_level)
            status = func()
            check_stop()  # a SIGTERM whose exception was lost still ends as one
            return status
    except (CliError, OSError, ValueError) as error:
        logger.debug("Traceback of the error:", exc_info=True)
        print(f"activations: error: {with_flags(one_line(error), flags or {})}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("activations: interrupted", file=sys.stderr)
        return 130
    except StopRequested:
        print("activations: terminated", file=sys.stderr)
        return _TERMINATED
    except Exception as error:  # a report section that failed: one line, status 1
        from activations.report._errors import SectionError

        if not isinstance(error, SectionError):
            raise
        logger.debug("Traceback of the error:", exc_info=True)
        if isinstance(error.__cause__, CliError):  # e.g. an unreadable file in --top-images
            print(f"activations: error: {one_line(error.__cause__)}", file=sys.stderr)
            return 2
        print(
            f"activations: error: {one_line(error)} (a bug: -vv shows the traceback; no "
            "report written)",
            file=sys.stderr,
        )
        return 1
    finally:
        clear_stop()
        package.removeHandler(handler)
        package.setLevel(saved)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    0 ok, 2 bad input or arguments, 1 a report section that failed (a bug),
    130 Ctrl-C, 143 SIGTERM.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    tf_log_level = quiet_tensorflow()  # before any command imports TensorFlow
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit:  # argparse: --help, --version, bad arguments
        return exit.code if isinstance(exit.code, int) else 0 if exit.code is None else 2
    # train-fashion has no -v: its --verbose is Keras' progress output (fit_verbose).
    verbose = getattr(args, "verbose", 0)
    flags = getattr(args, "flags", {})
    return _run(lambda: args.func(args), verbose, tf_log_level=tf_log_level, flags=flags)


if __name__ == "__main__":
    sys.exit(main())
