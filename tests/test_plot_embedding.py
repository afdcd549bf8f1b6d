"""Tests of activations.plot._embedding (plot_embedding)."""

from __future__ import annotations

import logging

import matplotlib
import numpy as np
import pytest
from _figures import rendered
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from activations.plot import plot_embedding

NAMES = ["T-shirt/top", "Trouser", "Pullover"]


@pytest.fixture
def points(rng) -> tuple[np.ndarray, np.ndarray]:
    """30 points in 3 classes (10 each, shuffled)."""
    labels = rng.permutation(np.repeat([0, 1, 2], 10))
    return rng.normal(size=(30, 2)) + 5.0 * labels[:, None], labels


def _offsets(fig: Figure) -> list[np.ndarray]:
    return [np.asarray(c.get_offsets()) for c in fig.axes[0].collections]


def _colour(collection) -> tuple[float, ...]:
    return tuple(collection.get_facecolors()[0][:3])


def test_one_colour_per_class_with_named_legend(points):
    coords, labels = points
    kept = coords.copy()
    fig = plot_embedding(coords, labels, class_names=NAMES, title="dense")
    assert isinstance(fig, Figure) and fig.canvas.manager is None  # not a pyplot figure
    ax = fig.axes[0]
    assert ax.get_title() == "dense"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("t-SNE 1", "t-SNE 2")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == NAMES
    offsets = _offsets(fig)
    assert [len(o) for o in offsets] == [10, 10, 10]  # every point drawn once, by class
    for k, drawn in enumerate(offsets):
        np.testing.assert_array_equal(drawn, coords[labels == k])
    tab10 = matplotlib.colormaps["tab10"]
    assert [_colour(c) for c in ax.collections] == [tab10(k)[:3] for k in range(3)]
    np.testing.assert_array_equal(coords, kept)
    assert rendered(fig).shape[2] == 3


def test_legend_outside_covers_no_point(points):
    fig = plot_embedding(*points, class_names=NAMES)
    fig.canvas.draw()
    legend_box = fig.axes[0].get_legend().get_window_extent()
    assert legend_box.x0 > fig.axes[0].get_window_extent().x1  # right of the axes


def test_colours_follow_the_class_order_across_panels(points):
    coords, labels = points
    # A panel missing class 0 keeps the colours of the classes it has.
    fig = plot_embedding(coords[labels > 0], labels[labels > 0], class_names=NAMES)
    tab10 = matplotlib.colormaps["tab10"]
    assert [_colour(c) for c in fig.axes[0].collections] == [tab10(1)[:3], tab10(2)[:3]]
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == NAMES[1:]


def test_dict_names_and_default_names(points):
    coords, labels = points
    fig = plot_embedding(coords, labels + 4, class_names={6: "six", 4: "four", 5: "five"})
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["six", "four", "five"]
    assert [len(o) for o in _offsets(fig)] == [10, 10, 10]
    fig = plot_embedding(coords, labels * 3, legend="inside")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["0", "3", "6"]


def test_names_are_plain_text_and_may_start_with_underscore(points):
    fig = plot_embedding(*points, class_names=["$x$", "_bg", "c"])
    texts = fig.axes[0].get_legend().get_texts()
    assert [t.get_text() for t in texts] == ["$x$", "_bg", "c"]
    assert not texts[0].get_parse_math()


def test_without_labels_one_colour_no_legend(points):
    coords, _ = points
    fig = plot_embedding(coords, axis_label="PC", marker_size=5.0, alpha=0.5)
    ax = fig.axes[0]
    (collection,) = ax.collections
    assert len(collection.get_offsets()) == 30 and ax.get_legend() is None
    assert collection.get_sizes()[0] == 25.0 and collection.get_alpha() == 0.5
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("PC 1", "PC 2")
    assert plot_embedding(coords, axis_label=None).axes[0].get_xlabel() == ""


def test_more_classes_use_tab20_then_turbo(rng, caplog):
    coords = rng.normal(size=(25, 2))
    fig = plot_embedding(coords[:12], np.arange(12), legend=None)
    tab20 = matplotlib.colormaps["tab20"]
    assert [_colour(c) for c in fig.axes[0].collections] == [tab20(k)[:3] for k in range(12)]
    assert fig.axes[0].get_legend() is None
    with caplog.at_level(logging.INFO, logger="activations"):
        fig = plot_embedding(coords, np.arange(25))
    colours = {_colour(c) for c in fig.axes[0].collections}
    assert len(colours) == 25  # all distinct
    assert "25 classes; colours from 'turbo'" in caplog.text
    fig = plot_embedding(coords[:3], [0, 1, 2], cmap="viridis")
    assert _colour(fig.axes[0].collections[2]) == to_rgba(matplotlib.colormaps["viridis"](1.0))[:3]


def test_given_axes(points):
    fig = Figure()
    left, right = fig.subplots(1, 2)
    assert plot_embedding(*points, ax=right, legend=None) is fig
    assert len(right.collections) == 3 and len(left.collections) == 0


@pytest.mark.parametrize(
    ("coords", "match"),
    [
        (np.zeros((5, 3)), r"\(N, 2\).* Embed with n_components=2. Received: coords.shape=\(5, 3"),
        (np.zeros(10), r"Received: coords.shape=\(10,\)"),
        (np.array([[0.0, np.inf], [1, 1]]), r"finite `coords`.*1 infinite"),
        (np.array([[0.0, np.nan], [1, 1]]), r"without NaN"),
    ],
)
def test_coords_errors(coords, match):
    with pytest.raises(ValueError, match=match):
        plot_embedding(coords)


@pytest.mark.parametrize(
    ("labels", "options", "error", "match"),
    [
        (np.zeros(29, int), {}, ValueError, r"`labels` of shape \(30,\).*shape=\(29,\)"),
        (np.zeros(30), {}, TypeError, r"integer `labels`.*labels.dtype=float64"),
        (np.zeros(30, bool), {}, TypeError, r"labels.dtype=bool"),
        (np.arange(30) % 4, dict(class_names=NAMES), ValueError, r"labels \[3\] have no name"),
        (np.arange(30) % 3, dict(class_names={0: "a"}), ValueError, r"labels \[1, 2\] have no"),
        (np.arange(30) % 3, dict(class_names="abc"), TypeError, r"list of str"),
        (np.arange(30) % 3, dict(class_names=[0, 1, 2]), TypeError, r"hold strings"),
        (np.arange(30) % 3, dict(class_names={"0": "a"}), TypeError, r"int labels"),
        (None, dict(class_names=NAMES), ValueError, r"`labels` with `class_names`"),
        (None, dict(legend="top"), ValueError, r"`legend` in \['outside', 'inside', None\]"),
        (None, dict(legend=True), ValueError, r"legend=True"),
        (None, dict(marker_size=0), ValueError, r"`marker_size` > 0"),
        (None, dict(marker_size="3"), TypeError, r"`marker_size` to be a number"),
        (None, dict(alpha=2), ValueError, r"`alpha` in \[0, 1\]"),
        (None, dict(title=1), TypeError, r"`title` to be a string"),
        (None, dict(axis_label=1), TypeError, r"`axis_label` to be a string"),
        (None, dict(cmap="nope"), ValueError, r"Unknown colormap"),
        (None, dict(ax="ax"), TypeError, r"`ax` to be a matplotlib Axes"),
    ],
)
def test_label_and_option_errors(points, labels, options, error, match):
    with pytest.raises(error, match=match):
        plot_embedding(points[0], labels, **options)
