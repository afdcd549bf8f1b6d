"""plot_dreams(): the dreams tiled on one shared gray scale."""

from __future__ import annotations

import numpy as np
import pytest

from activations.plot import plot_dreams


def test_tiles_on_one_scale_at_most_eight_a_row():
    dreams = np.arange(10 * 4 * 4, dtype=np.float32).reshape(10, 4, 4, 1)
    fig = plot_dreams(dreams, title="conv $x$")
    (ax,) = fig.axes
    tiled = ax.images[0].get_array()
    assert tiled.shape == (2 * 6, 8 * 6)  # 2 rows of 8 tiles of 4x4 with 1-px borders
    assert tiled.min() == 0 and tiled.max() == 1  # mat2gray over all the dreams together
    assert ax.get_title() == "conv $x$"


def test_rgb_dreams_and_a_given_grid():
    dreams = np.random.default_rng(0).uniform(0, 255, (3, 5, 5, 3))
    tiled = plot_dreams(dreams, grid_size=(1, 3)).axes[0].images[0].get_array()
    assert tiled.shape == (7, 21, 3)


def test_wrong_shapes():
    with pytest.raises(ValueError, match=r"\(K, H, W, 1\) or \(K, H, W, 3\).*\(4, 4, 2\)"):
        plot_dreams(np.zeros((4, 4, 2)))
