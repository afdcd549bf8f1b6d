"""The :class:`Pool`: Ray actors that build the model once and serve call after call.

The driver feeds the actors itself: it walks the dataset's blocks in order
(Ray Data executes the dataset; only object references reach the driver),
sends each block to the least busy actor, at most ``DEPTH`` ahead of its
results, and merges the blocks' reduced numbers in dataset order.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any

import numpy as np
import ray
import ray.data

from activations._engine.progress import progress_bar
from activations._probes.stats import ChannelStats
from activations._probes.top import TopImages, check_ranking, finish
from activations._probes.top_reduce import TopAccumulator
from activations._types import LayerSpec
from activations.distributed._actor import Actor, Factory, Preprocess, build
from activations.distributed._plan import (
    Plan,
    check_pool,
    first_image,
    no_images,
    ordered,
    plan,
)

__all__ = ["Pool"]

logger = logging.getLogger("activations")

DEPTH = 2  # blocks sent to one actor ahead of its results: one running, one waiting


class Pool:
    """Ray actors that each build the model once, then run many calls.

    Use it for a ``with`` block, or call :meth:`close`. Its methods take the
    arguments of :func:`activations.distributed.top_images` and
    :func:`activations.distributed.channel_stats` less the pool's own, and
    return the same results. The actors start at the first call (or at
    :meth:`start`): each imports the backend and calls ``model_factory()``,
    seconds that later calls no longer pay. They hold their CPUs and GPUs
    until the pool closes: leave the cluster enough for Ray Data to read the
    datasets (a ``read_images`` dataset needs CPUs for its read tasks).
    Calls from several threads run one after the other.

    Parameters
    ----------
    model_factory : callable () -> keras.Model
        As in :func:`activations.distributed.top_images`: built once on the
        driver (to check each call's layer and find the receptive field) and
        once in each actor.
    concurrency : int or (min, max), default 2
        Actors in the pool. A (min, max) tuple starts ``max`` actors, begins
        once ``min`` have built their model, and gives work to the others as
        the cluster finds room for them.
    num_gpus, num_cpus
        Ray resources per actor, as in :func:`activations.distributed.top_images`.

    Raises
    ------
    TypeError, ValueError
        For a bad ``model_factory``, ``concurrency``, ``num_gpus`` or
        ``num_cpus``, as :func:`activations.distributed.top_images` does.
    RuntimeError
        From a method of a closed pool.

    Examples
    --------
    >>> import ray, numpy as np  # doctest: +SKIP
    >>> from activations import datasets, distributed, zoo
    >>> _, (x, _) = datasets.fashion_mnist()  # uint8 (10000, 28, 28)
    >>> ds = ray.data.from_numpy(np.array_split(x, 8)).materialize()  # 8 blocks
    >>> prep = lambda b: b[..., None] / 255.0
    >>> with distributed.Pool(zoo.fashion_cnn, concurrency=2) as pool:
    ...     top = pool.top_images(ds, "conv2d_1", column="data", preprocess=prep)
    ...     stats = pool.channel_stats(ds, "dense", column="data", preprocess=prep)
    >>> top.indices.shape, stats.per_image_max.shape
    ((64, 9), (10000, 100))
    """

    def __init__(
        self,
        model_factory: Factory,
        *,
        concurrency: int | tuple[int, int] = 2,
        num_gpus: float = 0,
        num_cpus: float | None = None,
    ):
        (self._min, self._max), self._resources = check_pool(
            model_factory, concurrency, num_gpus, num_cpus
        )
        self._factory = model_factory
        self._model = build(model_factory)
        self._actors: list[Any] = []
        self._starting: dict[Any, int] = {}  # an actor's `ready` call -> the actor's index
        self._ready: list[int] = []
        self._closed = False
        self._lock = threading.Lock()  # one call at a time: each call prepares every actor

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has run."""
        return self._closed

    def start(self) -> Pool:
        """Start the actors now; return once ``min`` of them have built the model.

        Without it, the first call starts them. Returns the pool.
        """
        with self._lock:
            self._check_open("start")
            self._start()
        return self

    def close(self) -> None:
        """End the actors and refuse further calls; closing twice does nothing."""
        self._closed = True
        actors, self._actors, self._starting, self._ready = self._actors, [], {}, []
        if ray.is_initialized():  # after ray.shutdown() the actors are gone already
            for actor in actors:
                ray.kill(actor)

    def __enter__(self) -> Pool:
        self._check_open("with")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def top_images(
        self,
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
        progress: bool | str = "auto",
    ) -> TopImages:
        """:func:`activations.distributed.top_images` on this pool's actors.

        Parameters
        ----------
        dataset, layer, column, preprocess, channels, k, by, batch_size, stage, progress
            As in :func:`activations.distributed.top_images`.

        Returns
        -------
        TopImages
            As :func:`activations.distributed.top_images` returns.

        Raises
        ------
        TypeError, ValueError
            As :func:`activations.distributed.top_images` does.
        RuntimeError
            If the pool is closed.
        """
        with self._lock:
            self._check_open("top_images")
            k = check_ranking(by, k)
            top = {"channels": channels, "by": by, "k": k}
            call = self._plan(dataset, layer, top, column, preprocess, batch_size, stage, progress)
            running = TopAccumulator(k)
            for part in self._results(call, "top_images"):
                parts = part["values"], part["indices"], part["peaks"]
                running.add_batch(parts, part["n"])  # one block, in dataset order
            chosen = call.options["channels"]
            return finish(running, call.name, chosen, by, call.map_shape, self._model, layer)

    def channel_stats(
        self,
        dataset: ray.data.Dataset,
        layer: LayerSpec,
        *,
        column: str = "image",
        preprocess: Preprocess | None = None,
        batch_size: int = 128,
        stage: str = "output",
        progress: bool | str = "auto",
    ) -> ChannelStats:
        """:func:`activations.distributed.channel_stats` on this pool's actors.

        Parameters
        ----------
        dataset, layer, column, preprocess, batch_size, stage, progress
            As in :func:`activations.distributed.top_images`.

        Returns
        -------
        ChannelStats
            As :func:`activations.distributed.channel_stats` returns.

        Raises
        ------
        TypeError, ValueError
            As :func:`activations.distributed.top_images` does.
        RuntimeError
            If the pool is closed.
        """
        with self._lock:
            self._check_open("channel_stats")
            call = self._plan(
                dataset, layer, None, column, preprocess, batch_size, stage, progress
            )
            maxima: list[np.ndarray] = []
            minima: list[np.ndarray] = []
            sums: np.ndarray | float = 0.0
            for part in self._results(call, "channel_stats"):  # blocks, in dataset order
                maxima.append(part["max"])
                minima.append(part["min"])
                sums = sums + part["sum"]
        per_image_max = np.concatenate(maxima)
        return ChannelStats(
            max=per_image_max.max(axis=0),
            mean=np.asarray(sums / len(per_image_max), dtype=np.float32),
            min=np.asarray(np.min(minima, axis=0), np.float32),
            per_image_max=per_image_max,
            n_images=len(per_image_max),
        )

    def _check_open(self, what: str) -> None:
        if self._closed:
            raise RuntimeError(
                "Expected an open `distributed.Pool`: this one is closed and its actors "
                f"are gone; make a new one. Received: {what} after close()"
            )

    def _plan(self, dataset: Any, layer: Any, top: dict | None, *args: Any) -> Plan:
        names = ("column", "preprocess", "batch_size", "stage", "progress")
        return plan(self._model, dataset, layer, top, **dict(zip(names, args)))

    def _start(self) -> None:
        """Create the actors (once), then wait until ``min`` of them are ready."""
        began = time.perf_counter()
        if not self._actors:
            remote = ray.remote(Actor).options(**self._resources)
            self._actors = [remote.remote(self._factory) for _ in range(self._max)]
            self._starting = {actor.ready.remote(): i for i, actor in enumerate(self._actors)}
        if len(self._ready) < self._min:
            self._join(self._min)
            took = time.perf_counter() - began
            logger.info("distributed.Pool: %d actor(s) ready in %.1f s", self._min, took)

    def _join(self, need: int) -> None:
        """Note the actors whose model is built; wait until ``need`` are (0: do not wait)."""
        need = max(0, need - len(self._ready))
        if not self._starting:
            return
        refs = list(self._starting)
        wait = {"num_returns": need, "timeout": None} if need else {"timeout": 0}
        done, _ = ray.wait(refs, **({"num_returns": len(refs)} | wait))
        ray.get(done)  # an actor whose constructor failed raises its error here
        self._ready += [self._starting.pop(ref) for ref in done]

    def _results(self, call: Plan, kind: str) -> Iterator[dict[str, Any]]:
        """Every non-empty block's reduced numbers, in dataset order."""
        with ordered(call), progress_bar(call.progress, total=None, desc=kind) as bar:
            blocks = _blocks(call.dataset)
            for first in blocks:  # checked on the driver before any actor starts
                if first_image(call, ray.get(first[0]), first[1]):
                    break
            else:
                raise no_images(call.dataset)
            self._start()
            for actor in self._actors:  # a Ray actor runs one caller's calls in order
                actor.prepare.remote(kind, call.name, call.options)
            busy: dict[Any, int] = {}  # an unfinished `run` -> its actor's index
            load = [0] * len(self._actors)
            sent: deque[Any] = deque()  # every `run`, in dataset order
            for block, cut in itertools.chain([first], blocks):
                free = self._free(busy, load)
                while not free:
                    _settle(busy, load, wait=True)
                    free = self._free(busy, load)
                actor = min(free, key=load.__getitem__)
                run = self._actors[actor].run.remote(block, cut)
                busy[run] = actor
                load[actor] += 1
                sent.append(run)
                while sent and sent[0] not in busy:
                    yield from _merged(ray.get(sent.popleft()), bar)
            for run in sent:
                yield from _merged(ray.get(run), bar)

    def _free(self, busy: dict[Any, int], load: list[int]) -> list[int]:
        """The ready actors with room for another block."""
        self._join(0)
        _settle(busy, load, wait=False)
        return [i for i in self._ready if load[i] < DEPTH]


def _blocks(dataset: ray.data.Dataset) -> Iterator[tuple[Any, tuple[int, int] | None]]:
    """``(block reference, (start, end) rows or None for all)``, in dataset order."""
    for bundle in dataset.iter_internal_ref_bundles():
        refs = bundle.block_refs
        cuts = getattr(bundle, "slices", None) or (None,) * len(refs)  # Ray >= 2.5x
        for ref, cut in zip(refs, cuts):
            yield ref, None if cut is None else (cut.start_offset, cut.end_offset)


def _settle(busy: dict[Any, int], load: list[int], *, wait: bool) -> None:
    """Forget the finished runs (``wait``: wait for one first)."""
    if busy:
        refs = list(busy)
        count, timeout = (1, None) if wait else (len(refs), 0)
        done, _ = ray.wait(refs, num_returns=count, timeout=timeout)
        for ref in done:
            load[busy.pop(ref)] -= 1


def _merged(part: dict[str, Any] | None, bar: Any) -> Iterator[dict[str, Any]]:
    """A block's result, if it had rows; the progress bar counts its images."""
    if part is not None:
        bar.update(part["n"])
        yield part
