"""The driver's checks for :mod:`activations.distributed`: a pool's arguments, then each call's.

Every error a user's argument can cause is raised here, on the driver, before
a call sends any work to the actors: a pool's (factory, concurrency,
resources) when it is made, a call's (dataset, layer, column, preprocess,
options and the first image) at the start of the call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import keras
import numpy as np
import ray
import ray.cloudpickle
import ray.data
from ray.data.block import BlockAccessor

from activations._arrays.checks import check_int
from activations._engine.extractors import extractor_for
from activations._engine.input_range import check_input_range
from activations._engine.inputs import input_spec
from activations._engine.preamble import check_options
from activations._engine.progress import check_progress, show_progress
from activations._engine.trace import Extractor
from activations._probes.top import check_channels
from activations._types import LayerSpec
from activations.distributed._actor import images

__all__ = ["Plan", "check_pool", "first_image", "no_images", "ordered", "plan"]


def check_concurrency(concurrency: Any) -> tuple[int, int]:
    """``(min, max)`` actors from an int or a (min, max) tuple."""
    if isinstance(concurrency, tuple) and len(concurrency) == 2:
        low, high = (check_int(n, "concurrency", 1) for n in concurrency)
        if low <= high:
            return low, high
    elif not isinstance(concurrency, tuple):
        size = check_int(concurrency, "concurrency", 1)
        return size, size
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


def check_pool(
    factory: Any, concurrency: Any, num_gpus: Any, num_cpus: Any
) -> tuple[tuple[int, int], dict[str, float]]:
    """A pool's ``(min, max)`` actors and each actor's Ray resources, checked."""
    if not callable(factory) or isinstance(factory, keras.Model):
        raise TypeError(
            "Expected `model_factory` to be a callable returning a keras.Model (e.g. "
            "`activations.zoo.fashion_cnn` or a functools.partial), not a model: each actor "
            f"builds its own. Received: model_factory of type {type(factory).__name__}"
        )
    _check_picklable(factory, "model_factory")
    sizes = check_concurrency(concurrency)
    gpus = _check_number(num_gpus, "num_gpus")
    cpus = _check_number(num_cpus, "num_cpus", optional=True)
    return sizes, {"num_cpus": 1.0 if cpus is None else cpus, "num_gpus": gpus or 0.0}


def _check_call(dataset: Any, layer: Any, column: Any, preprocess: Any) -> None:
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
    _check_picklable(preprocess, "preprocess")


@dataclass
class Plan:
    """One checked call: the driver's model and extractor, and the actors' options."""

    dataset: ray.data.Dataset
    layer: LayerSpec
    model: keras.Model
    top: dict[str, Any] | None  # top_images' channels, by and k; None for channel_stats
    options: dict[str, Any]  # for each actor; top_images adds channels, by and k
    progress: bool | str
    name: str = ""  # the layer's, set by `_extract` with the extractor
    extractor: Extractor | None = None

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


def _extract(plan: Plan, sample_shape: tuple | None) -> None:
    """The driver's extractor; the layer's name and channels checked for the actors."""
    refs, _, plan.extractor, _ = extractor_for(
        plan.model, plan.layer, stage=plan.options["stage"], sample_shape=sample_shape
    )
    plan.name = refs[0].name  # the actors find the layer by name in their own model
    plan.options["sample_shape"] = sample_shape
    if plan.top is not None:
        channels = check_channels(plan.top["channels"], plan.n_channels, plan.name)
        plan.options.update(plan.top, channels=channels)


def plan(model: keras.Model, dataset: Any, layer: Any, top: dict | None, **kw: Any) -> Plan:
    """Check a call's arguments with the driver's ``model`` (its first image: ``first_image``).

    ``top``: ``top_images``' channels, by and k (None for ``channel_stats``);
    ``kw``: column, preprocess, batch_size, stage and progress.
    """
    _check_call(dataset, layer, kw["column"], kw["preprocess"])
    check_progress(kw["progress"])
    check_options(model, batch_size=kw["batch_size"], stage=kw["stage"])
    options = {key: kw[key] for key in ("column", "preprocess", "stage", "batch_size")}
    checked = Plan(dataset, layer, model, top, options, kw["progress"])
    if input_spec(model).shape is not None:  # the layer and channels before any Ray work
        _extract(checked, None)
    return checked


def first_image(plan: Plan, block: Any, cut: tuple[int, int] | None) -> bool:
    """Check the column and the first image of the dataset's first block, on the driver.

    ``block``: the block itself, rows ``cut`` (None: all). Returns False for
    an empty block (the next one is then the first). The first image goes
    through ``preprocess`` here, before any actor sees one.
    """
    accessor = BlockAccessor.for_block(block)
    if cut is not None:
        accessor = BlockAccessor.for_block(accessor.slice(*cut, copy=False))
    column = plan.options["column"]
    columns = accessor.column_names()  # type: ignore[attr-defined]  # Arrow and pandas blocks
    if column not in columns:
        raise ValueError(
            f"No column named {column!r} in the dataset. Available columns: {columns}. "
            f"Received: column={column!r}"
        )
    if accessor.num_rows() == 0:
        return False
    one = cast(np.ndarray, BlockAccessor.for_block(accessor.slice(0, 1)).to_numpy(column))
    first = images(one, plan.options["preprocess"], input_spec(plan.model))
    check_input_range(plan.model, first)  # the warning then reaches the user, not an actor's log
    if plan.extractor is None:  # a subclassed model: the first image tells the input shape
        _extract(plan, first.shape[1:])
    return True


@contextlib.contextmanager
def ordered(plan: Plan) -> Iterator[None]:
    """Dataset order and Ray Data's progress bars as asked, for one call.

    Set on the dataset's own :class:`ray.data.DataContext` (which the datasets
    derived from it share) and restored afterwards, whatever happens.
    """
    context = plan.dataset.context
    options = context.execution_options
    saved = options.preserve_order, context.enable_progress_bars
    options.preserve_order = True
    context.enable_progress_bars = show_progress(plan.progress)
    try:
        yield
    finally:
        options.preserve_order, context.enable_progress_bars = saved


def no_images(dataset: ray.data.Dataset) -> ValueError:
    """The error for a dataset without rows."""
    return ValueError(f"Expected at least one image. Received: an empty dataset {dataset}")
