"""``activations demo``: both walkthroughs on the real zoo models, offline."""

from __future__ import annotations

import html
import io
import re
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pytest
from _report_checks import assert_all_targets_exist, links_of
from PIL import Image

from activations import activations, compare_channels
from activations.cli import main
from activations.datasets import face, face_eye_closed
from activations.datasets._faces import eye_closed_region
from activations.report._compare_section import percent_text
from activations.zoo import face_net

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` skips it in the inner loop

FASHION = {
    "input.png", "maps_conv2d.png", "maps_conv2d_1.png", "kernels_trained.png",
    "kernels_untrained.png", "weight_histogram.png", "history.png",
    "explain_gradcam.png", "explain_occlusion.png", "dream_conv2d_1.png",
    "top_conv2d_1.png", "tsne.png",
}  # fmt: skip
FACE = {
    "maps_conv1.png", "channel_red.png", "strongest_conv1.png", "maps_prelu3_64.png",
    "maps_conv3_pre.png", "maps_prelu3.png", "photos.png", "compare_prelu3.png",
    "explain_gradcam.png", "explain_occlusion.png", "dream_prelu3.png",
}  # fmt: skip
SQUEEZENET = {
    "maps_conv1.png", "channel_red.png", "strongest_conv1.png", "maps_fire6-squeeze1x1_pre.png",
    "maps_fire6-relu_squeeze1x1.png", "eye_channels.png", "photos.png",
    "compare_fire6-relu_squeeze1x1.png",
}  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("demo") / "demo-out"
    stdout, stderr = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        code = main(["demo", "-o", str(out)])
    seconds = time.perf_counter() - start
    return {"out": out, "code": code, "stdout": stdout.getvalue(), "stderr": stderr.getvalue(),
            "seconds": seconds}  # fmt: skip


@pytest.fixture(scope="module")
def eye_result():
    net = face_net()
    act_open = activations(net, face(), "prelu3")
    return compare_channels(
        act_open, activations(net, face_eye_closed(), "prelu3"),
        region=eye_closed_region(act_open.shape[:2]), k=4,
    )  # fmt: skip


def test_demo_runs_and_reports_progress(demo):
    assert demo["code"] == 0, demo["stderr"]
    assert re.fullmatch(r"wrote .*demo-out/index.html in \d+\.\d s\n", demo["stdout"])
    steps = [line for line in demo["stderr"].splitlines() if line.startswith("[")]
    assert steps[0] == "[1/19] fashion: loading the trained CNN and the first test image"
    assert [s.split("]")[0] for s in steps] == [f"[{i}/19" for i in range(1, 20)]
    assert demo["seconds"] < 240  # about 30 s alone on 2 cores; CI machines are shared


def test_demo_index_links_the_three_walkthroughs(demo):
    index = demo["out"] / "index.html"
    targets = links_of(index).targets
    for page in ("fashion", "face", "squeezenet"):
        assert f"{page}/index.html" in targets
    assert_all_targets_exist(index)
    names = sorted(p.name for p in demo["out"].iterdir())
    assert names == ["face", "fashion", "index.html", "squeezenet"]


@pytest.mark.parametrize(
    ("page", "expected"), [("fashion", FASHION), ("face", FACE), ("squeezenet", SQUEEZENET)]
)
def test_demo_pages_have_every_figure(demo, page, expected):
    index = demo["out"] / page / "index.html"
    images = set(assert_all_targets_exist(index))
    assert expected <= images
    for name in images:
        path: Path = demo["out"] / page / name
        assert path.stat().st_size > 500
        with Image.open(path) as image:
            assert image.width >= 100 and image.height >= 100
            assert np.asarray(image).std() > 0  # not a blank image
    assert "<table>" in index.read_text()


def test_fashion_page_content(demo):
    text = (demo["out"] / "fashion" / "index.html").read_text()
    assert "Test image 0, label &#x27;Ankle boot&#x27;" in text
    assert "conv2d after its ReLU, 32 channels as a 4x8 grid" in text
    assert "conv2d_1 after its ReLU, 64 channels as a 8x8 grid" in text
    assert "333,526 learnable values" in text
    assert "<h2>What the channels mean, over 1,000 test images</h2>" in text
    assert "the 9 of the 1000 test images with the largest response" in text
    assert "The map is drawn for the first 500 of the 1,000 images" in text
    shares = re.search(r"conv2d (0\.\d+), dense (0\.\d+), dense_1 (0\.\d+); chance", text)
    assert 0.4 < float(shares[1]) < float(shares[2]) < 0.95 and float(shares[3]) > 0.8
    assert re.search(r"On average \d+% of a live channel's top 9 images \(64 of 64",
                     html.unescape(text))  # fmt: skip


def test_face_page_uses_the_eye_channels(demo, eye_result):
    face_dir = demo["out"] / "face"
    text = (face_dir / "index.html").read_text()
    channels = [int(c) for c in eye_result.channels]
    assert channels == [5, 6, 21, 45]  # as the README, the CLI and the example say
    for c in channels[:2]:
        assert (face_dir / f"eye_channel_{c}.png").is_file()
    for i, c in enumerate(channels):  # the numbers of compare_channels, row by row
        row = (
            f'<tr><td class="num">{c}</td><td>{eye_result.inside_a[i]:.3f}</td>'
            f"<td>{eye_result.inside_b[i]:.3f}</td><td>{eye_result.drop[i]:.3f}</td>"
            f"<td>{percent_text(eye_result.drop_pct[i])}</td><td>{eye_result.outside_a[i]:.3f}</td>"
            f"<td>{eye_result.outside_b[i]:.3f}</td>"
            f"<td>{percent_text(eye_result.outside_drop_pct[i])}</td>"
        )
        assert row in text
    assert "On the 8x8 grid it covers 0.7425 cells" in text
    assert "falls by 74% for channel 5, 102% for channel 6, 91% for channel 21" in text
    for heading in ("1. conv1: all channels", "2. One channel over the photo",
                    "3. The strongest channel", "4. A deeper layer: prelu3",
                    "5. Before and after the PReLU", "6. One eye closed"):  # fmt: skip
        assert f"<h2>{heading}</h2>" in text


def _captions(page: Path) -> dict[str, str]:
    """Each figure's caption, by its image file."""
    pattern = r'<img src="([^"]+)"[^>]*></a><figcaption>(.*?)</figcaption>'
    found = re.findall(pattern, page.read_text(), re.S)
    return {src: html.unescape(caption) for src, caption in found}


def test_squeezenet_page_finds_matlabs_channels(demo):
    text = html.unescape((demo["out"] / "squeezenet" / "index.html").read_text())
    for heading in ("1. conv1: all 64 channels", "2. Channel 22 (ours 21): red",
                    "3. The strongest channel", "4. fire6-squeeze1x1 before and after its ReLU",
                    "5. Channels 14 and 47 (ours 13 and 46)", "6. One eye closed"):  # fmt: skip
        assert f"<h2>{heading}</h2>" in text
    assert "1,235,496 learnable values" in text
    assert "to the other hues most are [47, 21, 28, 3, 1]" in text
    assert "conv1: channel 0 holds the largest value of the layer" in text
    assert "On the 14x14 grid it covers 2.274 cells" in text
    assert '<tr><td class="num">13</td>' in text and '<tr><td class="num">46</td>' in text
    assert "Channels 13 and 46 (MATLAB's 14 and 47) drop most when the eye closes: the" in text
    assert "where our photo differs from mathworks'" in text.lower()


def test_captions_describe_their_figures(demo):
    face_captions = _captions(demo["out"] / "face" / "index.html")
    fashion_captions = _captions(demo["out"] / "fashion" / "index.html")
    # Only grids whose black is 0 (after a ReLU) may say so; PReLU and raw maps have
    # negative values, where 0 is a gray.
    for name in ("maps_conv3_pre.png", "maps_prelu3.png", "maps_conv1.png"):
        assert "black is 0" not in face_captions[name]
        assert "0 is the gray" in face_captions[name]
    for name in ("maps_conv2d.png", "maps_conv2d_1.png"):
        assert "black is 0, no response." in fashion_captions[name]
    pre, post = face_captions["maps_conv3_pre.png"], face_captions["maps_prelu3.png"]
    scale = re.search(r"black = \S+, white = \S+;", pre).group()
    assert scale in post  # one shared scale, said in both captions
    assert "as blocks, one per cell of its 8x8 grid" in face_captions["eye_channel_5.png"]
    # Where each eye channel really peaks (issue 16): 5 on the eye that closes, 6 lower,
    # near ONet's own mouth-corner landmark, the same 1.16 on both photos.
    assert "Its strongest cell (2.40) is on that eye." in face_captions["eye_channel_5.png"]
    six = face_captions["eye_channel_6.png"]
    assert "falls from 0.55 to -0.01 when it closes" in six
    assert "not on that eye: 1.16 at row 6, column 5 (photo x 100-119, y 120-139)" in six
    assert "right mouth corner landmark" in six
    assert "t-SNE of the activations of 500 test images" in fashion_captions["tsne.png"]
    assert "resized bilinearly from 46x46 to the photo" in face_captions["channel_red.png"]
    assert "lie outside the range and are drawn in blue" in fashion_captions["kernels_trained.png"]
    assert "nothing is clipped" in fashion_captions["kernels_untrained.png"]
    assert "with the region in red on every map" in face_captions["compare_prelu3.png"]
