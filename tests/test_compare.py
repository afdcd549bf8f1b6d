"""Tests of activations._arrays.compare: compare_channels and its ChannelComparison."""

from __future__ import annotations

import dataclasses
import logging
import re
import time

import numpy as np
import pytest

from activations import compare_channels
from activations._arrays.compare import ChannelComparison
from activations._arrays.region import region_weights

pytestmark = pytest.mark.core


@pytest.fixture
def eye_pair() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(H, W, C) = (4, 4, 3) activations; the region is the top-left 2x2 block.

    Channel 0 fires in the region on image a only (an "eye" channel); channel 1
    fires everywhere, a little less on b; channel 2 rises on b.
    """
    a = np.zeros((4, 4, 3), dtype=np.float32)
    a[:2, :2, 0] = 4.0
    a[..., 1] = 2.0
    b = a.copy()
    b[:2, :2, 0] = 1.0
    b[..., 1] = 1.5
    b[..., 2] = 1.0
    region = np.zeros((4, 4), dtype=bool)
    region[:2, :2] = True
    return a, b, region


def test_finds_the_eye_channel_with_exact_means(eye_pair) -> None:
    a, b, region = eye_pair
    result = compare_channels(a, b, region=region, k=3)
    assert isinstance(result, ChannelComparison)
    np.testing.assert_array_equal(result.channels, [0, 1])  # channel 2 rises: not ranked
    np.testing.assert_array_equal(result.drop, np.array([3.0, 0.5], np.float32))
    np.testing.assert_array_equal(result.inside_a, [4.0, 2.0])
    np.testing.assert_array_equal(result.inside_b, [1.0, 1.5])
    np.testing.assert_array_equal(result.ratio, [0.25, 0.75])
    np.testing.assert_array_equal(result.drop_pct, [75.0, 25.0])
    np.testing.assert_array_equal(result.outside_a, [0.0, 2.0])
    np.testing.assert_array_equal(result.outside_b, [0.0, 1.5])
    # Channel 0 is 0 outside on both: no percentage of a zero mean.
    np.testing.assert_array_equal(result.outside_drop_pct, [np.nan, 25.0])
    assert (result.area_inside, result.area_outside) == (4.0, 12.0)
    assert (result.k, result.n_dropping, result.n_channels) == (3, 2, 3)
    for field in ("drop", "inside_a", "inside_b", "outside_a", "outside_b", "ratio"):
        assert getattr(result, field).dtype == np.float32


def test_means_are_weighted_by_the_cell_weights() -> None:
    a = np.array([[4.0, 2.0], [1.0, 3.0]])[..., None]
    weights = np.array([[1.0, 0.5], [0.5, 0.0]])  # sums to 2 inside and 2 outside
    result = compare_channels(a, np.zeros_like(a), region=weights)
    np.testing.assert_array_equal(result.inside_a, [(4 + 1 + 0.5) / 2])  # 2.75
    np.testing.assert_array_equal(result.outside_a, [(1 + 0.5 + 3) / 2])  # 2.25
    np.testing.assert_array_equal(result.region, weights)
    assert (result.area_inside, result.area_outside) == (2.0, 2.0)


def test_photo_sized_mask_and_box_weights_agree(eye_pair) -> None:
    a, b, _ = eye_pair
    mask = np.zeros((10, 10), dtype=bool)  # each activation cell is 2.5 x 2.5 pixels
    mask[:5, :5] = True  # exactly the top-left 2x2 cells
    mask[5, 5] = True  # a stray pixel: 0.16 of cell (2, 2)
    from_mask = compare_channels(a, b, region=mask, k=3)
    from_box = compare_channels(
        a, b, region=region_weights((0, 0, 5, 5), (4, 4), image_shape=(10, 10)), k=3
    )
    assert from_mask.region[2, 2] == pytest.approx(0.16, abs=1e-12)
    assert from_mask.area_inside == pytest.approx(4.16, abs=1e-12)
    np.testing.assert_array_equal(from_box.inside_a, [4.0, 2.0])
    np.testing.assert_allclose(from_mask.inside_a, [4.0 * 4 / 4.16, 2.0], rtol=1e-6)
    np.testing.assert_array_equal(from_mask.channels, from_box.channels)


def test_a_box_smaller_than_one_cell_works_on_a_coarse_grid() -> None:
    # A 1-pixel box of a 4x4 photo on a 2x2 grid covers a quarter of cell (0, 0).
    # (A rule that needs half a cell finds no cell here and raises.)
    a = np.array([[8.0, 1.0], [1.0, 1.0]])[..., None]
    weights = region_weights((1, 1, 2, 2), (2, 2), image_shape=(4, 4))
    result = compare_channels(a, np.ones_like(a), region=weights)
    np.testing.assert_array_equal(result.inside_a, [8.0])
    np.testing.assert_array_equal(result.inside_b, [1.0])
    np.testing.assert_allclose(result.outside_a, [(0.75 * 8 + 3) / 3.75], rtol=1e-6)
    assert result.area_inside == 0.25


def test_without_a_region_there_is_no_outside() -> None:
    a = np.arange(8.0).reshape(2, 2, 2)  # channel 0: 0,2,4,6  channel 1: 1,3,5,7
    result = compare_channels(a, np.zeros_like(a), k=2)
    np.testing.assert_array_equal(result.channels, [1, 0])
    np.testing.assert_array_equal(result.inside_a, [4.0, 3.0])
    assert result.outside_a is None and result.outside_b is None
    assert result.outside_drop_pct is None and result.outside_ratio is None
    assert result.region is None and (result.area_inside, result.area_outside) == (4.0, 0.0)
    text = repr(result)
    assert "no region: the whole map, nothing outside" in text
    assert "outside" not in text.splitlines()[1]


def test_a_region_covering_everything_has_no_outside() -> None:
    a = np.ones((2, 2, 1))
    result = compare_channels(a, np.zeros_like(a), region=np.ones((2, 2), bool))
    assert result.outside_a is None
    assert result.area_outside == 0.0


def test_only_dropping_channels_are_ranked_and_fewer_than_k_is_said(eye_pair, caplog) -> None:
    a, b, region = eye_pair
    with caplog.at_level(logging.INFO, logger="activations"):
        result = compare_channels(a, b, region=region, k=100)
    assert result.channels.tolist() == [0, 1]
    assert "Only 2 of 3 channels drop; k=100" in caplog.text
    assert result.summary() == "region 4 of 4x4 cells; only 2 of 3 channels drop (k=100)"
    assert (
        compare_channels(a, b, region=region, k=1)
        .summary()
        .endswith("top 1 of 2 dropping channels")
    )
    nothing = compare_channels(a, a, region=region)
    assert nothing.channels.shape == (0,) and nothing.n_dropping == 0


def test_no_percentage_of_a_negative_or_zero_mean() -> None:
    # -0.06 -> -0.10 is a drop of 0.04, not a "67% drop"; ranked by the drop itself.
    a = np.array([[[-0.06, 0.0, 0.5, -1.0]]])
    b = np.array([[[-0.10, -2.0, 0.4, -1.01]]])
    result = compare_channels(a, b, k=4)
    np.testing.assert_array_equal(result.channels, [1, 2, 0, 3])
    np.testing.assert_allclose(result.drop, [2.0, 0.1, 0.04, 0.01], rtol=1e-6)
    np.testing.assert_allclose(result.drop_pct, [np.nan, 20.0, np.nan, np.nan], rtol=1e-6)
    np.testing.assert_allclose(result.ratio, [np.nan, 0.8, np.nan, np.nan], rtol=1e-6)
    rows = [line.split() for line in repr(result).splitlines()[2:]]
    assert [row[-1] for row in rows] == ["n/a", "20", "n/a", "n/a"]


def test_outside_percentages_follow_the_same_rule() -> None:
    a = np.array([[[2.0, -1.0]], [[4.0, -0.5]]])  # (2, 1, 2): row 0 inside, row 1 outside
    b = np.array([[[1.0, -2.0]], [[3.0, -0.6]]])
    region = np.array([[1.0], [0.0]])
    result = compare_channels(a, b, region=region, k=2)
    np.testing.assert_array_equal(result.channels, [0, 1])
    np.testing.assert_allclose(result.outside_drop_pct, [25.0, np.nan])
    np.testing.assert_allclose(result.outside_ratio, [0.75, np.nan])


def test_repr_is_a_table(eye_pair) -> None:
    a, b, region = eye_pair
    lines = repr(compare_channels(a, b, region=region, k=2)).splitlines()
    assert lines[0] == "ChannelComparison(region 4 of 4x4 cells; top 2 of 2 dropping channels)"
    assert [part.strip() for part in lines[1].split("  ") if part.strip()] == [
        "channel", "inside_a", "inside_b", "drop", "drop %", "outside_a", "outside_b",
        "outside drop %",
    ]  # fmt: skip
    assert lines[2].split() == ["0", "4", "1", "3", "75", "0", "0", "n/a"]
    assert len(lines) == 4


def test_result_is_frozen_and_read_only(eye_pair) -> None:
    a, b, region = eye_pair
    result = compare_channels(a, b, region=region)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.k = 3  # type: ignore[misc]
    for values in (result.drop, result.outside_a, result.region):
        with pytest.raises(ValueError, match="read-only"):
            values[0] = 0.0


def test_inputs_not_modified(eye_pair) -> None:
    a, b, region = eye_pair
    copies = (a.copy(), b.copy(), region.copy())
    compare_channels(a, b, region=region)
    for original, copy in zip((a, b, region), copies, strict=True):
        np.testing.assert_array_equal(original, copy)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"act_b": np.zeros((2, 2, 4))}, ValueError, r"same shape \(H, W, C\).*\(2, 2, 4\)"),
        ({"region": np.ones((2, 2), int) * 3}, ValueError, r"in \[0, 1\]"),
        ({"region": np.zeros((2, 2), bool)}, ValueError, "cover part of the .* all weights 0"),
        ({"region": (0, 0, 1, 1)}, ValueError, r"a box needs the photo's size.*region_weights"),
        ({"region": np.ones((2, 2, 1), bool)}, ValueError, "2-D mask"),
        ({"region": np.ones((2, 2), complex)}, TypeError, "region.dtype=complex128"),
        ({"k": 0}, ValueError, "`k` >= 1"),
        ({"k": 2.0}, TypeError, "`k` to be an int"),
    ],
)
def test_errors(kwargs, error, match) -> None:
    args = {"act_a": np.ones((2, 2, 3)), "act_b": np.zeros((2, 2, 3))} | kwargs
    with pytest.raises(error, match=match):
        compare_channels(args.pop("act_a"), args.pop("act_b"), **args)


def test_batch_and_nan_raise() -> None:
    with pytest.raises(ValueError, match="same shape"):
        compare_channels(np.zeros((1, 2, 2, 3)), np.zeros((1, 2, 2, 3)))
    b = np.zeros((2, 2, 1))
    b[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="`act_b` without NaN"):
        compare_channels(np.zeros((2, 2, 1)), b)


def test_print_lists_every_channel_and_repr_the_first_five(rng) -> None:
    a, b = rng.random((13, 13, 512)), rng.random((13, 13, 512))
    region = np.zeros((13, 13))
    region[3:6, 3:8] = 1.0
    result = compare_channels(a, b, region=region, k=512)
    n = result.channels.size
    assert len(str(result).splitlines()) == 2 + n
    start = time.perf_counter()
    text = repr(result)
    took = time.perf_counter() - start
    lines = text.splitlines()
    assert lines[:7] == str(result).splitlines()[:7] and len(lines) == 8
    assert lines[-1] == f"... and {n - 5} more channels (print() lists them all)"
    assert len(text) < 800 and took < 0.05  # 5 rows of 8 columns, whatever k is


def test_html_shows_the_first_ten_channels_with_a_bar(rng, eye_pair) -> None:
    result = compare_channels(rng.random((4, 4, 64)), np.zeros((4, 4, 64)), k=64)
    html = result._repr_html_()
    assert html.count("<tr>") == 1 + 10 and "... and 54 more channels" in html
    assert "top 10" not in html and "64 channels, map 4x4" in html
    assert html.count("width:100.0%") == 1  # the biggest drop fills its bar
    a, b, region = eye_pair
    html = compare_channels(a, b, region=region, k=2)._repr_html_()
    assert "outside drop %" in html and "more channels" not in html
    cells = re.findall(r'">([^<]*)</td>', html)
    assert cells[:8] == ["0", "4", "1", "3", "75", "0", "0", "n/a"]
