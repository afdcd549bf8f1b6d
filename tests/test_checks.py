"""The shared argument checks: arrays, integers, colormaps, output paths."""

from __future__ import annotations

import numpy as np
import pytest

from activations._arrays.checks import (
    as_real_array,
    check_int,
    check_output_dir,
    check_output_file,
    colormap,
)


def test_as_real_array():
    x = np.arange(3)
    assert as_real_array(x, "act") is x
    with pytest.raises(TypeError, match=r"real-valued.*Received: act.dtype=complex128"):
        as_real_array(np.zeros(2, complex), "act")
    with pytest.raises(ValueError, match=r"non-empty `act`"):
        as_real_array([], "act")
    with pytest.raises(ValueError, match=r"1 NaN"):
        as_real_array([1.0, np.nan], "act")
    assert np.isnan(as_real_array([np.nan], "map", allow_nan=True)).all()


def test_check_int():
    assert check_int(np.int64(4), "k", 1) == 4
    with pytest.raises(TypeError, match=r"`k` to be an int. Received: k=True"):
        check_int(True, "k", 1)
    with pytest.raises(ValueError, match=r"`k` >= 1. Received: k=0"):
        check_int(0, "k", 1)


def test_colormap():
    assert colormap("gray").name == "gray"
    custom = colormap("jet")
    assert colormap(custom) is custom
    with pytest.raises(ValueError, match=r"Unknown colormap.*Received: cmap='nope'"):
        colormap("nope")
    with pytest.raises(TypeError, match=r"Received: cmap=3"):
        colormap(3)


def test_check_output_dir_errors(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match="is a file; expected a directory"):
        check_output_dir(tmp_path / "file")
    with pytest.raises(FileNotFoundError, match="The parent directory of .* does not exist"):
        check_output_dir(tmp_path / "missing" / "out")
    assert check_output_dir(tmp_path / "new") == tmp_path / "new"


def test_check_output_file_errors(tmp_path):
    (tmp_path / "a.png").write_text("x")
    with pytest.raises(FileExistsError, match="exists; pass --force"):
        check_output_file(tmp_path / "a.png")
    assert check_output_file(tmp_path / "a.png", force=True) == tmp_path / "a.png"
    with pytest.raises(IsADirectoryError, match="is a directory"):
        check_output_file(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        check_output_file(tmp_path / "missing" / "a.png")
