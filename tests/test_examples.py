"""Smoke tests of the example scripts: each ``main(out_dir, small=True)`` runs every
step, writes the figures it promises and returns sane numbers; one script also
runs through its command line."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image

from activations.datasets._fashion_mnist import SYSTEM_DIR

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` skips it in the inner loop

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

needs_fashion = pytest.mark.skipif(
    not SYSTEM_DIR.is_dir(), reason="dataset-fashion-mnist is not installed"
)


def load_example(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` by path (examples are scripts, not a package)."""
    if str(EXAMPLES) not in sys.path:  # as when the script runs: its folder is on the path
        sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_pngs(directory: Path, names: list[str]) -> None:
    """Each file exists and is a valid PNG of a real, non-uniform picture."""
    for name in names:
        path = directory / name
        assert path.is_file(), f"{name} was not written"
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert min(image.size) >= 100, f"{name} is only {image.size}"
            pixels = np.asarray(image.convert("L"), dtype=np.float64)
        assert pixels.std() > 5, f"{name} is (nearly) blank"


def test_face_eye_closed(tmp_path, capsys):
    numbers = load_example("face_eye_closed").main(tmp_path, small=True)
    check_pngs(
        tmp_path,
        [
            "face_conv1_channels.png",
            "face_conv1_red_channel.png",
            "face_conv1_strongest.png",
            "face_prelu3_channels.png",
            "face_conv3_vs_prelu3.png",
            "face_eye_open_vs_closed.png",
        ],
    )
    assert numbers["conv1_shape"] == (46, 46, 32)
    assert 0 <= numbers["red_channel"] < 32 and 0 <= numbers["strongest_channel"] < 32
    # The README's numbers: prelu3 channels 5, 6 and 21, their drop on the eye.
    assert numbers["eye_channels"] == [5, 6, 21]
    assert [round(v) for v in numbers["inside_drop_pct"]] == [74, 102, 91]
    # They fire on the open eye and stop firing on the closed one...
    assert min(numbers["inside_drop_pct"]) > 50
    # ...while elsewhere their mean moves by less than a tenth of their drop on the eye
    # (outside means are near 0, so their percentages are large for small changes).
    inside = np.subtract(numbers["inside_open"], numbers["inside_closed"])
    outside = np.subtract(numbers["outside_open"], numbers["outside_closed"])
    assert (np.abs(outside) < 0.1 * inside).all()
    # The channels step 5 picked on the open photo alone are eye channels too.
    assert len(numbers["picked_channels"]) == 2
    assert min(numbers["picked_drop_pct"]) > 50
    printed = capsys.readouterr().out
    assert "Total learnables: 389,040" in printed
    assert "region 0.7425 of 8x8 cells; only 30 of 64 channels drop (k=64)" in printed


def test_squeezenet_walkthrough(tmp_path, capsys):
    numbers = load_example("squeezenet_walkthrough").main(tmp_path, small=True)
    check_pngs(
        tmp_path,
        [
            "squeezenet_network.png",
            "squeezenet_conv1_channels.png",
            "squeezenet_conv1_red_channel.png",
            "squeezenet_conv1_strongest.png",
            "squeezenet_fire6_squeeze_vs_relu.png",
            "squeezenet_fire6_eye_channels.png",
            "squeezenet_eye_open_vs_closed.png",
        ],
    )
    assert numbers["conv1_shape"] == (113, 113, 64)
    # MATLAB's channel 22 (ours 21) is among the most red-selective; 14 and 47 (ours 13
    # and 46) rank first and second on the closed eye, as the docstring says.
    assert numbers["red_rank"] == [47, 21, 28, 3, 1]
    assert numbers["eye_channels"] == [13, 46, 47, 8, 10]
    assert [round(v) for v in numbers["eye_drop_pct"][:2]] == [63, 96]
    assert max(numbers["eye_outside_drop_pct"]) < 10
    # The strongest channel: a horizontal edge detector, positive on top, negative below.
    assert numbers["strongest_channel"] == 0
    top, middle, bottom = numbers["strongest_kernel_rows"]
    assert top > 0 > middle > bottom
    printed = capsys.readouterr().out
    assert "67 layers, 1,235,496 learnables" in printed
    assert "region 2.274 of 14x14 cells; top 5 of 26 dropping channels" in printed


def test_weights_trained_vs_untrained(tmp_path, capsys):
    numbers = load_example("weights_trained_vs_untrained").main(tmp_path, small=True)
    check_pngs(
        tmp_path, ["fashion_kernels_trained_vs_untrained.png", "fashion_kernel_histogram.png"]
    )
    trained, untrained = numbers["trained"], numbers["untrained"]
    assert trained["kernel_shape"] == untrained["kernel_shape"] == (3, 3, 1, 32)
    assert trained["bias_shape"] == untrained["bias_shape"] == (32,)
    # Glorot uniform for a 3x3x1 -> 32 kernel: limit sqrt(6 / 297) = 0.142, std 0.082.
    assert untrained["std"] == pytest.approx(0.082, abs=0.01)
    assert -0.143 < untrained["min"] and untrained["max"] < 0.143
    # Training spreads the first-layer weights well beyond their initialization.
    assert trained["std"] > 2 * untrained["std"]
    assert "untrained: kernel (3, 3, 1, 32), bias (32,)" in capsys.readouterr().out


