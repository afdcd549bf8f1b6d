"""Tests for activations._rank (strongest_channel, top_channels, compare_channels)."""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import pytest

from activations import compare_channels, strongest_channel, top_channels
from activations._rank import ChannelComparison

pytestmark = pytest.mark.core


# --- strongest_channel -------------------------------------------------------------------


def test_strongest_channel_single_image() -> None:
    act = np.zeros((3, 3, 4), dtype=np.float32)
    act[1, 2, 3] = 5.0
    act[0, 0, 1] = 4.0
    result = strongest_channel(act)
    assert result == 3
    assert isinstance(result, int)


def test_strongest_channel_vector() -> None:
    assert strongest_channel(np.array([0.1, 0.9, 0.3])) == 1


def test_strongest_channel_negative_values() -> None:
    act = -np.arange(1, 9, dtype=np.float32).reshape(2, 2, 2)
    assert strongest_channel(act) == 0  # -1 is the largest value


def test_strongest_channel_ties_go_to_lowest_index() -> None:
    act = np.zeros((2, 2, 3))
    act[0, 0, 2] = 1.0
    act[1, 1, 1] = 1.0
    assert strongest_channel(act) == 1


def test_strongest_channel_batch() -> None:
    act = np.zeros((3, 2, 2, 4))
    act[0, 0, 0, 2] = 1.0
    act[1, 1, 1, 0] = 1.0
    act[2, 0, 1, 3] = 1.0
    result = strongest_channel(act)
    np.testing.assert_array_equal(result, np.array([2, 0, 3]))
    assert result.dtype == np.int64


def test_strongest_channel_rank2_is_batch_of_vectors() -> None:
    result = strongest_channel(np.array([[0, 5, 1], [7, 0, 0]]))
    np.testing.assert_array_equal(result, np.array([1, 0], dtype=np.int64))


def test_strongest_channel_not_modifying_input() -> None:
    act = np.arange(24.0).reshape(2, 3, 4)
    copy = act.copy()
    strongest_channel(act)
    np.testing.assert_array_equal(act, copy)


@pytest.mark.parametrize("shape", [(), (1, 1, 1, 1, 1)])
def test_strongest_channel_wrong_rank_raises(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"\(C,\), \(H, W, C\), \(N, C\) or \(N, H, W, C\)"):
        strongest_channel(np.zeros(shape))


def test_strongest_channel_nan_raises() -> None:
    with pytest.raises(ValueError, match="`act` without NaN"):
        strongest_channel(np.array([0.0, np.nan]))


def test_strongest_channel_complex_raises() -> None:
    with pytest.raises(TypeError, match="Received: act.dtype=complex128"):
        strongest_channel(np.zeros(3, dtype=complex))


# --- top_channels --------------------------------------------------------------------------


@pytest.fixture
def act() -> np.ndarray:
    a = np.arange(12.0).reshape(2, 2, 3)  # channel 0: 0,3,6,9  1: 1,4,7,10  2: 2,5,8,11
    a[..., 0] = [[0.0, 0.0], [0.0, 12.0]]  # channel 0: one strong spike
    return a


def test_top_channels_by_max(act: np.ndarray) -> None:
    channels, scores = top_channels(act, k=3)
    np.testing.assert_array_equal(channels, np.array([0, 2, 1]))
    np.testing.assert_array_equal(scores, np.array([12.0, 11.0, 10.0], dtype=np.float32))
    assert channels.dtype == np.int64
    assert scores.dtype == np.float32


def test_top_channels_by_mean(act: np.ndarray) -> None:
    channels, scores = top_channels(act, k=3, by="mean")
    np.testing.assert_array_equal(channels, np.array([2, 1, 0]))
    np.testing.assert_array_equal(scores, np.array([6.5, 5.5, 3.0], dtype=np.float32))


def test_top_channels_by_l2(act: np.ndarray) -> None:
    channels, scores = top_channels(act, k=2, by="l2")
    # l2: ch0 = 12, ch1 = sqrt(1+16+49+100) = sqrt(166), ch2 = sqrt(4+25+64+121) = sqrt(214)
    np.testing.assert_array_equal(channels, np.array([2, 1]))
    np.testing.assert_allclose(scores, np.sqrt([214.0, 166.0]).astype(np.float32))


def test_top_channels_ties_keep_lowest_index_first() -> None:
    channels, _ = top_channels(np.ones((2, 2, 4)), k=4)
    np.testing.assert_array_equal(channels, np.array([0, 1, 2, 3]))


