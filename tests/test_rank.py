"""Tests for activations._arrays.rank (strongest_channel, top_channels)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from activations import strongest_channel, top_channels

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
    with caplog.at_level(logging.INFO, logger="activations._arrays.rank"):
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
