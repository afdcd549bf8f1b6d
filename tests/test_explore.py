"""The explorer's site: its files hold the library's own numbers, names stay text."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from _explore_site import HOSTILE_FILE, LAYER, explorer_inputs
from PIL import Image

from activations import (
    activations,
    analyze_network,
    channel_stats,
    deep_dream,
    layer_weights,
    mat2gray,
    top_images,
)
from activations.cli import main
from activations.cli._loading import load_model
from activations.explore import HISTOGRAM_BINS, default_layers, js_literal, write_explorer
from activations.explore._classes import ClassData

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


def _png(out, path: str) -> np.ndarray:
    return np.asarray(Image.open(out / path))


def test_the_channel_view_holds_maps_before_the_relu_its_dream_and_kernel(site):
    out, model, pixels, _ = site
    layer = _layer(_data(out), LAYER)
    x = pixels[:SHOWN] / np.float32(255)
    pre = activations(model, x, LAYER, stage="pre")
    assert layer["activation"] == "relu" and len(layer["pre"]) == SHOWN
    for s in range(SHOWN):
        montage, gray = _png(out, layer["pre"][s]), mat2gray(pre[s])
        for c in range(3):  # before the ReLU the -1s channel is not dead: negative box sums
            expected = np.round(gray[..., c] * 255).astype(np.uint8)
            np.testing.assert_array_equal(_tile(montage, layer["grid"], c, (6, 6)), expected)
    dream = layer["dream"]
    assert dream["n"] == 3 and dream["grid"] == [2, 2]
    # The command line's model declares its pixel range (0..1): dreams are clipped to it
    loaded = load_model(str(out.parent / "tiny.keras"), None).model
    dreams = deep_dream(loaded, LAYER, [0, 1, 2], progress=False)
    for c in range(3):  # each dream on its own gray scale
        drawn = _tile(_png(out, dream["src"]), dream["grid"], c, (8, 8))
        expected = np.round(mat2gray(dreams[c, ..., 0]) * 255)
        np.testing.assert_allclose(drawn, expected, atol=1)  # float32 last bits
    kernel, _ = layer_weights(model, LAYER)
    assert {k: layer["kernel"][k] for k in ("rows", "h", "w", "inputs")} == {
        "rows": 3, "h": 3, "w": 3, "inputs": 1
    }  # fmt: skip
    sheet = _png(out, layer["kernel"]["src"])
    for c in range(3):
        expected = np.round(mat2gray(kernel[..., 0, c]) * 255).astype(np.uint8)
        np.testing.assert_array_equal(sheet[3 * c : 3 * c + 3], expected)
    dense = _layer(_data(out), "dense")
    assert dense["pre"] is None and dense["kernel"] is None and dense["dream"]["n"] == 2


def test_the_classes_view_ranks_the_images_by_the_last_layer_s_scores(site):
    out, model, pixels, names = site
    classes = _data(out)["classes"]
    scores = activations(model, pixels / np.float32(255), "dense")
    predicted = scores.argmax(axis=1)
    assert classes["layer"] == "dense" and classes["names"] == ["0", "1"]
    assert not classes["labelled"] and classes["confusion"] is None
    assert classes["predicted_counts"] == np.bincount(predicted, minlength=2).tolist()
    for c in range(2):  # no labels: the images predicted as c stand for the class
        members = np.flatnonzero(predicted == c)
        by_score = members[np.argsort(-scores[members, c], kind="stable")]
        assert classes["ranked"][c]["most"] == by_score[:K].tolist()
        least = members[np.argsort(scores[members, c], kind="stable")]
        assert classes["ranked"][c]["least"] == least[:K].tolist()
        assert classes["ranked"][c]["wrong"] == []
    for i in {i for lists in classes["ranked"] for ranked in lists.values() for i in ranked}:
        np.testing.assert_allclose(classes["scores"][str(i)], scores[i], rtol=1e-6)
        np.testing.assert_array_equal(_png(out, f"images/{i}.png"), pixels[i, ..., 0])


def test_class_data_with_labels_gives_the_confusion_matrix_and_the_misclassified():
    scores = np.array([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8], [0.7, 0.3]], np.float32)
    data = ClassData("s", ["a", "b"], scores, np.array([0, 0, 1, 1]))
    np.testing.assert_array_equal(data.confusion(), [[1, 1], [1, 1]])
    assert data.ranked(0, 5) == {"most": [0, 1], "least": [1, 0], "wrong": [1]}
    assert data.ranked(1, 1) == {"most": [2], "least": [3], "wrong": [3]}


def test_labels_and_class_names_that_do_not_fit_are_refused(site, tmp_path):
    _, model, pixels, _ = site
    with pytest.raises(ValueError, match=r"one label in 0..1 per image \(7\)"):
        write_explorer(model, pixels, tmp_path / "a", labels=[0, 1, 2, 0, 0, 0, 0])
    with pytest.raises(ValueError, match=r"a name for each of the 2 classes.*Received: 3 names"):
        write_explorer(model, pixels, tmp_path / "b", class_names=["x", "y", "z"])
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_the_embedding_view_places_every_image_and_has_its_thumbnail(site):
    out, model, pixels, _ = site
    embedding = _data(out)["embedding"]
    assert embedding["layer"] == "flatten" and embedding["method"] == "tsne"
    points = np.array(embedding["points"])
    assert points.shape == (7, 2) and points.min() == 0 and points.max() == 1
    assert embedding["colour_by"] == "predicted class"
    predicted = activations(model, pixels / np.float32(255), "dense").argmax(axis=1)
    assert embedding["colour"] == predicted.tolist()
    sprite = embedding["sprite"]
    assert (sprite["h"], sprite["w"]) == (8, 8) and sprite["rows"] * sprite["cols"] >= 7
    drawn = _png(out, sprite["src"])
    for i in range(7):
        np.testing.assert_array_equal(
            _tile(drawn, [sprite["rows"], sprite["cols"]], i, (8, 8)), pixels[i, ..., 0]
        )


@pytest.mark.dataset
def test_fashion_test_images_are_named_by_index_and_class(tmp_path):
    from activations.datasets import CLASS_NAMES, fashion_mnist

    argv = ["explore", "fashion", "--images", "fashion-test", "-o", str(tmp_path / "s")]
    argv += ["--max-images", "40", "--layers", "conv2d_1", "-k", "2", "--dreams", "0"]
    assert main([*argv, "--embed", "0"]) == 0
    data = _data(tmp_path / "s")
    _, (_, labels) = fashion_mnist()
    assert data["names"] == [f"#{i} {CLASS_NAMES[y]}" for i, y in enumerate(labels[:40])]
    assert data["images"] == "Fashion-MNIST test images" and data["n_images"] == 40
    layer = data["layers"][0]
    assert len(layer["dead"]) == 64 and layer["dream"] is None and data["embedding"] is None
    classes = data["classes"]
    assert classes["labelled"] and classes["names"] == list(CLASS_NAMES)
    confusion = np.array(classes["confusion"])
    assert confusion.sum(axis=1).tolist() == np.bincount(labels[:40], minlength=10).tolist()
    assert classes["accuracy"] == pytest.approx(np.trace(confusion) / 40)


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


def test_maxima_a_few_ulps_apart_still_make_a_histogram(tmp_path):
    # Before: NumPy's "Too many bins for data range" (SqueezeNet over two photos).
    import keras

    inputs = keras.Input((4, 4, 1))
    dense = keras.layers.Dense(1, name="d")
    model = keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))
    dense.set_weights([np.full((16, 1), 1e-8, "float32"), np.ones(1, "float32")])
    images = np.array([np.zeros((4, 4, 1)), np.full((4, 4, 1), 255)], np.uint8)
    write_explorer(model, images, tmp_path / "s", embedded=0, dreams=0)
    (hist,) = _data(tmp_path / "s")["layers"][0]["hist"]
    assert sum(hist["counts"]) == 2 and 0 < hist["edges"][-1] - hist["edges"][0] < 1e-6
