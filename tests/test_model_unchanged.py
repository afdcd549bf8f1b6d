"""Every public function leaves the user's model exactly as it found it.

Twenty calls of each model-facing function on a Sequential, a functional model with a
nested one, a subclassed model and a fully convolutional model fed three input sizes:
afterwards every layer holds the same graph nodes (so ``layer.output`` and saving mean what
they meant), the same weights, ``built``, ``trainable`` flags and dtype policy.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import pytest

from activations import (
    activations,
    analyze_network,
    channel_stats,
    deep_dream,
    gradcam,
    gradient_attribution,
    image_lime,
    layer_weights,
    metrics,
    occlusion_sensitivity,
    receptive_field,
    top_images,
)

pytestmark = pytest.mark.core

REPEATS = 20
#: Calls repeated fewer times (any change shows after one call; these cost more each, and
#: run the copies loop occlusion already runs 20 times; a randomization check clones).
FEWER = {"image_lime": 3, "deletion": 3, "mu_fidelity": 3, "randomization_check": 2}


def _state(model: keras.Model) -> tuple[list[tuple], list[np.ndarray]]:
    layers = model._flatten_layers(include_self=True, recursive=True)
    shape = [
        (
            layer.name,
            len(layer._inbound_nodes),
            len(layer._outbound_nodes),
            layer.built,
            layer.trainable,
            layer.dtype_policy.name,
        )
        for layer in layers
    ]
    return shape, [keras.ops.convert_to_numpy(w).copy() for w in model.weights]


def _calls(
    sizes: list[tuple[int, ...]], conv: str, deep: str, reduction: str | None
) -> dict[str, Callable]:
    """name -> f(model, i): the i-th call, on an image of sizes[i % len(sizes)]."""

    def x(i: int, n: int = 1) -> np.ndarray:
        rng = np.random.default_rng(i)
        return rng.random((n, *sizes[i % len(sizes)]), dtype=np.float32)

    def shape(i: int) -> tuple:
        return sizes[i % len(sizes)]

    return {
        "activations": lambda m, i: activations(m, x(i), conv),
        "activations all": lambda m, i: activations(m, x(i), "all"),
        "activations pre": lambda m, i: activations(m, x(i), conv, stage="pre"),
        "channel_stats": lambda m, i: channel_stats(m, x(i, 3), deep),
        "top_images": lambda m, i: top_images(m, x(i, 3), deep, k=2),
        "analyze_network": lambda m, i: analyze_network(m, input_shape=shape(i)),
        "layer_weights": lambda m, i: layer_weights(m, conv),
        "receptive_field": lambda m, i: receptive_field(m, deep, input_shape=shape(i)),
        "gradcam": lambda m, i: gradcam(m, x(i), reduction_layer=reduction),
        "gradcam label": lambda m, i: gradcam(m, x(i), 1, reduction_layer=reduction),
        "guided backprop": lambda m, i: gradient_attribution(
            m, x(i), method="guided-backprop", reduction_layer=reduction
        ),
        "occlusion": lambda m, i: occlusion_sensitivity(
            m, x(i), 0, mask_size=4, stride=4, reduction_layer=reduction
        ),
        "occlusion channel": lambda m, i: occlusion_sensitivity(
            m, x(i), layer=deep, channel=0, mask_size=4, stride=4
        ),
        "image_lime": lambda m, i: image_lime(
            m,
            x(i),
            0,
            num_features=4,
            num_samples=4,
            segmentation="grid",
            seed=i,
            reduction_layer=reduction,
        ),
        "deletion": lambda m, i: metrics.deletion(
            m, x(i), x(i)[..., 0], 0, steps=2, reduction_layer=reduction
        ),
        "mu_fidelity": lambda m, i: metrics.mu_fidelity(
            m,
            x(i),
            x(i)[..., 0],
            0,
            grid_size=2,
            num_samples=4,
            seed=i,
            reduction_layer=reduction,
        ),
        "randomization_check": lambda m, i: metrics.randomization_check(
            m, x(i), lambda clone, images: images[..., 0]
        ),
        "deep_dream": lambda m, i: deep_dream(
            m, deep, [0, 1], image=x(i)[0], num_iterations=1, pyramid_levels=1
        ),
    }


CASES = {
    # fixture, sizes, conv layer, deeper layer, reduction layer
    "sequential": ("small_cnn", [(12, 12, 1)], "conv2d", "conv2d_1", None),
    "nested": ("nested_model", [(8, 8, 3)], "inner/conv", "head_conv", None),
    "subclassed": ("subclassed_model", [(10, 10, 3)], "conv1", "prelu1", "fc"),
    "any size": ("any_size_model", [(10, 10, 3), (14, 14, 3), (12, 16, 3)], "c1", "c2", None),
}


@pytest.fixture
def any_size_model() -> keras.Model:
    """Fully convolutional, as the face net: every call may bring a new input size."""
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(3, 3, activation="relu", name="c1")(inputs)
    x = keras.layers.Conv2D(4, 3, activation="relu", name="c2")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    return keras.Model(inputs, keras.layers.Dense(2, name="score")(x), name="any_size")


@pytest.mark.parametrize("kind", list(CASES))
def test_twenty_calls_of_everything_leave_the_model_as_found(kind, request):
    fixture, sizes, conv, deep, reduction = CASES[kind]
    model = request.getfixturevalue(fixture)
    before_layers, before_weights = _state(model)
    calls = _calls(sizes, conv, deep, reduction)
    for name, call in calls.items():
        for i in range(FEWER.get(name, REPEATS)):
            call(model, i)
        layers, weights = _state(model)
        assert layers == before_layers, f"{name} changed the model's layers"
        for a, b in zip(weights, before_weights, strict=True):
            np.testing.assert_array_equal(a, b, err_msg=f"{name} changed a weight")
    if kind != "subclassed":  # the user's own graph still runs and still serializes
        rebuilt = keras.Model(model.inputs, model.outputs)
        assert rebuilt.count_params() == model.count_params()
        type(model).from_config(model.get_config())
