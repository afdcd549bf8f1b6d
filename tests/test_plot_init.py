"""Tests of the activations.plot package: public names, no pyplot, figures render."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

import activations
import activations.plot as plot
from activations import LayerInfo, NetworkTable

PACKAGE_DIR = Path(activations.__file__).resolve().parent


def _run(code: str) -> str:
    """Run ``code`` in a fresh interpreter (from the repo root) and return its stdout."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=PACKAGE_DIR.parent,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


# A meta path finder that records which file imports matplotlib.pyplot.
RECORD_IMPORTER = """
import json, sys, traceback

importers = []

class Recorder:
    def find_spec(self, name, path=None, target=None):
        if name == "matplotlib.pyplot":
            frames = [f for f in traceback.extract_stack()[:-1] if "importlib" not in f.filename]
            importers.append(frames[-1].filename)
        return None

sys.meta_path.insert(0, Recorder())
"""


def test_public_names():
    assert plot.__all__ == sorted(plot.__all__)
    assert set(plot.__all__) == {
        "plot_attribution", "plot_channels", "plot_compare", "plot_dreams", "plot_embedding",
        "plot_history", "plot_kernels", "plot_network", "plot_overlay", "plot_photos",
        "plot_top_images", "plot_weight_histogram",
    }  # fmt: skip
    for name in plot.__all__:
        assert callable(getattr(plot, name))
    assert activations.plot is plot


def test_import_does_not_import_pyplot_ourselves():
    # Keras 3 itself imports pyplot when matplotlib is installed
    # (keras/src/visualization/plot_image_gallery.py), so `import activations` may load
    # it through Keras; what we check is that no module of ours is the importer.
    out = _run(
        RECORD_IMPORTER
        + """
import activations
state = {"plot_loaded": "activations.plot" in sys.modules, "after_package": list(importers)}
import activations.plot
state.update(importers=importers, pyplot_loaded="matplotlib.pyplot" in sys.modules)
print(json.dumps(state))
"""
    )
    state = json.loads(out)
    assert state["plot_loaded"] is False  # activations.plot is lazy
    assert state["pyplot_loaded"] == bool(state["importers"])  # the recorder saw every import
    ours = [f for f in state["importers"] if Path(f).resolve().is_relative_to(PACKAGE_DIR)]
    assert ours == []
    assert state["after_package"] == []  # `import activations` alone loads no Keras, no pyplot


def test_every_helper_works_without_pyplot(tmp_path):
    # With pyplot unimportable (Keras falls back without it), all helpers still draw and save.
    out = _run(
        f"""
import sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "matplotlib.pyplot":
            raise ModuleNotFoundError("blocked: matplotlib.pyplot")
        return None

sys.meta_path.insert(0, Block())
import numpy as np
from types import SimpleNamespace
import activations.plot as plot

act = np.arange(2 * 2 * 3.0).reshape(2, 2, 3)
image = np.zeros((4, 4, 3))
row = SimpleNamespace(name="c", type="Conv2D", output_shape=(2, 2, 3), activation="",
                      learnables={{}}, n_learnables=0)
figures = [
    plot.plot_channels(act),
    plot.plot_kernels(np.zeros((3, 3, 1, 4)), grid_size=(1, 4)),
    plot.plot_weight_histogram(act, compare=-act),
    plot.plot_overlay(image, act, 0),
    plot.plot_compare(image, image, act, act, [0, 1]),
    plot.plot_history({{"loss": [1.0, 0.5], "best_epoch": 2}}),
    plot.plot_network(SimpleNamespace(rows=[row])),
]
for i, fig in enumerate(figures):
    fig.savefig(r"{tmp_path}" + f"/fig{{i}}.png")
print("matplotlib.pyplot" in sys.modules)
"""
    )
    assert out == "False"
    assert len(list(tmp_path.glob("fig*.png"))) == 7


def test_every_figure_renders_to_png(tmp_path, rng):
    act = rng.normal(size=(14, 14, 64)).astype(np.float32)
    image = rng.uniform(size=(28, 28, 3))
    kernel = rng.normal(scale=0.27, size=(3, 3, 1, 32))
    rows = (LayerInfo("conv2d", "Conv2D", (28, 28, 32), "relu", {"kernel": (3, 3, 1, 32)}, 288),)
    figures = {
        "channels": plot.plot_channels(act, title="conv2d_1"),
        "kernels": plot.plot_kernels(kernel),
        "histogram": plot.plot_weight_histogram(kernel, compare=kernel * 0.3),
        "overlay": plot.plot_overlay(image, act, 5, layer_name="conv2d_1"),
        "compare": plot.plot_compare(image, image[::-1], act, act[::-1], [3, 7]),
        "history": plot.plot_history({"loss": [0.5, 0.3, 0.2], "val_loss": [0.4, 0.3, 0.35]}),
        "network": plot.plot_network(NetworkTable("m", (28, 28, 1), rows)),
    }
    for name, fig in figures.items():
        assert isinstance(fig, Figure)
        path = tmp_path / f"{name}.png"
        fig.savefig(path, dpi=60)
        with Image.open(path) as png:
            width, height = png.size
            pixels = np.asarray(png.convert("L"))
        assert width > 100 and height > 50
        assert pixels.min() < 128 < pixels.max()  # something is drawn
