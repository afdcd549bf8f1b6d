"""Shared fixtures: tiny real Keras models (some with hand-set weights), seeded data."""

from __future__ import annotations

import os
import socket

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from keras import layers  # noqa: E402


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def _seeded(seed: int) -> dict:
    return {"kernel_initializer": keras.initializers.GlorotUniform(seed=seed)}


@pytest.fixture
def box_sums() -> np.ndarray:
    """3x3 box sums of ``arange(16).reshape(4, 4)`` with zero padding, written out:
    what an all-ones 3x3 kernel with "same" padding gives on that image."""
    return np.array(
        [[10, 18, 24, 18], [27, 45, 54, 39], [51, 81, 90, 63], [42, 66, 72, 50]],
        dtype=np.float32,
    )


@pytest.fixture
def box_model() -> keras.Model:
    """Conv2D(2, 3, same, relu) whose kernels are all +1 and all -1, bias (0, 1).

    On an (H, W, 1) image, channel 0 before the ReLU is the 3x3 box sum and
    channel 1 is 1 minus it, so expected maps can be written out by hand.
    """
    model = keras.Sequential(
        [
            keras.Input((4, 4, 1)),
            layers.Conv2D(2, 3, padding="same", activation="relu", name="conv"),
            layers.MaxPooling2D(2, name="pool"),
            layers.Flatten(name="flatten"),
            layers.Dense(3, name="dense"),
        ],
        name="box",
    )
    kernel = np.stack([np.ones((3, 3, 1)), -np.ones((3, 3, 1))], axis=-1)
    model.get_layer("conv").set_weights([kernel, np.array([0.0, 1.0])])
    model.get_layer("dense").set_weights([np.ones((8, 3)), np.zeros(3)])
    return model


@pytest.fixture
def small_cnn() -> keras.Model:
    """The Fashion CNN's layer pattern at a small size, seeded."""
    return keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            layers.Conv2D(4, 3, activation="relu", padding="same", name="conv2d", **_seeded(1)),
            layers.MaxPooling2D(2, name="max_pooling2d"),
            layers.Conv2D(6, 3, activation="relu", padding="same", name="conv2d_1", **_seeded(2)),
            layers.MaxPooling2D(2, name="max_pooling2d_1"),
            layers.Flatten(name="flatten"),
            layers.Dense(8, activation="relu", name="dense", **_seeded(3)),
            layers.Dropout(0.4, name="dropout"),
            layers.Dense(3, activation="softmax", name="dense_1", **_seeded(4)),
        ],
        name="small_cnn",
    )


@pytest.fixture
def nested_model() -> keras.Model:
    """A functional model with a Sequential 'inner' block inside."""
    inner = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            layers.Conv2D(4, 3, activation="relu", name="conv", **_seeded(5)),
            layers.BatchNormalization(name="bn"),
        ],
        name="inner",
    )
    inputs = keras.Input((8, 8, 3))
    x = inner(inputs)
    x = layers.Conv2D(2, 3, name="head_conv", **_seeded(6))(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    return keras.Model(inputs, layers.Dense(2, name="out", **_seeded(7))(x), name="outer")


class TinySubclassed(keras.Model):
    """A subclassed model whose call() uses layers held as attributes."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.conv1 = layers.Conv2D(3, 3, activation="relu", name="conv1", **_seeded(8))
        self.prelu1 = layers.PReLU(shared_axes=[1, 2], name="prelu1")
        self.pool1 = layers.MaxPooling2D(2, name="pool1")
        self.flatten = layers.Flatten(name="flatten")
        self.fc = layers.Dense(2, name="fc", **_seeded(9))

    def call(self, inputs):
        x = self.pool1(self.prelu1(self.conv1(inputs)))
        x = self.flatten(x)
        return self.fc(x), keras.ops.mean(x, axis=-1)


@pytest.fixture
def subclassed_model() -> keras.Model:
    model = TinySubclassed(name="tiny_subclassed")
    model(np.zeros((1, 10, 10, 3), "float32"))
    return model


@pytest.fixture
def no_network(monkeypatch) -> None:
    """Make any network access fail the test: connecting a socket or resolving a name.

    Loopback is refused too: the code under test has no business opening
    sockets at all.
    """

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[1:] or kwargs}")

    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, refuse)
    for name in ("create_connection", "getaddrinfo", "gethostbyname"):
        monkeypatch.setattr(socket, name, refuse)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With ACTIVATIONS_NO_SKIP=1 (as scripts/test.sh sets), a skip is a failure:
    the full run must not hide a missing dataset or browser behind a skip."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("ACTIVATIONS_NO_SKIP") == "1":
        report.outcome = "failed"
        report.longrepr = f"skipped in a run that must not skip: {report.longrepr}"


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (a launch costs about 2 s), through Playwright."""
    from _browser import CHROMIUM

    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the test extra installs playwright"
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()
