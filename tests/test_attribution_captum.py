"""Our gradient attributions equal Captum's on the same weights, within float32 tolerance.

A small Keras CNN (fused ReLUs, a ReLU layer, max pooling, a dense ReLU, a fused
softmax) and a hand-written ``torch.nn`` twin holding the same weights; Captum
(``Saliency``, ``GuidedBackprop``, ``NoiseTunnel``, ``IntegratedGradients``) explains
the twin's logits, we explain the Keras model's score before its softmax. Captum
runs on plain PyTorch, so the comparison holds on every Keras backend; CI runs it
on TensorFlow, PyTorch and JAX (``core``).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import torch
from _tolerance import assert_close
from captum.attr import GuidedBackprop, IntegratedGradients, NoiseTunnel, Saliency
from keras import layers

from activations import gradient_attribution, integrated_gradients, smoothgrad

pytestmark = [
    pytest.mark.core,
    # Captum announces its hooks on the twin's nn.ReLU modules (removed afterwards).
    pytest.mark.filterwarnings("ignore:Setting backward hooks on ReLU:UserWarning"),
]

LABELS = np.array([0, 2, 1, 2])


def _keras_model() -> keras.Model:
    init = keras.initializers.GlorotUniform
    model = keras.Sequential(
        [
            keras.Input((8, 8, 2)),
            layers.Conv2D(4, 3, padding="same", activation="relu", name="c1"),
            layers.Conv2D(4, 3, padding="same", name="c2", kernel_initializer=init(2)),
            layers.ReLU(name="relu2"),
            layers.MaxPooling2D(2, name="pool"),
            layers.Flatten(name="flat"),
            layers.Dense(6, activation="relu", name="fc"),
            layers.Dense(3, activation="softmax", name="out"),
        ],
        name="captum_twin",
    )
    rng = np.random.default_rng(7)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in model.weights])
    return model


class _Twin(torch.nn.Module):
    """The Keras model in torch.nn, NCHW, every ReLU an nn.ReLU module (as Captum needs)."""

    def __init__(self, model: keras.Model) -> None:
        super().__init__()
        self.c1, self.c2 = torch.nn.Conv2d(2, 4, 3, padding=1), torch.nn.Conv2d(4, 4, 3, padding=1)
        self.r1, self.r2, self.r3 = torch.nn.ReLU(), torch.nn.ReLU(), torch.nn.ReLU()
        self.pool = torch.nn.MaxPool2d(2)
        self.fc, self.out = torch.nn.Linear(64, 6), torch.nn.Linear(6, 3)
        for conv in ("c1", "c2"):
            kernel, bias = model.get_layer(conv).get_weights()
            getattr(self, conv).weight.data = torch.tensor(kernel.transpose(3, 2, 0, 1))
            getattr(self, conv).bias.data = torch.tensor(bias)
        for dense in ("fc", "out"):
            kernel, bias = model.get_layer(dense).get_weights()
            getattr(self, dense).weight.data = torch.tensor(kernel.T.copy())
            getattr(self, dense).bias.data = torch.tensor(bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(self.r2(self.c2(self.r1(self.c1(x)))))
        x = x.permute(0, 2, 3, 1).flatten(1)  # Keras flattens channels-last
        return self.out(self.r3(self.fc(x)))  # logits: the score before the softmax


@pytest.fixture
def pair() -> tuple[keras.Model, _Twin]:
    model = _keras_model()
    return model, _Twin(model).eval()


@pytest.fixture
def images() -> np.ndarray:
    return np.random.default_rng(3).uniform(-1, 1, size=(4, 8, 8, 2)).astype(np.float32)


def _nchw(x: np.ndarray) -> torch.Tensor:
    return torch.tensor(x.transpose(0, 3, 1, 2).copy(), requires_grad=True)


def _nhwc(t: torch.Tensor) -> np.ndarray:
    return t.detach().numpy().transpose(0, 2, 3, 1)


def test_the_twins_agree(pair, images):
    model, twin = pair
    logits = twin(_nchw(images)).detach().numpy()
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(model(images)),
        keras.ops.convert_to_numpy(keras.ops.softmax(logits)),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize(
    ("method", "captum"), [("gradient", Saliency), ("guided-backprop", GuidedBackprop)]
)
def test_saliency_and_guided_backprop(pair, images, method, captum):
    model, twin = pair
    extra = {"abs": False} if captum is Saliency else {}
    theirs = _nhwc(captum(twin).attribute(_nchw(images), target=LABELS.tolist(), **extra))
    ours = gradient_attribution(
        model, images, LABELS, method=method, channels=None, progress=False
    )
    assert_close(ours, theirs)


@pytest.mark.parametrize(
    ("method", "nt_type"),
    [("gradient", "smoothgrad"), ("guided-backprop", "smoothgrad"), ("gradient", "smoothgrad_sq")],
)
def test_smoothgrad_with_the_same_noise(pair, images, method, nt_type, monkeypatch):
    model, twin = pair
    samples, noise, seed = 6, 0.2, 11
    # Our noise: per image, sigma = noise * (max - min), drawn image-major from the seed.
    draws = np.random.default_rng(seed).standard_normal((4, samples, 8, 8, 2), dtype=np.float32)
    sigma = noise * (images.max(axis=(1, 2, 3)) - images.min(axis=(1, 2, 3)))
    copies = images[:, None] + sigma.astype(np.float32)[:, None, None, None, None] * draws
    noisy = torch.tensor(copies.reshape(-1, 8, 8, 2).transpose(0, 3, 1, 2).copy())
    # Captum repeats each input `samples` times (image-major) and adds its own draw: ours instead.
    monkeypatch.setattr(NoiseTunnel, "_add_noise_to_input", staticmethod(lambda x, s, n: noisy))
    inner = Saliency(twin) if method == "gradient" else GuidedBackprop(twin)
    extra = {"abs": False} if method == "gradient" else {}
    theirs = _nhwc(
        NoiseTunnel(inner).attribute(
            _nchw(images),
            nt_type=nt_type,
            nt_samples=samples,
            stdevs=1.0,
            target=LABELS.tolist(),
            **extra,
        )
    )
    ours = smoothgrad(
        model,
        images,
        LABELS,
        method=method,
        noise=noise,
        samples=samples,
        seed=seed,
        squared=nt_type == "smoothgrad_sq",
        channels=None,
        progress=False,
    )
    assert_close(ours, theirs)


@pytest.mark.parametrize("integration", ["gausslegendre", "riemann_right"])
def test_integrated_gradients_same_baseline_and_steps(pair, images, integration):
    model, twin = pair
    baseline = np.full((8, 8, 2), 0.25, np.float32)
    theirs = _nhwc(
        IntegratedGradients(twin).attribute(
            _nchw(images),
            baselines=_nchw(np.broadcast_to(baseline, images.shape)),
            target=LABELS.tolist(),
            n_steps=64,
            method=integration,
        )
    )
    ours = integrated_gradients(
        model,
        images,
        LABELS,
        baseline=baseline,
        steps=64,
        integration=integration,
        channels=None,
        progress=False,
    )
    assert_close(ours, theirs)
