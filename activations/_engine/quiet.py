"""Keep TensorFlow's start-up lines off stderr, in the library and the command line.

TensorFlow's C++ log follows ``TF_CPP_MIN_LOG_LEVEL``, set to 3 (errors hidden
too: the ``cuInit`` error of a machine without a GPU is one) unless the user
set it; the lines TensorFlow prints while it is imported, before it reads that
setting, are filtered by the same level. ``TF_CPP_MIN_LOG_LEVEL=0`` shows them
all. When Keras was imported before ``activations`` loaded it, nothing changes.
"""

from __future__ import annotations

import faulthandler
import os
import re
import sys
import tempfile

__all__ = ["import_keras_quietly", "quiet_keras", "quiet_tensorflow"]


def quiet_keras() -> None:
    """Import Keras (and TensorFlow) without their start-up lines, unless already imported.

    Called before the library first loads a module that uses Keras.
    """
    if "keras" not in sys.modules:
        import_keras_quietly(quiet_tensorflow())


def quiet_tensorflow() -> int:
    """Set TF_CPP_MIN_LOG_LEVEL to 3 unless the user set it; return the level in force."""
    level = os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return int(level) if level.strip().isdigit() else 0


# What TensorFlow's C++ code prints while it is imported, before it reads
# TF_CPP_MIN_LOG_LEVEL: absl's notice that it logs everything until initialized,
# log lines ("I0000 00:00:1796103345.812298  6875 port.cc:153] oneDNN ...") and the
# second line of cpu_feature_guard's INFO message.
_ABSL_NOTICE = (
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
)
_LOG_LINE = re.compile(r"([IWEF])\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] .*")
_CPU_GUARD_TAIL = re.compile(r"To enable the following instructions: .* compiler flags\.")
_SEVERITY = {"I": 0, "W": 1, "E": 2, "F": 3}


def _below(line: str, level: int) -> bool:
    """Whether a line TensorFlow printed during its import is below ``level``."""
    if line == _ABSL_NOTICE or _CPU_GUARD_TAIL.fullmatch(line):
        return level >= 1  # the notice of INFO lines to come; the tail of one
    match = _LOG_LINE.fullmatch(line)
    return match is not None and _SEVERITY[match[1]] < level


def import_keras_quietly(level: int) -> None:
    """Import Keras, dropping TensorFlow's import-time lines below ``level`` from stderr."""
    if "keras" in sys.modules or level < 1:
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable stderr: nothing to keep clean
        import keras  # noqa: F401

        return
    handled = faulthandler.is_enabled()
    with tempfile.TemporaryFile() as capture, open(saved, "w", closefd=False) as stderr:
        # Should TensorFlow's C++ abort while fd 2 is captured (its last words lost
        # with the process), Python's fault handler still tells where, on the real stderr.
        faulthandler.enable(file=stderr)
        os.dup2(capture.fileno(), 2)
        try:
            import keras  # noqa: F401
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            _restore_faulthandler(handled)
            os.close(saved)
            capture.seek(0)
            lines = capture.read().decode(errors="replace").splitlines()
            kept = [line for line in lines if not _below(line, level)]
            if kept:
                print("\n".join(kept), file=sys.stderr, flush=True)


def _restore_faulthandler(enabled: bool) -> None:
    if not enabled:
        faulthandler.disable()
        return
    try:
        faulthandler.enable()  # on sys.stderr, as python -X faulthandler had it
    except (AttributeError, OSError, ValueError):  # a sys.stderr without a file descriptor
        faulthandler.disable()
