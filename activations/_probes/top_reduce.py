"""The per-batch top k of each channel, inside the compiled pass, and its merge on the host.

:class:`TopReducer` reduces a batch to (channels, k) numbers on the device;
:class:`TopAccumulator` keeps the running top k across batches (and across
the actors of :mod:`activations.distributed`).
"""

from __future__ import annotations

import math

import keras
import numpy as np

from activations._engine.cache import DerivedCache
from activations._engine.predict import predict_batch
from activations._engine.trace import Extractor, graph_kept

__all__ = ["TopAccumulator", "TopReducer"]


class TopReducer:
    """Per-batch top k of each channel, computed inside the compiled pass.

    The pass reduces each map to its max (or mean), takes the batch's top k
    per channel, and finds the peak only in those k maps (a gather, not an
    argmax over every map). A map holding NaN scores -inf: it ranks below
    every finite map. Built once per (extractor, channels, by, k) and
    cached. Used by :func:`top_images` and by :mod:`activations.distributed`.

    Called with ``peaks=False`` it skips the gather (a fifth of the pass on
    the Fashion CNN) and gives zeros for the peaks: :func:`top_images` then
    finds the peaks of the final winners with :meth:`peaks_of`, one small
    pass over at most k x C images.
    """

    def __init__(self, extractor: Extractor, channels: tuple[int, ...], by: str, k: int):
        (tapped,) = extractor.models  # one layer: one model
        out = tapped.outputs[0]
        ops = keras.ops
        self.map_shape = tuple(int(n) for n in out.shape[1:-1])
        self.k = k
        cells, n_all = math.prod(self.map_shape), int(out.shape[-1])
        # Flat int32 indices into a batch of maps must stay below 2**31.
        self.max_rows = max(1, (2**31 - 1) // (cells * n_all))
        with graph_kept(tapped):  # the user's layers keep the nodes they had
            if not keras.backend.is_float_dtype(out.dtype):  # bool or integer maps
                out = ops.cast(out, "float32")  # as activations() returns them
            chosen = np.asarray(channels, np.int32)
            flat = ops.reshape(out, (-1, cells, n_all))
            score = ops.max(flat, axis=1) if by == "max" else ops.mean(flat, axis=1)
            if len(channels) != n_all or list(channels) != list(range(n_all)):
                score = ops.take(score, chosen, axis=1)
            # A map holding NaN (max and mean propagate it) ranks last, as -inf, on every
            # backend and at every batch size: top_k and the host sort NaN differently.
            score = ops.where(ops.isnan(score), float("-inf"), score)
            # A batch smaller than k goes through `scores` and is ranked on the host.
            peak = ops.take(ops.argmax(flat, axis=1), chosen, axis=1)
            self.scores = keras.Model(
                tapped.inputs[0], [score, ops.cast(peak, "float32")], name="top_scores"
            )
            values, index = ops.top_k(ops.transpose(score), k)  # (C, k)
            steps = ops.arange(cells, dtype="int32") * n_all
            start = ops.cast(index, "int32") * (cells * n_all) + chosen[:, None]
            maps = ops.take(ops.reshape(out, (-1,)), start[:, :, None] + steps)  # (C, k, cells)
            peaks = ops.cast(ops.argmax(maps, axis=-1), "float32")
            self.topk = keras.Model(
                tapped.inputs[0], [values, ops.cast(index, "float32"), peaks], name="top_k"
            )
            self.ranked = keras.Model(
                tapped.inputs[0], [values, ops.cast(index, "float32")], name="top_k_values"
            )

    @classmethod
    def get(cls, extractor: Extractor, channels: tuple[int, ...], by: str, k: int) -> TopReducer:
        """The cached reducer for these options."""
        return _REDUCERS.get(
            extractor, (channels, by, k), lambda: cls(extractor, channels, by, k)
        )

    def __call__(
        self, batch: np.ndarray, peaks: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(values, batch indices, flat peak positions)``, each (C, min(k, len(batch))).

        ``peaks=False``: the peaks are zeros where the device ranks the batch.
        """
        if len(batch) > self.max_rows:  # huge maps: reduce in pieces, merge here
            merged = TopAccumulator(self.k)
            for start in range(0, len(batch), self.max_rows):
                piece = batch[start : start + self.max_rows]
                merged.add_batch(self(piece, peaks), len(piece))
            assert merged.values is not None
            return merged.values, merged.indices, merged.peaks  # type: ignore[return-value]
        # TensorFlow's and JAX's top_k put the lower index first among ties, as
        # TopImages promises; torch's topk does not: there every batch is ranked
        # on the host (a stable sort), so ties rank alike on every backend.
        if len(batch) >= self.k and keras.backend.backend() != "torch" and not peaks:
            values, index = predict_batch(self.ranked, batch)
            return values, np.rint(index).astype(np.int64), np.zeros(values.shape, np.int64)
        if len(batch) >= self.k and keras.backend.backend() != "torch":
            values, index, found = predict_batch(self.topk, batch)
        else:
            score, peak = predict_batch(self.scores, batch)
            order = np.broadcast_to(np.arange(len(batch))[:, None], score.shape)
            index = np.lexsort((order, -score), axis=0).T[:, : self.k]
            values = np.take_along_axis(score.T, index, axis=1)
            found = np.take_along_axis(peak.T, index, axis=1)
        return values, np.rint(index).astype(np.int64), np.rint(found).astype(np.int64)

    def peaks_of(self, images: np.ndarray, indices: np.ndarray, batch_size: int) -> np.ndarray:
        """The flat peak of each (channel, image) in ``indices`` (C, k), from ``images``.

        One pass over the distinct images named (at most k x C), in batches.
        """
        wanted = np.unique(indices)
        rows = np.empty((len(wanted), indices.shape[0]), np.int64)  # (distinct images, C)
        for start in range(0, len(wanted), batch_size):
            chunk = wanted[start : start + batch_size]
            _, peak = predict_batch(self.scores, images[chunk])
            rows[start : start + len(chunk)] = np.rint(peak)
        where = np.searchsorted(wanted, indices)  # (C, k) rows of `rows`
        return rows[where, np.arange(indices.shape[0])[:, None]]


# extractor -> {(channels, by, k): TopReducer}
_REDUCERS: DerivedCache = DerivedCache("top-k reducers")


class TopAccumulator:
    """A running top k per channel, merged batch by batch on the host."""

    def __init__(self, k: int):
        self.k = k
        self.values: np.ndarray | None = None
        self.indices: np.ndarray | None = None
        self.peaks: np.ndarray | None = None
        self.n_images = 0

    def add(self, values: np.ndarray, indices: np.ndarray, peaks: np.ndarray) -> None:
        """Merge candidates (C, m) whose ``indices`` are already global."""
        if self.values is not None:
            assert self.indices is not None and self.peaks is not None
            values = np.concatenate([self.values, values], axis=1)
            indices = np.concatenate([self.indices, indices], axis=1)
            peaks = np.concatenate([self.peaks, peaks], axis=1)
        order = np.lexsort((indices, -values.astype(np.float64)), axis=-1)[:, : self.k]
        self.values = np.take_along_axis(values, order, axis=1).astype(np.float32)
        self.indices = np.take_along_axis(indices, order, axis=1)
        self.peaks = np.take_along_axis(peaks, order, axis=1)

    def add_batch(self, reduced: tuple[np.ndarray, np.ndarray, np.ndarray], n: int) -> None:
        """Merge one batch of ``n`` images reduced by a :class:`TopReducer`."""
        values, local, peaks = reduced
        self.add(values, local + self.n_images, peaks)
        self.n_images += n