def test_top_channels_batch_scores_over_all_images() -> None:
    act = np.zeros((2, 1, 1, 3))
    act[0, 0, 0] = [1.0, 0.0, 0.0]
    act[1, 0, 0] = [0.0, 0.0, 5.0]
    channels, scores = top_channels(act, k=3, by="mean")
    np.testing.assert_array_equal(channels, np.array([2, 0, 1]))
    np.testing.assert_array_equal(scores, np.array([2.5, 0.5, 0.0], dtype=np.float32))


def test_top_channels_k_larger_than_c_returns_all(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="activations._rank"):
        channels, scores = top_channels(np.arange(3.0), k=10)
    np.testing.assert_array_equal(channels, np.array([2, 1, 0]))
    assert scores.shape == (3,)
    assert "k=10 is more than the 3 channels" in caplog.text


def test_top_channels_input_not_modified(act: np.ndarray) -> None:
    copy = act.copy()
    top_channels(act, by="l2")
    np.testing.assert_array_equal(act, copy)


@pytest.mark.parametrize(
    ("k", "error", "match"),
    [
        (0, ValueError, "`k` >= 1"),
        (-2, ValueError, "`k` >= 1"),
        (2.0, TypeError, "`k` to be an int"),
        (True, TypeError, "`k` to be an int"),
    ],
)
def test_top_channels_bad_k_raises(act: np.ndarray, k, error, match: str) -> None:
    with pytest.raises(error, match=match):
        top_channels(act, k=k)


def test_top_channels_unknown_score_lists_choices(act: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"\['max', 'mean', 'l2'\]. Received: by='median'"):
        top_channels(act, by="median")


def test_top_channels_score_wrong_type_raises(act: np.ndarray) -> None:
    with pytest.raises(TypeError, match="`by` to be a string"):
        top_channels(act, by=max)


def test_top_channels_scalar_raises() -> None:
    with pytest.raises(ValueError, match="channel axis"):
        top_channels(np.float32(3.0))


# --- compare_channels ----------------------------------------------------------------------


