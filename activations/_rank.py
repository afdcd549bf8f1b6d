"""Rank channels: the strongest one, the top k, and the ones that drop between two images."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from activations._normalize import _as_real_array

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
    arr = _as_real_array(act, "act")
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
    arr = _as_real_array(act, "act")
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


def _area_weights(n_in: int, n_out: int) -> NDArray[np.float64]:
    """(n_out, n_in) matrix: fraction of each output cell covered by each input pixel."""
    edges = np.arange(n_out + 1) * (n_in / n_out)
    lo, hi = edges[:-1, None], edges[1:, None]
    pixels = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(hi, pixels + 1) - np.maximum(lo, pixels), 0.0, None)
    return overlap / (n_in / n_out)


def _map_region(region: ArrayLike, hw: tuple[int, int]) -> NDArray[np.bool_]:
    """Boolean mask at activation size from a mask at activation or image size."""
    mask = np.asarray(region)
    if mask.dtype != np.bool_:
        raise TypeError(
            f"Expected `region` to be a boolean mask. Received: region.dtype={mask.dtype}"
        )
    if mask.ndim != 2 or mask.shape[0] < hw[0] or mask.shape[1] < hw[1]:
        raise ValueError(
            f"Expected `region` of shape {hw} (activation) or a larger (Hi, Wi) image size. "
            f"Received: region.shape={mask.shape}"
        )
    if mask.shape != hw:
        coverage = (
            _area_weights(mask.shape[0], hw[0]) @ mask @ _area_weights(mask.shape[1], hw[1]).T
        )
        mask = coverage >= 0.5 - 1e-9
    if not mask.any():
        raise ValueError(
            f"Expected `region` to cover at least one cell of the {hw} activation grid "
            "(a cell counts when the region covers at least half of it). "
            f"Received: region with {int(np.asarray(region).sum())} pixels set"
        )
    return mask


def _safe_ratio(num: NDArray, den: NDArray) -> NDArray[np.float32]:
    """num / den; where den == 0: 1 if num == 0 too (no change), else +-inf. Never NaN."""
    zero = den == 0
    ratio = np.divide(num, np.where(zero, 1.0, den))
    ratio = np.where(zero & (num == 0), 1.0, ratio)
    ratio = np.where(zero & (num != 0), np.copysign(np.inf, num), ratio)
    return ratio.astype(np.float32)


@dataclass(frozen=True, eq=False, repr=False)
class ChannelComparison:
    """Channels whose mean response drops most from image a to image b.

    Every array has shape (k,) and is aligned with ``channels``; all are
    read-only. Means are over the activation cells inside / outside the region.

    Attributes
    ----------
    channels : ndarray of int64
        Channel indices, biggest drop first.
    drop : ndarray of float32
        ``inside_a - inside_b``.
    inside_a, inside_b : ndarray of float32
        Mean response inside the region (the whole map without a region).
    outside_a, outside_b : ndarray of float32
        Mean response outside the region; zeros when nothing is outside (no
        region, or a region covering the whole map): check ``n_outside``.
    ratio : ndarray of float32
        ``inside_b / inside_a``: 0.2 means an 80% drop. Where ``inside_a`` is 0
        it is 1 if ``inside_b`` is 0 too, else +-inf; never NaN.
    n_inside, n_outside : int
        Number of activation cells inside and outside the region.
    """

    channels: NDArray[np.int64]
    drop: NDArray[np.float32]
    inside_a: NDArray[np.float32]
    inside_b: NDArray[np.float32]
    outside_a: NDArray[np.float32]
    outside_b: NDArray[np.float32]
    ratio: NDArray[np.float32]
    n_inside: int
    n_outside: int

    @property
    def outside_ratio(self) -> NDArray[np.float32]:
        """``outside_b / outside_a`` with the same zero rules as ``ratio``."""
        return _safe_ratio(self.outside_b.astype(np.float64), self.outside_a.astype(np.float64))

    def __repr__(self) -> str:
        head = (
            f"ChannelComparison(k={self.channels.size}, "
            f"cells inside={self.n_inside}, outside={self.n_outside})"
        )
        names = ("channel", "inside_a", "inside_b", "drop", "ratio", "outside_a", "outside_b")
        lines = [head, "".join(f"{n:>11}" for n in names)]
        for i, c in enumerate(self.channels):
            values = (self.inside_a, self.inside_b, self.drop, self.ratio)
            values += (self.outside_a, self.outside_b)
            lines.append(f"{int(c):>11}" + "".join(f"{float(v[i]):>11.4g}" for v in values))
        return "\n".join(lines)


def _region_means(act: NDArray, mask: NDArray[np.bool_]) -> tuple[NDArray, NDArray]:
    """Per-channel mean inside and outside the mask (zeros where a side is empty)."""
    inside = act[mask].mean(axis=0)
    outside = act[~mask].mean(axis=0) if (~mask).any() else np.zeros(act.shape[-1])
    return inside, outside


def compare_channels(
    act_a: ArrayLike,
    act_b: ArrayLike,
    *,
    region: ArrayLike | None = None,
    k: int = 5,
) -> ChannelComparison:
    """Rank channels by how much their response drops from image a to image b.

    The probe of the eye-open / eye-closed walkthrough: with ``region`` on the
    eye, channels that fire on the open eye (a) and stop on the closed one (b)
    come first, and the outside means show whether they stay put elsewhere.

    Parameters
    ----------
    act_a, act_b : array_like of shape (H, W, C)
        Activations of the same layer for the two images.
    region : array_like of bool, shape (H, W) or (Hi, Wi), optional
        Where to compare. A mask at image size (each side at least the
        activation's) is mapped to the activation grid by area: a cell is
        inside when the mask covers at least half of it. By default the whole
        map is compared and nothing is outside.
    k : int, default 5
        How many channels to return; more than C returns all C.

    Returns
    -------
    ChannelComparison
        ``channels`` ranked by ``drop = inside_a - inside_b`` (largest first,
        ties by lowest index) with the means behind it.

    Raises
    ------
    TypeError
        If the activations are not real-valued, ``region`` is not boolean or
        ``k`` is not an int.
    ValueError
        If the activations are not 3-D or differ in shape, hold NaN, the region
        has a wrong shape or covers no activation cell, or ``k < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.zeros((2, 2, 3)); a[0, 0] = [4.0, 1.0, 2.0]
    >>> b = np.zeros((2, 2, 3)); b[0, 0] = [1.0, 1.0, 2.0]
    >>> region = np.array([[True, False], [False, False]])
    >>> result = compare_channels(a, b, region=region, k=2)
    >>> result.channels, result.drop, result.ratio
    (array([0, 1]), array([3., 0.], dtype=float32), array([0.25, 1.  ], dtype=float32))
    """
    arr_a = _as_real_array(act_a, "act_a").astype(np.float64)
    arr_b = _as_real_array(act_b, "act_b").astype(np.float64)
    if arr_a.ndim != 3 or arr_a.shape != arr_b.shape:
        raise ValueError(
            "Expected `act_a` and `act_b` of the same shape (H, W, C). "
            f"Received: act_a.shape={arr_a.shape}, act_b.shape={arr_b.shape}"
        )
    k = _check_k(k, arr_a.shape[-1])
    hw = arr_a.shape[:2]
    mask = np.ones(hw, dtype=bool) if region is None else _map_region(region, hw)
    inside_a, outside_a = _region_means(arr_a, mask)
    inside_b, outside_b = _region_means(arr_b, mask)
    drop = inside_a - inside_b
    order = _rank_desc(drop, k)
    fields = {
        "channels": order,
        "drop": drop[order],
        "inside_a": inside_a[order],
        "inside_b": inside_b[order],
        "outside_a": outside_a[order],
        "outside_b": outside_b[order],
        "ratio": _safe_ratio(inside_b[order], inside_a[order]),
    }
    for name, values in fields.items():
        values = values if name == "channels" else values.astype(np.float32)
        values.setflags(write=False)
        fields[name] = values
    return ChannelComparison(**fields, n_inside=int(mask.sum()), n_outside=int((~mask).sum()))
