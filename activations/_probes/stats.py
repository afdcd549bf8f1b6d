"""Per-channel statistics over many images, without keeping their activations."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
from numpy.typing import NDArray

from activations._arrays.display import HTML_ROWS, bar, html_result, number
from activations._engine.cache import DerivedCache
from activations._engine.preamble import check_options, prepare
from activations._engine.predict import predict_batch
from activations._engine.progress import check_progress
from activations._engine.runtime import run_batches
from activations._engine.trace import Extractor, graph_kept
from activations._types import ImagesLike, LayerSpec

__all__ = ["ChannelStats", "channel_stats", "stats_reducer"]

# extractor -> model returning per-image channel max / mean / min
# extractor -> {None: keras.Model}: its maps reduced to per-channel max, mean, min
_REDUCERS: DerivedCache = DerivedCache("stats reducers")


@dataclass(frozen=True, repr=False)
class ChannelStats:
    """Channel statistics of one layer over a set of images.

    Attributes
    ----------
    max, mean, min : ndarray of shape (C,)
        Largest value, mean value and smallest value of each channel over all
        images and positions.
    per_image_max : ndarray of shape (N, C)
        Each image's largest value per channel (which images excite a channel).
    n_images : int
    """

    max: NDArray[np.float32]
    mean: NDArray[np.float32]
    min: NDArray[np.float32]
    per_image_max: NDArray[np.float32]
    n_images: int

    def _strongest(self, n: int) -> NDArray[np.int64]:
        """The ``n`` channels with the largest ``max``, largest first (ties: lowest index)."""
        return np.argsort(-self.max, kind="stable")[:n].astype(np.int64)

    def _facts(self) -> list[str]:
        dead = int((self.max <= 0).sum())
        facts = [f"{self.n_images:,} images x {self.max.size:,} channels"]
        return facts + ([f"{dead:,} never above 0"] if dead else [])

    def __repr__(self) -> str:
        best = self._strongest(5)
        top = ", ".join(f"{c} ({number(self.max[c])})" for c in best)
        return (
            f"ChannelStats({', '.join(self._facts())})\n"
            f"  per-channel max {number(self.max.min())}..{number(self.max.max())}; "
            f"overall min {number(self.min.min())}, mean {number(self.mean.mean())}\n"
            f"  strongest (by max): {top}{', ...' if self.max.size > best.size else ''}"
        )

    def _repr_html_(self) -> str:
        best = self._strongest(HTML_ROWS)
        top_image = self.per_image_max[:, best].argmax(axis=0) if self.n_images else best * 0
        peak = float(self.max[best[0]]) if best.size else 0.0
        rows = [
            [int(c), number(self.max[c]), number(self.mean[c]), number(self.min[c])]
            + [int(i), bar(float(self.max[c]) / peak if peak > 0 else 0.0)]
            for c, i in zip(best, top_image)
        ]
        columns = ["channel", "max", "mean", "min", "image of max", "max (bar)"]
        facts = [*self._facts(), "strongest first"]
        return html_result(
            "ChannelStats", facts, columns, rows, total=self.max.size, noun="channels"
        )


def stats_reducer(extractor: Extractor) -> keras.Model:
    """The extractor's maps reduced to per-channel max, mean and min, in the pass."""
    return _REDUCERS.get(extractor, None, lambda: _build(extractor))


def _build(extractor: Extractor) -> keras.Model:
    (tapped,) = extractor.models  # one layer: one model
    out = tapped.outputs[0]
    axes = tuple(range(1, len(out.shape) - 1))  # the spatial axes; none for (N, C)
    ops = keras.ops
    with graph_kept(tapped):
        reduced = [ops.max(out, axis=axes), ops.mean(out, axis=axes), ops.min(out, axis=axes)]
        if not axes:
            reduced = [out, out, out]
        return keras.Model(tapped.inputs[0], reduced, name="channel_stats")


def channel_stats(
    model: keras.Model,
    images: ImagesLike,
    layer: LayerSpec,
    *,
    batch_size: int = 128,
    stage: str = "output",
    progress: bool | str = "auto",
) -> ChannelStats:
    """Per-channel max, mean and min of a layer over many images, streamed.

    The reduction runs inside the compiled forward pass (on the accelerator
    when there is one), so only (batch, C) numbers per batch reach host memory:
    memory stays at one batch of activations, however many images there are.

    Parameters
    ----------
    model : keras.Model
    images : array_like, list or iterable of batches
        As in :func:`activations.activations`.
    layer : str, int or keras.layers.Layer
        One layer.
    batch_size : int
    stage : {"output", "pre"}
    progress : bool or "auto"
        A progress bar on stderr; ``"auto"`` shows it only on a terminal.

    Returns
    -------
    ChannelStats

    Raises
    ------
    ValueError
        As :func:`activations.activations` does.

    Examples
    --------
    >>> import keras, numpy as np
    >>> model = keras.Sequential([keras.Input((4, 4, 1)),
    ...                           keras.layers.Conv2D(2, 3, name="conv")])
    >>> channel_stats(model, np.zeros((10, 4, 4, 1)), "conv").per_image_max.shape
    (10, 2)
    """
    check_options(model, batch_size=batch_size, stage=stage)
    check_progress(progress)
    if isinstance(layer, (list, tuple)):
        raise TypeError(f"Expected one layer. Received: layer={layer!r}")
    source, refs, _, extractor = prepare(model, images, layer, stage=stage)
    reducer = stats_reducer(extractor)
    maxima: list[NDArray[np.float32]] = []
    minima: list[NDArray[np.float32]] = []
    sums: NDArray[np.float64] | float = 0.0
    count = 0
    step = lambda batch: predict_batch(reducer, batch)  # noqa: E731
    desc = f"channel_stats {refs[0].name}"
    for _, batch, (b_max, b_mean, b_min) in run_batches(
        model, source, int(batch_size), step, progress=progress, desc=desc
    ):
        maxima.append(b_max)
        minima.append(b_min.min(axis=0))
        sums = sums + b_mean.astype(np.float64).sum(axis=0)
        count += len(batch)
    per_image_max = np.concatenate(maxima)
    return ChannelStats(
        max=per_image_max.max(axis=0),
        mean=np.asarray(sums / count, dtype=np.float32),
        min=np.min(minima, axis=0),
        per_image_max=per_image_max,
        n_images=count,
    )