@pytest.fixture
def eye_pair() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(H, W, C) = (4, 4, 3) activations; the region is the top-left 2x2 block.

    Channel 0 fires in the region on image a only (an "eye" channel); channel 1
    fires everywhere on both; channel 2 is dead (constant zero).
    """
    rng = np.random.default_rng(0)
    a = np.zeros((4, 4, 3), dtype=np.float32)
    a[:2, :2, 0] = 4.0
    a[..., 1] = rng.uniform(1.0, 2.0, size=(4, 4))
    b = a.copy()
    b[:2, :2, 0] = 0.8
    region = np.zeros((4, 4), dtype=bool)
    region[:2, :2] = True
    return a, b, region


def test_compare_channels_finds_eye_channel(eye_pair) -> None:
    a, b, region = eye_pair
    result = compare_channels(a, b, region=region, k=3)
    assert isinstance(result, ChannelComparison)
    np.testing.assert_array_equal(result.channels, np.array([0, 1, 2]))
    np.testing.assert_allclose(result.drop, [3.2, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(result.inside_a, [4.0, a[:2, :2, 1].mean(), 0.0], atol=1e-6)
    np.testing.assert_allclose(result.inside_b, [0.8, a[:2, :2, 1].mean(), 0.0], atol=1e-6)
    np.testing.assert_allclose(result.ratio, [0.2, 1.0, 1.0], atol=1e-6)
    outside = ~region
    np.testing.assert_allclose(result.outside_a, [0.0, a[outside, 1].mean(), 0.0], atol=1e-6)
    np.testing.assert_allclose(result.outside_b, result.outside_a, atol=1e-6)
    np.testing.assert_array_equal(result.outside_ratio, np.ones(3, dtype=np.float32))
    assert (result.n_inside, result.n_outside) == (4, 12)
    for field in ("drop", "inside_a", "inside_b", "outside_a", "outside_b", "ratio"):
        values = getattr(result, field)
        assert values.dtype == np.float32
        assert not np.isnan(values).any()


def test_compare_channels_image_size_region_by_area(eye_pair) -> None:
    a, b, _ = eye_pair
    image_region = np.zeros((10, 10), dtype=bool)  # each activation cell is 2.5 x 2.5 pixels
    image_region[:5, :5] = True  # exactly the top-left 2x2 cells
    image_region[5, 5] = True  # a stray pixel: covers 0.16 of cell (2, 2), stays outside
    result = compare_channels(a, b, region=image_region, k=1)
    np.testing.assert_array_equal(result.channels, np.array([0]))
    np.testing.assert_allclose(result.inside_a, [4.0])
    assert (result.n_inside, result.n_outside) == (4, 12)


def test_compare_channels_half_covered_cell_counts() -> None:
    a = np.arange(4.0).reshape(2, 2, 1)
    region = np.zeros((4, 4), dtype=bool)
    region[:2, 0] = True  # half of cell (0, 0)
    result = compare_channels(a, np.zeros_like(a), region=region)
    assert (result.n_inside, result.n_outside) == (1, 3)
    np.testing.assert_array_equal(result.inside_a, np.array([0.0], dtype=np.float32))


def test_compare_channels_without_region_uses_whole_map() -> None:
    a = np.arange(8.0).reshape(2, 2, 2)  # channel 0: 0,2,4,6  channel 1: 1,3,5,7
    b = np.zeros_like(a)
    result = compare_channels(a, b, k=2)
    np.testing.assert_array_equal(result.channels, np.array([1, 0]))
    np.testing.assert_array_equal(result.inside_a, np.array([4.0, 3.0], dtype=np.float32))
    np.testing.assert_array_equal(result.drop, np.array([4.0, 3.0], dtype=np.float32))
    np.testing.assert_array_equal(result.ratio, np.zeros(2, dtype=np.float32))
    np.testing.assert_array_equal(result.outside_a, np.zeros(2, dtype=np.float32))
    np.testing.assert_array_equal(result.outside_b, np.zeros(2, dtype=np.float32))
    assert (result.n_inside, result.n_outside) == (4, 0)


def test_compare_channels_ratio_is_safe_when_a_is_zero() -> None:
    a = np.zeros((1, 1, 2))
    b = np.array([[[0.0, 2.0]]])
    result = compare_channels(a, b, k=2)
    np.testing.assert_array_equal(result.channels, np.array([0, 1]))
    np.testing.assert_array_equal(result.ratio, np.array([1.0, np.inf], dtype=np.float32))


def test_compare_channels_result_is_frozen_and_read_only(eye_pair) -> None:
    a, b, region = eye_pair
    result = compare_channels(a, b, region=region)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.k = 3  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        result.drop[0] = 0.0


def test_compare_channels_repr_is_a_table(eye_pair) -> None:
    a, b, region = eye_pair
    text = repr(compare_channels(a, b, region=region, k=2))
    lines = text.splitlines()
    assert lines[0] == "ChannelComparison(k=2, cells inside=4, outside=12)"
    assert lines[1].split() == [
        "channel",
        "inside_a",
        "inside_b",
        "drop",
        "ratio",
        "outside_a",
        "outside_b",
    ]
    assert lines[2].split()[:5] == ["0", "4", "0.8", "3.2", "0.2"]
    assert len(lines) == 4


def test_compare_channels_inputs_not_modified(eye_pair) -> None:
    a, b, region = eye_pair
    copies = (a.copy(), b.copy(), region.copy())
    compare_channels(a, b, region=region)
    for original, copy in zip((a, b, region), copies, strict=True):
        np.testing.assert_array_equal(original, copy)


def test_compare_channels_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError, match=r"same shape \(H, W, C\).*act_b.shape=\(2, 2, 4\)"):
        compare_channels(np.zeros((2, 2, 3)), np.zeros((2, 2, 4)))


def test_compare_channels_batch_raises() -> None:
    with pytest.raises(ValueError, match="same shape"):
        compare_channels(np.zeros((1, 2, 2, 3)), np.zeros((1, 2, 2, 3)))


def test_compare_channels_non_bool_region_raises() -> None:
    with pytest.raises(TypeError, match="boolean mask. Received: region.dtype=int64"):
        compare_channels(np.zeros((2, 2, 1)), np.zeros((2, 2, 1)), region=np.ones((2, 2), int))


@pytest.mark.parametrize("shape", [(1, 2), (2, 2, 1), (4, 1)])
def test_compare_channels_region_wrong_shape_raises(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"`region` of shape \(2, 2\)"):
        compare_channels(np.zeros((2, 2, 1)), np.zeros((2, 2, 1)), region=np.ones(shape, bool))


def test_compare_channels_empty_region_raises() -> None:
    with pytest.raises(ValueError, match="cover at least one cell.*with 0 pixels set"):
        compare_channels(np.zeros((2, 2, 1)), np.zeros((2, 2, 1)), region=np.zeros((2, 2), bool))


def test_compare_channels_region_too_small_after_mapping_raises() -> None:
    region = np.zeros((8, 8), dtype=bool)
    region[0, 0] = True  # 1/16 of one cell
    with pytest.raises(ValueError, match="with 1 pixels set"):
        compare_channels(np.zeros((2, 2, 1)), np.zeros((2, 2, 1)), region=region)


def test_compare_channels_bad_k_raises() -> None:
    with pytest.raises(ValueError, match="`k` >= 1"):
        compare_channels(np.zeros((2, 2, 1)), np.zeros((2, 2, 1)), k=0)


def test_compare_channels_nan_raises() -> None:
    b = np.zeros((2, 2, 1))
    b[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="`act_b` without NaN"):
        compare_channels(np.zeros((2, 2, 1)), b)
