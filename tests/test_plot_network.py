"""Tests of activations.plot._network (plot_network)."""

from __future__ import annotations

from dataclasses import dataclass, field

import keras
import numpy as np
import pytest
from matplotlib.figure import Figure

from activations.plot import plot_network


@dataclass
class Row:
    name: str
    type: str
    output_shape: tuple
    activation: str = ""
    learnables: dict = field(default_factory=dict)
    n_learnables: int = 0


@dataclass
class Table:
    rows: list


ROWS = [
    Row("conv2d", "Conv2D", (28, 28, 32), "relu", {"kernel": (3, 3, 1, 32), "bias": (32,)}, 320),
    Row("max_pooling2d", "MaxPooling2D", (14, 14, 32)),
    Row("dense_1", "Dense", (10,), "softmax", {"kernel": (100, 10), "bias": (10,)}, 1010),
]


EXPECTED_TEXT = """\
#  name           type          output shape  activation  learnables                params
------------------------------------------------------------------------------------------
1  conv2d         Conv2D        28x28x32      relu        kernel 3x3x1x32, bias 32     320
2  max_pooling2d  MaxPooling2D  14x14x32                                                 0
3  dense_1        Dense         10            softmax     kernel 100x10, bias 10     1,010
Total learnables: 1,330"""


def _text(fig: Figure) -> str:
    return fig.axes[0].texts[0].get_text()


def test_table_text_lines():
    fig = plot_network(Table(ROWS))
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 1
    assert _text(fig) == EXPECTED_TEXT
    assert fig.axes[0].get_title(loc="left") == "3 layers, 1,330 learnables"
    assert fig.axes[0].texts[0].get_fontfamily() == ["monospace"]


def test_max_rows_says_what_is_left_out_and_counts_all():
    lines = _text(plot_network(Table(ROWS), max_rows=1)).split("\n")
    assert lines[2].startswith("1  conv2d")
    assert lines[3:] == [
        "... 2 more layers not shown (max_rows=1)",
        "Total learnables: 1,330",
    ]


def test_tall_table_gets_a_tall_figure_with_readable_text():
    many = Table([Row(f"fire{i}-squeeze1x1", "Conv2D", (14, 14, 64)) for i in range(70)])
    fig = plot_network(many)
    assert fig.get_size_inches()[1] > 70 * 8 / 72  # at least 8 pt per line
    assert fig.axes[0].texts[0].get_fontsize() == 8.0
    small = Figure(figsize=(4, 3))
    assert plot_network(many, fig=small) is small
    assert small.axes[0].texts[0].get_fontsize() < 8.0


def test_real_model_through_analyze_network():
    model = keras.Sequential(
        [
            keras.Input((6, 6, 1)),
            keras.layers.Conv2D(2, 3, activation="relu", name="conv"),
            keras.layers.Flatten(name="flat"),
        ],
        name="tiny",
    )
    fig = plot_network(model)
    assert fig.axes[0].get_title(loc="left") == "tiny: 2 layers, 20 learnables, input 6x6x1"
    text = _text(fig)
    assert "conv  Conv2D   4x4x2" in text
    assert "kernel 3x3x1x2, bias 2" in text
    assert "flat  Flatten  32" in text


def test_errors():
    with pytest.raises(ValueError, match="`max_rows` >= 1. Received: max_rows=0"):
        plot_network(Table(ROWS), max_rows=0)
    with pytest.raises(TypeError, match="int or None. Received: max_rows=2.5"):
        plot_network(Table(ROWS), max_rows=2.5)
    with pytest.raises(TypeError, match="keras.Model"):
        plot_network("conv1")
    with pytest.raises(TypeError, match="Expected `fig`"):
        plot_network(Table(ROWS), fig=object())


def test_a_new_figure_ends_with_its_text_no_blank_margin():
    from _figures import rendered

    fig = plot_network(Table(ROWS))
    pixels = rendered(fig)
    ink = np.argwhere(pixels.min(axis=-1) < 200)  # the text's dark pixels
    height, width = pixels.shape[:2]
    assert width - 1 - ink[:, 1].max() < 0.05 * width  # the longest line reaches the right
    assert height - 1 - ink[:, 0].max() < 0.1 * height  # the total line reaches the bottom
    small = Figure(figsize=(4, 3))
    plot_network(Table(ROWS), fig=small)
    assert tuple(small.get_size_inches()) == (4, 3)  # a given figure keeps its size
