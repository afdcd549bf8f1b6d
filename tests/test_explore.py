"""The explorer's site: its files hold the library's own numbers, names stay text."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from _explore_site import HOSTILE_FILE, LAYER, explorer_inputs
from PIL import Image

from activations import activations, analyze_network, channel_stats, mat2gray, top_images
from activations.cli import main
from activations.explore import HISTOGRAM_BINS, default_layers, js_literal, write_explorer

K = 3
SHOWN = 2


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site `activations explore` writes for the hand-set model over its 7 images."""
    root = tmp_path_factory.mktemp("explore")
    model_file, folder, model, pixels, names = explorer_inputs(root)
    out = root / "site"
    argv = ["explore", str(model_file), "--images", str(folder), "-o", str(out), "-k", str(K)]
    assert main([*argv, "--shown", str(SHOWN)]) == 0
    return out, model, pixels, names


def _data(out) -> dict:
    text = (out / "data.js").read_text("utf-8")
    prefix, suffix = "window.EXPLORER = ", ";\n"
    assert text.startswith(prefix) and text.endswith(suffix)
    return json.loads(text[len(prefix) : -len(suffix)])


def _layer(data: dict, name: str) -> dict:
    return next(layer for layer in data["layers"] if layer["name"] == name)


def test_the_site_is_static_files_with_classic_scripts(site):
    out, *_ = site
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"index.html", "data.js", "explorer.js", "explorer.css"} <= files
    page = (out / "index.html").read_text()
    assert '<script src="data.js"></script>' in page and 'type="module"' not in page
    assert "fetch(" not in (out / "explorer.js").read_text()


def test_every_conv_and_dense_layer_is_explored_by_default(site):
    out, model, *_ = site
    data = _data(out)
    assert [layer["name"] for layer in data["layers"]] == [LAYER, "dense"]
    assert default_layers(analyze_network(model)) == [LAYER, "dense"]
    assert [row[1] for row in data["network"]["rows"]] == [LAYER, "flatten", "dense"]


def _tile(montage: np.ndarray, grid: list[int], c: int, hw: tuple[int, int]) -> np.ndarray:
    row, col = divmod(c, grid[1])
    return montage[row * hw[0] : (row + 1) * hw[0], col * hw[1] : (col + 1) * hw[1]]


def test_the_layer_view_holds_activations_maxima_and_tiles(site):
    out, model, pixels, _ = site
    acts = activations(model, pixels[:SHOWN] / np.float32(255), LAYER)
    data = _data(out)
    layer = _layer(data, LAYER)
    assert data["shown"] == SHOWN and len(layer["montages"]) == SHOWN
    maxima = acts.reshape(SHOWN, -1, 3).max(axis=1)
    np.testing.assert_allclose(layer["image_max"], maxima, rtol=1e-6)
    assert int(np.argmax(layer["image_max"][0])) == int(np.argmax(maxima[0])) == 0  # box sum
    assert layer["grid"] == [2, 2]  # MATLAB's square picture for 3 tiles
    for s in range(SHOWN):
        shown = np.asarray(Image.open(out / f"images/{s}.png"))  # offered beside the tiles
        np.testing.assert_array_equal(shown, pixels[s, ..., 0])
        montage = np.asarray(Image.open(out / layer["montages"][s]))
        gray = mat2gray(acts[s])
        for c in range(3):
            expected = np.round(gray[..., c] * 255).astype(np.uint8)
            np.testing.assert_array_equal(_tile(montage, layer["grid"], c, (6, 6)), expected)


def test_dead_channels_are_the_constant_ones(site):
    out, *_ = site
    assert _layer(_data(out), LAYER)["dead"] == [False, True, False]  # the -1s kernel


def test_the_channel_view_holds_top_images_and_histograms(site):
    out, model, pixels, _ = site
    layer = _layer(_data(out), LAYER)
    x = pixels / np.float32(255)
    top = top_images(model, x, LAYER, k=K)
    stats = channel_stats(model, x, LAYER)
    for c in range(3):
        assert [t["i"] for t in layer["top"][c]] == top.indices[c].tolist()
        np.testing.assert_allclose([t["v"] for t in layer["top"][c]], top.values[c], rtol=1e-6)
        counts, edges = layer["hist"][c]["counts"], layer["hist"][c]["edges"]
        assert sum(counts) == len(pixels)
        assert len(counts) == (1 if layer["dead"][c] else HISTOGRAM_BINS)
        assert edges[0] == pytest.approx(stats.per_image_max[:, c].min())
    first = layer["top"][0][0]
    row, col = top.positions[0, 0]
    assert first["box"] == [col, row, col + 3, row + 3]  # a 3x3 valid conv: the patch
    assert first["peak"] == [col + 1, row + 1]
    for i in {t["i"] for tops in layer["top"] for t in tops}:
        drawn = np.asarray(Image.open(out / f"images/{i}.png"))
        np.testing.assert_array_equal(drawn, pixels[i, ..., 0])


