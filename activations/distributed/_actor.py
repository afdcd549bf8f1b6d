"""One actor of a :class:`~activations.distributed.Pool`: the model built once, then blocks.

The actor calls ``model_factory()`` in its constructor, so the weights never
travel with a block. Each call of the pool first sends :meth:`Actor.prepare`
(the layer and the call's options: the library's cached extractor and
reducer), then one :meth:`Actor.run` per block of the dataset: the actor cuts
the block into batches, reduces each inside the compiled pass and returns
only the block's reduced numbers. A Ray actor runs one caller's calls in the
order they were sent, so every block meets the options of its own call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, cast

import keras
import numpy as np
from ray.data.block import BlockAccessor

from activations._engine.extractors import check_built, extractor_for
from activations._engine.input_range import check_input_range
from activations._engine.inputs import ModelInput, check_batch
from activations._engine.predict import predict_batch
from activations._probes.stats import stats_reducer
from activations._probes.top_reduce import TopAccumulator, TopReducer
from activations._types import LayerSpec

__all__ = ["Actor", "Factory", "Preprocess", "build", "images"]

Factory = Callable[[], keras.Model]
Preprocess = Callable[[np.ndarray], np.ndarray]


def build(factory: Factory) -> keras.Model:
    """``factory()``, checked to be a built ``keras.Model``."""
    model = factory()
    if not isinstance(model, keras.Model):
        raise TypeError(
            "Expected `model_factory()` to return a `keras.Model`. "
            f"Received: a factory returning {type(model).__name__}"
        )
    check_built(model)
    return model


def images(column: np.ndarray, preprocess: Preprocess | None, spec: ModelInput) -> np.ndarray:
    """One batch of the dataset's column as the model's input, shape (B, H, W, C)."""
    x = column if preprocess is None else preprocess(column)
    return check_batch(x, spec, allow_single=False)[0]


class _Task:
    """One call's work on this actor's model: the layer's extractor and the call's options."""

    def __init__(self, model: keras.Model, layer: LayerSpec, options: dict[str, Any]):
        self.model = model
        self.options = options
        _, _, self.extractor, self.spec = extractor_for(
            model, layer, stage=options["stage"], sample_shape=options["sample_shape"]
        )

    def batches(self, column: np.ndarray) -> Iterator[np.ndarray]:
        size = self.options["batch_size"]
        for start in range(0, len(column), size):
            x = images(column[start : start + size], self.options["preprocess"], self.spec)
            check_input_range(self.model, x)  # warns once per actor, in the actor's log
            yield x

    def __call__(self, column: np.ndarray) -> dict[str, Any]:
        """One block's column reduced to the call's numbers."""
        raise NotImplementedError


class _Top(_Task):
    """A block's top k per channel: (C, min(k, rows)) values, row indices and peaks."""

    def __init__(self, model: keras.Model, layer: LayerSpec, options: dict[str, Any]):
        super().__init__(model, layer, options)
        self.k = options["k"]
        self.reducer = TopReducer.get(self.extractor, options["channels"], options["by"], self.k)

    def __call__(self, column: np.ndarray) -> dict[str, Any]:
        running = TopAccumulator(self.k)
        for x in self.batches(column):
            running.add_batch(self.reducer(x), len(x))
        parts = {"values": running.values, "indices": running.indices, "peaks": running.peaks}
        return parts | {"n": running.n_images}


class _Stats(_Task):
    """A block's (rows, C) per-image max, its (C,) sum of per-image means and its (C,) min."""

    def __call__(self, column: np.ndarray) -> dict[str, Any]:
        reducer = stats_reducer(self.extractor)
        maxima, sums, minima = [], np.float64(0.0), []
        for x in self.batches(column):
            b_max, b_mean, b_min = predict_batch(reducer, x)
            maxima.append(np.asarray(b_max, np.float32))
            sums = sums + b_mean.astype(np.float64).sum(axis=0)
            minima.append(b_min.min(axis=0))
        maximum, minimum = np.concatenate(maxima), np.min(minima, axis=0)
        return {"max": maximum, "sum": sums, "min": minimum, "n": len(maximum)}


TASKS: dict[str, type[_Task]] = {"top_images": _Top, "channel_stats": _Stats}


class Actor:
    """The Ray actor: ``ray.remote(Actor)``; the driver calls ``prepare`` then ``run``."""

    def __init__(self, factory: Factory):
        self.model = build(factory)
        self.call: tuple[str, str, dict[str, Any]] | None = None
        self.task: _Task | None = None

    def ready(self) -> None:
        """Returns once the constructor has run (or raises its error)."""

    def prepare(self, kind: str, layer: str, options: dict[str, Any]) -> None:
        """Set the next blocks' work: ``kind`` in ``TASKS``, the layer by name."""
        self.call, self.task = (kind, layer, options), None

    def run(self, block: Any, cut: tuple[int, int] | None) -> dict[str, Any] | None:
        """One block (rows ``cut``, or all) reduced by the current task; None when empty."""
        if self.task is None:  # built here, so that its errors reach the driver with a block
            assert self.call is not None, "prepare() comes first"
            kind, layer, options = self.call
            self.task = TASKS[kind](self.model, layer, options)
        accessor = BlockAccessor.for_block(block)
        if cut is not None:
            accessor = BlockAccessor.for_block(accessor.slice(*cut, copy=False))
        if accessor.num_rows() == 0:
            return None
        column = accessor.to_numpy(self.task.options["column"])  # one column: an ndarray
        return self.task(cast(np.ndarray, column))
