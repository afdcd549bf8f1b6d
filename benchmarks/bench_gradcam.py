"""Grad-CAM of 256 Fashion-MNIST images: ours vs a hand-written compiled TensorFlow one.

The hand-written one is what a TensorFlow user writes for a functional copy of the
model: a ``tf.function`` with a ``GradientTape`` over ``keras.Model(inputs,
[feature, logits])``, then the same weighting, ReLU and bilinear resize. Prints
median times from one run and their ratio (TensorFlow backend only).

Run it::

    python benchmarks/bench_gradcam.py
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import median_time  # benchmarks/ is on sys.path when a script runs


def _hand_written(model, feature: str):
    import keras
    import tensorflow as tf

    inputs = keras.Input(model.input_shape[1:])
    x, maps = inputs, None
    for layer in model.layers:
        if layer is model.layers[-1]:  # the logits: the last Dense without its softmax
            x = keras.ops.matmul(x, layer.kernel) + layer.bias
        else:
            x = layer(x)
        if layer.name == feature:
            maps = x
    both = keras.Model(inputs, [maps, x])

    @tf.function
    def step(images, labels):
        with tf.GradientTape() as tape:
            a, logits = both(images, training=False)
            score = tf.reduce_sum(tf.gather(logits, labels, batch_dims=1))
        grads = tape.gradient(score, a)
        weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
        cam = tf.nn.relu(tf.reduce_sum(weights * a, axis=-1, keepdims=True))
        return tf.image.resize(cam, images.shape[1:3], method="bilinear")[..., 0]

    return step


def _tf_keras_vis(model, x, labels, feature):
    """tf-keras-vis's Gradcam on a functional copy of the model, or None if not installed."""
    try:
        from tf_keras_vis.gradcam import Gradcam
        from tf_keras_vis.utils.model_modifiers import ReplaceToLinear
        from tf_keras_vis.utils.scores import CategoricalScore
    except ImportError:
        return None
    import keras

    inputs = keras.Input(model.input_shape[1:])
    out = inputs
    for layer in model.layers:
        out = layer(out)
    vis = Gradcam(keras.Model(inputs, out), model_modifier=ReplaceToLinear(), clone=True)
    score = CategoricalScore(list(labels))
    return lambda: vis(score, x, penultimate_layer=feature)


def main(n: int, repeats: int) -> None:
    import keras

    from activations import gradcam, zoo

    if keras.backend.backend() != "tensorflow":
        raise SystemExit(
            "bench_gradcam compares with TensorFlow: run with KERAS_BACKEND=tensorflow"
        )
    model = zoo.fashion_cnn()
    rng = np.random.default_rng(0)
    x = rng.random((n, 28, 28, 1), dtype=np.float32)
    labels = rng.integers(0, 10, n)
    feature = "max_pooling2d_1"  # gradcam's default: the last (H, W, C) layer
    step = _hand_written(model, feature)
    ours = median_time(lambda: gradcam(model, x, label=labels, batch_size=n), repeats)
    theirs = median_time(lambda: step(x, labels).numpy(), repeats)
    np.testing.assert_allclose(
        gradcam(model, x, label=labels, batch_size=n), step(x, labels).numpy(), atol=1e-4
    )
    print(f"Grad-CAM of {n} Fashion images, median of {repeats}")
    print(f"  activations.gradcam        {ours * 1e3:8.1f} ms")
    print(f"  hand-written tf.function   {theirs * 1e3:8.1f} ms")
    print(f"  ours / hand-written        {ours / theirs:8.2f}x")
    vis = _tf_keras_vis(model, x, labels, feature)
    if vis is None:
        print("  tf-keras-vis               not installed (pip install tf-keras-vis)")
    else:
        print(f"  tf-keras-vis Gradcam       {median_time(vis, repeats) * 1e3:8.1f} ms "
              "(run on a functional copy of the model)")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    main(args.images, args.repeats)
