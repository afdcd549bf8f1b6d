"""Tests of activations.plot._common (shared helpers of the plot functions)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from activations.plot._common import (
    axes_or_new,
    check_act,
    check_channel,
    check_image,
    figure_or_new,
    root_figure,
)


def test_root_figure_of_axes_figure_and_subfigure():
    fig = Figure()
    sub = fig.subfigures(1, 2)[1].subfigures(2, 1)[0]
    ax = sub.add_subplot()
    assert root_figure(ax) is fig
    assert root_figure(sub) is fig
    assert root_figure(fig) is fig


def test_new_axes_and_figures_are_not_pyplot_ones():
    ax = axes_or_new(None, figsize=(3.0, 2.0))
    assert tuple(ax.figure.get_size_inches()) == (3.0, 2.0)
    assert ax.figure.canvas.manager is None  # pyplot figures have a manager
    fig = figure_or_new(None, figsize=(4.0, 1.0))
    assert isinstance(fig, Figure) and fig.axes == []
    assert axes_or_new(ax, figsize=(1.0, 1.0)) is ax
    assert figure_or_new(fig, figsize=(1.0, 1.0)) is fig


def test_check_act_and_image_shapes():
    assert check_act(np.zeros((2, 3, 4))).shape == (2, 3, 4)
    assert check_image(np.zeros((2, 3))).shape == (2, 3)
    assert check_image(np.zeros((2, 3, 1), dtype=np.uint8)).dtype == np.uint8
    with pytest.raises(ValueError, match=r"\(H, W, C\).*act\[0\].*act.shape=\(1, 2, 3, 4\)"):
        check_act(np.zeros((1, 2, 3, 4)))
    with pytest.raises(ValueError, match="non-empty `act`"):
        check_act(np.zeros((0, 2, 2)))
    with pytest.raises(TypeError, match="real-valued.*act.dtype=object"):
        check_act(np.array([[[None]]]))
    with pytest.raises(ValueError, match=r"\(H, W, 3\).*image.shape=\(2, 3, 2\)"):
        check_image(np.zeros((2, 3, 2)))


def test_check_channel():
    assert check_channel(np.int32(3), 4) == 3
    assert isinstance(check_channel(np.int32(3), 4), int)
    with pytest.raises(ValueError, match=r"in \[0, 3\].*4 channels.*channel=-1"):
        check_channel(-1, 4)
    with pytest.raises(TypeError, match="channel=True"):
        check_channel(True, 4)
    with pytest.raises(TypeError, match=r"k=\[1\]"):
        check_channel([1], 4, "k")


def test_type_errors_for_ax_and_fig():
    with pytest.raises(TypeError, match="Axes or None. Received: ax of type <class 'str'>"):
        axes_or_new("ax", figsize=(1.0, 1.0))
    with pytest.raises(TypeError, match="Figure, SubFigure or None.*<class 'int'>"):
        figure_or_new(1, figsize=(1.0, 1.0))
