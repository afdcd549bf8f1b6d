"""The HTML report: pages, safe output paths, conv-layer discovery, the whole report."""

from __future__ import annotations

import html
import io

import keras
import numpy as np
import pytest
from _report_checks import assert_all_targets_exist
from keras import layers
from matplotlib.figure import Figure
from PIL import Image

from activations import activations, analyze_network, compare_channels
from activations._probes.network import LayerInfo, NetworkTable
from activations.report import write_model_report
from activations.report._compare_section import (
    add_compare_section,
    compare_layer_for,
    percent_text,
)
from activations.report._errors import SectionError
from activations.report._page import (
    Page,
    Progress,
    network_table_html,
    save_figure,
    staged_directory,
    table_html,
)
from activations.report._sections import (
    ConvLayer,
    add_maps,
    conv_layers,
    maps_note,
)
from activations.report._weights_section import add_weights_section


def _seeded(seed: int) -> dict:
    return {"kernel_initializer": keras.initializers.GlorotUniform(seed=seed)}


@pytest.fixture(scope="module")
def odd_model() -> keras.Model:
    """Conv layers with a fused ReLU, a separate ReLU and a PReLU; names needing escapes.

    TensorFlow accepts only ``[A-Za-z0-9_.\\/>-]`` in layer and model names, so ``>``
    is the one HTML character they can hold.
    """
    return keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            layers.Conv2D(4, 3, activation="relu", padding="same", name="c>1", **_seeded(1)),
            layers.MaxPooling2D(2, name="pool"),
            layers.Conv2D(5, 3, name="conv2", **_seeded(2)),
            layers.ReLU(name="r>2"),
            layers.Conv2D(3, 3, name="conv3", **_seeded(3)),
            layers.PReLU(shared_axes=[1, 2], name="prelu3"),
            layers.Conv2D(2, 1, name="conv4", **_seeded(4)),
            layers.GlobalAveragePooling2D(name="gap"),
            layers.Dense(2, name="dense", **_seeded(5)),
        ],
        name="net->x",
    )


@pytest.fixture
def photos() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    b = a.copy()
    b[2:10, 4:12] = 255  # a white patch: both conv4 channels drop there
    return a, b


# --- Page, tables, progress ----------------------------------------------------


def test_table_html_escapes_and_marks_numbers():
    assert table_html([{"Name": "a<b", "#": 3}], numeric=["#"]) == (
        "<table><thead><tr><th>Name</th><th>#</th></tr></thead><tbody>"
        '<tr><td>a&lt;b</td><td class="num">3</td></tr></tbody></table>'
    )
    assert table_html([]) == '<p class="note">(empty table)</p>'


def test_network_table_html_has_every_layer(odd_model):
    text = network_table_html(analyze_network(odd_model))
    for name in ("c&gt;1", "conv2", "r&gt;2", "prelu3", "dense"):
        assert f"<td>{name}</td>" in text
    assert "c>1" not in text


def test_network_table_html_escapes_names():
    row = LayerInfo("a<b&c", "My<Layer>", (3, 4), "", {"k": (2,)}, 2)
    text = network_table_html(NetworkTable('m<"x">', (3, 4), (row,)))
    assert "<td>a&lt;b&amp;c</td><td>My&lt;Layer&gt;</td><td>3x4</td>" in text
    assert "a<b" not in text


def test_page_escapes_every_text(tmp_path):
    page = Page(tmp_path, "T <1>")
    page.heading("H & h")
    page.paragraph('"p" <b>')
    page.link("a b/<x>.html", "go <now>")
    page.image(np.zeros((2, 2), np.uint8), "img", "caption <c>. rest")
    text = page.write().read_text()
    assert "<title>T &lt;1&gt;</title>" in text and "<h1>T &lt;1&gt;</h1>" in text
    assert "<h2>H &amp; h</h2>" in text
    assert "<p>&quot;p&quot; &lt;b&gt;</p>" in text
    assert '<a href="a b/&lt;x&gt;.html">go &lt;now&gt;</a>' in text
    assert 'alt="caption &lt;c&gt;"' in text
    assert "<figcaption>caption &lt;c&gt;. rest</figcaption>" in text
    assert "document.body.dataset.imagesOk" in text
    assert '<link rel="icon" href="data:,">' in text


