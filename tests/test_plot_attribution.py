"""Tests of activations.plot._attribution (plot_attribution)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from _figures import rendered
from matplotlib.colors import Colormap
from matplotlib.figure import Figure

from activations import map_to_image
from activations.plot import plot_attribution
from activations.plot._attribution import DIVERGING, SIGNED, UNITS


@pytest.fixture
def photo(rng) -> np.ndarray:
    return rng.uniform(size=(8, 8, 3))


@pytest.fixture
def heat() -> np.ndarray:
    return np.arange(64, dtype=np.float32).reshape(8, 8) / 10.0 - 1.0


def test_photo_map_and_colorbar(photo, heat):
    kept = photo.copy()
    fig = plot_attribution(photo, heat, title="occlusion")
    assert isinstance(fig, Figure)
    assert fig.canvas.manager is None  # not a pyplot figure
    ax, bar = fig.axes
    assert ax.get_title() == "occlusion"
    drawn_photo, drawn_map = ax.images
    np.testing.assert_array_equal(drawn_photo.get_array(), photo)
    np.testing.assert_array_equal(drawn_map.get_array(), heat)
    assert drawn_map.get_alpha() == 0.5 and drawn_map.cmap.name == "jet"
    assert drawn_map.get_clim() == (heat.min(), heat.max())  # the colour bar reads the map's units
    assert bar.get_ylabel() == "change in score"
    np.testing.assert_array_equal(photo, kept)
    assert rendered(fig).shape[2] == 3


def test_the_colour_bar_names_the_units(heat):
    fig = plot_attribution(np.zeros((4, 4, 3), np.uint8), heat[:4, :4], units="Grad-CAM")
    assert fig.axes[-1].get_ylabel() == "Grad-CAM"


def test_gray_photo_small_map_and_given_axes(heat):
    fig = Figure()
    ax = fig.add_subplot()
    coarse = heat[::4, ::4]  # 2x2 cells of 4 pixels: drawn as blocks on the 8x8 photo
    assert plot_attribution(np.zeros((8, 8, 1)), coarse, ax=ax, cmap="viridis", alpha=1.0) is fig
    drawn_photo, drawn_map = ax.images
    assert drawn_photo.get_array().shape == (8, 8) and drawn_photo.cmap.name == "gray"
    np.testing.assert_array_equal(drawn_map.get_array(), map_to_image(coarse, (8, 8)))
    assert isinstance(drawn_map.cmap, Colormap) and drawn_map.cmap.name == "viridis"
    assert len(fig.axes) == 2


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        (dict(alpha=1.5), ValueError, r"`alpha` in \[0, 1\]. Received: alpha=1.5"),
        (dict(alpha="0.5"), TypeError, r"`alpha` to be a number"),
        (dict(cmap="nope"), ValueError, r"Unknown colormap"),
        (dict(ax="ax"), TypeError, r"`ax` to be a matplotlib Axes"),
        (dict(title=3), TypeError, r"`title` to be a string"),
    ],
)
def test_option_errors(photo, heat, options, error, match):
    with pytest.raises(error, match=match):
        plot_attribution(photo, heat, **options)


def test_shape_errors(photo, heat):
    with pytest.raises(ValueError, match=r"pass one map: attribution\[0\]"):
        plot_attribution(photo, heat[None])
    with pytest.raises(ValueError, match=r"Expected `image` of shape"):
        plot_attribution(np.zeros((8, 8, 2)), heat)
    with pytest.raises(ValueError, match=r"without NaN"):
        plot_attribution(photo, np.full((8, 8), np.nan))


def test_draws_and_saves_with_pyplot_unimportable():
    # Keras itself imports pyplot when it can, so block it: the helper must never need it.
    code = """
        import sys

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "matplotlib.pyplot":
                    raise ModuleNotFoundError("blocked: matplotlib.pyplot")
                return None

        sys.meta_path.insert(0, Block())
        import io, numpy as np
        from activations.plot import plot_attribution
        fig = plot_attribution(np.zeros((4, 4)), np.ones((4, 4)))
        fig.savefig(io.BytesIO(), format="png")
        print(len(fig.axes), "matplotlib.pyplot" in sys.modules)
    """
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "2 False"


def test_a_signed_map_is_centred_on_zero(photo, heat):
    fig = plot_attribution(photo, heat, diverging=True, units=UNITS["integrated-gradients"])
    drawn = fig.axes[0].images[1]
    reach = float(np.abs(heat).max())
    assert drawn.cmap.name == DIVERGING and drawn.get_clim() == (-reach, reach)
    assert fig.axes[-1].get_ylabel() == "share of score(x) - score(baseline)"
    viridis = plot_attribution(photo, heat, diverging=True, cmap="viridis").axes[0].images[1]
    assert viridis.cmap.name == "viridis" and viridis.get_clim() == (-reach, reach)
    blank = plot_attribution(photo, np.zeros((8, 8)), diverging=True).axes[0].images[1]
    assert blank.get_clim() == (-1.0, 1.0)
    with pytest.raises(TypeError, match=r"`diverging` to be a bool"):
        plot_attribution(photo, heat, diverging="yes")


def test_each_gradient_attribution_is_drawn_in_its_units(rng):
    import keras

    from activations import gradient_attribution, integrated_gradients, smoothgrad

    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(2, 3, padding="same", activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    x = rng.uniform(size=(8, 8, 3)).astype(np.float32)
    maps = {
        "gradient": gradient_attribution(model, x, 0),
        "guided-backprop": gradient_attribution(model, x, 0, method="guided-backprop"),
        "smoothgrad": smoothgrad(model, x, 0, samples=3),
        "integrated-gradients": integrated_gradients(model, x, 0, steps=4),
    }
    for method, heat in maps.items():
        fig = plot_attribution(x, heat, units=UNITS[method], diverging=method in SIGNED)
        ax, bar = fig.axes
        np.testing.assert_array_equal(ax.images[1].get_array(), heat)
        assert bar.get_ylabel() == UNITS[method]
        assert ax.images[1].cmap.name == (DIVERGING if method in SIGNED else "jet")
