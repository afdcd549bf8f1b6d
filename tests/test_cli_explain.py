"""``activations explain`` and ``dream`` (cli/_explain.py), class names (cli/_names.py)
and the command line's words for library errors (cli/_errors.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import keras
import numpy as np
import pytest
from _report_checks import edges_are_blank
from keras import layers
from PIL import Image

from activations._explain.methods import METHODS, explain_one
from activations.cli import main
from activations.cli._errors import with_flags
from activations.cli._names import FACE_CLASSES, class_names, has_fashion_layout
from activations.datasets import CLASS_NAMES
from activations.zoo import fashion_cnn

SHIPPED = Path(__file__).resolve().parents[1] / "data"
FACE, BOOT = str(SHIPPED / "face.png"), str(SHIPPED / "fashion_test_0.png")


def _error(capsys) -> str:
    """The one error line on stderr."""
    lines = [
        line
        for line in capsys.readouterr().err.splitlines()
        if not line.startswith("activations: note: ")  # the pixel scale of a model file
    ]
    assert len(lines) == 1 and lines[0].startswith("activations: error: "), lines
    return lines[0]


@pytest.fixture(scope="module")
def two_outputs(tmp_path_factory) -> Path:
    """A model file with two outputs and no softmax: no score to pick on its own."""
    inputs = keras.Input((16, 16, 3))
    conv = layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)
    pooled = layers.GlobalAveragePooling2D(name="gap")(conv)
    model = keras.Model(inputs, [pooled, layers.Dense(3, name="raw")(pooled)], name="two")
    path = tmp_path_factory.mktemp("models") / "two.keras"
    model.save(path)
    return path


@pytest.mark.parametrize("method", list(METHODS))
def test_explain_names_the_fashion_class_and_keeps_the_title_whole(tmp_path, capsys, method):
    photo = tmp_path / "an_ankle_boot_from_the_fashion_mnist_test_set.png"
    shutil.copy(BOOT, photo)
    out = tmp_path / f"{method}.png"
    assert main(["explain", "fashion", str(photo), "--method", method, "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"{method} for the predicted class 9 'Ankle boot': max" in printed
    assert f"wrote {out}" in printed
    assert edges_are_blank(out)  # the long title wraps, nothing is cut
    boot = np.asarray(Image.open(BOOT), np.float32)[None, ..., None] / 255
    found = explain_one(method, fashion_cnn(), boot, 9)
    assert f"max {float(np.nanmax(found)):.4g} at" in printed  # the library's map, drawn


def test_explain_the_face_score_of_the_face_network_by_default(tmp_path, capsys):
    out = tmp_path / "face.png"
    assert main(["explain", "face", FACE, "-o", str(out)]) == 0
    assert "gradcam for the predicted class 1 'a face': max" in capsys.readouterr().out
    named = ["explain", "face", FACE, "--reduction-layer", "face_score", "--label", "0"]
    assert main([*named, "--method", "occlusion", "-o", str(tmp_path / "o.png")]) == 0
    assert "occlusion for class 0 'not a face': max" in capsys.readouterr().out


def test_explain_errors_name_the_flags(tmp_path, capsys, two_outputs):
    out = str(tmp_path / "x.png")
    assert main(["explain", "fashion", BOOT, "--label", "12", "-o", out]) == 2
    assert _error(capsys) == (
        "activations: error: Expected `--label` in [0, 9] (the score has 10 classes). "
        "Received: --label 12"
    )
    assert main(["explain", str(two_outputs), FACE, "-o", out]) == 2
    assert _error(capsys).endswith(
        "Model 'two' has 2 outputs ['gap', 'raw']; Grad-CAM needs the one whose score to "
        "explain. Pass `--reduction-layer`, one of ['gap', 'raw']. Received: "
        "--reduction-layer None"
    )
    assert main(["explain", "face", FACE, "--reduction-layer", "nope", "-o", out]) == 2
    line = _error(capsys)
    assert "No layer named `nope` in model 'face_net'" in line
    assert line.endswith("Received: --reduction-layer 'nope'")
    assert main(["explain", "face", FACE, "--reduction-layer", "prelu3", "-o", out]) == 2
    assert "layer 'prelu3' gives (8, 8, 64) per image, not one score per class" in _error(capsys)
    assert list(tmp_path.iterdir()) == []
    assert main(["explain", str(two_outputs), FACE, "--reduction-layer", "raw", "-o", out]) == 0


def test_dream_the_face_network_at_a_size_or_from_an_image(tmp_path, capsys):
    eyes = ["dream", "face", "--layer", "prelu3", "--channels", "5,6,21"]
    out = tmp_path / "a.png"
    assert main([*eyes, "--size", "48,48", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "prelu3: dreamt 3 channel(s) at 48x48; mean activation of each channel" in printed
    with Image.open(out) as image:
        assert image.format == "PNG" and image.width > 300
    assert edges_are_blank(out)
    assert main([*eyes, "-o", str(tmp_path / "b.png")]) == 0  # ONet's own size, 48x48
    assert "at 48x48" in capsys.readouterr().out
    assert main([*eyes, "--image", FACE, "--size", "64,40", "-o", str(tmp_path / "c.png")]) == 0
    assert "at 64x40" in capsys.readouterr().out
    assert main([*eyes, "--image", FACE, "-o", str(tmp_path / "d.png")]) == 0
    assert "at 160x160" in capsys.readouterr().out


def test_dream_tiles_one_image_per_channel(tmp_path, capsys):
    out = tmp_path / "dream.png"
    assert (
        main(["dream", "fashion", "--layer", "conv2d", "--channels", "0-3", "-o", str(out)]) == 0
    )
    printed = capsys.readouterr().out
    assert "conv2d: dreamt 4 channel(s) at 28x28; mean activation" in printed
    assert f"wrote {out}" in printed
    with Image.open(out) as image:
        assert image.format == "PNG"
    start = ["dream", "fashion", "--layer", "conv2d", "--channels", "0", "--image", BOOT]
    assert main([*start, "-o", str(tmp_path / "boot.png")]) == 0


def test_dream_errors(tmp_path, capsys):
    fashion = ["dream", "fashion", "--layer", "conv2d", "-o", str(tmp_path / "x.png")]
    assert main([*fashion, "--channels", "40"]) == 2
    assert "Expected channels in 0..31 (layer 'conv2d' has 32). Received: --channels 40" in _error(
        capsys
    )
    assert main([*fashion, "--channels", "5-2"]) == 2
    assert "expected a range like 0-15" in _error(capsys)
    assert main([*fashion, "--channels", "1", "--size", "20,20"]) == 2
    assert _error(capsys).endswith("model 'fashion' takes 28x28 images only; got --size 20,20")
    assert main([*fashion, "--channels", "1", "--size", "48"]) == 2
    assert "expected a size H,W like 48,48, got '48'" in _error(capsys)
    free = keras.Sequential(
        [keras.Input((None, None, 3)), layers.Conv2D(2, 3, name="conv")], name="free"
    )
    free.save(tmp_path / "free.keras")
    args = ["dream", str(tmp_path / "free.keras"), "--layer", "conv", "--channels", "0"]
    assert main([*args, "-o", str(tmp_path / "x.png")]) == 2
    assert "takes images of any size: pass --size H,W or --image FILE" in _error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["free.keras"]


def test_class_names_of_known_models(tmp_path):
    model = fashion_cnn()
    assert class_names("fashion", model, None, 10) == CLASS_NAMES
    assert class_names("face", model, "face_score", 2) == FACE_CLASSES
    assert class_names("face", model, "landmarks", 10) is None
    # A file of the Fashion CNN's layer layout, its layers named otherwise, gets the names.
    copy = keras.Sequential(
        [keras.Input((28, 28, 1))]
        + [type(layer).from_config({**layer.get_config(), "name": f"my_{i}"})
           for i, layer in enumerate(model.layers)],
    )  # fmt: skip
    assert has_fashion_layout(copy)
    assert class_names("mine.keras", copy, None, 10) == CLASS_NAMES
    assert class_names("mine.keras", copy, None, 9) is None  # not its 10 scores
    other = keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(), layers.Dense(10)])
    assert not has_fashion_layout(other)
    assert class_names("other.keras", other, None, 10) is None


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "Pass `reduction_layer`, one of ['a']. Received: reduction_layer=None",
            "Pass `--reduction-layer`, one of ['a']. Received: --reduction-layer None",
        ),
        (
            "`stage='pre'` needs it. Received: stage='pre'",
            "`--stage pre` needs it. Received: --stage 'pre'",
        ),  # fmt: skip
        ("Received: input_shape=(1,), label=3", "Received: input_shape=(1,), --label 3"),
        ("pass force=True (--force)", "pass force=True (--force)"),
        ("Received: compare_layer='x', box=(1, 2)", "Received: --layer 'x', --region (1, 2)"),
    ],
)
def test_library_errors_name_the_flags(message, expected):
    flags = {"reduction_layer": "--reduction-layer", "stage": "--stage", "label": "--label"}
    flags |= {"force": "--force", "layer": "--layer", "region": "--region"}
    assert with_flags(message, flags) == expected
    assert with_flags(message, {}) == message  # a command without the options: as it is


@pytest.mark.parametrize("method", ["gradcam", "occlusion"])
def test_explain_refuses_scores_that_are_not_finite(tmp_path, capsys, method):
    # Before: imresize's "Expected `array` without NaN values" (occlusion) or a NaN map
    # of class 0 drawn with exit 0 (gradcam). A kernel of 1e38 overflows on bright pixels.
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.Conv2D(1, 1, use_bias=False, kernel_initializer="ones", name="conv"),
            layers.Flatten(),
            layers.Dense(2, activation="softmax", kernel_initializer="ones"),
        ]
    )
    model.get_layer("conv").set_weights([np.full((1, 1, 1, 1), 1e38, np.float32)])
    path = tmp_path / "overflows.keras"
    model.save(path)
    photo = tmp_path / "bright.png"
    Image.fromarray(np.full((8, 8), 255, np.uint8)).save(photo)
    out = tmp_path / "map.png"
    args = ["explain", str(path), str(photo), "--method", method, "-o", str(out)]
    assert main(args) == 2
    assert "are not finite (nan): nothing to explain" in _error(capsys)
    assert not out.exists()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(photo)  # dark: finite scores
    assert main(args) == 0 and out.exists()


def test_an_unknown_method_lists_the_choices(capsys):
    assert main(["explain", "fashion", BOOT, "--method", "shap", "-o", "x.png"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'shap'" in err and "integrated-gradients" in err and "lime" in err
    with pytest.raises(ValueError, match=r"Unknown explanation method 'shap'.*'lime'"):
        explain_one("shap", fashion_cnn(), np.zeros((1, 28, 28, 1), np.float32), 0)