def test_page_saves_figures_and_images(tmp_path):
    page = Page(tmp_path, "t")
    fig = Figure(figsize=(2, 1))
    fig.add_subplot().plot([0, 1])
    with page.row():
        assert page.figure(fig, "plot", "a plot") == "plot.png"
        assert page.figure(Figure(figsize=(1, 1)), "plot", "again") == "plot-2.png"
    assert page.image(np.full((3, 2, 1), 9, np.uint8), "small", "x", scale=4) == "small.png"
    page.write()
    with Image.open(tmp_path / "plot.png") as image:
        assert image.size == (200, 100)
    with Image.open(tmp_path / "small.png") as image:
        assert image.size == (8, 12)
        np.testing.assert_array_equal(np.asarray(image), 9)
    assert '<div class="row"><figure>' in (tmp_path / "index.html").read_text()
    assert page.files == ["plot.png", "plot-2.png", "small.png"]


def test_progress_lines():
    stream = io.StringIO()
    progress = Progress(3, stream)
    progress("first")
    progress("second")
    assert stream.getvalue() == "[1/3] first\n[2/3] second\n"
    Progress(1, None)("silent")


# --- output paths ----------------------------------------------------------------


def test_staged_directory_moves_files_on_success(tmp_path):
    out = tmp_path / "out"
    with staged_directory(out) as temp:
        assert temp.parent == tmp_path and temp.name.startswith(".out.tmp-")
        (temp / "sub").mkdir()
        (temp / "sub" / "a.txt").write_text("a")
        assert not out.exists()
    assert (out / "sub" / "a.txt").read_text() == "a"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_staged_directory_leaves_nothing_on_error(tmp_path):
    with pytest.raises(RuntimeError, match="boom"), staged_directory(tmp_path / "out") as temp:
        (temp / "a.txt").write_text("a")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_staged_directory_force_merges(tmp_path):
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "keep.txt").write_text("keep")
    (out / "sub" / "a.txt").write_text("old")
    with pytest.raises(FileExistsError, match=r"is not empty; pass force=True \(--force\)"):
        with staged_directory(out):
            pass
    with staged_directory(out, force=True) as temp:
        (temp / "sub").mkdir()
        (temp / "sub" / "a.txt").write_text("new")
    assert (out / "keep.txt").read_text() == "keep"
    assert (out / "sub" / "a.txt").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_staged_directory_into_an_empty_existing_directory(tmp_path):
    (tmp_path / "out").mkdir()
    with staged_directory(tmp_path / "out") as temp:
        (temp / "a.txt").write_text("a")
    assert (tmp_path / "out" / "a.txt").read_text() == "a"


def test_save_figure_replaces_and_leaves_no_temp(tmp_path):
    (tmp_path / "f.png").write_text("old")
    save_figure(Figure(figsize=(1, 1)), tmp_path / "f.png", dpi=50)
    with Image.open(tmp_path / "f.png") as image:
        assert image.size == (50, 50)
    assert [p.name for p in tmp_path.iterdir()] == ["f.png"]


# --- conv layers and the comparison layer ------------------------------------------


def test_conv_layers_pair_activations(odd_model):
    table = analyze_network(odd_model)
    assert conv_layers(table) == [
        ConvLayer("c>1", "relu", None),
        ConvLayer("conv2", "", "r>2", "ReLU"),
        ConvLayer("conv3", "", "prelu3", "PReLU"),
        ConvLayer("conv4", "", None),
    ]
    assert [c.output for c in conv_layers(table)] == ["c>1", "r>2", "prelu3", "conv4"]
    assert [c.has_pre for c in conv_layers(table)] == [True, True, True, False]
    assert conv_layers(table, ["conv3"]) == [ConvLayer("conv3", "", "prelu3", "PReLU")]


