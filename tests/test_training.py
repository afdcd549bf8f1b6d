"""Tests for activations.training: a short real run on a slice of Fashion-MNIST."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from activations._arrays.checks import make_output_dir
from activations.cli import main as cli_main
from activations.datasets import fashion_mnist
from activations.datasets._fashion_mnist import SYSTEM_DIR, tutorial_split
from activations.training import (
    TrainResult,
    _history,
    train_fashion_cnn,
)
from activations.zoo import fashion_cnn

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` skips it in the inner loop


def needs_dataset(test):
    """Mark a test that trains on (a slice of) the real Fashion-MNIST."""
    skip = pytest.mark.skipif(
        not SYSTEM_DIR.is_dir(), reason="dataset-fashion-mnist is not installed"
    )
    return pytest.mark.dataset(skip(test))


PER_EPOCH = ("loss", "accuracy", "val_loss", "val_accuracy")


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> TrainResult:
    out = tmp_path_factory.mktemp("train") / "out"  # created by the function
    return train_fashion_cnn(out, epochs=2, limit=300, verbose=0)


@needs_dataset
def test_files_written(run):
    assert run.model_path.name == "fashion_cnn.keras"
    assert sorted(p.name for p in run.model_path.parent.iterdir()) == [
        "fashion_cnn.keras",
        "history.json",
        "loss_curve.png",
    ]
    assert json.loads(run.history_path.read_text()) == run.history


@needs_dataset
def test_the_model_file_records_its_pixel_range(run):
    from activations._engine.input_range import DIVIDE_BY_255, InputRange, read_input_range

    assert read_input_range(run.model_path) == InputRange(0.0, 1.0, DIVIDE_BY_255)


@needs_dataset
def test_history_content(run):
    history = run.history
    for key in PER_EPOCH:
        assert len(history[key]) == history["epochs_run"] == 2
        assert all(isinstance(v, float) for v in history[key])
    best = int(np.argmin(history["val_loss"]))
    assert history["best_epoch"] == best + 1
    assert history["best_val_loss"] == history["val_loss"][best]
    assert history["best_val_accuracy"] == history["val_accuracy"][best]
    assert 0 <= history["test_accuracy"] <= 1 and history["test_loss"] > 0
    assert run.test_accuracy == history["test_accuracy"]
    # 240 training images plus their mirrored copies; validation and test stay as they are.
    assert (history["n_train"], history["n_val"], history["n_test"]) == (480, 60, 300)
    assert (history["mirror"], history["lr_factor"]) == (True, 0.2)
    assert (history["seed"], history["split_seed"], history["limit"]) == (42, 42, 300)
    assert (history["max_epochs"], history["patience"], history["batch_size"]) == (2, 2, 32)
    assert history["monitor"] == "val_loss"
    assert history["keras_version"].startswith("3.")
    assert history["loss"][1] < history["loss"][0]  # it learns something


@pytest.mark.parametrize(("monitor", "best"), [("val_loss", 2), ("val_accuracy", 3)])
def test_best_epoch_is_the_first_best(monitor, best):
    fit = {
        "loss": [0.9, 0.5, 0.4, 0.3],
        "accuracy": [0.6, 0.8, 0.85, 0.9],
        "val_loss": [0.6, 0.3, 0.4, 0.3],
        "val_accuracy": [0.7, 0.8, 0.9, 0.9],
    }
    history = _history(fit, monitor, 0.25, 0.91)
    assert history["best_epoch"] == best and history["epochs_run"] == 4
    assert (history["test_loss"], history["test_accuracy"]) == (0.25, 0.91)


@needs_dataset
def test_checkpoint_is_the_best_model(run):
    loaded = fashion_cnn(weights=run.model_path)
    for saved, kept in zip(loaded.get_weights(), run.model.get_weights(), strict=True):
        np.testing.assert_array_equal(saved, kept)


@needs_dataset
def test_loss_curve_is_a_png(run):
    assert run.curve_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(run.curve_path) as image:
        assert image.format == "PNG" and image.width > image.height >= 300  # loss | accuracy
        pixels = np.asarray(image.convert("L"))
    assert pixels.min() < 100 and pixels.max() == 255  # lines on a white background


@needs_dataset
def test_split_is_the_tutorials_train_test_split():
    from sklearn.model_selection import train_test_split

    (x_fit, y_fit), (x_val, y_val), (x_test, y_test) = tutorial_split(0.2, 42, 100)
    assert x_fit.shape == (80, 28, 28, 1) and x_val.shape == (20, 28, 28, 1)
    assert x_fit.dtype == np.float32 and x_test.shape == (100, 28, 28, 1)
    (x_train, y_train), (x_test_raw, _) = fashion_mnist()
    np.testing.assert_array_equal(x_test[..., 0], x_test_raw[:100] / np.float32(255))
    # The tutorials' own line, on their float64 pixels/255.0: the same images, same order.
    train_scaled = x_train[:100].reshape(-1, 28, 28, 1) / 255.0
    fit_t, val_t, y_fit_t, y_val_t = train_test_split(
        train_scaled, y_train[:100], test_size=0.2, random_state=42
    )
    np.testing.assert_array_equal(y_val, y_val_t)
    np.testing.assert_array_equal(y_fit, y_fit_t)
    np.testing.assert_allclose(x_val, val_t, rtol=1e-6)
    np.testing.assert_allclose(x_fit, fit_t, rtol=1e-6)
    assert not np.array_equal(y_val, y_train[:20])  # shuffled, not a slice


@needs_dataset
def test_non_empty_out_dir_needs_force(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"is not empty; pass force=True"):
        train_fashion_cnn(tmp_path, limit=100, epochs=1, verbose=0)
    result = train_fashion_cnn(tmp_path, limit=100, epochs=1, verbose=0, force=True)
    assert result.history["epochs_run"] == 1
    assert (tmp_path / "notes.txt").read_text() == "mine"  # other files are left alone


def test_out_dir_is_a_file(tmp_path):
    path = tmp_path / "file"
    path.write_text("")
    with pytest.raises(NotADirectoryError, match=r"is a file; expected a directory"):
        train_fashion_cnn(path, limit=100, epochs=1)


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"epochs": 0}, ValueError, r"Expected `epochs` >= 1. Received: epochs=0"),
        ({"epochs": 1.5}, TypeError, r"Expected `epochs` to be an int. Received: epochs=1.5"),
        ({"patience": -1}, ValueError, r"Expected `patience` >= 0"),
        ({"seed": None}, TypeError, r"Expected `seed` to be an int. Received: seed=None"),
        (
            {"monitor": "loss"},
            ValueError,
            r"Expected `monitor` to be one of \['val_loss', 'val_accuracy'\]",
        ),
        ({"split_seed": -1}, ValueError, r"Expected `split_seed` >= 0"),
        ({"batch_size": 0}, ValueError, r"Expected `batch_size` >= 1"),
        ({"limit": 5}, ValueError, r"Expected `limit` >= 10. Received: limit=5"),
        ({"limit": True}, TypeError, r"Expected `limit` to be an int"),
        ({"verbose": 3}, ValueError, r"Expected `verbose` to be 0, 1 or 2. Received: verbose=3"),
        ({"validation_split": 1.0}, ValueError, r"Expected `validation_split` in \(0, 1\)"),
        ({"validation_split": "0.2"}, TypeError, r"Expected `validation_split` to be a float"),
        ({"lr_factor": 1.0}, ValueError, r"`lr_factor` to be a float in \(0, 1\) or None"),
        ({"lr_factor": 1}, ValueError, r"Received: lr_factor=1"),
    ],
)
def test_bad_options(tmp_path, options, error, match):
    with pytest.raises(error, match=match):
        train_fashion_cnn(tmp_path / "out", **options)


@needs_dataset
def test_split_leaving_no_validation_image(tmp_path):
    with pytest.raises(ValueError, match=r"leaves no training or no validation images"):
        train_fashion_cnn(tmp_path / "out", limit=10, validation_split=0.01)


def test_bad_out_dir_type():
    with pytest.raises(TypeError, match=r"Expected `out_dir` to be a path. Received: out_dir=3"):
        train_fashion_cnn(3)


def broken_dataset(directory):
    """All four Fashion-MNIST file names, each holding 6 bytes: no IDX header."""
    directory.mkdir()
    for stem in ("train-images", "train-labels", "t10k-images", "t10k-labels"):
        idx = "idx3" if stem.endswith("images") else "idx1"
        (directory / f"{stem}-{idx}-ubyte").write_bytes(b"broken")
    return directory


def test_bad_data_leaves_no_out_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FASHION_MNIST_DIR", str(broken_dataset(tmp_path / "data")))
    out = tmp_path / "runs" / "first"
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte is too short"):
        train_fashion_cnn(out, limit=100, epochs=1, verbose=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # no runs/, no runs/first/


def test_make_out_dir_returns_the_topmost_directory_it_created(tmp_path):
    assert make_output_dir(tmp_path / "a" / "b") == tmp_path / "a"
    assert (tmp_path / "a" / "b").is_dir()
    assert make_output_dir(tmp_path / "a" / "c") == tmp_path / "a" / "c"
    assert make_output_dir(tmp_path / "a" / "c") is None


@needs_dataset
def test_the_command_line(tmp_path, capsys):
    """``activations train-fashion`` trains and refuses a non-empty --out."""
    out = tmp_path / "cli"
    argv = ["train-fashion", "--out", str(out), "--limit", "100", "--epochs", "1"]
    argv += ["--verbose", "0"]
    assert cli_main(argv) == 0
    assert "test accuracy" in capsys.readouterr().out
    assert (out / "fashion_cnn.keras").is_file()
    assert cli_main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("activations: error: The output directory") and err.count("\n") == 1
    assert "is not empty; pass force=True (--force)" in err


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        ([], "the following arguments are required: --out"),
        (
            ["--out", "x", "--epochs", "0"],
            "argument --epochs: expected a positive integer, got '0'",
        ),
        (["--out", "x", "--verbose", "5"], "invalid choice: 5"),
        (["--out", "x", "--monitor", "loss"], "invalid choice: 'loss'"),
        (["--out", "x", "--validation-split", "2"], "expected a number between 0 and 1, got '2'"),
        (["--out", "x", "--lr-factor", "1"], "expected a number between 0 and 1, got '1'"),
        (["--out", "x", "--patience", "-1"], "expected an integer >= 0, got '-1'"),
    ],
)
def test_command_line_bad_arguments(tmp_path, monkeypatch, capsys, argv, match):
    monkeypatch.chdir(tmp_path)
    assert cli_main(["train-fashion", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("activations: error: ") and err.count("\n") == 1, err
    assert match in err
    assert "(see 'activations train-fashion --help')" in err
    assert list(tmp_path.iterdir()) == []
