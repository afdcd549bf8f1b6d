"""Gradient attributions of Fashion-MNIST images: ours against hand-written ones and Captum.

Saliency and guided backpropagation of 256 Fashion test images: the floor on
TensorFlow is what a user writes by hand, a ``tf.function`` with a
``GradientTape`` over the model's logits (the last Dense without its softmax),
the gradient's absolute values summed over channels; the guided twin rebuilds
the model with a ``tf.custom_gradient`` ReLU. On JAX and PyTorch the floor is the
model's forward pass (``predict_on_batch``), beside a hand-written gradient (a
jitted ``jax.grad`` of ``stateless_call``; torch autograd).

Integrated Gradients, 64 steps, 32 images, zero baseline, Gauss-Legendre: ours
against Captum's ``IntegratedGradients`` on a hand-written ``torch.nn`` twin of
the Fashion CNN with the same weights (Captum evaluates all 32 x 64 points in one
pass; ours with its default ``batch_size=128``, 2 images per pass, and with
``batch_size=2048``, one pass). Meaningful side by side on the torch backend,
where both run on PyTorch; on the others the two frameworks differ too.
Xplique was not measured: its wheel pins TensorFlow <= 2.20, scikit-learn <= 1.7.2
and scikit-image <= 0.25.2, below this environment's.

Every round times each contender once, in turn (``_timing.interleaved``).

Run it::

    python benchmarks/bench_attribution.py           # 3 runs of 7 rounds
    python benchmarks/bench_attribution.py --save    # and write results/attribution-<backend>.json
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from _timing import interleaved, save, table  # benchmarks/ is on sys.path when a script runs

from activations import datasets, gradient_attribution, integrated_gradients, zoo  # noqa: E402


def _hand_written(model: keras.Model, guided: bool):
    """The saliency map by hand: a tf.function tape over the logits, |grad| summed."""
    import tensorflow as tf

    @tf.custom_gradient
    def guided_relu(x):
        def grad(upstream):
            return tf.where((x > 0) & (upstream > 0), upstream, tf.zeros_like(upstream))

        return tf.nn.relu(x), grad

    relu = guided_relu if guided else tf.nn.relu

    def logits(x):
        for layer in model.layers:
            if isinstance(layer, keras.layers.Conv2D):
                x = relu(tf.nn.conv2d(x, layer.kernel, 1, layer.padding.upper()) + layer.bias)
            elif isinstance(layer, keras.layers.Dense):
                x = tf.matmul(x, layer.kernel) + layer.bias
                x = relu(x) if layer is not model.layers[-1] else x  # no softmax: logits
            elif not isinstance(layer, keras.layers.Dropout):
                x = layer(x)
        return x

    @tf.function
    def step(images, labels):
        with tf.GradientTape() as tape:
            tape.watch(images)
            score = tf.reduce_sum(tf.gather(logits(images), labels, batch_dims=1))
        return tf.reduce_sum(tf.abs(tape.gradient(score, images)), axis=-1)

    return lambda x, labels: step(tf.constant(x), tf.constant(labels)).numpy()


def _hand_written_gradient(model: keras.Model):
    """The saliency map by hand on JAX (jit of jax.grad) or PyTorch (autograd)."""
    inputs = keras.Input(model.input_shape[1:])
    x = inputs
    for layer in model.layers[:-1]:
        x = layer(x)
    last = model.layers[-1]
    logits = keras.Model(inputs, keras.ops.matmul(x, last.kernel) + last.bias)
    if keras.backend.backend() == "jax":
        import jax
        import jax.numpy as jnp

        def score(images, labels, trainable, non_trainable):
            out, _ = logits.stateless_call(trainable, non_trainable, images, training=False)
            return jnp.sum(jnp.take_along_axis(out, labels[:, None], axis=1))

        step = jax.jit(lambda *a: jnp.sum(jnp.abs(jax.grad(score)(*a)), axis=-1))

        def by_jax_grad(images, labels):  # the weights read per call: predict_on_batch donates
            trainable = [v.value for v in logits.trainable_variables]
            non_trainable = [v.value for v in logits.non_trainable_variables]
            return np.asarray(step(images, labels, trainable, non_trainable))

        return by_jax_grad
    import torch

    def by_autograd(images, labels):
        tensor = torch.tensor(images, requires_grad=True)
        score = logits(tensor, training=False).gather(1, torch.tensor(labels)[:, None]).sum()
        (grad,) = torch.autograd.grad(score, [tensor])
        return grad.abs().sum(-1).numpy()

    return by_autograd


def saliency(model: keras.Model, x: np.ndarray, labels: np.ndarray) -> dict:
    n = len(x)
    ours = {
        method: lambda method=method: gradient_attribution(
            model, x, labels, method=method, batch_size=n, progress=False
        )
        for method in ("gradient", "guided-backprop")
    }
    if keras.backend.backend() != "tensorflow":
        plain = _hand_written_gradient(model)
        scale = float(np.abs(plain(x, labels)).max())
        np.testing.assert_allclose(ours["gradient"](), plain(x, labels), atol=1e-5 * scale)
        return {
            "forward (predict_on_batch)": lambda: model.predict_on_batch(x),
            f"hand-written {keras.backend.backend()} gradient": lambda: plain(x, labels),
            "gradient_attribution, gradient": ours["gradient"],
            "gradient_attribution, guided-backprop": ours["guided-backprop"],
        }
    plain, guided = _hand_written(model, False), _hand_written(model, True)
    scale = float(np.abs(plain(x, labels)).max())
    np.testing.assert_allclose(ours["gradient"](), plain(x, labels), atol=1e-5 * scale)
    np.testing.assert_allclose(ours["guided-backprop"](), guided(x, labels), atol=1e-5 * scale)
    return {
        "hand-written tape, gradient": lambda: plain(x, labels),
        "gradient_attribution, gradient": ours["gradient"],
        "hand-written tape, guided": lambda: guided(x, labels),
        "gradient_attribution, guided-backprop": ours["guided-backprop"],
    }


def _torch_twin(model: keras.Model):
    import torch

    class Twin(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c1, self.c2 = (
                torch.nn.Conv2d(1, 32, 3, padding=1),
                torch.nn.Conv2d(32, 64, 3, padding=1),
            )
            self.fc, self.out = torch.nn.Linear(3136, 100), torch.nn.Linear(100, 10)
            pairs = [
                (self.c1, "conv2d"),
                (self.c2, "conv2d_1"),
                (self.fc, "dense"),
                (self.out, "dense_1"),
            ]
            for module, name in pairs:
                kernel, bias = model.get_layer(name).get_weights()
                weight = kernel.transpose(3, 2, 0, 1) if kernel.ndim == 4 else kernel.T
                module.weight.data, module.bias.data = (
                    torch.tensor(weight.copy()),
                    torch.tensor(bias),
                )

        def forward(self, x):
            x = torch.max_pool2d(torch.relu(self.c1(x)), 2)
            x = torch.max_pool2d(torch.relu(self.c2(x)), 2).permute(0, 2, 3, 1).flatten(1)
            return self.out(torch.relu(self.fc(x)))  # the logits

    return Twin().eval()


def integrated(model: keras.Model, x: np.ndarray, labels: np.ndarray, steps: int) -> dict:
    import torch
    from captum.attr import IntegratedGradients

    captum = IntegratedGradients(_torch_twin(model))
    images = torch.tensor(x.transpose(0, 3, 1, 2).copy())
    targets = torch.tensor(labels)

    def theirs():
        return captum.attribute(images, target=targets, n_steps=steps).sum(1).detach().numpy()

    def ours(batch_size: int):
        return integrated_gradients(
            model, x, labels, steps=steps, batch_size=batch_size, progress=False
        )

    scale = float(np.abs(theirs()).max())
    np.testing.assert_allclose(ours(128), theirs(), atol=1e-4 * scale)
    return {
        "Captum IntegratedGradients (one pass)": theirs,
        "integrated_gradients, batch_size=128": lambda: ours(128),
        "integrated_gradients, batch_size=2048": lambda: ours(len(x) * steps),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=256, help="saliency images (256)")
    parser.add_argument("--ig-images", type=int, default=32, help="IG images (32)")
    parser.add_argument("--steps", type=int, default=64, help="IG steps (64)")
    parser.add_argument("--runs", type=int, default=3, help="independent runs (default 3)")
    parser.add_argument("--rounds", type=int, default=7, help="rounds per run (default 7)")
    parser.add_argument("--save", action="store_true", help="write benchmarks/results/")
    args = parser.parse_args()
    model = zoo.fashion_cnn()
    images, labels = datasets.fashion_test_subset()
    x = images[: args.images, ..., None].astype(np.float32) / 255
    y = labels[: args.images]
    runs = []
    for run in range(args.runs):
        timings = interleaved(saliency(model, x, y), rounds=args.rounds)
        print(table(timings, f"run {run + 1}: saliency of {len(x)} Fashion images"))
        pairs = _pairs(timings)
        for name, (median, low, high) in pairs.items():
            print(f"  {name}: {median:.2f}x ({low:.2f}..{high:.2f})")
        runs.append({"what": "saliency", "images": len(x), **_dicts(timings), "pairs": pairs})
        n = args.ig_images
        timings = interleaved(integrated(model, x[:n], y[:n], args.steps), rounds=args.rounds)
        print(
            table(timings, f"run {run + 1}: Integrated Gradients, {args.steps} steps, {n} images")
        )
        runs.append({"what": "integrated", "images": n, "steps": args.steps, **_dicts(timings)})
    if args.save:
        print(f"wrote {save(f'attribution-{keras.backend.backend()}', runs)}")


def _pairs(timings: dict) -> dict:
    """Ours over the hand-written one of the same method, round by round."""
    backend = keras.backend.backend()
    out = {}
    for method, hand, ours in [
        ("gradient", "hand-written tape, gradient", "gradient_attribution, gradient"),
        ("gradient", f"hand-written {backend} gradient", "gradient_attribution, gradient"),
        ("guided", "hand-written tape, guided", "gradient_attribution, guided-backprop"),
    ]:
        if hand in timings:
            quotients = [a / b for a, b in zip(timings[ours].times, timings[hand].times)]
            median = float(np.median(quotients))
            out[f"{method}: ours / hand-written"] = (median, min(quotients), max(quotients))
    return out


def _dicts(timings: dict) -> dict:
    return {"timings": {name: t.as_dict() for name, t in timings.items()}}


if __name__ == "__main__":
    main()