@pytest.mark.dataset
@needs_fashion
def test_feature_maps(tmp_path):
    numbers = load_example("feature_maps").main(tmp_path, small=True)
    check_pngs(tmp_path, ["fashion_feature_maps_conv2d.png", "fashion_feature_maps_conv2d_1.png"])
    assert numbers["label"] == "Ankle boot"
    assert numbers["shapes"] == {"conv2d": (28, 28, 32), "conv2d_1": (14, 14, 64)}
    assert all(value > 0 for value in numbers["max"].values())  # ReLU maps, not all dead


@pytest.mark.dataset
@needs_fashion
def test_fashion_train_small_trains(tmp_path):
    numbers = load_example("fashion_train").main(tmp_path, small=True)
    check_pngs(tmp_path, ["fashion_loss_curve.png", "fashion_network.png"])
    assert (tmp_path / "fashion_cnn_run" / "fashion_cnn.keras").is_file()
    assert numbers["epochs_run"] == numbers["best_epoch"] == 1
    assert numbers["n_test"] == 1000
    assert numbers["total_learnables"] == 333_526
    assert 0.2 < numbers["test_accuracy"] <= 1.0  # one epoch on 480 images beats chance (0.1)


@pytest.mark.dataset
@needs_fashion
def test_fashion_train_loads_shipped_model(tmp_path, capsys):
    numbers = load_example("fashion_train").main(tmp_path)
    check_pngs(tmp_path, ["fashion_loss_curve.png", "fashion_network.png"])
    assert not (tmp_path / "fashion_cnn_run").exists()  # nothing trained
    assert numbers["n_test"] == 10_000
    assert 1 <= numbers["best_epoch"] <= numbers["epochs_run"]
    assert numbers["test_accuracy"] > 0.85  # the shipped model is the trained one
    assert "Test accuracy" in capsys.readouterr().out


@pytest.mark.dataset
@needs_fashion
def test_feature_maps_command_line(tmp_path):
    out = tmp_path / "figures"
    script = EXAMPLES / "feature_maps.py"
    completed = subprocess.run(
        [sys.executable, str(script), "--out", str(out), "--small"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "conv2d: (28, 28, 32); conv2d_1: (14, 14, 64)" in completed.stdout
    check_pngs(out, ["fashion_feature_maps_conv2d.png", "fashion_feature_maps_conv2d_1.png"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures"]  # nothing else written


def test_explain(tmp_path, capsys):
    written = load_example("explain").main(tmp_path, small=True)
    names = ["fashion_explain.png", "face_explain.png", "fashion_dream.png", "face_dream.png"]
    assert [p.name for p in written] == [*names, "explain_numbers.json"]
    check_pngs(tmp_path, names)
    out = capsys.readouterr().out
    assert "Grad-CAM (max_pooling2d_1): max" in out and "occlusion sensitivity" in out
    numbers = json.loads((tmp_path / "explain_numbers.json").read_text())
    boot = numbers["fashion"]
    assert boot["p"] > 0.99 and 0 < boot["occlusion"]["max"] < 0.01  # sure: no patch matters
    assert f"max {boot['occlusion']['max']:.4g} at (row, col) " in out
    assert 0.5 < numbers["face"]["p"] <= 1 and numbers["face"]["occlusion"]["max"] > 0.05


@pytest.mark.dataset
@needs_fashion
def test_tsne(tmp_path, capsys):
    numbers = load_example("tsne").main(tmp_path, small=True)
    check_pngs(tmp_path, ["fashion_tsne.png"])
    assert json.loads((tmp_path / "tsne_numbers.json").read_text()) == numbers
    assert numbers["n"] == 300
    layers = ["conv2d", "dense", "dense_1"]
    assert list(numbers["knn_2d"]) == list(numbers["knn_full"]) == layers
    early, late, softmax = (numbers["knn_2d"][layer] for layer in layers)
    # The classes separate more in the later layers (chance agreement is about 0.1)...
    assert 0.2 < early < late - 0.1 and late < softmax + 0.05 and softmax > 0.8
    # ...and the 2-D map keeps the neighbourhoods of each layer's own space.
    for layer in layers:
        assert numbers["knn_2d"][layer] == pytest.approx(numbers["knn_full"][layer], abs=0.1)
    out = capsys.readouterr().out
    assert "300 test images" in out and "conv2d (28, 28, 32): 10-NN class agreement" in out


@pytest.mark.dataset
@needs_fashion
def test_top_images(tmp_path, capsys):
    numbers = load_example("top_images").main(tmp_path, small=True)
    check_pngs(tmp_path, ["fashion_top_conv2d_1.png"])
    assert numbers["n"] == 1000 and numbers["conv2d_1 live"] == 64
    # top sets are far more class-coherent than random sets of 9 (about 0.29)
    assert numbers["random"] < 0.35 < numbers["conv2d_1"] < numbers["dense"]
    printed = capsys.readouterr().out
    assert "conv2d_1 cells see (8, 8) pixels, stride (2, 2), offset (-3, -3)" in printed
