"""``top_images`` and ``channel_stats`` over a Ray Data dataset, on a pool of actors.

Each actor builds the model once and reduces every batch inside the compiled
forward pass, as the local functions do: only (channels, k) numbers per block
(``top_images``) or (rows, channels) numbers (``channel_stats``) reach Ray's
object store. The driver merges them in dataset order into the same
:class:`~activations.TopImages` / :class:`~activations.ChannelStats` that
:func:`activations.top_images` and :func:`activations.channel_stats` return.

Ray is an optional extra: ``pip install 'activations[ray]'``. When
``ray.init`` has not been called, Ray starts a local cluster on first use;
to use a running cluster, call ``ray.init(address="auto")`` first.

Order: ``indices`` and the rows of ``per_image_max`` count the dataset's
rows in the order ``dataset.take_all()`` returns them with
``DataContext.execution_options.preserve_order = True``, which each call sets
on ``dataset.context`` for its duration (then restores): the given order for
``ray.data.from_numpy``, the listed files' order for ``read_images`` and
``read_parquet`` (pass ``include_paths=True`` to name them). Ray Data carries
no row number, and numbering rows first would read the data twice; keeping
block order costs only the buffering of blocks that finish early.

Actors: :class:`Pool` keeps its actors from call to call; :func:`top_images`
and :func:`channel_stats` each start a pool of their own and close it when
they return. A new actor imports the backend and builds the model, seconds
each (see ``benchmarks/bench_distributed.py``): a fixed cost that a pool pays
once and a one-off call pays every time.

The trade-off: Ray Data's ``map_batches`` with an actor pool starts its
actors anew for every execution of a dataset, so the pool does not use it.
Ray Data still executes the dataset (reads, the user's own maps) and hands
over references to its blocks in order (``Dataset.iter_internal_ref_bundles``,
a Ray Data developer API); the driver sends each block to the least busy
actor, two at most ahead of its results, and the actor cuts it into batches
of ``batch_size``. The blocks never pass through the driver, but for the
first, fetched there to check the column and the first image before any
actor starts (in place of a second execution for ``take(1)``). A block is
the unit of work: give a dataset at least as many blocks as actors (more,
for balance), and blocks small enough for one actor's memory. Ray Data's
autoscaling of a (min, max) pool is not reproduced: a pool starts ``max``
actors and uses each once the cluster has placed it.
"""

from __future__ import annotations

from collections.abc import Sequence

try:
    import ray.data
except ImportError as err:  # pragma: no cover - the test environment has the extra
    raise ImportError(
        "activations.distributed needs Ray Data, an optional extra: pip install 'activations[ray]'"
    ) from err

from activations._probes.stats import ChannelStats
from activations._probes.top import TopImages
from activations._types import LayerSpec
from activations.distributed._actor import Factory, Preprocess
from activations.distributed._pool import Pool

__all__ = ["Pool", "channel_stats", "top_images"]


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
    merges these (C, k) partials in dataset order. The actors start and stop
    with the call; for several calls, a :class:`Pool` keeps them. The result equals
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
        ``ray.data.from_numpy(np.array_split(x, 8))``), or one actor gets all:
        a block goes to one actor whole.
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
        Rows per forward pass (a block's last batch may be shorter).
    stage : {"output", "pre"}
        As in :func:`activations.activations`.
    concurrency : int or (min, max), default 2
        Actors in the pool. A (min, max) tuple starts ``max`` actors, begins
        once ``min`` have built their model, and gives work to the others as
        the cluster finds room for them.
    num_gpus : float, default 0
        GPUs per actor, forwarded to Ray. TensorFlow in the actor then sees
        only the GPU(s) Ray assigned it (Ray sets ``CUDA_VISIBLE_DEVICES``).
        For shares below 1, set ``TF_FORCE_GPU_ALLOW_GROWTH=true`` in the
        actors' environment, or the first actor takes all the GPU's memory.
    num_cpus : float or None
        CPUs per actor, forwarded to Ray (None: 1, as Ray Data's actors).
    progress : bool or "auto"
        A bar over the images merged on the driver, and Ray Data's own bars
        for the dataset's execution; ``"auto"`` shows them only on a terminal.

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
        also that ``ValueError``. An actor that cannot start (its import or
        ``model_factory()`` fails there) raises Ray's ``ActorDiedError``.

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
    with Pool(
        model_factory, concurrency=concurrency, num_gpus=num_gpus, num_cpus=num_cpus
    ) as pool:
        return pool.top_images(
            dataset,
            layer,
            column=column,
            preprocess=preprocess,
            channels=channels,
            k=k,
            by=by,
            batch_size=batch_size,
            stage=stage,
            progress=progress,
        )


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
    actors start and stop with the call; for several calls, a :class:`Pool`
    keeps them. The
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
    with Pool(
        model_factory, concurrency=concurrency, num_gpus=num_gpus, num_cpus=num_cpus
    ) as pool:
        return pool.channel_stats(
            dataset,
            layer,
            column=column,
            preprocess=preprocess,
            batch_size=batch_size,
            stage=stage,
            progress=progress,
        )
