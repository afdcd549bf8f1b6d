"""The ``activations`` command line, through ``main([...])``, on real files."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers
from PIL import Image

from activations import activations, compare_channels
from activations.cli import main
from activations.datasets import face, face_eye_closed
from activations.zoo import face_net


def _seeded(seed: int) -> dict:
    return {"kernel_initializer": keras.initializers.GlorotUniform(seed=seed)}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """A tiny RGB conv model saved as .keras, photos as PNG/JPEG, and bad files."""
    root = tmp_path_factory.mktemp("cli")
    model = keras.Sequential(
        [
            keras.Input((12, 12, 3)),
            layers.Conv2D(4, 3, activation="relu", padding="same", name="conv1", **_seeded(1)),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(3, 3, name="conv2", **_seeded(2)),
            layers.ReLU(name="relu2"),
            layers.GlobalAveragePooling2D(name="gap"),
            layers.Dense(2, name="dense", **_seeded(3)),
        ],
        name="tiny",
    )
    paths = {"model": root / "tiny.keras"}
    model.save(paths["model"])
    dense = keras.Sequential([keras.Input((5,)), layers.Dense(2)], name="flat")
    paths["dense"] = root / "dense.keras"
    dense.save(paths["dense"])
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)
    paths["photo"] = root / "photo.png"
    Image.fromarray(photo).save(paths["photo"])
    other = photo.copy()
    other[4:12, 4:12] = 0
    paths["photo_b"] = root / "photo_b.jpg"
    Image.fromarray(other).save(paths["photo_b"], quality=95)
    paths["face"] = root / "face.png"
    Image.fromarray(face()).save(paths["face"])
    paths["closed"] = root / "closed.png"
    Image.fromarray(face_eye_closed()).save(paths["closed"])
    paths["junk_model"] = root / "junk.keras"
    paths["junk_model"].write_text("not a model")
    paths["junk_image"] = root / "junk.png"
    paths["junk_image"].write_text("not an image")
    return paths


def _error(capsys) -> str:
    """The one error line of stderr (and check that it is the only one)."""
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("activations: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def _is_png(path: Path) -> bool:
    with Image.open(path) as image:
        return image.format == "PNG" and image.width > 50 and image.height > 50


# --- summary -----------------------------------------------------------------


def test_summary_of_a_model_file(files, capsys):
    assert main(["summary", str(files["model"])]) == 0
    out = capsys.readouterr().out
    assert "Model 'tiny', input 12x12x3" in out
    assert "conv2" in out and "relu2" in out
    assert "Total learnables: " in out


def test_summary_of_the_fashion_zoo_model(capsys):
    assert main(["summary", "fashion"]) == 0
    out = capsys.readouterr().out
    assert "conv2d_1" in out
    assert "Total learnables: 333,526" in out


# Saving legacy HDF5 goes through an object whose __array__ lacks numpy 2's `copy`.
@pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)
def test_summary_of_an_h5_file(tmp_path, capsys):
    model = keras.Sequential([keras.Input((6, 6, 1)), layers.Conv2D(2, 3, name="c")], name="h")
    model.save(tmp_path / "m.h5")
    assert main(["summary", str(tmp_path / "m.h5")]) == 0
    assert "Model 'h'" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("missing", "no model file '.*missing.keras' \\(and not a zoo model: fashion, face"),
        ("junk_model", "could not load '.*junk.keras' as a Keras model"),
        ("photo", "expected a .keras or .h5 model file, got '.*photo.png'"),
        ("dense", "should take images of shape \\(H, W, C\\); its input is \\(5,\\)"),
    ],
)
def test_summary_bad_model(files, capsys, key, message):
    path = files.get(key, files["model"].parent / "missing.keras")
    assert main(["summary", str(path)]) == 2
    line = _error(capsys)
    assert re.search(message, line), line


def test_summary_refuses_a_lambda_layer(tmp_path, capsys):
    """Model files load with safe_mode=True: no Python code from a file is run."""
    model = keras.Sequential(
        [keras.Input((6, 6, 1)), layers.Lambda(lambda x: x * 2.0, name="double")], name="lam"
    )
    model.save(tmp_path / "lambda.keras")
    assert main(["summary", str(tmp_path / "lambda.keras")]) == 2
    line = _error(capsys)
    assert "could not load" in line and "safe_mode" in line


# --- show --------------------------------------------------------------------


def test_show_tiles_the_channels(files, tmp_path, capsys):
    out = tmp_path / "maps.png"
    code = main(
        ["show", str(files["model"]), str(files["photo"]), "--layer", "conv1", "-o", str(out)]
    )
    assert code == 0
    stdout = capsys.readouterr().out
    x = np.asarray(Image.open(files["photo"]).resize((12, 12), Image.Resampling.BILINEAR))
    expected = int(
        np.argmax(
            activations(keras.saving.load_model(files["model"]), x.astype("float32"), "conv1").max(
                axis=(0, 1)
            )
        )
    )
    assert f"conv1: 4 channels of 12x12; strongest channel {expected}" in stdout
    assert f"wrote {out}" in stdout
    assert _is_png(out)


def test_show_channels_over_the_photo(files, tmp_path, capsys):
    one, two = tmp_path / "one.png", tmp_path / "two.png"
    base = ["show", str(files["model"]), str(files["photo"]), "--layer", "conv1"]
    assert main([*base, "--strongest", "-o", str(one)]) == 0
    assert main([*base, "--channels", "0,3", "-o", str(two)]) == 0
    with Image.open(one) as a, Image.open(two) as b:
        assert b.height == pytest.approx(2 * a.height, rel=0.05)


def test_show_pre_activation_and_pdf(files, tmp_path):
    out = tmp_path / "pre.pdf"
    args = ["show", str(files["model"]), str(files["photo"]), "--layer", "conv1"]
    assert main([*args, "--stage", "pre", "--strongest", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")


def test_show_logs_conversions_with_v(files, tmp_path, capsys):
    out = tmp_path / "f.png"
    assert (
        main(["show", "fashion", str(files["photo"]), "--layer", "conv2d", "-o", str(out), "-v"])
        == 0
    )
    err = capsys.readouterr().err
    assert "pixel values divided by 255" in err
    assert "Converted image from 3 to 1 channels" in err
    assert "Resized image from 24x24 to the model's input size 28x28" in err


def test_show_is_quiet_without_v(files, tmp_path, capsys):
    out = tmp_path / "f.png"
    assert main(["show", "fashion", str(files["photo"]), "--layer", "conv2d", "-o", str(out)]) == 0
    assert "Converted" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--layer", "conv9"], "No layer named `conv9`"),
        (["--layer", "conv2", "--stage", "pre"], "`stage='pre'` needs a layer with a fused"),
        (["--layer", "dense"], "layer 'dense' gives \\(2,\\) outputs, not \\(H, W, C\\) maps"),
        (["--layer", "conv1", "--channels", "1,4"], "channels \\[4\\] out of range: conv1 has 4"),
        (["--layer", "conv1", "--scale", "0"], None),
    ],
)
def test_show_bad_layer_or_channel(files, tmp_path, capsys, extra, message):
    out = tmp_path / "x.png"
    code = main(["show", str(files["model"]), str(files["photo"]), *extra, "-o", str(out)])
    assert code == 2
    if message is None:  # rejected by argparse: usage and an error line
        assert "expected a positive number" in capsys.readouterr().err
    else:
        assert re.search(message, _error(capsys))
    assert not out.exists()


@pytest.mark.parametrize(
    ("image_key", "message"),
    [
        ("missing", "No image file at '.*nothing.png'"),
        ("junk_image", "Could not read '.*junk.png' as an image"),
    ],
)
def test_show_bad_image(files, tmp_path, capsys, image_key, message):
    image = files.get(image_key, tmp_path / "nothing.png")
    out = tmp_path / "x.png"
    assert main(["show", str(files["model"]), str(image), "--layer", "conv1", "-o", str(out)]) == 2
    assert re.search(message, _error(capsys))
    assert not out.exists()


def test_show_refuses_to_overwrite_without_force(files, tmp_path, capsys):
    out = tmp_path / "x.png"
    out.write_bytes(b"keep me")
    args = ["show", str(files["model"]), str(files["photo"]), "--layer", "conv1", "-o", str(out)]
    assert main(args) == 2
    assert "exists; pass --force to overwrite it" in _error(capsys)
    assert out.read_bytes() == b"keep me"
    assert main([*args, "--force"]) == 0
    assert _is_png(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.png"]  # no temporary file left


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("x.gif", "-o should end in one of .png, .pdf"),
        ("no_such_dir/x.png", "The directory of the output file '.*x.png' does not exist"),
        ("dir.png", "is a directory; expected a file name"),
    ],
)
def test_show_bad_output_path(files, tmp_path, capsys, output, message):
    out = tmp_path / output
    (tmp_path / "dir.png").mkdir()
    args = ["show", str(files["model"]), str(files["photo"]), "--layer", "conv1", "-o", str(out)]
    assert main(args) == 2
    assert re.search(message, _error(capsys))


def test_show_argument_errors_exit_2(files, capsys):
    base = ["show", str(files["model"]), str(files["photo"]), "--layer", "conv1", "-o", "x.png"]
    assert main([*base, "--strongest", "--channels", "1"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err
    assert main([*base, "--channels", "a,b"]) == 2
    assert "expected integers like 3,14, got 'a,b'" in capsys.readouterr().err
    assert main(["show", str(files["model"])]) == 2
    assert "required" in capsys.readouterr().err


# --- compare -----------------------------------------------------------------


def test_compare_the_eye_on_prelu3_agrees_with_the_api(files, tmp_path, capsys):
    # prelu3's cells are 20x20 face pixels: the eye box covers no half of any of them.
    out = tmp_path / "eye.png"
    args = ["compare", "face", str(files["face"]), str(files["closed"]), "--layer", "prelu3"]
    assert main([*args, "--region", "88,59,115,70", "-k", "3", "-o", str(out)]) == 0
    stdout = capsys.readouterr().out
    from activations import datasets

    net = face_net()
    act_open = activations(net, face(), "prelu3")
    act_closed = activations(net, face_eye_closed(), "prelu3")
    expected = compare_channels(
        act_open, act_closed, region=datasets.eye_closed_region(act_open.shape[:2]), k=3
    )
    assert expected.channels.tolist() == [5, 6, 21]  # the README's eye channels
    assert (
        "prelu3: region x 88..115, y 59..70 of the 160x160 image covers 0.7425 of the 8x8 "
        "cells" in stdout
    )
    assert "from a = face.png to b = closed.png" in stdout
    assert str(expected) in stdout
    # The box as a photo-sized mask gives the same ranking.
    mask = np.zeros((160, 160), bool)
    mask[59:70, 88:115] = True
    from_mask = compare_channels(act_open, act_closed, region=mask, k=3)
    np.testing.assert_array_equal(from_mask.channels, expected.channels)
    np.testing.assert_allclose(from_mask.drop_pct, expected.drop_pct, rtol=1e-5)
    assert _is_png(out)


def test_compare_whole_map_says_there_is_no_region(files, tmp_path, capsys):
    out = tmp_path / "c.png"
    args = ["compare", str(files["model"]), str(files["photo"]), str(files["photo_b"])]
    assert main([*args, "--layer", "relu2", "-k", "100", "-o", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "relu2: no --region given, so the whole 4x4 map is compared" in stdout
    assert "ChannelComparison(no region: the whole map, nothing outside;" in stdout
    table_header = stdout.splitlines()[3]
    assert table_header.split()[:5] == ["channel", "inside_a", "inside_b", "drop", "drop"]
    assert "outside_a" not in stdout
    assert _is_png(out)


def test_compare_ranks_only_channels_that_drop(files, tmp_path, capsys):
    out = tmp_path / "c.png"
    args = ["compare", str(files["model"]), str(files["photo"]), str(files["photo_b"])]
    args += ["--layer", "relu2", "--region", "2,2,6,6", "-k", "100"]
    assert main([*args, "-o", str(out)]) == 0
    stdout = capsys.readouterr().out
    from activations._commands import load_image, load_model
    from activations._region import region_weights

    loaded = load_model(str(files["model"]))
    image_a = load_image(str(files["photo"]), loaded)
    image_b = load_image(str(files["photo_b"]), loaded)
    act_a = activations(loaded.model, image_a.astype("float32"), "relu2")
    act_b = activations(loaded.model, image_b.astype("float32"), "relu2")
    region = region_weights((2, 2, 6, 6), act_a.shape[:2], image_shape=image_a.shape[:2])
    expected = compare_channels(act_a, act_b, region=region, k=100)
    assert (expected.drop > 0).all() and expected.n_dropping < 100
    assert str(expected) in stdout
    assert "channels drop (k=100)" in stdout


def test_compare_a_box_smaller_than_a_cell(files, tmp_path, capsys):
    out = tmp_path / "c.png"
    args = ["compare", str(files["model"]), str(files["photo"]), str(files["photo_b"])]
    # The 24x24 photo is fitted to the model's 12x12 input; relu2's cells are 3x3 pixels.
    assert main([*args, "--layer", "relu2", "--region", "0,0,1,1", "-o", str(out)]) == 0
    assert "covers 0.1111 of the 4x4 cells" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ("1,2,3", "--region should have 4 integers, got '1,2,3'"),
        ("a,b,c,d", "--region should be comma-separated integers, got 'a,b,c,d'"),
        ("0,0,13,5", "0 <= x0 < x1 <= 12 and 0 <= y0 < y1 <= 12"),
        ("5,5,5,9", "0 <= x0 < x1 <= 12"),
    ],
)
def test_compare_bad_region(files, tmp_path, capsys, region, message):
    out = tmp_path / "c.png"
    args = ["compare", str(files["model"]), str(files["photo"]), str(files["photo_b"])]
    assert main([*args, "--layer", "relu2", "--region", region, "-o", str(out)]) == 2
    assert message in _error(capsys)
    assert not out.exists()


def test_compare_unknown_layer(files, tmp_path, capsys):
    args = ["compare", str(files["model"]), str(files["photo"]), str(files["photo_b"])]
    assert main([*args, "--layer", "relu", "-o", str(tmp_path / "c.png")]) == 2
    assert "No layer named `relu`" in _error(capsys)


# --- report ------------------------------------------------------------------


def test_report_writes_a_page(files, tmp_path, capsys):
    out = tmp_path / "report"
    args = ["report", str(files["model"]), str(files["photo"]), "-o", str(out)]
    assert main([*args, "--compare", str(files["photo_b"]), "--region", "4,4,12,12"]) == 0
    assert f"wrote {out / 'index.html'}" in capsys.readouterr().out
    text = (out / "index.html").read_text()
    assert "compare_relu2.png" in text
    assert sorted(tmp_path.iterdir()) == [out]  # no temporary directory left beside it


def test_report_refuses_a_non_empty_directory(files, tmp_path, capsys):
    out = tmp_path / "report"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    args = ["report", str(files["model"]), str(files["photo"]), "-o", str(out)]
    assert main(args) == 2
    assert "is not empty; pass --force" in _error(capsys)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert main([*args, "--force"]) == 0
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "index.html").is_file()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--region", "0,0,4,4"], "--region needs --compare IMAGE_B"),
        (["--layers", "conv1,pool1"], "Not a conv layer of model 'tiny': ['pool1']"),
        (["--compare", "PHOTO_B", "--layer", "nope"], "No layer named `nope`"),
        (["--compare", "PHOTO_B", "--region", "0,0,40,4"], "0 <= x0 < x1 <= 12"),
    ],
)
def test_report_errors_leave_nothing_behind(files, tmp_path, capsys, extra, message):
    out = tmp_path / "report"
    extra = [str(files["photo_b"]) if e == "PHOTO_B" else e for e in extra]
    assert main(["report", str(files["model"]), str(files["photo"]), "-o", str(out), *extra]) == 2
    assert message in _error(capsys)
    assert list(tmp_path.iterdir()) == []


def test_report_output_is_a_file(files, tmp_path, capsys):
    out = tmp_path / "file"
    out.write_text("x")
    assert main(["report", str(files["model"]), str(files["photo"]), "-o", str(out)]) == 2
    assert "is a file; expected a directory" in _error(capsys)


# --- demo, train-fashion, misc -------------------------------------------------


def test_demo_refuses_a_non_empty_directory_before_any_work(tmp_path, capsys):
    (tmp_path / "old.txt").write_text("x")
    assert main(["demo", "-o", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert "is not empty; pass --force" in captured.err
    assert "[1/" not in captured.err


def test_train_fashion_delegates(tmp_path, capsys):
    assert main(["train-fashion", "--help"]) == 0
    assert "--epochs" in capsys.readouterr().out
    out = tmp_path / "run"
    code = main(
        ["train-fashion", "--out", str(out), "--epochs", "1", "--limit", "60", "--verbose", "0"]
    )
    assert code == 0
    assert (out / "fashion_cnn.keras").is_file()
    assert main(["train-fashion", "--out", str(out), "--epochs", "1", "--limit", "60"]) == 2
    assert "--force" in capsys.readouterr().err


def test_version_and_no_command(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("activations ")
    assert main([]) == 2
    assert "required: COMMAND" in capsys.readouterr().err


def test_python_dash_m_runs_the_cli():
    result = subprocess.run(
        [sys.executable, "-m", "activations", "summary", "nothing.keras"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "activations: error: no model file 'nothing.keras'" in result.stderr
    assert "Traceback" not in result.stderr
