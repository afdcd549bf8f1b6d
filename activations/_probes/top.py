"""``top_images``: the images that drive each channel most, over any number of images.

Each batch is reduced inside the compiled forward pass: the spatial max (or
mean) of every channel, the peak's position, and the batch's own top k per
channel. Only (channels, k) numbers per batch reach the host, where a running
top k is merged, so memory is O(channels x k) however many images stream by.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

from activations._arrays.checks import check_int
from activations._arrays.field import ReceptiveField
from activations._engine.preamble import check_options, prepare
from activations._engine.progress import check_progress
from activations._engine.runtime import run_batches
from activations._probes.receptive_field import receptive_field
from activations._probes.top_reduce import TopAccumulator, TopReducer
from activations._probes.top_view import top_html, top_repr
from activations._types import ImagesLike, LayerSpec

__all__ = ["BY", "TopImages", "check_channels", "check_ranking", "finish", "top_images"]

logger = logging.getLogger("activations")

BY = ("max", "mean")


@dataclass(frozen=True, repr=False)
class TopImages:
    """The k images with the largest response of each channel of one layer.

    A notebook shows the first channels as a table; :meth:`to_html` with the
    scanned images adds thumbnails of their top patches.

    Attributes
    ----------
    layer : str
        The layer's name.
    channels : ndarray of shape (C,)
        The channels, in the order of the rows below.
    indices : ndarray of shape (C, k), int64
        Index of each top image in the stream of images given, best first (ties:
        the earlier image first).
    values : ndarray of shape (C, k), float32
        The channel's response on that image: the max (or mean) of its map.
    positions : ndarray of shape (C, k, 2), int64, or None
        (row, col) of the map's peak on that image (one coordinate per map
        axis: (C, k, 1) for a 1-D map); None for a layer without a spatial
        map (Dense).
    by : {"max", "mean"}
    n_images : int
        How many images were scanned.
    map_shape : tuple of int
        The layer's map size (h, w); () for a layer without a spatial map.
    field : ReceptiveField or None
        The input patch one map cell sees; None where it is undefined (a layer
        after a resize) or for a layer without a spatial map.
    image_shape : tuple of int or None
        The shape of one scanned image, (H, W, C); None where it is not known
        (the distributed functions). :func:`activations.plot.plot_top_images`
        refuses images of another size, since ``positions`` and ``field`` are
        in the scanned images' pixels.
    """

    layer: str
    channels: NDArray[np.int64]
    indices: NDArray[np.int64]
    values: NDArray[np.float32]
    positions: NDArray[np.int64] | None
    by: str
    n_images: int
    map_shape: tuple[int, ...]
    field: ReceptiveField | None
    image_shape: tuple[int, ...] | None = None

    def __repr__(self) -> str:
        return top_repr(self)

    def _repr_html_(self) -> str:
        return top_html(self)

    def to_html(self, images: Any = None) -> str:
        """A table of the first channels, with thumbnails of their top images' patches.

        Parameters
        ----------
        images : array_like of shape (N, H, W[, C]) or a sequence of images, optional
            The images ``top_images`` scanned, indexable by ``top.indices``: the
            first channels' top patches (whole images for a layer without a
            receptive field) appear as inline PNG thumbnails on one grey scale.

        Returns
        -------
        str
            An HTML fragment that a notebook displays as it is (the last
            expression of a cell); without ``images``, what the notebook shows
            for the object itself.

        Raises
        ------
        TypeError
            If ``images`` cannot be indexed (a generator or a ``tf.data.Dataset``).
        ValueError
            If ``images`` are fewer than the scanned ones, or of another size.
        """
        return top_html(self, images)

    @property
    def k(self) -> int:
        """Images kept per channel."""
        return int(self.indices.shape[1])

    @property
    def live(self) -> NDArray[np.bool_]:
        """(C,) False for a channel whose top values are all 0 (a dead ReLU unit)."""
        return ~np.all(self.values == 0, axis=1)

    def class_share(self, labels: Any) -> NDArray[np.float64]:
        """Per channel, the share of its top images that belong to its most common class.

        Parameters
        ----------
        labels : array_like of shape (N,), int
            The class of every image scanned.

        Returns
        -------
        ndarray of shape (C,)
            1.0 when all k images share a class (about 0.29 for random sets of 9
            Fashion-MNIST images); meaningless for dead channels (``~live``).
        """
        labels = np.asarray(labels)
        if labels.ndim != 1 or len(labels) < self.n_images:
            raise ValueError(
                f"Expected one label per scanned image, shape ({self.n_images},). "
                f"Received: labels.shape={labels.shape}"
            )
        if labels.dtype.kind not in "iu":
            raise TypeError(
                f"Expected integer class labels. Received: labels of dtype {labels.dtype}"
            )
        if labels.size and labels.min() < 0:
            raise ValueError(
                "Expected class labels >= 0 (class indices). Received: labels with "
                f"{int((labels < 0).sum())} negative values, the smallest {int(labels.min())}"
            )
        rows = labels[self.indices].astype(np.int64)
        return np.array([np.bincount(row).max() / self.k for row in rows])

    def patches(self, image_shape: tuple[int, int]) -> NDArray[np.int64]:
        """The input patch around each peak, clipped to the image, as boxes.

        Parameters
        ----------
        image_shape : (H, W)

        Returns
        -------
        ndarray of shape (C, k, 4), int64
            One :class:`activations.Box` ``(x0, y0, x1, y1)`` per top image, ends
            excluded (``image[y0:y1, x0:x1]``). The whole image for a layer
            without a spatial map.
        """
        height, width = (int(n) for n in image_shape[:2])
        out = np.empty(self.indices.shape + (4,), np.int64)
        if self.positions is None:
            out[:] = (0, 0, width, height)
            return out
        if self.field is None:
            raise ValueError(
                f"The receptive field of layer '{self.layer}' is undefined, so its top images "
                "have no crops; use the full images (`images[top.indices]`)"
            )
        for c, k in np.ndindex(*self.indices.shape):
            row, col = self.positions[c, k]
            out[c, k] = self.field.patch(int(row), int(col), (height, width))
        return out

    def boxes(self, image_shape: tuple[int, int]) -> NDArray[np.int64]:
        """Deprecated: :meth:`patches` as ``(r0, r1, c0, c1)`` (boxes are x0, y0, x1, y1)."""
        warnings.warn(
            "TopImages.boxes() is deprecated: use .patches(), whose boxes are the library's "
            "one Box order (x0, y0, x1, y1)",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.patches(image_shape)[..., [1, 3, 0, 2]]

    def crops(self, images: Any) -> list[list[NDArray[Any]]]:
        """Each top image's receptive-field patch around its peak.

        Parameters
        ----------
        images : array_like of shape (N, H, W[, C]) or a sequence of images
            The images ``top_images`` scanned, indexable by ``top.indices``.

        Returns
        -------
        list of lists of ndarray
            ``crops[c][j]``: the patch of image ``indices[c, j]`` (smaller at
            the image's edges, where the patch is cut).
        """
        first = np.asarray(images[int(self.indices.flat[0])])
        boxes = self.patches(first.shape[:2])
        return [
            [
                np.asarray(images[int(i)])[y0:y1, x0:x1]
                for i, (x0, y0, x1, y1) in zip(row_indices, row_boxes)
            ]
            for row_indices, row_boxes in zip(self.indices, boxes)
        ]


def check_channels(channels: Any, n_channels: int, layer: str) -> tuple[int, ...]:
    """The asked channels as a tuple (None: all of them), each checked against ``n_channels``."""
    if channels is None:
        return tuple(range(n_channels))
    items = [channels] if isinstance(channels, (int, np.integer)) else list(channels)
    if not items:
        raise ValueError(f"Expected at least one channel. Received: channels={channels!r}")
    checked = tuple(check_int(c, "channels", 0) for c in items)
    bad = [c for c in checked if c >= n_channels]
    if bad:
        raise ValueError(
            f"Expected channels in 0..{n_channels - 1} (layer '{layer}' has {n_channels}). "
            f"Received: channels={channels!r}"
        )
    return checked


def _field(
    model: keras.Model, layer: LayerSpec, map_shape: tuple[int, ...]
) -> ReceptiveField | None:
    if len(map_shape) != 2:
        return None
    try:
        return receptive_field(model, layer)
    except ValueError as err:
        logger.info("top_images: no receptive field for crops (%s)", err)
        return None


def top_images(
    model: keras.Model,
    images: ImagesLike,
    layer: LayerSpec,
    *,
    channels: int | Sequence[int] | None = None,
    k: int = 9,
    by: str = "max",
    batch_size: int = 128,
    stage: str = "output",
    progress: bool | str = "auto",
) -> TopImages:
    """The k images with the largest response of each channel, streamed.

    For every channel, the images whose map has the largest max (or mean),
    with that value and the (row, col) of the map's peak. The reduction runs
    inside the compiled forward pass; memory stays at one batch of
    activations plus O(channels x k) numbers, however many images there are.

    Parameters
    ----------
    model : keras.Model
    images : array_like, list or iterable of batches
        As in :func:`activations.activations`: an array (N, H, W, C), a list of
        images, or an iterable of batches such as a ``tf.data.Dataset``.
        ``indices`` count the images in the order given.
    layer : str, int or keras.layers.Layer
        One layer.
    channels : int, sequence of int or None
        Channels to rank (default: all).
    k : int, default 9
        Images kept per channel (fewer if fewer images are given).
    by : {"max", "mean"}
        Rank by the largest value of the channel's map or by its mean.
    batch_size : int, default 128
    stage : {"output", "pre"}
        As in :func:`activations.activations`.
    progress : bool or "auto"
        A progress bar on stderr; ``"auto"`` shows it only on a terminal.

    Returns
    -------
    TopImages

    Raises
    ------
    ValueError
        As :func:`activations.activations` does, and for an unknown ``by``, a
        channel out of range or ``k < 1``.

    Examples
    --------
    >>> import keras, numpy as np
    >>> model = keras.Sequential([keras.Input((3, 3, 1)),
    ...                           keras.layers.Conv2D(1, 1, use_bias=False,
    ...                                               kernel_initializer="ones", name="conv")])
    >>> images = np.arange(5 * 9, dtype="float32").reshape(5, 3, 3, 1)
    >>> top = top_images(model, images, "conv", k=2, progress=False)
    >>> top.indices.tolist(), top.positions[0, 0].tolist()
    ([[4, 3]], [2, 2])
    """
    check_options(model, batch_size=batch_size, stage=stage)
    if isinstance(layer, (list, tuple)):
        raise TypeError(f"Expected one layer. Received: layer={layer!r}")
    k = check_ranking(by, k)
    check_progress(progress)
    source, refs, _, extractor = prepare(model, images, layer, stage=stage, static=True)
    n_channels = int(extractor.models[0].outputs[0].shape[-1])
    chosen = check_channels(channels, n_channels, refs[0].name)
    reducer = TopReducer.get(extractor, chosen, by, k)
    running = TopAccumulator(k)
    desc = f"top_images {refs[0].name}"
    # An array can be read again: rank without peaks, then find the winners' peaks in
    # one small pass. A stream is read once: each batch's winners bring their peaks.
    later = source.array is not None and bool(reducer.map_shape)
    step = (lambda batch: reducer(batch, peaks=False)) if later else reducer
    for _, batch, reduced in run_batches(
        model, source, int(batch_size), step, progress=progress, desc=desc
    ):
        running.add_batch(reduced, len(batch))
    if later and running.indices is not None:
        assert source.array is not None
        running.peaks = reducer.peaks_of(source.array, running.indices, int(batch_size))
    if running.n_images < k:
        logger.info("top_images: %d images, fewer than k=%d", running.n_images, k)
    top = finish(running, refs[0].name, chosen, by, reducer.map_shape, model, layer)
    shape = tuple(extractor.models[0].inputs[0].shape[1:])
    return top if None in shape else replace(top, image_shape=shape)


def check_ranking(by: Any, k: Any) -> int:
    """Refuse an unknown ``by`` or a ``k`` below 1; return ``k`` as an int."""
    if by not in BY:
        raise ValueError(f"Expected `by` to be one of {list(BY)}. Received: by={by!r}")
    return check_int(k, "k", 1)


def finish(
    running: TopAccumulator,
    name: str,
    channels: tuple[int, ...],
    by: str,
    map_shape: tuple[int, ...],
    model: keras.Model,
    layer: LayerSpec,
) -> TopImages:
    """The result object from a filled accumulator (warns if NaN maps had to be listed)."""
    assert running.values is not None and running.indices is not None
    assert running.peaks is not None
    unranked = ~np.isfinite(running.values)
    if unranked.any():
        images = sorted({int(i) for i in running.indices[unranked]})
        warnings.warn(
            f"top_images: the {name} maps of images {images[:10]}"
            f"{' ...' if len(images) > 10 else ''} hold NaN or are -inf everywhere; such "
            "maps rank below every finite one and are listed (value -inf) only where a "
            f"channel has fewer than k finite maps. Received: {len(images)} such image(s)",
            UserWarning,
            stacklevel=3,
        )
    positions = None
    if map_shape:
        positions = np.stack(np.unravel_index(running.peaks, map_shape), axis=-1)
    return TopImages(
        layer=name,
        channels=np.asarray(channels, np.int64),
        indices=running.indices.astype(np.int64),
        values=running.values,
        positions=None if positions is None else positions.astype(np.int64),
        by=by,
        n_images=running.n_images,
        map_shape=map_shape,
        field=_field(model, layer, map_shape),
    )
