"""TensorFlow's C++ start-up lines stay off stderr when the library loads Keras."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CALL = (
    "import numpy as np, activations\n"
    "from activations import zoo\n"
    "x = np.zeros((28, 28, 1), np.float32)\n"
    "act = activations.activations(zoo.fashion_cnn(), x, 'conv2d')\n"
    "print(act.shape)\n"
)


def _run(level: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    if level is not None:
        env["TF_CPP_MIN_LOG_LEVEL"] = level
    return subprocess.run(
        [sys.executable, "-c", CALL], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.mark.slow
@pytest.mark.parametrize("level", [None, "0"])
def test_import_and_call_print_no_start_up_lines_unless_asked(level):
    result = _run(level)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "(28, 28, 32)"
    if level is None:
        assert result.stderr == ""  # no "I0000 ... port.cc", no absl notice, no cuInit error
    else:
        import keras

        if keras.backend.backend() == "tensorflow":  # the user asked for everything
            assert "absl::InitializeLog" in result.stderr or "I0000" in result.stderr
