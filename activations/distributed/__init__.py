"""``top_images`` and ``channel_stats`` over a Ray Data dataset, on a pool of actors.

Each actor builds the model once and reduces every batch inside the compiled
forward pass, as the local functions do: only (channels, k) numbers per batch
(``top_images``) or (batch, channels) numbers (``channel_stats``) reach Ray's
object store. The driver merges them in dataset order into the same
:class:`~activations.TopImages` / :class:`~activations.ChannelStats` that
:func:`activations.top_images` and :func:`activations.channel_stats` return.

Ray is an optional extra: ``pip install 'activations[ray]'``. When
``ray.init`` has not been called, Ray Data starts a local cluster on first use;
to use a running cluster, call ``ray.init(address="auto")`` first.

Order: ``indices`` and the rows of ``per_image_max`` count the dataset's
rows in the order ``dataset.take_all()`` returns them with
``DataContext.execution_options.preserve_order = True``, which each call sets
on ``dataset.context`` for its duration (then restores): the given order for
``ray.data.from_numpy``, the listed files' order for ``read_images`` and
``read_parquet`` (pass ``include_paths=True`` to name them). Ray Data carries
no row number, and numbering rows first would read the data twice; keeping
block order costs only the buffering of blocks that finish early.

Every call starts its own actor pool: each actor imports the backend and
builds the model (seconds, see ``benchmarks/bench_distributed.py``), a fixed
cost per call that pays off on datasets much larger than one machine's share.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

try:
    import ray.data
except ImportError as err:  # pragma: no cover - the test environment has the extra
    raise ImportError(
        "activations.distributed needs Ray Data, an optional extra: pip install 'activations[ray]'"
    ) from err

from activations._arrays.checks import check_int
from activations._probes.stats import ChannelStats
from activations._probes.top import BY, TopImages, finish
from activations._probes.top_reduce import TopAccumulator
from activations._types import LayerSpec
from activations.distributed._pool import (
    Factory,
    Preprocess,
    StatsWorker,
    TopWorker,
    no_images,
    ordered,
    setup,
)

__all__ = ["channel_stats", "top_images"]


def top_images(
    model_factory: Factory,
    dataset: ray.data.Dataset,
    layer: LayerSpec,
    *,
    column: str = "image",
    preprocess: Preprocess | None = None,
    channels: int | Sequence[int] | None = None,
    k: int = 9,
    by: str = "max",
    batch_size: int = 128,
    stage: str = "output",
    concurrency: int | tuple[int, int] = 2,
    num_gpus: float = 0,
    num_cpus: float | None = None,
    progress: bool | str = "auto",
) -> TopImages:
    """:func:`activations.top_images` over a Ray Data dataset, on a pool of actors.

    Each of ``concurrency`` actors calls ``model_factory()`` once and reduces
    each batch to its top k per channel inside the compiled pass; the driver
    merges these (C, k) partials in dataset order. The result equals
    ``activations.top_images(model, images, layer)`` on the same images in
    the same order (values to float rounding; ties keep the earlier image).

    Parameters
    ----------
    model_factory : callable () -> keras.Model
        Builds the model: once on the driver (to check ``layer`` and find the
        receptive field) and once in each actor. It reaches the actors by
        pickle: a function of a module the workers can import
        (``activations.zoo.fashion_cnn``) or a ``functools.partial`` of one;
        Ray's cloudpickle sends lambdas and a notebook's or script's own
        functions by value.
    dataset : ray.data.Dataset
        One row per image. Give it at least ``concurrency`` blocks (e.g.
        ``ray.data.from_numpy(np.array_split(x, 8))``), or one actor gets all.
    layer : str or int
        One layer's name or index, resolved in the driver's model; the actors
        find it by name. (A layer object belongs to one model, not to the
        factory's new ones.)
    column : str, default "image"
        The column of images: ``"data"`` for ``ray.data.from_numpy``,
        ``"image"`` for ``ray.data.read_images``.
    preprocess : callable or None
        Maps the column's batch, e.g. uint8 of shape (B, 28, 28), to the
        model's input of shape (B, H, W, C), e.g. ``lambda b: b[..., None] /
        255.0``; runs in the actors, so picklable as ``model_factory``. It must
        not write into its input (a read-only view of Ray's object store).
        None: the column is the input as it is.
    channels : int, sequence of int or None
        Channels to rank (default: all).
    k : int, default 9
        Images kept per channel.
    by : {"max", "mean"}
        Rank by the largest value of the channel's map or by its mean.
    batch_size : int, default 128
        Rows per forward pass (Ray may give a shorter batch at a block's end).
    stage : {"output", "pre"}
        As in :func:`activations.activations`.
    concurrency : int or (min, max), default 2
        Actors in the pool; a (min, max) tuple lets it autoscale.
    num_gpus : float, default 0
        GPUs per actor, forwarded to Ray. TensorFlow in the actor then sees
        only the GPU(s) Ray assigned it (Ray sets ``CUDA_VISIBLE_DEVICES``).
        For shares below 1, set ``TF_FORCE_GPU_ALLOW_GROWTH=true`` in the
        actors' environment, or the first actor takes all the GPU's memory.
    num_cpus : float or None
        CPUs per actor, forwarded to Ray (None: Ray's default, 1).
    progress : bool or "auto"
        Ray Data's own progress bars; ``"auto"`` shows them only on a terminal.

    Returns
    -------
    TopImages
        ``indices`` (C, k) count rows in dataset order (see the module's
        docstring); ``field`` comes from the driver's model.

    Raises
    ------
    TypeError
        For a ``model_factory`` that is not callable, is a model itself, is
        not picklable or returns no model; a ``dataset`` that is not a
        ``ray.data.Dataset``; a list of layers.
    ValueError
        For a missing column (the message lists the dataset's columns), an
        empty dataset, a bad ``k``, ``by``, ``batch_size``, ``concurrency``,
        ``num_gpus`` or ``num_cpus``, and as :func:`activations.top_images`
        does. All are raised on the driver before any actor starts; the first
        image goes through ``preprocess`` there too. A later batch that does
        not fit the model raises in its actor: a ``RayTaskError`` that is
        also that ``ValueError``.

    Examples
    --------
    >>> import ray, numpy as np  # doctest: +SKIP
    >>> from activations import datasets, distributed, zoo
    >>> _, (x, _) = datasets.fashion_mnist()  # uint8 (10000, 28, 28)
    >>> ds = ray.data.from_numpy(np.array_split(x, 8))  # column "data", 8 blocks
    >>> top = distributed.top_images(zoo.fashion_cnn, ds, "conv2d_1", column="data",
    ...                              preprocess=lambda b: b[..., None] / 255.0)
    >>> top.indices.shape
    (64, 9)
    """
    if by not in BY:
        raise ValueError(f"Expected `by` to be one of {list(BY)}. Received: by={by!r}")
    k = check_int(k, "k", 1)
    plan = setup(
        model_factory,
        dataset,
        layer,
        {"channels": channels, "by": by, "k": k},
        column=column,
        preprocess=preprocess,
        batch_size=batch_size,
        stage=stage,
        concurrency=concurrency,
        num_gpus=num_gpus,
        num_cpus=num_cpus,
        progress=progress,
    )
    chosen = plan.options["channels"]
    running = TopAccumulator(k)
    with ordered(plan):
        for block in plan.results(TopWorker):
            parts = zip(block["values"], block["local"], block["peaks"], block["n"])
            for values, local, peaks, n in parts:  # one batch each, in dataset order
                m = min(k, int(n))  # the batch's own candidates; the rest is padding
                running.add_batch((values[:, :m], local[:, :m], peaks[:, :m]), int(n))
    if running.n_images == 0:
        raise no_images(dataset)
    return finish(running, plan.name, chosen, by, plan.map_shape, plan.model, layer)


def channel_stats(
    model_factory: Factory,
    dataset: ray.data.Dataset,
    layer: LayerSpec,
    *,
    column: str = "image",
    preprocess: Preprocess | None = None,
    batch_size: int = 128,
    stage: str = "output",
    concurrency: int | tuple[int, int] = 2,
    num_gpus: float = 0,
    num_cpus: float | None = None,
    progress: bool | str = "auto",
) -> ChannelStats:
    """:func:`activations.channel_stats` over a Ray Data dataset, on a pool of actors.

    Each actor reduces its batches to every image's (C,) max, mean and min
    inside the compiled pass; the driver gathers them in dataset order. The
    result equals ``activations.channel_stats(model, images, layer)`` on the
    same images in the same order (to float rounding).

    Parameters
    ----------
    model_factory, dataset, layer, column, preprocess
        As in :func:`top_images`.
    batch_size, stage, concurrency, num_gpus, num_cpus, progress
        As in :func:`top_images`.

    Returns
    -------
    ChannelStats
        ``per_image_max`` of shape (N, C): one row per dataset row, in
        dataset order; ``max``, ``mean``, ``min`` of shape (C,).

    Raises
    ------
    TypeError, ValueError
        As :func:`top_images` does.

    Examples
    --------
    >>> import ray, numpy as np  # doctest: +SKIP
    >>> from activations import distributed, zoo
    >>> x = (np.arange(4 * 28 * 28) % 256).reshape(4, 28, 28)
    >>> stats = distributed.channel_stats(zoo.fashion_cnn, ray.data.from_numpy(x), "dense",
    ...                                   column="data", preprocess=lambda b: b[..., None] / 255,
    ...                                   concurrency=1)  # one block: one actor
    >>> stats.per_image_max.shape
    (4, 100)
    """
    plan = setup(
        model_factory,
        dataset,
        layer,
        None,
        column=column,
        preprocess=preprocess,
        batch_size=batch_size,
        stage=stage,
        concurrency=concurrency,
        num_gpus=num_gpus,
        num_cpus=num_cpus,
        progress=progress,
    )
    maxima: list[np.ndarray] = []
    minima: list[np.ndarray] = []
    sums: np.ndarray | float = 0.0
    with ordered(plan):
        for block in plan.results(StatsWorker):  # rows: images, in dataset order
            maxima.append(np.asarray(block["max"], np.float32))
            minima.append(block["min"].min(axis=0))
            sums = sums + block["mean"].astype(np.float64).sum(axis=0)
    if not maxima:
        raise no_images(dataset)
    per_image_max = np.concatenate(maxima)
    return ChannelStats(
        max=per_image_max.max(axis=0),
        mean=np.asarray(sums / len(per_image_max), dtype=np.float32),
        min=np.asarray(np.min(minima, axis=0), np.float32),
        per_image_max=per_image_max,
        n_images=len(per_image_max),
    )