def test_conv_layers_rejects_other_names(odd_model):
    with pytest.raises(ValueError, match=r"Not a conv layer of model .*: \['pool'\]"):
        conv_layers(analyze_network(odd_model), ["conv3", "pool"])


def test_compare_layer_is_the_deepest_whose_cells_the_box_spans(odd_model):
    convs = conv_layers(analyze_network(odd_model))
    # Cells of 1, 16/6 = 2.7, 4 and 4 pixels of the 16x16 photo.
    shapes = {"c>1": (16, 16, 4), "r>2": (6, 6, 5), "prelu3": (4, 4, 3), "conv4": (4, 4, 2)}
    assert compare_layer_for(convs, shapes, (16, 16), None) == "conv4"
    assert compare_layer_for(convs, shapes, (16, 16), (0, 0, 4, 4)) == "conv4"
    assert compare_layer_for(convs, shapes, (16, 16), (0, 0, 4, 1)) == "conv4"  # wide enough
    assert compare_layer_for(convs, shapes, (16, 16), (0, 0, 3, 3)) == "r>2"
    assert compare_layer_for(convs, shapes, (16, 16), (0, 0, 2, 2)) == "c>1"
    with pytest.raises(ValueError, match="narrower and shorter than one cell of every conv"):
        compare_layer_for(convs, shapes, (160, 160), (0, 0, 1, 1))


def test_compare_layer_of_the_eye_box_on_the_face_network():
    # The face network's conv outputs over the 160x160 face, and the 27x11 eye box:
    # prelu3's cells (20 pixels) are narrower than the box, prelu4's (53) are not.
    convs = [ConvLayer(f"conv{i}", "", f"prelu{i}", "PReLU") for i in (1, 2, 3, 4)]
    shapes = {"prelu1": (46, 46), "prelu2": (21, 21), "prelu3": (8, 8), "prelu4": (3, 3)}
    assert compare_layer_for(convs, shapes, (160, 160), (88, 59, 115, 70)) == "prelu3"


# --- captions and figures of the sections -------------------------------------------


def test_maps_note_says_where_zero_is():
    assert maps_note(0.0, 5.0).endswith("black = 0, white = 5; black is 0, no response.")
    assert maps_note(-1.0, 3.0).endswith("black = -1, white = 3; 0 is the gray 25% of the way up.")
    assert "black is 0" not in maps_note(-2.5, 2.5)
    assert maps_note(-2.5, 2.5).endswith("0 is the gray 50% of the way up.")


def test_before_and_after_share_one_scale_and_captions_fit(tmp_path):
    act = np.arange(2 * 2 * 3, dtype=np.float32).reshape(2, 2, 3) - 4.0  # -4 .. 7
    after = np.where(act > 0, act, 0.25 * act)  # a PReLU with slope 0.25
    page = Page(tmp_path, "t")
    add_maps(page, ConvLayer("c", "", "p", "PReLU"), {"p": after}, {"c": act})
    captions = _captions(page.render())
    assert len(captions) == 2
    for caption in captions:  # both on the pair's range, -4 (the pre map's min) .. 7
        assert "black = -4, white = 7; 0 is the gray 36% of the way up." in caption
        assert "The same scale as the figure beside it." in caption
        assert "black is 0" not in caption
    assert "PReLU keeps positive responses and scales negative ones" in captions[1]
    page = Page(tmp_path / "relu", "t")
    (tmp_path / "relu").mkdir()
    add_maps(page, ConvLayer("c", "relu", None), {"c": np.maximum(act, 0)}, {"c": act})
    assert "The ReLU sets every negative response to 0." in _captions(page.render())[1]


def _captions(html_text: str) -> list[str]:
    import html
    import re

    return [html.unescape(c) for c in re.findall(r"<figcaption>(.*?)</figcaption>", html_text)]


