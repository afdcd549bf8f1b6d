"""The command line feeds a user's own model file the pixel scale it was trained on.

A Fashion CNN trained as the tutorials train it (pixels/255), saved as ``.h5`` and
``.keras`` by ``model.save`` (no record of its range) or with the range recorded
(as ``activations train-fashion`` writes it): ``show``, ``explain``, ``compare``
and ``report`` give the numbers the API gives on the tutorials' input, x / 255.
"""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest
from keras import layers
from PIL import Image

from activations import activations, compare_channels, gradcam, strongest_channel
from activations._engine.input_range import (
    DIVIDE_BY_255,
    InputRange,
    read_input_range,
    rule_input_range,
    write_input_range,
)
from activations.cli import main
from activations.datasets import fashion_test_subset

pytestmark = pytest.mark.slow


def _tutorial_cnn() -> keras.Model:
    """The tutorials' Fashion CNN, as they write it (no scaling layer: they divide by 255)."""
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu", padding="same", name="conv2d"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu", padding="same", name="conv2d_1"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(100, activation="relu"),
            layers.Dropout(0.4),
            layers.Dense(10, activation="softmax"),
        ]
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict:
    """A tiny tutorial CNN trained one epoch on 600 shipped test images / 255, saved 4 ways."""
    root = tmp_path_factory.mktemp("scale")
    images, labels = fashion_test_subset()
    keras.utils.set_random_seed(0)
    model = _tutorial_cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = images[:600, :, :, None] / 255.0
    model.fit(x, labels[:600], epochs=1, batch_size=32, verbose=0)
    paths = {}
    for suffix in (".h5", ".keras"):
        paths["plain" + suffix] = root / f"best-cnn-model{suffix}"
        model.save(paths["plain" + suffix])
        paths["recorded" + suffix] = root / f"recorded{suffix}"
        model.save(paths["recorded" + suffix])
        write_input_range(paths["recorded" + suffix], 0.0, 1.0, DIVIDE_BY_255)
    a, b = images[0].copy(), images[0].copy()
    b[8:20, 8:20] = 0  # part of the boot blacked out
    paths["a"], paths["b"] = root / "boot.png", root / "boot_cut.png"
    Image.fromarray(a).save(paths["a"])
    Image.fromarray(b).save(paths["b"])
    return {"model": model, "paths": paths, "a": a[..., None], "b": b[..., None]}


def _tutorial_x(image: np.ndarray) -> np.ndarray:
    return image.astype(np.float32) / np.float32(255)


def _close(printed: str, value: float) -> None:
    """A value printed with 4 significant digits matches the API's to float32 tolerance."""
    assert float(printed) == pytest.approx(value, rel=1e-3, abs=1e-6), (printed, value)


def test_the_range_record_round_trips(trained):
    paths = trained["paths"]
    for suffix in (".h5", ".keras"):
        assert read_input_range(paths["plain" + suffix]) is None
        assert read_input_range(paths["recorded" + suffix]) == InputRange(0.0, 1.0, DIVIDE_BY_255)
    write_input_range(paths["recorded.keras"], 0.0, 255.0, "as they are")  # replaced, not added
    assert read_input_range(paths["recorded.keras"]).high == 255.0
    write_input_range(paths["recorded.keras"], 0.0, 1.0, DIVIDE_BY_255)
    keras.saving.load_model(paths["recorded.keras"], safe_mode=True, compile=False)  # ignored


def test_the_rule_for_files_without_a_record():
    plain = _tutorial_cnn()
    assert rule_input_range(plain)[0] == InputRange(0.0, 1.0, DIVIDE_BY_255)
    scaled = keras.Sequential(
        [keras.Input((8, 8, 3)), layers.Rescaling(1 / 255), layers.Conv2D(2, 3)]
    )
    assert rule_input_range(scaled)[0].high == 255.0
    with pytest.raises(ValueError, match=r"Expected a .keras, .h5 or .hdf5 model file"):
        write_input_range("model.pt", 0, 1, "")


