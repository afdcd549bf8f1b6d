"""Tests of activations.plot._history (plot_history)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from matplotlib.figure import Figure

from activations.plot import plot_history

CURVES = {
    "loss": [0.52, 0.35, 0.30],
    "val_loss": [0.40, 0.33, 0.34],
    "accuracy": [0.81, 0.87, 0.89],
    "val_accuracy": [0.85, 0.88, 0.87],
}


def _lines(ax) -> dict[str, tuple[list, list]]:
    return {
        line.get_label(): (list(line.get_xdata()), list(line.get_ydata()))
        for line in ax.get_lines()
    }


def test_loss_and_accuracy_panels_from_a_dict():
    fig = plot_history(CURVES)
    assert isinstance(fig, Figure)
    loss_ax, acc_ax = fig.axes
    assert _lines(loss_ax) == {
        "train": ([1, 2, 3], CURVES["loss"]),
        "validation": ([1, 2, 3], CURVES["val_loss"]),
    }
    assert _lines(acc_ax)["validation"] == ([1, 2, 3], CURVES["val_accuracy"])
    assert (loss_ax.get_ylabel(), acc_ax.get_ylabel()) == ("loss", "accuracy")
    assert loss_ax.get_xlabel() == "epoch"


def test_saved_flat_dict_marks_the_best_epoch_and_skips_metadata():
    saved = {**CURVES, "best_epoch": 2, "epochs_run": 3, "seed": 42, "backend": "tensorflow"}
    loss_ax, acc_ax = plot_history(saved).axes
    best = _lines(loss_ax)["best epoch 2"]
    assert best[0] == [2, 2]
    assert "best epoch 2" in [t.get_text() for t in acc_ax.get_legend().get_texts()]


def test_saved_nested_dict():
    fig = plot_history({"history": {"loss": [1.0, 0.5]}, "best_epoch": 1})
    assert len(fig.axes) == 1
    assert _lines(fig.axes[0])["best epoch 1"][0] == [1, 1]


def test_keras_history_object_and_old_acc_key():
    history = keras.callbacks.History()
    history.history = {"loss": [0.9, 0.6], "acc": [0.5, 0.7], "val_acc": [0.4, 0.6]}
    fig = plot_history(history)
    assert len(fig.axes) == 2
    assert _lines(fig.axes[1])["train"] == ([1, 2], [0.5, 0.7])


def test_validation_loss_only_and_given_figure():
    fig = Figure()
    assert plot_history({"val_loss": np.array([0.4, 0.3])}, fig=fig) is fig
    assert list(_lines(fig.axes[0])) == ["validation"]


def test_errors():
    with pytest.raises(ValueError, match=r"`loss` or `val_loss`.*keys \['accuracy'\]"):
        plot_history({"accuracy": [0.5]})
    with pytest.raises(ValueError, match=r"`best_epoch` in \[1, 3\].*best_epoch=0"):
        plot_history({**CURVES, "best_epoch": 0})
    with pytest.raises(ValueError, match=r"best_epoch=4"):
        plot_history({**CURVES, "best_epoch": 4})
    with pytest.raises(TypeError, match="`best_epoch` to be an int.*best_epoch='2'"):
        plot_history({**CURVES, "best_epoch": "2"})
    with pytest.raises(TypeError, match="keras History.*history of type <class 'list'>"):
        plot_history([0.5, 0.4])
    with pytest.raises(ValueError, match=r"non-empty curve.*val_loss=\[\]"):
        plot_history({"loss": [0.5], "val_loss": []})