def test_sections_draw_names_with_dollars(tmp_path):
    # TensorFlow refuses "$" in layer names; JAX and PyTorch take them (see the test below).
    page = Page(tmp_path, "t")
    act = np.arange(4 * 4 * 2, dtype=np.float32).reshape(4, 4, 2) - 5.0
    add_maps(page, ConvLayer("c$x^^$", "", "p$_{$", "PReLU"), {"p$_{$": act}, {"c$x^^$": act})
    add_weights_section(page, {"k$\\frac$": np.ones((3, 3, 3, 2)) * 0.1})
    photos = (np.zeros((16, 16, 3), np.uint8), np.full((16, 16, 3), 9, np.uint8))
    add_compare_section(
        page, photos, (act, act - 1), "p$_{$", box=(4, 4, 8, 8), labels=("a$^$", "b")
    )
    written = sorted(p.name for p in tmp_path.iterdir())
    assert "compare_p____.png" in written and "kernels_k__frac_.png" in written


def test_comparison_without_a_box_says_so_and_has_no_outside_columns(tmp_path):
    page = Page(tmp_path, "t")
    a = np.zeros((4, 4, 3), np.float32)
    a[..., 0] = 2.0
    photos = (np.zeros((16, 16, 3), np.uint8),) * 2
    result = add_compare_section(page, photos, (a, a * 0.5), "conv", box=None, k=4)
    text = page.render()
    assert "No region given: the whole map is compared, so nothing is outside it." in text
    assert "Outside" not in text
    assert result.channels.tolist() == [0]
    assert "Only 1 of its 3 channels drop at all." in text
    assert "<td>50%</td>" in text  # drop % of channel 0


def test_comparison_gives_no_percentage_of_a_negative_mean(tmp_path):
    page = Page(tmp_path, "t")
    a = np.full((4, 4, 2), -0.057, np.float32)  # a PReLU channel, negative on both photos
    a[..., 1] = 0.4
    b = a.copy()
    b[..., 0], b[..., 1] = -0.105, 0.3
    photos = (np.zeros((16, 16, 3), np.uint8),) * 2
    result = add_compare_section(page, photos, (a, b), "prelu", box=None, k=2)
    assert result.channels.tolist() == [1, 0]  # ranked by the drop: 0.1 > 0.048
    text = page.render()
    assert "<td>0.048</td><td>n/a</td>" in text and "<td>0.100</td><td>25%</td>" in text
    assert "83%" not in text and "84%" not in text


# --- the whole report ----------------------------------------------------------------


def test_report_of_a_model_with_odd_names(odd_model, photos, tmp_path):
    stream = io.StringIO()
    index = write_model_report(
        odd_model, photos[0], tmp_path / "r", title="Report <x>", stream=stream,
        image_b=photos[1], box=(4, 2, 12, 10), labels=("a<", "b>"),
    )  # fmt: skip
    assert index == tmp_path / "r" / "index.html"
    text = index.read_text()
    assert "<h1>Report &lt;x&gt;</h1>" in text
    assert "<td>c&gt;1</td>" in text and "<td>r&gt;2</td>" in text
    assert "Model &#x27;net-&gt;x&#x27;" in text
    assert "&#x27;a&lt;&#x27; (left) and &#x27;b&gt;&#x27; (right)" in text
    for raw in ("c>1", "r>2", "net->x", "a<", "b>"):
        assert raw not in text.replace("<td>n/a</td>", "")  # "n/a</td>" holds an "a<"
    images = assert_all_targets_exist(index)
    assert set(images) == {
        "input.png",
        "maps_c_1_pre.png", "maps_c_1.png",
        "maps_conv2_pre.png", "maps_r_2.png",
        "maps_conv3_pre.png", "maps_prelu3.png",
        "maps_conv4.png",
        "strongest_c_1.png", "strongest_r_2.png", "strongest_prelu3.png", "strongest_conv4.png",
        "kernels_c_1.png", "weight_histograms.png",
        "explain_gradcam.png", "explain_occlusion.png", "dream_conv4.png",
        "photos.png", "compare_conv4.png",
    }  # fmt: skip
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == sorted([*images, "index.html"])
    lines = stream.getvalue().splitlines()
    assert lines[0] == "[1/11] network table"
    assert "[10/11] deep dreams of conv4" in lines
    assert lines[-1] == "[11/11] comparison of the two images"


