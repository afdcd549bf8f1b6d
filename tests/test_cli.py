"""The ``activations`` command line, through ``main([...])``, on real files."""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import keras
import numpy as np
import pytest
from _report_checks import assert_all_targets_exist, edges_are_blank
from keras import layers
from PIL import Image

from activations import activations, compare_channels
from activations.cli import main
from activations.cli._loading import SAFE_KERAS, keras_is_safe
from activations.cli._quiet import quiet_tensorflow
from activations.datasets import face, face_eye_closed
from activations.datasets._fashion_mnist import SYSTEM_DIR
from activations.zoo import face_net


def _png_20000x20000() -> bytes:
    """74 bytes of PNG whose header claims 20000x20000 gray pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0))
    idat = chunk(b"IDAT", zlib.compress(bytes(6), level=0))
    return b"\x89PNG\r\n\x1a\n" + header + idat + chunk(b"IEND", b"")


needs_dataset = pytest.mark.skipif(
    not SYSTEM_DIR.is_dir(), reason="dataset-fashion-mnist is not installed"
)


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
    paths["junk_h5"] = root / "junk.h5"
    paths["junk_h5"].write_text("not a model")
    paths["zip_model"] = root / "zip.keras"
    with zipfile.ZipFile(paths["zip_model"], "w") as archive:
        archive.writestr("notes.txt", "a zip archive, but not a Keras one")
    paths["junk_image"] = root / "junk.png"
    paths["junk_image"].write_text("not an image")
    return paths


ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data"


def _error(capsys) -> str:
    """The error line: stderr must hold that one line, after report's "[3/7] ..." if any."""
    err = capsys.readouterr().err
    lines = [
        line
        for line in err.splitlines()
        if not re.match(r"\[\d+/\d+\] |activations: note: ", line)
    ]
    assert len(lines) == 1 and lines[0].startswith("activations: error: "), err
    assert err.endswith(lines[0] + "\n"), err
    return lines[0]