def test_names_are_escaped_in_the_javascript_data(site):
    out, *_ = site
    text = (out / "data.js").read_text("utf-8")
    assert re.search("[<>&]", text) is None
    assert _data(out)["names"][0] == HOSTILE_FILE


def test_js_literal_escapes_markup_characters():
    assert js_literal(["</script>&", "\u2028"]) == '["\\u003c/script\\u003e\\u0026", "\\u2028"]'


def test_max_images_and_layers_bound_the_work(site, tmp_path):
    out, *_ = site
    folder = out.parent / "images"
    argv = ["explore", str(out.parent / "tiny.keras"), "--images", str(folder)]
    assert main([*argv, "-o", str(tmp_path / "s"), "--max-images", "2", "--layers", "dense"]) == 0
    data = _data(tmp_path / "s")
    assert data["n_images"] == 2 and [layer["name"] for layer in data["layers"]] == ["dense"]
    assert data["layers"][0]["montages"] is None and data["shown"] == 2
    assert all(t["box"] is None for t in data["layers"][0]["top"][0])


def test_an_unknown_layer_is_refused_before_anything_runs(site, tmp_path, capsys):
    out, *_ = site
    argv = ["explore", str(out.parent / "tiny.keras"), "--images", str(out.parent / "images")]
    assert main([*argv, "-o", str(tmp_path / "s"), "--layers", "conv9"]) == 2
    err = capsys.readouterr().err
    assert "No layer named `conv9`" in err and "Received: --layers 'conv9'" in err
    assert not (tmp_path / "s").exists()


def test_a_non_empty_output_is_refused(site, capsys):
    out, *_ = site
    argv = ["explore", str(out.parent / "tiny.keras"), "--images", str(out.parent / "images")]
    assert main([*argv, "-o", str(out)]) == 2
    assert "force" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("images", "names", "match"),
    [
        (np.zeros((2, 8, 8, 1), np.float32), None, r"uint8.*dtype=float32"),
        (np.zeros((0, 8, 8, 1), np.uint8), None, r"N >= 1"),
        (np.zeros((2, 8, 8, 1), np.uint8), ["a"], r"a name per image"),
    ],
)
def test_bad_images_are_refused(site, tmp_path, images, names, match):
    _, model, *_ = site
    with pytest.raises(ValueError, match=match):
        write_explorer(model, images, tmp_path / "s", names=names)


def test_shown_is_at_least_one_image(site, tmp_path):
    _, model, pixels, _ = site
    with pytest.raises(ValueError, match=r"`shown` to be an int >= 1. Received: shown=0"):
        write_explorer(model, pixels, tmp_path / "s", shown=0)


@pytest.mark.dataset
def test_fashion_test_images_are_named_by_index_and_class(tmp_path):
    from activations.datasets import CLASS_NAMES, fashion_mnist

    argv = ["explore", "fashion", "--images", "fashion-test", "-o", str(tmp_path / "s")]
    assert main([*argv, "--max-images", "4", "--layers", "conv2d_1", "-k", "2"]) == 0
    data = _data(tmp_path / "s")
    _, (_, labels) = fashion_mnist()
    assert data["names"] == [f"#{i} {CLASS_NAMES[y]}" for i, y in enumerate(labels[:4])]
    assert data["images"] == "Fashion-MNIST test images" and data["n_images"] == 4
    assert len(data["layers"][0]["dead"]) == 64


def test_a_nested_model_s_layers_are_explored_by_their_path(nested_model, tmp_path, rng):
    images = rng.integers(0, 256, (5, 8, 8, 3), dtype=np.uint8)
    write_explorer(nested_model, images, tmp_path / "s", k=2)
    data = _data(tmp_path / "s")
    assert [layer["name"] for layer in data["layers"]] == ["inner/conv", "head_conv", "out"]
    act = activations(nested_model, images[:1] / np.float32(255), "inner/conv")[0]
    np.testing.assert_allclose(
        _layer(data, "inner/conv")["image_max"][0], act.reshape(-1, 4).max(axis=0), rtol=1e-6
    )


def test_a_layer_of_1d_maps_has_no_tiles_and_no_boxes(tmp_path, rng):
    import keras
    from keras import layers

    inputs = keras.Input((6, 6, 1))
    x = layers.Reshape((36, 1), name="rows")(inputs)
    model = keras.Model(inputs, layers.Conv1D(2, 3, name="conv1d")(x), name="one_d")
    images = rng.integers(0, 256, (4, 6, 6, 1), dtype=np.uint8)
    write_explorer(model, images, tmp_path / "s", k=2)
    layer = _layer(_data(tmp_path / "s"), "conv1d")
    assert layer["montages"] is None and layer["grid"] is None
    assert all(t["box"] is None for tops in layer["top"] for t in tops)
