"""The one batch loop of every model-facing function: progress, stop check, range warning.

``activations``, ``channel_stats``, ``top_images``, ``gradcam`` and
``occlusion_sensitivity`` each add their own step per batch; the loop around it
is this one, so they all draw the same progress bar, honour the command line's
SIGTERM between batches, and warn once when streamed images lie far outside the
model's declared pixel range (arrays are checked once, up front, by ``prepare``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import keras
import numpy as np

from activations._engine.input_range import check_input_range
from activations._engine.inputs import ImageSource
from activations._engine.progress import progress_bar
from activations._engine.stop import check_stop

__all__ = ["run_batches"]

T = TypeVar("T")


def run_batches(
    model: keras.Model,
    source: ImageSource,
    batch_size: int,
    step: Callable[[np.ndarray], T],
    *,
    progress: bool | str = False,
    desc: str,
    total: int | None = None,
) -> Iterator[tuple[int, np.ndarray, T]]:
    """``(start, batch, step(batch))`` for every batch of ``source``, in order.

    Parameters
    ----------
    model : keras.Model
        The user's model (its declared pixel range is checked on streamed batches).
    source : ImageSource
        Checked images: an array (cut into batches of ``batch_size``) or a stream.
    batch_size : int
    step : callable
        ``step(batch)``: the analysis' own work on one batch of shape (n, ...).
    progress : {True, False, "auto"}
        A bar over the images (total unknown for a stream).
    desc : str
        The bar's label, e.g. ``"activations conv1"``.
    total : int, optional
        The number of images, when a stream knows it (occlusion's copies).

    Yields
    ------
    start : int
        Index of the batch's first image among all images.
    batch : ndarray of shape (n, ...)
    result
        What ``step`` returned.
    """
    if source.array is not None:
        total = len(source.array)
    start = 0
    with progress_bar(progress, total=total, desc=desc) as bar:
        for batch in source.iter_batches(batch_size):
            check_stop()  # a batch is a safe point to honour the command line's SIGTERM
            if source.array is None:
                check_input_range(model, batch)
            result = step(batch)
            yield start, batch, result
            start += len(batch)
            bar.update(len(batch))
