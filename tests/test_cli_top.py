"""``activations top``: a folder read lazily, or the Fashion-MNIST test set."""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
from _report_checks import edges_are_blank
from keras import layers
from matplotlib.figure import Figure
from PIL import Image

from activations import datasets, top_images, zoo
from activations._engine.stop import StopRequested, clear_stop, request_stop
from activations.cli import main
from activations.cli._drawing import add_stop_checks
from activations.cli._types import channel_range
from activations.plot import plot_top_images

ROOT = Path(__file__).resolve().parents[1]


def _error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """30 Fashion-MNIST-like PNGs (seeded noise with a bright square) and a text file."""
    root = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(5)
    pixels = []
    for i in range(30):
        image = (rng.random((28, 28)) * 80).astype(np.uint8)
        r, c = rng.integers(0, 20, 2)
        image[r : r + 8, c : c + 8] = 120 + 4 * i
        Image.fromarray(image).save(root / f"img{i:02d}.png")
        pixels.append(image)
    (root / "notes.txt").write_text("not an image")
    return root, np.stack(pixels)


def test_a_folder_gives_the_library_ranking(folder, tmp_path, capsys):
    root, pixels = folder
    out = tmp_path / "sheet.png"
    argv = ["top", "fashion", "--images", str(root), "--layer", "conv2d_1", "-k", "3"]
    assert main([*argv, "--channels", "0-2", "-o", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    x = (pixels[..., None] / 255.0).astype(np.float32)
    top = top_images(zoo.fashion_cnn(), x, "conv2d_1", channels=[0, 1, 2], k=3, progress=False)
    assert printed[0] == "conv2d_1: top 3 of 30 images per channel, by max"
    for line, channel, indices in zip(printed[1:4], top.channels, top.indices):
        names = [part.split()[0] for part in line.split(": ", 1)[1].split(", ")]
        assert line.startswith(f"  channel {channel}:")
        assert names == [f"img{i:02d}.png" for i in indices]
    assert printed[-1] == f"wrote {out}"
    with Image.open(out) as image:
        assert image.format == "PNG" and image.height > 200
    assert edges_are_blank(out)  # no title runs off the sheet


@pytest.mark.dataset
def test_fashion_test_set(tmp_path, capsys):
    out = tmp_path / "dense.png"
    argv = ["top", "fashion", "--images", "fashion-test", "--layer", "dense", "-k", "2"]
    assert main([*argv, "--by", "mean", "-o", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "dense: top 2 of 10000 images per channel, by mean"
    assert len([line for line in printed if line.startswith("  channel ")]) == 100
    assert "drawing channels 0-15 of 100 (--channels: more)" in printed
    _, (x, _) = datasets.fashion_mnist()
    top = top_images(zoo.fashion_cnn(), (x[..., None] / 255.0).astype(np.float32), "dense",
                     k=2, by="mean", progress=False)  # fmt: skip
    live = int(np.flatnonzero(top.values[:, 0] > 0)[0])
    assert printed[1 + live].startswith(f"  channel {live}: #{top.indices[live, 0]} ")
    assert out.is_file()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--images", "nowhere"], "--images should be 'fashion-test' or a folder, got 'nowhere'"),
        (["--channels", "99"], r"Expected channels in 0..63 \(layer 'conv2d_1' has 64\)"),
        (["-k", "0"], "-k"),
        (["--by", "median"], "invalid choice: 'median'"),
    ],
)
def test_errors_are_one_line_and_write_nothing(folder, tmp_path, capsys, extra, message):
    root, _ = folder
    argv = ["top", "fashion", "--images", str(root), "--layer", "conv2d_1"]
    if extra[0] == "--images":
        argv = ["top", "fashion", "--layer", "conv2d_1"]
    assert main([*argv, *extra, "-o", str(tmp_path / "x.png")]) == 2
    assert re.search(message, _error(capsys))
    assert list(tmp_path.iterdir()) == []


def test_an_empty_folder(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    argv = ["top", "fashion", "--images", str(tmp_path / "empty"), "--layer", "conv2d"]
    assert main([*argv, "-o", str(tmp_path / "x.png")]) == 2
    assert "no image files (.png, .jpg" in _error(capsys)


def test_report_gains_a_top_images_section(folder, tmp_path, capsys):
    root, pixels = folder
    out = tmp_path / "report"
    photo = str(root / "img00.png")
    assert main(["report", "fashion", photo, "-o", str(out), "--top-images", str(root)]) == 0
    text = (out / "index.html").read_text()
    assert f"<h2>What the channels of conv2d_1 mean, over the images in {root.name}/</h2>" in text
    assert "the 9 of the 30 images in" in text and (out / "top_conv2d_1.png").is_file()
    capsys.readouterr()
    assert main(["report", "fashion", photo, "-o", str(tmp_path / "r2"),
                 "--top-images", str(tmp_path / "none")]) == 2  # fmt: skip
    assert "--top-images should be 'fashion-test' or a folder" in _error(capsys)
    assert not (tmp_path / "r2").exists()


# --- limits known before any work: refused at once, in one line ------------------


def test_a_channel_range_stays_a_range_until_it_is_checked():
    assert channel_range("0-999999999") == range(10**9)  # never a list of a billion ints


@pytest.mark.parametrize("command", ["top", "dream"])
@pytest.mark.parametrize("spec", ["0-99", "0-999999999", "3,64"])
def test_channels_the_layer_lacks_are_refused_before_any_work(
    folder, tmp_path, capsys, command, spec
):
    argv = [command, "fashion", "--layer", "conv2d_1", "--channels", spec]
    if command == "top":
        argv += ["--images", str(folder[0])]
    assert main([*argv, "-o", str(tmp_path / "x.png")]) == 2
    assert _error(capsys) == (
        "activations: error: Expected channels in 0..63 (layer 'conv2d_1' has 64). "
        f"Received: --channels {spec}"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--channels", "0-31", "-k", "30"],
            "Expected a contact sheet of at most 576 tiles (channels drawn x -k): 32 channel(s) "
            "x 30 images is 960. Pass -k 18 or less, or fewer --channels. Received: -k 30",
        ),
        (
            ["--channels", "0-1", "-k", "30", "--dpi", "2000"],
            "Expected a contact sheet of at most 100,000,000 pixels and 65,535 a side: 2 "
            "channel(s) x 30 images at --dpi 2000 would be 67,600x6,000. Pass --dpi 993 or "
            "less, or a smaller -k. Received: --dpi 2000",
        ),
    ],
)
def test_a_sheet_too_large_is_refused_before_the_model_runs(
    folder, tmp_path, capsys, extra, message
):
    argv = ["top", "fashion", "--images", str(folder[0]), "--layer", "conv2d_1", *extra]
    assert main([*argv, "-o", str(tmp_path / "x.png")]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"activations: error: {message}\n"
    assert captured.out == ""  # no channel ranked: the model never ran
    assert list(tmp_path.iterdir()) == []


@pytest.mark.dataset
def test_k_1000_over_the_test_set_is_refused_at_once(tmp_path, capsys):
    argv = ["top", "fashion", "--images", "fashion-test", "--layer", "conv2d_1", "-k", "1000"]
    assert main([*argv, "-o", str(tmp_path / "x.png")]) == 2
    assert _error(capsys).endswith(
        "16 channel(s) x 1000 images is 16,000. Pass -k 36 or less, or fewer --channels. "
        "Received: -k 1000"
    )


# --- a stop request (SIGTERM) ends the drawing at the next tile ------------------


@pytest.fixture
def _no_stop_left():
    yield
    clear_stop()


def test_a_stop_request_ends_the_sheet_at_a_tile(folder, _no_stop_left):
    root, pixels = folder
    x = (pixels[..., None] / 255.0).astype(np.float32)
    top = top_images(zoo.fashion_cnn(), x, "conv2d_1", channels=[0, 1], k=3, progress=False)
    request_stop()
    with pytest.raises(StopRequested):
        plot_top_images(top, pixels)


def test_stop_checks_end_the_layout_and_rendering_and_change_no_pixel(_no_stop_left):
    def figure(checked: bool) -> Figure:
        fig = Figure(figsize=(3, 2), layout="constrained")
        for ax, values in zip(fig.subplots(1, 2), (np.eye(4), np.tri(4))):
            ax.imshow(values, cmap="gray")
            ax.set_xlabel("#3: 0.5")
        if checked:
            add_stop_checks(fig)
        return fig

    plain, checked = io.BytesIO(), io.BytesIO()
    figure(False).savefig(plain, format="png")
    figure(True).savefig(checked, format="png")
    assert np.array_equal(np.asarray(Image.open(plain)), np.asarray(Image.open(checked)))
    request_stop()
    with pytest.raises(StopRequested):
        figure(True).savefig(io.BytesIO(), format="png")


def test_sigterm_while_the_sheet_is_drawn_ends_it_at_once(folder, tmp_path):
    """570 tiles take half a minute to draw; a SIGTERM ends them within seconds, no file left."""
    out = tmp_path / "sheet.png"
    argv = ["top", "fashion", "--images", str(folder[0]), "--layer", "conv2d_1"]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [sys.executable, "-m", "activations", *argv, "--channels", "0-18", "-k", "30"]
        + ["-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        for line in process.stdout:  # the ranking is printed before the sheet is drawn
            if line.startswith("  channel 18:"):
                break
        time.sleep(1.0)
        assert process.poll() is None, process.communicate()
        process.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        stdout, stderr = process.communicate(timeout=300)
        waited = time.monotonic() - sent
    finally:
        process.kill()
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert stderr.splitlines()[-1] == "activations: terminated"
    assert "Traceback" not in stderr and "wrote" not in stdout
    assert waited < 10, f"the sheet went on for {waited:.1f} s after SIGTERM"
    assert list(tmp_path.iterdir()) == []


# --- a folder of images of several sizes, for a model that takes any size ----------


@pytest.fixture(scope="module")
def any_size(tmp_path_factory) -> tuple[Path, Path]:
    """A model that takes any size (saved .keras) and a folder: two 24x24 PNGs, one 30x20."""
    root = tmp_path_factory.mktemp("any_size")
    model = keras.Sequential(
        [keras.Input((None, None, 1)), layers.Conv2D(2, 3, activation="relu", name="conv")],
        name="free",
    )
    model.save(root / "free.keras")
    rng = np.random.default_rng(1)
    folder = root / "photos"
    folder.mkdir()
    for name, shape in (("a.png", (24, 24)), ("b.png", (24, 24)), ("c.png", (30, 20))):
        Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(folder / name)
    return root / "free.keras", folder


def test_a_folder_of_several_sizes_is_refused_naming_the_file(any_size, tmp_path, capsys):
    model, folder = any_size
    top = ["top", str(model), "--scale", "255", "--images", str(folder), "--layer", "conv"]
    assert main([*top, "-o", str(tmp_path / "x.png")]) == 2
    said = (
        "activations: error: Expected the image files of {} to share one size: the model "
        "takes any size and gets them in batches. 'c.png' is 30x20 pixels (HxW), the first "
        "one, 'a.png', 24x24; resize them to one size. Received: {} '{}'"
    )
    assert _error(capsys) == said.format("--images", "--images", folder)
    report = ["report", str(model), str(folder / "a.png"), "--scale", "255"]
    assert main([*report, "--top-images", str(folder), "-o", str(tmp_path / "r")]) == 2
    assert _error(capsys) == said.format("--top-images", "--top-images", folder)
    assert list(tmp_path.iterdir()) == []
    same = tmp_path / "same"  # the files of one size: the sheet is drawn
    same.mkdir()
    for name in ("a.png", "b.png"):
        shutil.copy(folder / name, same / name)
    top[top.index("--images") + 1] = str(same)
    assert main([*top, "-k", "2", "-o", str(tmp_path / "x.png")]) == 0
    assert "conv: top 2 of 2 images per channel, by max" in capsys.readouterr().out
