"""``compare_channels``: the channels whose response drops from one image to another."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from activations._arrays.checks import as_real_array
from activations._arrays.display import HTML_ROWS, bar, html_result, more, number
from activations._arrays.region import region_weights

__all__ = ["ChannelComparison", "compare_channels"]

logger = logging.getLogger(__name__)

_REPR_CHANNELS = 5  # rows of the repr: the default k, so a default result shows whole


def _relative(num: NDArray, base: NDArray) -> NDArray[np.float32]:
    """``num / base`` where ``base > 0``; NaN where it is not.

    A relative change means something only against a positive mean: from -0.06
    to -0.10 is a drop of 0.04, not an "83% drop" (and from 0 anything is an
    infinite one). Where the base is 0 or negative the drop itself is the answer.
    """
    num, base = np.asarray(num, np.float64), np.asarray(base, np.float64)
    positive = base > 0
    ratio = np.divide(num, np.where(positive, base, 1.0))
    return np.where(positive, ratio, np.nan).astype(np.float32)


@dataclass(frozen=True, eq=False, repr=False)
class ChannelComparison:
    """Channels whose mean response drops from image a to image b, biggest drop first.

    Channels are ranked by the drop of their mean, ``inside_a - inside_b``, in
    activation units, and only channels that drop (``drop > 0``) are ranked:
    fewer than ``k`` come back when fewer drop (``n_dropping`` says how many
    do). Relative values (``ratio``, ``drop_pct`` and their outside versions)
    are given only where the mean on image a is positive, and are NaN elsewhere:
    a percentage of a negative or zero mean means nothing (-0.06 to -0.10 is a
    drop of 0.04, not an "83% drop"). They never decide the ranking. Every array has
    shape (n,) and is aligned with ``channels``; all are read-only. Means are
    weighted by the region's cell weights (:func:`activations.region_weights`):
    ``weight`` inside, ``1 - weight`` outside.

    Attributes
    ----------
    channels : ndarray of int64
        Channel indices, biggest drop first (ties by lowest index).
    drop : ndarray of float32
        ``inside_a - inside_b``, always > 0.
    inside_a, inside_b : ndarray of float32
        Mean response inside the region (the whole map without a region).
    outside_a, outside_b : ndarray of float32 or None
        Mean response outside the region; None when nothing is outside (no
        region, or one covering the whole map).
    ratio : ndarray of float32
        ``inside_b / inside_a`` where ``inside_a > 0``; NaN where it is not.
    region : ndarray of shape (H, W), float64, or None
        The cell weights used (None: no region, the whole map).
    map_shape : (int, int)
        The activation map's (h, w) (``grid_shape`` is its deprecated name).
    k : int
        How many channels were asked for.
    n_dropping : int
        How many of the layer's channels drop at all (``drop > 0``).
    n_channels : int
        Channels of the layer, C.
    """

    channels: NDArray[np.int64]
    drop: NDArray[np.float32]
    inside_a: NDArray[np.float32]
    inside_b: NDArray[np.float32]
    outside_a: NDArray[np.float32] | None
    outside_b: NDArray[np.float32] | None
    ratio: NDArray[np.float32]
    region: NDArray[np.float64] | None
    map_shape: tuple[int, int]
    k: int
    n_dropping: int
    n_channels: int

    @property
    def grid_shape(self) -> tuple[int, int]:
        """Deprecated name of :attr:`map_shape`, the activation map's (h, w)."""
        warnings.warn(
            "ChannelComparison.grid_shape is deprecated: use .map_shape",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.map_shape

    @property
    def area_inside(self) -> float:
        """The region's area in activation cells (the sum of its weights)."""
        if self.region is None:
            return float(self.map_shape[0] * self.map_shape[1])
        return float(self.region.sum())

    @property
    def area_outside(self) -> float:
        """The area outside the region in cells (0 when nothing is outside)."""
        return 0.0 if self.region is None else float((1.0 - self.region).sum())

    @property
    def drop_pct(self) -> NDArray[np.float32]:
        """Drop inside as a percentage of the mean on image a, ``100 * drop / inside_a``.

        NaN where ``inside_a <= 0`` (no percentage of a negative or zero mean).
        """
        return 100 * _relative(self.drop, self.inside_a)

    @property
    def outside_drop_pct(self) -> NDArray[np.float32] | None:
        """``100 * (outside_a - outside_b) / outside_a``, NaN where ``outside_a <= 0``.

        None when nothing is outside.
        """
        if self.outside_a is None or self.outside_b is None:
            return None
        return 100 * _relative(self.outside_a - self.outside_b, self.outside_a)

    @property
    def outside_ratio(self) -> NDArray[np.float32] | None:
        """``outside_b / outside_a``, NaN where ``outside_a <= 0`` (the rule of ``ratio``).

        None when nothing is outside.
        """
        if self.outside_a is None or self.outside_b is None:
            return None
        return _relative(self.outside_b, self.outside_a)

    def summary(self) -> str:
        """One line: the region, and how many of the channels drop."""
        if self.region is None:
            where = "no region: the whole map, nothing outside"
        else:
            h, w = self.map_shape
            where = f"region {self.area_inside:.4g} of {h}x{w} cells"
        if self.n_dropping < self.k and self.n_dropping == self.n_channels:
            count = f"all {self.n_channels} channels drop (k={self.k})"
        elif self.n_dropping < self.k:
            count = f"only {self.n_dropping} of {self.n_channels} channels drop (k={self.k})"
        else:
            count = f"top {self.channels.size} of {self.n_dropping} dropping channels"
        return f"{where}; {count}"

    def _columns(self) -> dict[str, NDArray[Any]]:
        columns: dict[str, NDArray[Any]] = {"channel": self.channels, "inside_a": self.inside_a}
        columns |= {"inside_b": self.inside_b, "drop": self.drop, "drop %": self.drop_pct}
        outside_pct = self.outside_drop_pct  # None exactly when an outside mean is
        if self.outside_a is not None and self.outside_b is not None and outside_pct is not None:
            columns |= {"outside_a": self.outside_a, "outside_b": self.outside_b}
            columns["outside drop %"] = outside_pct
        return columns

    def _table(self, n_rows: int) -> str:
        """The summary line and a table of the first ``n_rows`` channels."""
        columns = self._columns()
        lines = [f"ChannelComparison({self.summary()})"]
        widths = [max(11, len(name) + 3) for name in columns]
        lines.append("".join(f"{name:>{n}}" for name, n in zip(columns, widths)))
        shown = min(n_rows, self.channels.size)
        for i in range(shown):
            cells = [f"{int(self.channels[i]):>{widths[0]}}"]
            values = list(columns.values())[1:]  # 4 significant digits, n/a for NaN
            lines.append(
                "".join(cells + [number(v[i]).rjust(n) for v, n in zip(values, widths[1:])])
            )
        tail = more(self.channels.size, shown, "channels")
        return "\n".join(lines + ([f"{tail} (print() lists them all)"] if tail else []))

    def __str__(self) -> str:
        return self._table(self.channels.size)

    def __repr__(self) -> str:
        return self._table(_REPR_CHANNELS)

    def _repr_html_(self) -> str:
        columns = self._columns()
        shown = min(HTML_ROWS, self.channels.size)
        top = float(self.drop[0]) if self.drop.size else 0.0
        rows = [
            [int(self.channels[i])]
            + [number(v[i]) for v in list(columns.values())[1:]]
            + [bar(float(self.drop[i]) / top if top > 0 else 0.0)]
            for i in range(shown)
        ]
        h, w = self.map_shape
        facts = [self.summary(), f"{self.n_channels} channels, map {h}x{w}"]
        title, total = "ChannelComparison", self.channels.size
        return html_result(
            title, facts, [*columns, "drop (bar)"], rows, total=total, noun="channels"
        )


def _grid_weights(region: ArrayLike, hw: tuple[int, int]) -> NDArray[np.float64]:
    """The region's weights on the (h, w) grid, checked to cover something."""
    if np.ndim(region) == 1:
        raise ValueError(
            "Expected `region` to be a mask (a box needs the photo's size: pass "
            "region_weights(box, act.shape[:2], image_shape=image.shape[:2])). "
            f"Received: region={tuple(np.asarray(region).tolist())!r}"
        )
    weights = region_weights(region, hw)
    if not weights.any():
        raise ValueError(
            f"Expected `region` to cover part of the {hw} activation grid. "
            f"Received: region with all weights 0 (shape {np.shape(region)})"
        )
    return weights


def _weighted_means(act: NDArray, weights: NDArray) -> NDArray:
    return np.tensordot(weights, act, axes=([0, 1], [0, 1])) / weights.sum()


def compare_channels(
    act_a: ArrayLike,
    act_b: ArrayLike,
    *,
    region: ArrayLike | None = None,
    k: int = 5,
) -> ChannelComparison:
    """Rank the channels whose response drops most from image a to image b.

    The probe of the eye-open / eye-closed walkthrough: with ``region`` on the
    eye, channels that fire on the open eye (a) and stop on the closed one (b)
    come first, and the outside means show whether they stay put elsewhere.

    Parameters
    ----------
    act_a, act_b : array_like of shape (H, W, C)
        Activations of the same layer for the two images.
    region : array_like of shape (H, W) or (Hi, Wi), optional
        Where to compare: a mask of bools or weights in [0, 1], on the
        activation grid or at the photo's size (Hi, Wi). A photo-sized mask is
        mapped to the grid by :func:`activations.region_weights` (each cell
        weighted by the fraction of it the mask covers); for a box use
        ``region_weights(box, act.shape[:2], image_shape=...)``. Means inside
        are weighted by the cell weights, outside by ``1 - weight``. By
        default the whole map is compared and nothing is outside.
    k : int, default 5
        How many channels to return at most; only channels whose mean drops
        are returned, so fewer come back when fewer drop.

    Returns
    -------
    ChannelComparison
        ``channels`` with ``drop = inside_a - inside_b > 0``, largest first
        (ties by lowest index), with the means behind it. The ranking is by
        that drop in activation units, so it means the same for positive and
        negative means; the percentages (``drop_pct``) are only given where
        the mean on image a is positive (NaN elsewhere).

    Raises
    ------
    TypeError
        If the activations or ``region`` are not real-valued, or ``k`` is not
        an int.
    ValueError
        If the activations are not 3-D or differ in shape, hold NaN, the region
        is not a 2-D mask in [0, 1] or covers nothing, or ``k < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.zeros((2, 2, 3)); a[0, 0] = [4.0, 1.0, 2.0]
    >>> b = np.zeros((2, 2, 3)); b[0, 0] = [1.0, 1.0, 3.0]
    >>> region = np.array([[1.0, 0.5], [0.0, 0.0]])
    >>> result = compare_channels(a, b, region=region, k=2)
    >>> result.channels, result.drop, result.n_dropping
    (array([0]), array([2.], dtype=float32), 1)
    """
    arr_a = as_real_array(act_a, "act_a").astype(np.float64)
    arr_b = as_real_array(act_b, "act_b").astype(np.float64)
    if arr_a.ndim != 3 or arr_a.shape != arr_b.shape:
        raise ValueError(
            "Expected `act_a` and `act_b` of the same shape (H, W, C). "
            f"Received: act_a.shape={arr_a.shape}, act_b.shape={arr_b.shape}"
        )
    n_channels = arr_a.shape[-1]
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"Expected `k` to be an int. Received: k={k!r}")
    if k < 1:
        raise ValueError(f"Expected `k` >= 1. Received: k={k}")
    hw = arr_a.shape[:2]
    weights = None if region is None else _grid_weights(region, hw)
    inside = np.ones(hw) if weights is None else weights
    inside_a, inside_b = _weighted_means(arr_a, inside), _weighted_means(arr_b, inside)
    drop = inside_a - inside_b
    dropping = int((drop > 0).sum())
    if dropping < k:
        logger.info("Only %d of %d channels drop; k=%d", dropping, n_channels, k)
    order = np.argsort(-drop, kind="stable")[: min(int(k), dropping)].astype(np.int64)
    fields = {
        "channels": order,
        "drop": drop[order],
        "inside_a": inside_a[order],
        "inside_b": inside_b[order],
        "ratio": _relative(inside_b[order], inside_a[order]),
        "outside_a": None,
        "outside_b": None,
    }
    if weights is not None and (weights < 1).any():
        fields["outside_a"] = _weighted_means(arr_a, 1.0 - weights)[order]
        fields["outside_b"] = _weighted_means(arr_b, 1.0 - weights)[order]
    for name, values in fields.items():
        if values is not None:
            values = values if name == "channels" else values.astype(np.float32)
            values.setflags(write=False)
            fields[name] = values
    if weights is not None:
        weights.setflags(write=False)
    return ChannelComparison(
        **fields,
        region=weights,
        map_shape=(int(hw[0]), int(hw[1])),
        k=int(k),
        n_dropping=dropping,
        n_channels=n_channels,
    )
