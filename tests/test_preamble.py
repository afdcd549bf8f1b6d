"""One preamble for every model-facing function: the same checks, errors and options.

A table of the public functions that take a model and images, each driven through the
same cases: a bad model, bad images, a bad ``batch_size``, a bad layer, ``progress``
on and off, an iterable of batches (the same result as the array), and the pixel-range
warning on a stream.
"""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest
from keras import layers

from activations import (
    activations,
    channel_stats,
    gradcam,
    occlusion_sensitivity,
    top_images,
)
from activations._engine.input_range import _WARNED, declare_input_range

pytestmark = pytest.mark.core


def _model() -> keras.Model:
    seeded = keras.initializers.GlorotUniform
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.Conv2D(3, 3, activation="relu", name="conv", kernel_initializer=seeded(1)),
            layers.GlobalAveragePooling2D(name="gap"),
            layers.Dense(2, activation="softmax", name="out", kernel_initializer=seeded(2)),
        ],
        name="tiny",
    )


# name -> (call(model, images, **options), the option that names a layer)
FUNCTIONS = {
    "activations": (lambda m, x, **o: activations(m, x, o.pop("layer", "conv"), **o), "layer"),
    "channel_stats": (lambda m, x, **o: channel_stats(m, x, o.pop("layer", "conv"), **o), "layer"),
    "top_images": (lambda m, x, **o: top_images(m, x, o.pop("layer", "conv"), k=2, **o), "layer"),
    "gradcam": (lambda m, x, **o: gradcam(m, x, 0, **o), "feature_layer"),
    "occlusion_sensitivity": (
        lambda m, x, **o: occlusion_sensitivity(m, x, 0, mask_size=4, stride=4, **o),
        "reduction_layer",
    ),
}
NAMES = sorted(FUNCTIONS)


def _images(n: int = 5) -> np.ndarray:
    return np.random.default_rng(0).random((n, 8, 8, 1), dtype=np.float32)


def _result(value):
    """Arrays to compare: a result object's arrays, or the array itself."""
    if isinstance(value, np.ndarray):
        return [value]
    return [getattr(value, name) for name in ("max", "mean", "indices", "values") if
            hasattr(value, name)]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_a_model_that_is_no_keras_model_is_a_type_error(name):
    call, _ = FUNCTIONS[name]
    with pytest.raises(TypeError, match=r"Expected `model` to be a `keras.Model`"):
        call("model.keras", _images())


@pytest.mark.parametrize("name", NAMES)
def test_images_of_a_wrong_type_or_shape(name):
    call, _ = FUNCTIONS[name]
    with pytest.raises(TypeError, match=r"Expected `images` as a NumPy array"):
        call(_model(), "photo.png")
    with pytest.raises(ValueError, match=r"\(8, 8, 1\)"):
        call(_model(), np.zeros((2, 5, 5, 1), np.float32))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("batch_size", "error", "match"),
    [
        ("a", TypeError, r"Expected `batch_size` to be an int. Received: batch_size='a'"),
        (2.5, TypeError, r"Expected `batch_size` to be an int"),
        (True, TypeError, r"Expected `batch_size` to be an int"),
        (0, ValueError, r"Expected `batch_size` >= 1. Received: batch_size=0"),
    ],
)
def test_batch_size_errors_are_the_same_everywhere(name, batch_size, error, match):
    call, _ = FUNCTIONS[name]
    with pytest.raises(error, match=match):
        call(_model(), _images(), batch_size=batch_size)


@pytest.mark.parametrize("name", NAMES)
def test_an_unknown_layer_names_the_choices(name):
    call, option = FUNCTIONS[name]
    with pytest.raises(ValueError, match=r"No layer named `conv9` in model 'tiny'.*conv"):
        call(_model(), _images(), **{option: "conv9"})


@pytest.mark.parametrize("name", NAMES)
def test_progress_draws_a_bar_only_when_asked(name, capsys):
    call, _ = FUNCTIONS[name]
    model, x = _model(), _images()
    call(model, x, batch_size=2, progress=False)
    assert capsys.readouterr().err == ""
    call(model, x, batch_size=2, progress=True)
    assert "100%|" in capsys.readouterr().err  # the tqdm bar on stderr, run to its end
    with pytest.raises(ValueError, match=r'Expected `progress` to be True, False or "auto"'):
        call(model, x, progress="maybe")


@pytest.mark.parametrize("name", NAMES)
def test_an_iterable_of_batches_gives_the_arrays_result(name):
    call, _ = FUNCTIONS[name]
    model, x = _model(), _images()
    expected = call(model, x, batch_size=2)
    streamed = call(model, iter([x[:2], x[2:4], x[4:]]), batch_size=2)
    for a, b in zip(_result(streamed), _result(expected), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_a_stream_far_outside_the_declared_range_warns_as_an_array_does(name):
    call, _ = FUNCTIONS[name]
    for given in ("array", "stream"):
        model = _model()
        declare_input_range(model, 0.0, 1.0, "divide 0..255 pixels by 255")
        x = _images() * 255
        images = x if given == "array" else iter([x[:3], x[3:]])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call(model, images)
        said = [w for w in caught if "expects pixel values in 0..1" in str(w.message)]
        assert len(said) == 1, (given, [str(w.message) for w in caught])
        assert model in _WARNED