def test_report_with_an_image_set_ranks_the_deepest_layer(odd_model, photos, tmp_path):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (12, 16, 16, 3), dtype=np.uint8)
    x = images.astype(np.float32)
    index = write_model_report(odd_model, photos[0], tmp_path / "r", stream=None,
                               image_set=(images, x, "noise images"))  # fmt: skip
    text = index.read_text()
    assert "<h2>What the channels of conv4 mean, over the noise images</h2>" in text
    assert "the 9 of the 12 noise images with the largest response" in text
    assert "top_conv4.png" in assert_all_targets_exist(index)
    assert "<h2>What the channels of conv4 want to see</h2>" in text


def test_report_comparison_matches_compare_channels(odd_model, photos, tmp_path):
    index = write_model_report(
        odd_model, photos[0], tmp_path / "r", image_b=photos[1], box=(4, 2, 12, 10),
        compare_layer="conv4", k=2, stream=None,
    )  # fmt: skip
    region = np.zeros((16, 16), bool)  # the box as a photo-sized mask
    region[2:10, 4:12] = True
    expected = compare_channels(
        activations(odd_model, photos[0].astype("float32"), "conv4"),
        activations(odd_model, photos[1].astype("float32"), "conv4"),
        region=region, k=2,
    )  # fmt: skip
    text = index.read_text()
    for i, channel in enumerate(expected.channels):
        row = (
            f'<tr><td class="num">{channel}</td><td>{expected.inside_a[i]:.3f}</td>'
            f"<td>{expected.inside_b[i]:.3f}</td><td>{expected.drop[i]:.3f}</td>"
            f"<td>{percent_text(float(expected.drop_pct[i]))}</td>"
            f"<td>{expected.outside_a[i]:.3f}</td>"
        )
        assert row in text
    assert "On the 4x4 grid it covers 4 cells" in text
    assert "compare_conv4.png" in text


def test_report_scales_the_input(odd_model, photos, tmp_path):
    write_model_report(odd_model, photos[0], tmp_path / "r", scale=255.0, stream=None)
    text = (tmp_path / "r" / "index.html").read_text()
    act = activations(odd_model, photos[0].astype("float32") / 255, "c>1")
    channel = int(act.max(axis=(0, 1)).argmax())
    assert f"c&gt;1: channel {channel} holds the largest value of the layer" in text


def test_report_with_chosen_layers(odd_model, photos, tmp_path):
    write_model_report(odd_model, photos[0], tmp_path / "r", layers=["conv3"], stream=None)
    images = assert_all_targets_exist(tmp_path / "r" / "index.html")
    assert "maps_prelu3.png" in images and "maps_c_1.png" not in images
    assert "kernels_conv3.png" in images


def test_report_errors_before_writing(odd_model, photos, tmp_path):
    with pytest.raises(ValueError, match="0 <= x0 < x1 <= 16"):
        write_model_report(
            odd_model, photos[0], tmp_path / "r", image_b=photos[1], box=(0, 0, 17, 3)
        )
    no_conv = keras.Sequential([keras.Input((4, 4, 1)), layers.Flatten()], name="flat")
    with pytest.raises(ValueError, match="has no conv layer with"):
        write_model_report(no_conv, np.zeros((4, 4, 1), np.uint8), tmp_path / "r")
    assert list(tmp_path.iterdir()) == []


class FixedConv(keras.layers.Layer):
    """A "conv" layer without weights (a fixed 2x2 average): nothing to draw as kernels."""

    def call(self, x):
        return keras.ops.average_pool(x, 2, strides=1)


