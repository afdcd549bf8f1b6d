"""deep_dream against a hand-written compiled gradient ascent with the same schedule.

16 channels of the Fashion CNN's conv2d_1 dreamed together, 3 pyramid levels of 10
steps (deep_dream's defaults). The hand-written version is what a TensorFlow user
writes: one ``tf.function`` per step with a ``GradientTape`` over a sub-model up to
the layer, the gradient brought down to the level's size and back up with
``tf.image.resize`` (bilinear, antialiased), the step normalized by the gradient's
mean magnitude. It runs the same 30 steps on the same start. Contenders are timed
in turn, round by round (``_timing.interleaved``). TensorFlow backend only.

Run it::

    python benchmarks/bench_dream.py            # 3 runs of 7 rounds
    python benchmarks/bench_dream.py --save     # and write results/dream-tensorflow.json
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from _timing import interleaved, save, table  # benchmarks/ is on sys.path when a script runs

from activations import deep_dream, zoo  # noqa: E402
from activations._explain.dream import start_noise  # noqa: E402

LAYER, CHANNELS, STEPS, LEVELS, SCALE = "conv2d_1", list(range(16)), 10, 3, 1.4


def hand_written(model: keras.Model):
    import tensorflow as tf

    sub = keras.Model(model.inputs, model.get_layer(LAYER).output)
    chosen = tf.one_hot(CHANNELS, sub.output.shape[-1])
    size = 0.02  # deep_dream's step for a 0..1 model

    @tf.function
    def step(x, coarse):
        with tf.GradientTape() as tape:
            tape.watch(x)
            means = tf.reduce_mean(sub(x, training=False), axis=(1, 2))
            score = tf.reduce_sum(means * chosen)
        grad = tape.gradient(score, x)
        small = tf.image.resize(grad, coarse, method="bilinear", antialias=True)
        grad = tf.image.resize(small, x.shape[1:3], method="bilinear")
        scale = tf.reduce_mean(tf.abs(grad), axis=(1, 2, 3), keepdims=True) + 1e-8
        return tf.clip_by_value(x + size * grad / scale, 0.0, 1.0)

    def run(start: np.ndarray) -> np.ndarray:
        x = tf.constant(start)
        for level in range(LEVELS):
            factor = SCALE ** (LEVELS - 1 - level)
            coarse = tf.constant([max(1, round(28 / factor))] * 2)
            for _ in range(STEPS):
                x = step(x, coarse)
        return x.numpy()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--save", action="store_true", help="write benchmarks/results/")
    args = parser.parse_args()
    if keras.backend.backend() != "tensorflow":
        raise SystemExit("bench_dream compares with TensorFlow: run with KERAS_BACKEND=tensorflow")
    model = zoo.fashion_cnn()
    start = start_noise(model, (28, 28, 1), len(CHANNELS))
    theirs = hand_written(model)

    def ours() -> np.ndarray:
        return deep_dream(
            model, LAYER, CHANNELS, num_iterations=STEPS, pyramid_levels=LEVELS,
            pyramid_scale=SCALE, progress=False,
        )  # fmt: skip

    runs = []
    for run in range(args.runs):
        timings = interleaved({"hand-written ascent": lambda: theirs(start), "deep_dream": ours},
                              rounds=args.rounds)  # fmt: skip
        title = f"run {run + 1}: {len(CHANNELS)} channels of {LAYER}, {LEVELS} x {STEPS} steps"
        print(table(timings, title))
        runs.append({"timings": {k: t.as_dict() for k, t in timings.items()}})
    if args.save:
        print(f"wrote {save('dream-tensorflow', runs)}")


if __name__ == "__main__":
    main()