@pytest.mark.parametrize("kind", ["plain.h5", "plain.keras", "recorded.h5", "recorded.keras"])
def test_show_gives_the_apis_numbers(trained, kind, tmp_path, capsys):
    path = trained["paths"][kind]
    assert main(["show", str(path), str(trained["paths"]["a"]), "--layer", "conv2d",
                 "--strongest", "-o", str(tmp_path / "s.png")]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    act = activations(trained["model"], _tutorial_x(trained["a"]), "conv2d")
    channel = int(strongest_channel(act))
    found = re.search(r"strongest channel (\d+) \(max ([\d.e+-]+)\)", out)
    assert found and int(found[1]) == channel
    _close(found[2], float(act.max()))
    said = "records no pixel range" in err
    assert said == kind.startswith("plain")  # the rule is said in one line, a record is not
    if said:
        assert "feeding pixels/255 (0..1)" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("kind", ["plain.h5", "recorded.keras"])
def test_explain_gives_the_apis_numbers(trained, kind, tmp_path, capsys):
    path = trained["paths"][kind]
    assert main(["explain", str(path), str(trained["paths"]["a"]),
                 "-o", str(tmp_path / "e.png")]) == 0  # fmt: skip
    out = capsys.readouterr().out
    found = re.search(r"gradcam for the predicted class.*?: max ([\d.e+-]+)", out)
    assert found, out
    _close(found[1], float(gradcam(trained["model"], _tutorial_x(trained["a"])).max()))


def test_a_scale_given_is_used_and_a_far_range_warns(trained, tmp_path, capsys):
    path = trained["paths"]["plain.h5"]
    status = main(["show", str(path), str(trained["paths"]["a"]), "--layer", "conv2d",
                   "--strongest", "--scale", "1", "-o", str(tmp_path / "s.png")])  # fmt: skip
    assert status == 0
    out, err = capsys.readouterr()
    assert "records no pixel range" not in err  # the user chose
    warned = [line for line in err.splitlines() if line.startswith("activations: warning: ")]
    assert len(warned) == 1 and "expects pixel values in 0..1" in warned[0]  # one line
    act = activations(trained["model"], trained["a"].astype(np.float32), "conv2d")
    _close(re.search(r"\(max ([\d.e+-]+)\)", out)[1], float(act.max()))


def test_compare_gives_the_apis_ranking(trained, tmp_path, capsys):
    paths = trained["paths"]
    assert main(["compare", str(paths["plain.keras"]), str(paths["a"]), str(paths["b"]),
                 "--layer", "conv2d_1", "-o", str(tmp_path / "c.png")]) == 0  # fmt: skip
    out = capsys.readouterr().out
    model = trained["model"]
    act_a = activations(model, _tutorial_x(trained["a"]), "conv2d_1")
    act_b = activations(model, _tutorial_x(trained["b"]), "conv2d_1")
    assert str(compare_channels(act_a, act_b, k=4)) in out


def test_report_gives_the_apis_numbers(trained, tmp_path, capsys):
    paths = trained["paths"]
    out_dir = tmp_path / "report"
    assert main(["report", str(paths["plain.h5"]), str(paths["a"]), "-o", str(out_dir)]) == 0
    page = (out_dir / "index.html").read_text()
    pattern = r"([\w.-]+): channel (\d+) holds the largest value of the layer \(([^)]+)\)"
    found = re.findall(pattern, page)
    assert found
    for layer, channel, value in found:
        act = activations(trained["model"], _tutorial_x(trained["a"]), layer)
        assert int(channel) == int(strongest_channel(act))
        _close(value, float(act.max()))


def test_explore_and_serve_say_the_scale_and_give_the_apis_numbers(trained, tmp_path, capsys):
    """Over a set no file is read for (serve's shipped images), the rule is said all the same."""
    from activations.cli._parser import build_parser
    from activations.cli._serve import build_server

    paths = trained["paths"]
    server = build_server(build_parser().parse_args(
        ["serve", str(paths["plain.h5"]), "--max-images", "8", "-k", "1", "--shown", "1"]
    ))  # fmt: skip
    try:
        err = capsys.readouterr().err
        assert "records no pixel range" in err and "feeding pixels/255 (0..1)" in err
        assert server.live.scale == 255
        found = server.live.layer(trained["a"], "conv2d")["max"]
        act = activations(trained["model"], _tutorial_x(trained["a"]), "conv2d")
        np.testing.assert_allclose(found, act.reshape(-1, 32).max(axis=0), rtol=1e-4, atol=1e-6)
    finally:
        server.server_close()
    folder = tmp_path / "one"
    folder.mkdir()
    Image.fromarray(trained["a"][..., 0]).save(folder / "boot.png")
    out_dir = tmp_path / "site"
    assert main(["explore", str(paths["plain.keras"]), "--images", str(folder),
                 "-o", str(out_dir), "--dreams", "0"]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    assert "(1 image); open it" in out and err.count("records no pixel range") == 1
