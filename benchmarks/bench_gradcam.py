"""Grad-CAM of Fashion-MNIST images: ours against a hand-written compiled one, interleaved.

The floor is what a TensorFlow user writes for a functional copy of the model:
a ``tf.function`` with a ``GradientTape`` over ``keras.Model(inputs, [feature,
logits])``, the channel weights, ReLU and a bilinear resize, all on the device.
Its ``label=None`` twin takes each image's argmax inside the same function.
Every round times each contender once, in turn (``_timing.interleaved``); the
ratios are taken round by round. On JAX and PyTorch, where the hand-written
version does not apply, the floor is the model's own forward pass
(``predict_on_batch``) and the ratios say how many forward passes ours costs.

Run it::

    python benchmarks/bench_gradcam.py            # batches 1 and 256, 3 runs of 9 rounds
    python benchmarks/bench_gradcam.py --save     # and write results/gradcam-<backend>.json
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from _timing import interleaved, save, table  # benchmarks/ is on sys.path when a script runs

from activations import gradcam, zoo  # noqa: E402

FEATURE = "max_pooling2d_1"  # gradcam's default on the Fashion CNN: the last (H, W, C) layer


def _hand_written(model: keras.Model, predicted: bool):
    import tensorflow as tf

    inputs = keras.Input(model.input_shape[1:])
    x, maps = inputs, None
    for layer in model.layers:
        if layer is model.layers[-1]:  # the logits: the last Dense without its softmax
            x = keras.ops.matmul(x, layer.kernel) + layer.bias
        else:
            x = layer(x)
        if layer.name == FEATURE:
            maps = x
    both = keras.Model(inputs, [maps, x])

    @tf.function
    def step(images, labels):
        with tf.GradientTape() as tape:
            a, logits = both(images, training=False)
            if predicted:
                labels = tf.argmax(logits, axis=-1)
            score = tf.reduce_sum(tf.gather(logits, labels, batch_dims=1))
        grads = tape.gradient(score, a)
        weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
        cam = tf.nn.relu(tf.reduce_sum(weights * a, axis=-1, keepdims=True))
        return tf.image.resize(cam, images.shape[1:3], method="bilinear")[..., 0]

    return lambda x, labels: step(x, labels).numpy()


def contenders(model: keras.Model, x: np.ndarray, labels: np.ndarray) -> dict:
    n = len(x)
    ours = {
        "gradcam, labels": lambda: gradcam(model, x, label=labels, batch_size=n, progress=False),
        "gradcam, label=None": lambda: gradcam(model, x, batch_size=n, progress=False),
    }
    if keras.backend.backend() != "tensorflow":
        return {"forward (predict_on_batch)": lambda: model.predict_on_batch(x), **ours}
    by_label, by_argmax = _hand_written(model, False), _hand_written(model, True)
    np.testing.assert_allclose(ours["gradcam, labels"](), by_label(x, labels), atol=1e-4)
    np.testing.assert_allclose(ours["gradcam, label=None"](), by_argmax(x, labels), atol=1e-4)
    return {
        "hand-written tape, labels": lambda: by_label(x, labels),
        "gradcam, labels": ours["gradcam, labels"],
        "hand-written tape, argmax": lambda: by_argmax(x, labels),
        "gradcam, label=None": ours["gradcam, label=None"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 256])
    parser.add_argument("--runs", type=int, default=3, help="independent runs (default 3)")
    parser.add_argument("--rounds", type=int, default=9, help="rounds per run (default 9)")
    parser.add_argument("--save", action="store_true", help="write benchmarks/results/")
    args = parser.parse_args()
    model = zoo.fashion_cnn()
    rng = np.random.default_rng(0)
    runs = []
    for run in range(args.runs):
        for n in args.batches:
            x = rng.random((n, 28, 28, 1), dtype=np.float32)
            labels = rng.integers(0, 10, n)
            timings = interleaved(contenders(model, x, labels), rounds=args.rounds)
            print(table(timings, f"run {run + 1}: Grad-CAM of {n} Fashion images ({FEATURE})"))
            runs.append({"batch": n, "timings": {k: t.as_dict() for k, t in timings.items()}})
    if args.save:
        print(f"wrote {save(f'gradcam-{keras.backend.backend()}', runs)}")


if __name__ == "__main__":
    main()
