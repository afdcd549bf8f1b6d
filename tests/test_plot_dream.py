"""plot_dreams(): the dreams tiled on one shared scale, stated, each tile labelled."""

from __future__ import annotations

import numpy as np
import pytest

from activations.plot import plot_dreams
from activations.plot._dream import scale_note


def test_tiles_on_one_scale_at_most_eight_a_row():
    dreams = np.arange(10 * 4 * 4, dtype=np.float32).reshape(10, 4, 4, 1)
    fig = plot_dreams(dreams, title="conv $x$")
    ax = fig.axes[0]
    tiled = ax.images[0].get_array()
    assert tiled.shape == (2 * 6, 8 * 6)  # 2 rows of 8 tiles of 4x4 with 1-px borders
    assert tiled.min() == 0 and tiled.max() == 1  # mat2gray over all the dreams together
    assert ax.get_title() == "conv $x$"


def test_the_scale_is_stated_and_a_gray_bar_is_in_input_units():
    dreams = np.linspace(-2.0, 6.0, 3 * 4 * 4).reshape(3, 4, 4, 1)
    fig = plot_dreams(dreams)
    ax, bar = fig.axes
    notes = [t.get_text() for t in ax.texts]
    assert notes == ["one gray scale for all tiles: -2 -> black, 6 -> white"]
    assert bar.get_ylim() == pytest.approx((-2.0, 6.0))  # the bar: lo..hi of all dreams
    assert bar.get_ylabel() == "input value"


def test_rgb_dreams_and_a_given_grid():
    dreams = np.random.default_rng(0).uniform(0, 255, (3, 5, 5, 3))
    fig = plot_dreams(dreams, grid_size=(1, 3))
    tiled = fig.axes[0].images[0].get_array()
    assert tiled.shape == (7, 21, 3)
    assert len(fig.axes) == 1  # no gray bar for colour dreams, whose scale is in words
    lo, hi = dreams.min(), dreams.max()
    assert fig.axes[0].texts[-1].get_text() == scale_note(lo, hi, rgb=True)
    assert "R, G, B alike" in scale_note(lo, hi, rgb=True)


def test_each_tile_is_labelled_with_its_channel_in_its_corner():
    dreams = np.zeros((5, 6, 6, 3))
    fig = plot_dreams(dreams, channels=[5, 6, 21, 40, 63], grid_size=(2, 3))
    ax = fig.axes[0]
    labels = {t.get_text(): t.get_position() for t in ax.texts[:5]}
    assert list(labels) == ["5", "6", "21", "40", "63"]
    # Tiles of 6 + 2 border pixels; the label sits just inside each tile's top-left pixel.
    assert labels["5"] == (1.5, 1.5) and labels["21"] == (17.5, 1.5)
    assert labels["40"] == (1.5, 9.5) and labels["63"] == (9.5, 9.5)


def test_wrong_shapes_and_channels():
    with pytest.raises(ValueError, match=r"\(K, H, W, 1\) or \(K, H, W, 3\).*\(4, 4, 2\)"):
        plot_dreams(np.zeros((4, 4, 2)))
    with pytest.raises(ValueError, match=r"one channel per dream \(2\).*channels=\[1\]"):
        plot_dreams(np.zeros((2, 4, 4, 1)), channels=[1])
    with pytest.raises(TypeError, match=r"Expected `channels` to be ints.*'a'"):
        plot_dreams(np.zeros((2, 4, 4, 1)), channels=[1, "a"])