def _env(**changes: str | None) -> dict[str, str]:
    """os.environ with this tree first on PYTHONPATH; a None value removes the name."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _python(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True, text=True, timeout=300, check=False, env=env or _env(),
    )  # fmt: skip


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


@pytest.mark.usefixtures("no_network")
def test_summary_of_the_squeezenet_zoo_model_offline(capsys):
    assert main(["summary", "squeezenet"]) == 0
    out = capsys.readouterr().out
    assert "fire6-relu_squeeze1x1" in out
    assert "Total learnables: 1,235,496" in out


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
        ("junk_model", "'.*junk.keras' exists but is not a valid Keras archive: it is not a zip"),
        ("junk_h5", "'.*junk.h5' exists but is not a valid HDF5 model: it is not an HDF5 file"),
        (
            "zip_model",
            "'.*zip.keras' exists but is not a valid Keras archive: .*no item named 'config.json'",
        ),
        ("photo", "expected a .keras, .h5 or .hdf5 model file, got '.*photo.png'"),
        ("dense", "should take images of shape \\(H, W, C\\); its input is \\(5,\\)"),
    ],
)
def test_summary_bad_model(files, capsys, key, message):
    path = files.get(key, files["model"].parent / "missing.keras")
    assert main(["summary", str(path)]) == 2
    line = _error(capsys)
    assert re.search(message, line), line
    assert "File not found" not in line


@pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_summary_never_runs_the_code_of_a_lambda_layer(tmp_path, capsys, suffix):
    """Model files load with safe_mode=True: the Python code in a file never runs."""
    marker = tmp_path / "code-ran.txt"
    # A lambda (not a def) is saved as bytecode; this one writes the marker file.
    code = f"lambda x: (__import__('pathlib').Path({str(marker)!r}).write_text('ran'), x)[1]"
    writes_marker = eval(code)
    model = keras.Sequential(
        [keras.Input((6, 6, 1)), layers.Lambda(writes_marker, name="evil")], name="evil"
    )
    path = tmp_path / f"evil{suffix}"
    model.save(path)
    marker.unlink()  # building the model ran the lambda once
    assert main(["summary", str(path)]) == 2
    line = _error(capsys)
    assert f"refused to load '{path}': Requested the deserialization of a `Lambda` layer" in line
    assert "loaded with Keras' safe_mode, which never runs Python code from a file" in line
    assert not marker.exists()
    # The control: without safe_mode, loading this file does run its code.
    keras.saving.load_model(path, safe_mode=False, compile=False)
    assert marker.read_text() == "ran"


def test_keras_floor_is_the_hardened_release():
    # tomllib is not in Python 3.10; the requirement strings are enough.
    floors = re.findall(r'^\s*"(keras\b[^"]*)",', (ROOT / "pyproject.toml").read_text(), re.M)
    assert floors == [f"keras>={SAFE_KERAS}"]
    assert keras_is_safe(SAFE_KERAS) and keras_is_safe(keras.__version__)
    assert keras_is_safe("3.16.0") and keras_is_safe("4.0")
    for old in ("3.0.0", "3.10.0", "3.13.2", "3.15.0", "3.15.1rc1", "not a version"):
        assert not keras_is_safe(old), old


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


def test_show_titles_are_whole(files, tmp_path):
    photo = tmp_path / "a_photo_with_a_rather_long_name_from_a_camera_roll.png"
    shutil.copy(files["face"], photo)
    for extra in (["--layer", "prelu3", "--channels", "5,6"], ["--layer", "conv1"]):
        out = tmp_path / "show.png"
        assert main(["show", "face", str(photo), *extra, "-o", str(out), "--force"]) == 0
        assert edges_are_blank(out)


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
        (["--layer", "conv2", "--stage", "pre"], "`--stage pre` needs a layer with a fused"),
        (["--layer", "dense"], "layer 'dense' gives \\(2,\\) outputs, not \\(H, W, C\\) maps"),
        (["--layer", "conv1", "--channels", "1,4"], "channels \\[4\\] out of range: conv1 has 4"),
    ],
)
def test_show_bad_layer_or_channel(files, tmp_path, capsys, extra, message):
    out = tmp_path / "x.png"
    code = main(["show", str(files["model"]), str(files["photo"]), *extra, "-o", str(out)])
    assert code == 2
    assert re.search(message, _error(capsys))
    assert not out.exists()


@pytest.mark.parametrize("scale", ["0", "-1", "inf", "-inf", "nan", "1e9", "0.0001", "a"])
def test_show_refuses_absurd_scales(files, tmp_path, capsys, scale):
    out = tmp_path / "x.png"
    args = ["show", str(files["model"]), str(files["photo"]), "--layer", "conv1"]
    assert main([*args, f"--scale={scale}", "-o", str(out)]) == 2
    assert _error(capsys) == (
        "activations: error: argument --scale: expected a number from 0.001 to 100000 "
        f"(pixel values 0..255 are divided by it), got '{scale}' (see 'activations show --help')"
    )
    assert not out.exists()


def test_show_refuses_a_dpi_too_large_for_memory(files, tmp_path, capsys):
    out = tmp_path / "x.png"
    args = ["show", str(files["model"]), str(files["photo"]), "--layer", "conv1", "-o", str(out)]
    assert main([*args, "--dpi", "100000"]) == 2
    line = _error(capsys)
    assert re.search(
        r"The figure would be \d+x\d+ pixels at --dpi 100000; the limit is 100,000,000 pixels "
        r"and 65,535 a side. Expected a smaller dpi \(at most (\d[\d,]*) for this figure\)",
        line,
    ), line
    largest = int(re.search(r"at most ([\d,]+)", line)[1].replace(",", ""))
    assert list(tmp_path.iterdir()) == []  # no figure, no temporary file
    assert main([*args, "--dpi", str(largest + 1)]) == 2
    assert "The figure would be" in _error(capsys)


@pytest.mark.parametrize(
    ("image_key", "message"),
    [
        ("missing", "No image file at '.*nothing.png'"),
        ("junk_image", "Could not read '.*junk.png' as an image"),
        ("bomb", "Could not read '.*bomb.png' as an image: its header claims 400,000,000 pixels"),
    ],
)
def test_show_bad_image(files, tmp_path, capsys, image_key, message):
    image = files.get(image_key, tmp_path / "nothing.png")
    if image_key == "bomb":  # 74 bytes whose header claims 20000x20000 pixels
        image = tmp_path / "bomb.png"
        image.write_bytes(_png_20000x20000())
        assert image.stat().st_size == 74
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
    assert "not allowed with argument" in _error(capsys)
    assert main([*base, "--channels", "a,b"]) == 2
    assert "expected integers like 3,14, got 'a,b'" in _error(capsys)
    assert main(["show", str(files["model"])]) == 2
    assert "required" in _error(capsys)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["compare", "M", "A", "B", "--layer", "c", "-o", "x.png", "-k", "0"],
            "argument -k: expected a positive integer, got '0' (see 'activations compare --help')",
        ),
        (
            ["show", "M", "A", "--layer", "c", "-o", "x.png", "--dpi", "0"],
            "argument --dpi: expected a positive integer, got '0' (see 'activations show --help')",
        ),
        (["summary", "M", "-k", "0"], "unrecognized arguments: -k 0 (see 'activations --help')"),
        # summary feeds no image: no --scale to set
        (["summary", "M", "--scale", "255"], "unrecognized arguments: --scale 255"),
        (["sumary", "M"], "argument COMMAND: invalid choice: 'sumary'"),
        ([], "the following arguments are required: COMMAND (see 'activations --help')"),
        (["report", "M", "A"], "the following arguments are required: -o/--output"),
        (["train-fashion"], "the following arguments are required: --out"),
    ],
)
def test_argument_errors_are_one_line(capsys, argv, message):
    assert main(argv) == 2
    line = _error(capsys)
    assert message in line, line
    assert "usage:" not in line


@pytest.mark.parametrize("argv", [["--help"], ["show", "--help"], ["train-fashion", "--help"]])
def test_help_is_the_usual_help(capsys, argv):
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"usage: {' '.join(['activations', *argv[:-1]])} [-h]")
    assert captured.out.count("\n") > 8 and captured.err == ""


@pytest.mark.parametrize(
    "command", ["show", "compare", "explain", "dream", "top", "explore", "report"]
)
def test_the_help_of_image_arguments_says_how_pixels_are_read(capsys, monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "500")  # no wrapping inside the words
    assert main([command, "--help"]) == 0
    rule = "by their type: 8-bit as they are, 16-bit x 255/65535, float as 0..1 x 255"
    assert rule in capsys.readouterr().out


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


@pytest.mark.usefixtures("no_network")
def test_compare_the_eye_on_squeezenet_finds_matlabs_channels(files, tmp_path, capsys):
    # The CLI resizes the 160x160 photos to SqueezeNet's 227x227; --region is in the
    # file's pixels (the README's eye box) and is scaled by 227/160, rounded outward.
    out = tmp_path / "eye.png"
    args = ["compare", "squeezenet", str(files["face"]), str(files["closed"])]
    args += ["--layer", "fire6-relu_squeeze1x1", "--region", "88,59,115,70", "-o", str(out)]
    assert main(args) == 0
    stdout = capsys.readouterr().out
    assert "region x 124..164, y 83..100 of the 227x227 image covers" in stdout
    rows = [line.split() for line in stdout.splitlines() if re.match(r"\s+\d+\s+\d", line)]
    assert [int(row[0]) for row in rows][:2] == [13, 46]  # MATLAB's 14 and 47
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
    from activations._arrays.region import region_weights
    from activations.cli._loading import load_image, load_model, model_x

    loaded = load_model(str(files["model"]))
    image_a = load_image(str(files["photo"]), loaded)
    image_b = load_image(str(files["photo_b"]), loaded)
    act_a = activations(loaded.model, model_x(image_a, loaded), "relu2")
    act_b = activations(loaded.model, model_x(image_b, loaded), "relu2")
    # --region 2,2,6,6 is in the 24x24 file's pixels: 1,1,3,3 of the 12x12 input
    region = region_weights((1, 1, 3, 3), act_a.shape[:2], image_shape=image_a.shape[:2])
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
        ("0,0,25,5", "0 <= x0 < x1 <= 24 and 0 <= y0 < y1 <= 24"),  # the file's 24x24
        ("5,5,5,9", "0 <= x0 < x1 <= 24"),
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


def test_compare_refuses_photos_of_different_shapes(files, tmp_path, capsys):
    gray = tmp_path / "gray.png"
    Image.fromarray(np.zeros((24, 24), np.uint8)).save(gray)
    small = tmp_path / "small.png"
    Image.fromarray(np.zeros((20, 24, 3), np.uint8)).save(small)
    out = tmp_path / "c.png"
    for other, words in ((gray, "24x24 gray"), (small, "20x24 RGB")):
        args = ["compare", str(files["model"]), str(files["photo"]), str(other)]
        assert main([*args, "--layer", "relu2", "-o", str(out)]) == 2
        assert _error(capsys) == (
            f"activations: error: the two photos differ: 'photo.png' is 24x24 RGB and "
            f"'{other.name}' is {words}; a comparison needs two photos of the same size and "
            "colours (the same scene, changed)"
        )
        report = ["report", str(files["model"]), str(files["photo"]), "--compare", str(other)]
        assert main([*report, "-o", str(tmp_path / "r")]) == 2
        assert "the two photos differ: 'photo.png' is 24x24 RGB" in _error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gray.png", "small.png"]


def test_compare_gives_no_percentage_of_a_negative_mean(files, tmp_path, capsys):
    # Over the whole map, PReLU channel 5 goes from -0.057 to -0.105: a drop of 0.048,
    # ranked by that drop, and no "83.81% drop" of a negative mean.
    a, b = tmp_path / "the_open_eyes_photo_a.png", tmp_path / "the_closed_eye_photo_b.png"
    shutil.copy(files["face"], a)
    shutil.copy(files["closed"], b)
    out = tmp_path / "c.png"
    assert main(["compare", "face", str(a), str(b), "--layer", "prelu3", "-o", str(out)]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()}
    assert rows["5"][1:3] == ["-0.05708", "-0.1049"]
    assert rows["5"][-1] == "n/a" and rows["31"][-1] == "13.24"
    assert edges_are_blank(out)


# --- report ------------------------------------------------------------------


def test_report_of_the_face_network_explains_its_face_score(tmp_path, capsys):
    out = tmp_path / "face"
    assert main(["report", "face", str(SHIPPED / "face.png"), "-o", str(out)]) == 0
    text = html.unescape((out / "index.html").read_text())
    assert not any(word in text for word in ("Error", "Traceback", "inhomogeneous", "not shown"))
    assert "for class 1 'a face' (the predicted one) of face_score" in text
    assert "from 48x48 noise (the size the network resizes every input to" in text
    images = set(assert_all_targets_exist(out / "index.html"))
    assert {"explain_gradcam.png", "explain_occlusion.png", "dream_prelu4.png"} <= images


def test_report_reduction_layer(tmp_path, capsys):
    inputs = keras.Input((12, 12, 3))
    conv = layers.Conv2D(3, 3, activation="relu", name="conv", **_seeded(1))(inputs)
    pooled = layers.GlobalAveragePooling2D(name="gap")(conv)
    two = keras.Model(inputs, [pooled, layers.Dense(2, name="raw")(pooled)], name="two")
    two.save(tmp_path / "two.keras")
    photo = tmp_path / "photo.png"
    Image.fromarray(np.full((12, 12, 3), 90, np.uint8)).save(photo)
    args = ["report", str(tmp_path / "two.keras"), str(photo)]
    assert main([*args, "-o", str(tmp_path / "a")]) == 0
    text = html.unescape((tmp_path / "a" / "index.html").read_text())
    assert "has 2 outputs ['gap', 'raw'] and none is its only softmax output; choose the " in text
    assert "--reduction-layer (reduction_layer in Python)." in text
    assert main([*args, "--reduction-layer", "raw", "-o", str(tmp_path / "b")]) == 0
    assert (tmp_path / "b" / "explain_gradcam.png").is_file()
    capsys.readouterr()
    assert main([*args, "--reduction-layer", "nope", "-o", str(tmp_path / "c")]) == 2
    assert _error(capsys).endswith("Received: --reduction-layer 'nope'")
    assert not (tmp_path / "c").exists()


def test_a_broken_file_among_the_top_images_is_the_users_error(files, tmp_path, capsys):
    folder = tmp_path / "set"
    folder.mkdir()
    shutil.copy(files["photo"], folder / "a.png")
    (folder / "b.png").write_text("not an image")
    args = ["report", str(files["model"]), str(files["photo"]), "--top-images", str(folder)]
    assert main([*args, "-o", str(tmp_path / "r")]) == 2
    assert "Could not read '" in _error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set"]


def test_a_failing_report_section_exits_1_with_one_line(capsys):
    from activations.cli._main import _run
    from activations.report._errors import SectionError

    def broken() -> int:
        raise SectionError("weights", ValueError("setting an array element with a sequence."))

    assert _run(broken, 0) == 1
    assert _error(capsys) == (
        "activations: error: The report's section 'weights' failed: ValueError: setting an "
        "array element with a sequence. (a bug: -vv shows the traceback; no report written)"
    )


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
    assert "is not empty; pass force=True (--force)" in _error(capsys)
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
        (["--compare", "PHOTO_B", "--region", "0,0,40,4"], "0 <= x0 < x1 <= 24"),
    ],
)
def test_report_errors_leave_nothing_behind(files, tmp_path, capsys, extra, message):
    out = tmp_path / "report"
    extra = [str(files["photo_b"]) if e == "PHOTO_B" else e for e in extra]
    assert main(["report", str(files["model"]), str(files["photo"]), "-o", str(out), *extra]) == 2
    assert message in _error(capsys)
    assert list(tmp_path.iterdir()) == []


def test_sigterm_during_report_leaves_nothing_behind(files, tmp_path):
    """SIGTERM, as Ctrl-C, removes the hidden staging directory of partial figures."""
    out = tmp_path / "report"
    process = subprocess.Popen(
        [sys.executable, "-m", "activations", "report", "fashion", str(files["photo"])]
        + ["-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while not list(tmp_path.glob(".report.tmp-*")):  # the report is being written
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no staging directory appeared"
            time.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert stderr.splitlines()[-1] == "activations: terminated"
    assert "Traceback" not in stderr and "wrote" not in stdout
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
    assert "is not empty; pass force=True (--force)" in captured.err
    assert "[1/" not in captured.err


@needs_dataset
def test_train_fashion(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        ["train-fashion", "--out", str(out), "--epochs", "1", "--limit", "60", "--verbose", "0"]
    )
    assert code == 0
    assert f"wrote {out / 'fashion_cnn.keras'}" in capsys.readouterr().out
    assert main(["train-fashion", "--out", str(out), "--epochs", "1", "--limit", "60"]) == 2
    assert "is not empty; pass force=True (--force)" in _error(capsys)


def test_train_fashion_data_error_is_one_line_and_makes_no_out_dir(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("train-images-idx3", "train-labels-idx1", "t10k-images-idx3", "t10k-labels-idx1"):
        (data / f"{name}-ubyte").write_bytes(b"broken")
    monkeypatch.setenv("FASHION_MNIST_DIR", str(data))
    out = tmp_path / "runs" / "one"
    assert main(["train-fashion", "--out", str(out), "--limit", "60"]) == 2
    assert "train-images-idx3-ubyte is too short for an IDX header" in _error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    (data / "t10k-labels-idx1-ubyte").unlink()
    assert main(["train-fashion", "--out", str(out)]) == 2
    assert "lacks ['t10k-labels-idx1-ubyte.gz']" in _error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


@needs_dataset
def test_sigterm_during_training_removes_the_new_out_dir(tmp_path):
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "activations", "train-fashion", "--out", str(out)]
        + ["--limit", "3000", "--epochs", "20", "--verbose", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while not out.exists():  # made once the data is loaded, before training
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no output directory appeared"
            time.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert stderr.splitlines()[-1] == "activations: terminated"
    assert list(tmp_path.iterdir()) == []


def test_version_and_no_command(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("activations ")
    assert main([]) == 2
    assert "required: COMMAND" in _error(capsys)


def _imported(*args: str) -> set[str]:
    """Top-level packages that ``python -X importtime ARGS`` imports."""
    result = _python("-X", "importtime", *args)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line.split("|")[-1] for line in result.stderr.splitlines() if "import time:" in line]
    return {line.strip().split(".")[0] for line in lines[1:]}


def test_version_and_help_import_no_keras():
    for argv in (["--version"], ["--help"], ["show", "--help"]):
        imported = _imported("-m", "activations", *argv)
        assert "activations" in imported
        assert not imported & {"keras", "tensorflow", "matplotlib", "numpy", "torch", "jax"}
    result = _python("-m", "activations", "--version")
    assert (result.returncode, result.stderr) == (0, "")
    assert re.fullmatch(r"activations \S+\n", result.stdout)


def test_import_activations_alone_imports_no_keras():
    assert not _imported("-c", "import activations") & {"keras", "tensorflow", "matplotlib"}
    code = (
        "import sys, activations; assert 'keras' not in sys.modules; "
        "from activations import activations as f, mat2gray; import activations as a; "
        "assert f is a.activations and f.__module__ == 'activations._probes.activations'; "
        "assert a.mat2gray is mat2gray and a.plot.plot_channels and a.reference.__file__; "
        "assert set(a.__all__) <= set(dir(a)) and {'plot', 'zoo', 'datasets'} <= set(dir(a)); "
        "print(sorted(a.__all__) == sorted(set(a.__all__)))"
    )
    result = _python("-c", code, env=_env(TF_CPP_MIN_LOG_LEVEL="3"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout == "True\n"
    result = _python("-c", "import activations; activations.nope")
    assert "AttributeError: module 'activations' has no attribute 'nope'" in result.stderr


def test_a_users_tf_log_level_wins(monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")
    assert quiet_tensorflow() == 1
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "1"
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL")
    assert quiet_tensorflow() == 3
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"


@pytest.mark.parametrize("level", [None, "2", "0"])
def test_tensorflow_start_up_lines_follow_the_log_level(files, level):
    """Unset: stderr is empty. Set: TensorFlow's import-time lines follow the user's level
    (2 keeps errors, such as "failed call to cuInit" on a machine without a GPU)."""
    env = _env(TF_CPP_MIN_LOG_LEVEL=level)
    result = _python("-m", "activations", "summary", str(files["model"]), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Model 'tiny'" in result.stdout
    info_or_warning = re.search(r"^[IW]\d{4} |absl::InitializeLog", result.stderr, re.M)
    if level is None:
        assert result.stderr == ""
    elif level == "2":
        assert info_or_warning is None, result.stderr
    elif keras.backend.backend() == "tensorflow":
        assert info_or_warning is not None  # e.g. "I0000 ... port.cc:153] oneDNN ..."


def test_help_and_version_are_quick():
    """Median of 3 runs of the real command well under a second (measured: ~0.15 s)."""
    for argv in (["--help"], ["--version"]):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            result = _python("-m", "activations", *argv)
            times.append(time.perf_counter() - start)
            assert result.returncode == 0
        assert statistics.median(times) < 1.5, times


def test_python_dash_m_runs_the_cli():
    result = _python("-m", "activations", "summary", "nothing.keras")
    assert result.returncode == 2
    assert result.stderr.startswith("activations: error: no model file 'nothing.keras'")
    assert result.stderr.count("\n") == 1


def test_names_from_outside_reach_the_terminal_escaped(files, tmp_path, capsys):
    """A file name with an escape sequence or a newline can neither drive the terminal
    nor forge a line of output: the one error line and the results carry it escaped."""
    evil = tmp_path / "a\x1b]0;pwned\x07\nchannel 9.png"
    evil.write_bytes(files["photo"].read_bytes())
    out = tmp_path / "c.png"
    args = ["compare", str(files["model"]), str(evil), str(files["photo_b"]), "--layer", "relu2"]
    assert main([*args, "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "\x1b" not in printed and "\\x1b]0;pwned\\x07\\nchannel 9.png" in printed
    assert main(["show", str(files["model"]), str(tmp_path / "no\x1b[2Jfile.png"),
                 "--layer", "relu2", "-o", str(tmp_path / "s.png")]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "\x1b" not in err and "no\\x1b[2Jfile.png" in err


def test_library_warnings_print_as_one_escaped_line(capsys):
    # Before: Python's default, the file and line of warnings.warn and its source line.
    import warnings

    from activations.cli._main import _run

    def warns() -> int:
        message = "top_images: the maps of images [1] hold NaN\nchannel 9\x1b[2J"
        warnings.warn(message, UserWarning, stacklevel=1)
        return 0

    assert _run(warns, 0) == 0
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("activations: warning: top_images: the maps")
    assert "\x1b" not in lines[0] and "channel 9" in lines[0]