def test_report_leaves_out_kernels_it_cannot_draw(photos, tmp_path, caplog):
    model = keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            FixedConv(name="fixed"),
            layers.DepthwiseConv2D(3, name="depthwise"),
        ],
        name="odd_convs",
    )
    with caplog.at_level("INFO", logger="activations"):
        write_model_report(model, photos[0], tmp_path / "r", stream=None)
    assert "Layer 'fixed' has no kernel; left out of the weights" in caplog.text
    images = assert_all_targets_exist(tmp_path / "r" / "index.html")
    assert {"maps_fixed.png", "maps_depthwise.png", "kernels_depthwise.png"} <= set(images)


def test_report_without_any_kernel(photos, tmp_path):
    model = keras.Sequential([keras.Input((16, 16, 3)), FixedConv(name="fixed")], name="fixed")
    write_model_report(model, photos[0], tmp_path / "r", stream=None)
    text = (tmp_path / "r" / "index.html").read_text()
    assert "No conv layer with a 4-D kernel." in text
    assert "weight_histograms.png" not in text


DOLLAR_REPORT = r"""
import sys
import keras
import numpy as np
from keras import layers
from activations.report import write_model_report

keras.utils.set_random_seed(0)  # the same weights every run: some channel drops in the box
model = keras.Sequential(
    [
        keras.Input((16, 16, 3)),
        layers.Conv2D(4, 3, name="c$x^^$1"),
        layers.PReLU(shared_axes=[1, 2], name="p$_{$"),
        layers.Conv2D(3, 3, activation="relu", name="d$\\frac$"),
    ],
    name="net$",
)
image = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
closed = image.copy()
closed[2:8, 2:8] = 0
write_model_report(model, image, sys.argv[1], image_b=closed, box=(2, 2, 8, 8), stream=None)
"""


def test_report_of_a_model_with_dollars_in_its_layer_names(tmp_path):
    # Mathtext would fail on "$x^^$", "$_{$" and "$\\frac$": names must be plain text.
    # TensorFlow refuses such names, so the report runs on JAX (a test dependency).
    import os
    import subprocess
    import sys

    env = {**os.environ, "KERAS_BACKEND": "jax"}
    out = tmp_path / "r"
    done = subprocess.run(
        [sys.executable, "-c", DOLLAR_REPORT, str(out)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    images = assert_all_targets_exist(out / "index.html")
    assert {"maps_c_x___1_pre.png", "maps_p____.png", "compare_d__frac_.png"} <= set(images)
    assert "c$x^^$1" in (out / "index.html").read_text()


def _two_outputs(second: keras.layers.Layer) -> keras.Model:
    """A conv model with two outputs: the maps' means and ``second`` on them."""
    init = keras.initializers.GlorotUniform
    inputs = keras.Input((8, 8, 3))
    conv = layers.Conv2D(4, 3, padding="same", activation="relu", name="conv",
                         kernel_initializer=init(1))(inputs)  # fmt: skip
    pooled = layers.GlobalAveragePooling2D(name="gap")(conv)
    return keras.Model(inputs, [pooled, second(pooled)], name="two")


def _image(shape=(8, 8, 3)) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)


EXCEPTION_TEXT = ("Traceback", "Error", "inhomogeneous", "setting an array element")


def test_report_explains_a_model_without_class_scores_in_words(tmp_path):
    model = _two_outputs(layers.Dense(3, name="raw", kernel_initializer="ones"))
    index = write_model_report(model, _image(), tmp_path / "r", stream=None)
    text = html.unescape(index.read_text())
    assert (
        "Grad-CAM and occlusion sensitivity explain a class score; not shown: model 'two' "
        "has 2 outputs ['gap', 'raw'] and none is its only softmax output; choose the layer "
        "of class scores with --reduction-layer (reduction_layer in Python)."
    ) in text
    assert not any(word in text for word in EXCEPTION_TEXT)
    assert not (tmp_path / "r" / "explain_gradcam.png").exists()


def test_report_explains_the_only_softmax_output_or_the_given_layer(tmp_path):
    model = _two_outputs(layers.Dense(3, activation="softmax", name="probs"))
    index = write_model_report(model, _image(), tmp_path / "a", stream=None,
                               class_names=["cat", "dog", "owl"])  # fmt: skip
    label = int(model.predict_on_batch(_image()[None].astype("float32"))[1].argmax())
    name = ["cat", "dog", "owl"][label]
    text = html.unescape(index.read_text())
    assert (
        f"Grad-CAM (MATLAB's gradCAM) for class {label} '{name}' (the predicted one) of probs"
        in text
    )
    assert {"explain_gradcam.png", "explain_occlusion.png"} <= set(assert_all_targets_exist(index))
    raw = _two_outputs(layers.Dense(3, name="raw"))
    index = write_model_report(raw, _image(), tmp_path / "b", stream=None, reduction_layer="raw")
    assert "explain_gradcam.png" in assert_all_targets_exist(index)
    with pytest.raises(
        ValueError, match=r"No layer named `nope`.*Received: reduction_layer='nope'"
    ):
        write_model_report(raw, _image(), tmp_path / "c", reduction_layer="nope")
    assert not (tmp_path / "c").exists()


def test_report_says_when_the_output_is_no_class_score(tmp_path):
    model = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(2, 3, name="conv")],
                             name="maps")  # fmt: skip
    text = write_model_report(model, _image(), tmp_path / "r", stream=None).read_text()
    assert (
        "not shown: the layer &#x27;conv&#x27; gives 6x6x2 per image, not one score per class"
    ) in text


