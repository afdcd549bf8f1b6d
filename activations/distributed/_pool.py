"""The Ray side of :mod:`activations.distributed`: checks, actors and ordered results.

Each actor builds the model once (``model_factory()`` in its constructor, so
the weights never travel with a batch) and the library's cached extractor and
reducer with it; per batch it returns only the reduced numbers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import ray
import ray.cloudpickle
import ray.data

from activations._arrays.checks import check_int
from activations._engine.extractors import check_built, extractor_for
from activations._engine.input_range import check_input_range
from activations._engine.inputs import ModelInput, check_batch, input_spec
from activations._engine.preamble import check_options
from activations._engine.predict import predict_batch
from activations._engine.progress import check_progress, show_progress
from activations._engine.trace import Extractor
from activations._probes.stats import stats_reducer
from activations._probes.top import check_channels
from activations._probes.top_reduce import TopReducer
from activations._types import LayerSpec

__all__ = [
    "Factory",
    "Plan",
    "Preprocess",
    "StatsWorker",
    "TopWorker",
    "no_images",
    "ordered",
    "setup",
]

Factory = Callable[[], keras.Model]
Preprocess = Callable[[np.ndarray], np.ndarray]


def _build(factory: Factory) -> keras.Model:
    model = factory()
    if not isinstance(model, keras.Model):
        raise TypeError(
            "Expected `model_factory()` to return a `keras.Model`. "
            f"Received: a factory returning {type(model).__name__}"
        )
    check_built(model)
    return model


def _images(
    batch: dict[str, np.ndarray], column: str, preprocess: Preprocess | None, spec: ModelInput
) -> np.ndarray:
    x = batch[column] if preprocess is None else preprocess(batch[column])
    return check_batch(x, spec, allow_single=False)[0]


class _Worker:
    """One actor: the model and its cached extractor, built once; then one call per batch."""

    def __init__(self, factory: Factory, layer: LayerSpec, options: dict[str, Any]):
        self.model = _build(factory)
        self.options = options
        _, _, self.extractor, self.spec = extractor_for(
            self.model, layer, stage=options["stage"], sample_shape=options["sample_shape"]
        )

    def images(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        x = _images(batch, self.options["column"], self.options["preprocess"], self.spec)
        check_input_range(self.model, x)  # warns once per actor, in the actor's log
        return x


class TopWorker(_Worker):
    """Per batch, one row: its top k per channel (padded to k) and its length."""

    def __init__(self, factory: Factory, layer: LayerSpec, options: dict[str, Any]):
        super().__init__(factory, layer, options)
        self.k = options["k"]
        self.reducer = TopReducer.get(self.extractor, options["channels"], options["by"], self.k)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        x = self.images(batch)
        pad = [(0, 0), (0, self.k - min(self.k, len(x)))]  # a batch shorter than k
        values, local, peaks = (np.pad(a, pad)[None] for a in self.reducer(x))
        n = np.array([len(x)], np.int64)
        return {"values": values, "local": local, "peaks": peaks, "n": n}


class StatsWorker(_Worker):
    """Per batch, one row per image: its channels' max, mean and min, each (C,)."""

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        b_max, b_mean, b_min = predict_batch(stats_reducer(self.extractor), self.images(batch))
        return {"max": b_max, "mean": b_mean, "min": b_min}


def _check_concurrency(concurrency: Any) -> ray.data.ActorPoolStrategy:
    if isinstance(concurrency, tuple) and len(concurrency) == 2:
        low, high = (check_int(n, "concurrency", 1) for n in concurrency)
        if low <= high:
            return ray.data.ActorPoolStrategy(min_size=low, max_size=high)
    elif not isinstance(concurrency, tuple):
        return ray.data.ActorPoolStrategy(size=check_int(concurrency, "concurrency", 1))
    raise ValueError(
        "Expected `concurrency` to be a positive int or a (min, max) tuple with "
        f"1 <= min <= max. Received: concurrency={concurrency!r}"
    )


def _check_number(value: Any, name: str, *, optional: bool = False) -> float | None:
    if optional and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"Expected `{name}` to be a number. Received: {name}={value!r}")
    if not value >= 0:
        raise ValueError(f"Expected `{name}` >= 0. Received: {name}={value!r}")
    return float(value)


def _check_picklable(fn: Any, name: str) -> None:
    try:
        ray.cloudpickle.dumps(fn)
    except Exception as err:  # cloudpickle raises many types (TypeError, PicklingError...)
        raise TypeError(
            f"Expected `{name}` to be picklable, to reach the Ray actors (a module-level "
            f"function or a functools.partial of one). Received: {name}={fn!r} ({err})"
        ) from err


