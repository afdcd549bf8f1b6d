"""The shared helpers of the results' reprs and HTML tables."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest
from PIL import Image

from activations._arrays.display import (
    Raw,
    bar,
    html_result,
    more,
    number,
    numbers,
    png_data_uri,
    shorten,
    thumbnail,
)

pytestmark = pytest.mark.core

HOSTILE = "<script>alert(1)</script>"


def _decode(uri: str) -> np.ndarray:
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri[len(prefix) :]))))


def test_text_helpers():
    assert [number(v) for v in (3.14159, float("nan"), -0.0004321, 12345.0)] == [
        "3.142", "n/a", "-0.0004321", "1.234e+04",
    ]  # fmt: skip
    assert numbers(np.arange(10), fmt="int") == "[0, 1, 2, ...]"
    assert numbers(np.array([0.5, np.nan]), n=5) == "[0.5, n/a]"
    assert shorten("a" * 50) == "a" * 37 + "..." and shorten("conv1") == "conv1"
    assert more(512, 3, "channels") == "... and 509 more channels"
    assert more(4, 3, "layers") == "... and 1 more layer"
    assert more(3, 3, "layers") == "" and more(12_345, 0, "images") == "... and 12,345 more images"


def test_html_escapes_every_text_and_keeps_only_raw_fragments():
    out = html_result(
        HOSTILE, [f"layer {HOSTILE!r}"], [HOSTILE, "n"], [[HOSTILE, 1], [Raw("<b>ok</b>"), 2]]
    )
    assert "<script" not in out and out.count("&lt;script&gt;") == 4
    assert "<b>ok</b>" in out
    assert out.startswith('<div class="activations-result">') and out.endswith("</div>")


def test_html_is_bounded_and_aligns_number_columns():
    rows = [[f"name{i}", f"{i:,}", "n/a" if i == 1 else number(i / 3)] for i in range(10)]
    out = html_result("T", ["x"], ["name", "count", "value"], rows, total=1000, noun="rows")
    assert out.count("<tr>") == 11  # the header and the 10 rows given
    assert "... and 990 more rows" in out
    aligns = re.findall(r'text-align:(\w+)">([^<]*)</td>', out)
    assert aligns[:3] == [("left", "name0"), ("right", "0"), ("right", "0")]
    assert ("right", "n/a") in aligns
    assert "more" not in html_result("T", [], ["a"], [["x"]])  # everything shown: no tail
    assert "<div>see print()</div>" in html_result("T", [], ["a"], [["x"]], note="see print()")


def test_bar_width_is_clipped_to_its_box():
    assert "width:50.0%" in bar(0.5) and "width:100.0%" in bar(3.0)
    assert "width:0.0%" in bar(float("nan")) and "width:0.0%" in bar(-1.0)
    assert isinstance(bar(0.5), Raw)


def test_png_round_trips_uint8_pixels_exactly(rng):
    gray = rng.integers(0, 256, (5, 7), dtype=np.uint8)
    color = rng.integers(0, 256, (3, 4, 3), dtype=np.uint8)
    np.testing.assert_array_equal(_decode(png_data_uri(gray)), gray)
    np.testing.assert_array_equal(_decode(png_data_uri(color)), color)
    np.testing.assert_array_equal(_decode(png_data_uri(gray[..., None])), gray)


def test_png_stretches_other_values_and_refuses_other_shapes():
    ramp = np.array([[-1.0, 0.0, 1.0]])
    np.testing.assert_array_equal(_decode(png_data_uri(ramp)), [[0, 128, 255]])
    np.testing.assert_array_equal(_decode(png_data_uri(np.full((2, 2), 7.0))), 0)
    before = ramp.copy()
    png_data_uri(ramp)
    np.testing.assert_array_equal(ramp, before)  # the input is not changed
    for shape in [(4,), (2, 2, 2), (0, 3), (2, 2, 4)]:
        with pytest.raises(ValueError, match=rf"Received: shape=\({shape[0]},"):
            png_data_uri(np.zeros(shape))


def test_thumbnail_escapes_its_title():
    img = thumbnail(np.zeros((2, 2), np.uint8), title='"><script>x</script>', size=30)
    assert isinstance(img, Raw) and "<script" not in img and "height:30px" in img
    assert img._repr_html_() == str(img)  # a notebook shows the fragment itself