def test_report_of_a_free_size_model_dreams_at_its_own_size(tmp_path):
    init = keras.initializers.GlorotUniform
    inputs = keras.Input((None, None, 3))
    x = layers.Resizing(12, 12, name="resize")(inputs)
    x = layers.Conv2D(3, 3, activation="relu", name="conv", kernel_initializer=init(1))(x)
    x = layers.Flatten()(x)
    resized = keras.Model(inputs, layers.Dense(2, activation="softmax")(x), name="resized")
    index = write_model_report(resized, _image((20, 16, 3)), tmp_path / "a", stream=None)
    text = index.read_text()
    assert "from 12x12 noise (the size the network resizes every input to" in text
    with Image.open(tmp_path / "a" / "dream_conv.png") as dream:
        assert dream.width > 100
    assert "explain_occlusion.png" in assert_all_targets_exist(index)
    inputs = keras.Input((None, None, 3))
    conv = layers.Conv2D(2, 3, activation="relu", name="conv", kernel_initializer=init(2))
    gap = layers.GlobalAveragePooling2D()(conv(inputs))
    free = keras.Model(inputs, layers.Dense(2, activation="softmax")(gap), name="free")
    text = write_model_report(free, _image((10, 14, 3)), tmp_path / "b", stream=None).read_text()
    assert "from 10x14 noise (the photo&#x27;s size: the model takes any size)" in text


def test_a_failing_section_is_named_and_leaves_nothing(tmp_path):
    model = _two_outputs(layers.Dense(3, activation="softmax", name="probs"))
    images = np.stack([_image()] * 4)

    def batches():  # a set of images that breaks halfway, as a disk that goes away
        yield images[:2].astype("float32")
        raise RuntimeError("the disk went away")

    with pytest.raises(SectionError) as caught:
        write_model_report(model, _image(), tmp_path / "r", stream=None,
                           image_set=(images, batches(), "images"))  # fmt: skip
    assert str(caught.value) == (
        "The report's section 'top images' failed: RuntimeError: the disk went away"
    )
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(SectionError, match=r"'why the model decides' failed: ValueError: "
                       r"Expected `class_names` with one name per class \(3\)"):  # fmt: skip
        write_model_report(model, _image(), tmp_path / "r", stream=None, class_names=["x"])
    assert list(tmp_path.iterdir()) == []