def _check_types(factory: Any, dataset: Any, layer: Any, column: Any, preprocess: Any) -> None:
    if not callable(factory) or isinstance(factory, keras.Model):
        raise TypeError(
            "Expected `model_factory` to be a callable returning a keras.Model (e.g. "
            "`activations.zoo.fashion_cnn` or a functools.partial), not a model: each actor "
            f"builds its own. Received: model_factory of type {type(factory).__name__}"
        )
    if not isinstance(dataset, ray.data.Dataset):
        raise TypeError(
            "Expected `dataset` to be a `ray.data.Dataset`. "
            f"Received: dataset of type {type(dataset).__name__}"
        )
    if isinstance(layer, (list, tuple)):
        raise TypeError(f"Expected one layer. Received: layer={layer!r}")
    if not isinstance(column, str):
        raise TypeError(f"Expected `column` to be a str. Received: column={column!r}")
    if preprocess is not None and not callable(preprocess):
        raise TypeError(
            f"Expected `preprocess` to be callable. Received: preprocess={preprocess!r}"
        )
    _check_picklable(factory, "model_factory")
    _check_picklable(preprocess, "preprocess")


@dataclass
class Plan:
    """One checked call: the driver's model and extractor, the actors' and the pool's options."""

    factory: Factory
    dataset: ray.data.Dataset
    layer: LayerSpec
    model: keras.Model
    name: str
    extractor: Extractor | None  # set by `_extract`
    options: dict[str, Any]  # for each actor; top_images adds channels, by and k
    pool: dict[str, Any]  # for map_batches
    progress: bool | str

    @property
    def map_shape(self) -> tuple[int, ...]:
        """The layer's map size (h, w), () for a layer without a spatial map."""
        assert self.extractor is not None
        return tuple(int(n) for n in self.extractor.models[0].outputs[0].shape[1:-1])

    @property
    def n_channels(self) -> int:
        """The layer's channels."""
        assert self.extractor is not None
        return int(self.extractor.models[0].outputs[0].shape[-1])

    def results(self, worker: type) -> Iterator[dict[str, np.ndarray]]:
        """The actors' output blocks, in dataset order (inside :func:`ordered`)."""
        mapped = self.dataset.map_batches(
            worker,
            fn_constructor_args=(self.factory, self.name, self.options),
            batch_format="numpy",
            **self.pool,
        )
        yield from mapped.iter_batches(batch_size=None, batch_format="numpy")


def _extract(plan: Plan, top: dict[str, Any] | None, sample_shape: tuple | None) -> None:
    """The driver's extractor; the layer's name and channels checked for the actors."""
    refs, _, plan.extractor, _ = extractor_for(
        plan.model, plan.layer, stage=plan.options["stage"], sample_shape=sample_shape
    )
    plan.name = refs[0].name  # the actors find the layer by name in their own model
    plan.options["sample_shape"] = sample_shape
    if top is not None:
        channels = check_channels(top["channels"], plan.n_channels, plan.name)
        plan.options.update(top, channels=channels)


def setup(factory: Any, dataset: Any, layer: Any, top: dict | None, **kw: Any) -> Plan:
    """Check every argument, then the first image, on the driver before any actor starts.

    ``top``: ``top_images``' channels, by and k (None for ``channel_stats``).
    """
    _check_types(factory, dataset, layer, kw["column"], kw["preprocess"])
    check_progress(kw["progress"])
    pool = {
        "batch_size": kw["batch_size"],
        "compute": _check_concurrency(kw["concurrency"]),
        "num_gpus": _check_number(kw["num_gpus"], "num_gpus") or None,
        "num_cpus": _check_number(kw["num_cpus"], "num_cpus", optional=True),
    }
    model = _build(factory)
    check_options(model, batch_size=kw["batch_size"], stage=kw["stage"])
    options = {key: kw[key] for key in ("column", "preprocess", "stage")}
    plan = Plan(factory, dataset, layer, model, "", None, options, pool, kw["progress"])
    spec = input_spec(model)
    if spec.shape is not None:  # the layer and channels before any Ray work
        _extract(plan, top, None)
    column = kw["column"]
    columns = dataset.columns()
    if columns is not None and column not in columns:
        raise ValueError(
            f"No column named {column!r} in the dataset. Available columns: {columns}. "
            f"Received: column={column!r}"
        )
    rows = dataset.take(1)  # one image, to check `preprocess` before any actor starts
    if not rows:
        raise no_images(dataset)
    first = _images({column: np.stack([rows[0][column]])}, column, kw["preprocess"], spec)
    check_input_range(model, first)  # the warning then reaches the user, not an actor's log
    if spec.shape is None:  # a subclassed model: the first image tells the input shape
        _extract(plan, top, first.shape[1:])
    return plan


@contextlib.contextmanager
def ordered(plan: Plan) -> Iterator[None]:
    """Dataset order, Ray's progress bars as asked and the UDF's own errors, for one call.

    Set on the dataset's own :class:`ray.data.DataContext` (which the datasets
    derived from it share) and restored afterwards, whatever happens.
    """
    context = plan.dataset.context
    options = context.execution_options
    saved = (
        options.preserve_order,
        context.enable_progress_bars,
        getattr(context, "raise_original_map_exception", False),
    )
    options.preserve_order = True
    context.enable_progress_bars = show_progress(plan.progress)
    context.raise_original_map_exception = True  # Ray >= 2.40: a ValueError stays one
    try:
        yield
    finally:
        options.preserve_order, context.enable_progress_bars = saved[:2]
        context.raise_original_map_exception = saved[2]


def no_images(dataset: ray.data.Dataset) -> ValueError:
    """The error for a dataset without rows."""
    return ValueError(f"Expected at least one image. Received: an empty dataset {dataset}")
