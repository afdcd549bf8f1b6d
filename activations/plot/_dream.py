"""``plot_dreams``: deep-dream images tiled on one grid, through ``imtile``."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from activations._checks import as_real_array
from activations._normalize import mat2gray
from activations._tile import imtile
from activations.plot._common import PLAIN, axes_or_new, root_figure

__all__ = ["plot_dreams"]


def plot_dreams(
    dreams: ArrayLike,
    *,
    title: str | None = None,
    grid_size: Sequence[int | None] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Deep-dream images side by side, on one shared scale.

    Parameters
    ----------
    dreams : array_like of shape (K, H, W, 1) or (K, H, W, 3)
        As :func:`activations.deep_dream` returns them, one per channel.
        All are scaled together to 0..1 (``mat2gray``), so their contrast compares.
    title : str, optional
        Plain text.
    grid_size : (rows, cols), optional
        Default: at most 8 per row.
    ax : matplotlib Axes, optional

    Returns
    -------
    Figure

    Examples
    --------
    >>> fig = plot_dreams(np.random.default_rng(0).random((3, 8, 8, 1)))
    >>> fig.axes[0].images[0].get_array().shape  # 1 x 3 tiles of 8 x 8, 1-px borders
    (10, 30)
    """
    arr = as_real_array(dreams, "dreams")
    if arr.ndim != 4 or arr.shape[-1] not in (1, 3):
        raise ValueError(
            f"Expected `dreams` of shape (K, H, W, 1) or (K, H, W, 3). Received: {arr.shape}"
        )
    frames = mat2gray(arr)
    frames = frames[..., 0] if frames.shape[-1] == 1 else frames
    grid = (None, min(8, len(frames))) if grid_size is None else grid_size
    tiled = imtile(list(frames), grid_size=grid, border_size=1)
    rows, cols = tiled.shape[0] / arr.shape[1], tiled.shape[1] / arr.shape[2]
    ax = axes_or_new(ax, figsize=(min(10.0, 1.3 * cols + 0.4), 1.3 * rows + 0.5))
    ax.imshow(tiled, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title, **PLAIN)
    return root_figure(ax)
