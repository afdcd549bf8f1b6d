"""Rank channels: the strongest one and the top k (the ones that drop: :mod:`._compare`)."""

from __future__ import annotations

import logging

import numpy as np
from numpy.typing import ArrayLike, NDArray

from activations._arrays.checks import as_real_array
from activations._arrays.compare import ChannelComparison, compare_channels

__all__ = ["ChannelComparison", "compare_channels", "strongest_channel", "top_channels"]

logger = logging.getLogger(__name__)

_SCORES = ("max", "mean", "l2")


def strongest_channel(act: ArrayLike) -> int | NDArray[np.int64]:
    """Index of the channel that holds the single largest value.

    MATLAB's ``[maxValue, maxValueIndex] = max(max(max(act)))``.

    Parameters
    ----------
    act : array_like of shape (C,), (H, W, C), (N, C) or (N, H, W, C)
        Channels-last activation. Rank 1 and 3 are one image; rank 2 and 4 are
        a batch (rank 2 is read as N vectors of C channels, e.g. a Dense layer).

    Returns
    -------
    int or ndarray of int64 with shape (N,)
        The channel index for one image, or one index per image for a batch.
        Ties go to the lowest index.

    Raises
    ------
    TypeError
        If ``act`` is not real-valued.
    ValueError
        If ``act`` is empty, holds NaN, or has rank other than 1 to 4.

    Examples
    --------
    >>> import numpy as np
    >>> strongest_channel(np.arange(12).reshape(2, 2, 3))
    2
    >>> strongest_channel(np.array([[0, 5, 1], [7, 0, 0]]))
    array([1, 0])
    """
    arr = as_real_array(act, "act")
    if arr.ndim not in (1, 2, 3, 4):
        raise ValueError(
            "Expected `act` of shape (C,), (H, W, C), (N, C) or (N, H, W, C). "
            f"Received: act.shape={arr.shape}"
        )
    if arr.ndim in (1, 3):
        return int(np.argmax(arr.reshape(-1, arr.shape[-1]).max(axis=0)))
    per_image = arr.reshape(arr.shape[0], -1, arr.shape[-1]).max(axis=1)
    return np.argmax(per_image, axis=1).astype(np.int64)


def _check_k(k: int, n_channels: int) -> int:
    """Validate ``k`` and clip it to the number of channels."""
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"Expected `k` to be an int. Received: k={k!r}")
    if k < 1:
        raise ValueError(f"Expected `k` >= 1. Received: k={k}")
    if k > n_channels:
        logger.info("k=%d is more than the %d channels; returning all of them", k, n_channels)
    return min(int(k), n_channels)


def _rank_desc(scores: NDArray, k: int) -> NDArray[np.int64]:
    """Indices of the k largest scores, largest first, ties by lowest index."""
    return np.argsort(-scores, kind="stable")[:k].astype(np.int64)


def top_channels(
    act: ArrayLike, k: int = 5, *, by: str = "max"
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Channels ranked by a score, highest first.

    Parameters
    ----------
    act : array_like of shape (H, W, C) or (N, H, W, C)
        Channels-last activation (any rank >= 1 works: the last axis holds the
        channels). For a batch the score is taken over all images and pixels
        together, so one ranking describes the whole batch.
    k : int, default 5
        How many channels to return; more than C returns all C.
    by : {"max", "mean", "l2"}, default "max"
        Score of a channel: its largest value, its mean, or its L2 norm
        (square root of the sum of squares).

    Returns
    -------
    channels : ndarray of int64, shape (k,)
        Channel indices, highest score first; ties go to the lowest index.
    scores : ndarray of float32, shape (k,)
        Their scores.

    Raises
    ------
    TypeError
        If ``act`` is not real-valued, ``k`` is not an int or ``by`` not a str.
    ValueError
        If ``act`` is empty, 0-d or holds NaN, ``k < 1``, or ``by`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> act = np.arange(12.0).reshape(2, 2, 3)
    >>> act[..., 1] *= 2
    >>> channels, scores = top_channels(act, k=2)
    >>> channels, scores
    (array([1, 2]), array([20., 11.], dtype=float32))
    """
    arr = as_real_array(act, "act")
    if arr.ndim < 1:
        raise ValueError(f"Expected `act` with a channel axis. Received: act.shape={arr.shape}")
    if not isinstance(by, str):
        raise TypeError(f"Expected `by` to be a string. Received: by={by!r}")
    if by not in _SCORES:
        raise ValueError(f"Unknown score. Expected one of {list(_SCORES)}. Received: by={by!r}")
    k = _check_k(k, arr.shape[-1])
    flat = arr.reshape(-1, arr.shape[-1]).astype(np.float64)
    if by == "max":
        scores = flat.max(axis=0)
    elif by == "mean":
        scores = flat.mean(axis=0)
    else:
        scores = np.sqrt(np.square(flat).sum(axis=0))
    order = _rank_desc(scores, k)
    return order, scores[order].astype(np.float32)
