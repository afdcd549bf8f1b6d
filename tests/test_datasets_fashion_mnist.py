"""Tests for activations.datasets._fashion_mnist: the IDX reader and the search order."""

from __future__ import annotations

import gzip
import logging
import re
import struct
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from activations.datasets import CLASS_NAMES, _fashion_mnist, fashion_mnist
from activations.datasets._fashion_mnist import SYSTEM_DIR

TRAIN_N, TEST_N = 60000, 10000
STEMS = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
needs_dataset = pytest.mark.skipif(
    not (SYSTEM_DIR / "t10k-labels-idx1-ubyte.gz").is_file(),
    reason="Debian's dataset-fashion-mnist is not installed",
)


def idx_bytes(magic: int, dims: tuple[int, ...], payload: bytes) -> bytes:
    return struct.pack(f">{1 + len(dims)}I", magic, *dims) + payload


def cycle(n: int) -> bytes:
    """Labels 0, 1, ..., 9, 0, 1, ... as uint8 bytes."""
    return (np.arange(n) % 10).astype(np.uint8).tobytes()


def write_dataset(directory: Path, *, compress: bool = True, **override: bytes) -> dict:
    """Write a complete, valid (all-zero images, labels i % 10) dataset; ``override``
    replaces the bytes of one file (keys of STEMS)."""
    directory.mkdir(parents=True, exist_ok=True)
    contents = {
        "train_images": idx_bytes(2051, (TRAIN_N, 28, 28), bytes(TRAIN_N * 784)),
        "train_labels": idx_bytes(2049, (TRAIN_N,), cycle(TRAIN_N)),
        "test_images": idx_bytes(2051, (TEST_N, 28, 28), bytes(TEST_N * 784)),
        "test_labels": idx_bytes(2049, (TEST_N,), cycle(TEST_N)),
    }
    contents.update(override)
    paths = {}
    for key, data in contents.items():
        if compress:
            paths[key] = directory / f"{STEMS[key]}.gz"
            paths[key].write_bytes(gzip.compress(data, compresslevel=1))
        else:
            paths[key] = directory / STEMS[key]
            paths[key].write_bytes(data)
    return paths


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No $FASHION_MNIST_DIR, and a Keras cache in tmp_path."""
    monkeypatch.delenv("FASHION_MNIST_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    return tmp_path


def test_class_names():
    assert CLASS_NAMES == (
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    )  # fmt: skip


@pytest.mark.dataset
@needs_dataset
def test_real_dataset(isolated, caplog):
    with caplog.at_level(logging.INFO, logger="activations.datasets._fashion_mnist"):
        (x_train, y_train), (x_test, y_test) = fashion_mnist()
    assert str(SYSTEM_DIR) in caplog.text
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and x_test.dtype == np.uint8
    assert y_test.shape == (10000,) and y_test.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(y_train), np.full(10, 6000))
    np.testing.assert_array_equal(np.bincount(y_test), np.full(10, 1000))
    assert CLASS_NAMES[y_train[0]] == "Ankle boot"
    assert x_train.max() == 255 and x_train.min() == 0


@pytest.mark.dataset
@needs_dataset
def test_returns_fresh_writable_arrays(isolated):
    (x_train, _), _ = fashion_mnist()
    assert x_train.flags.writeable
    x_train[0] = 0
    (x_again, _), _ = fashion_mnist()
    assert x_again[0].any()


@pytest.mark.parametrize("compress", [True, False])
def test_env_dir_first_gzip_or_plain(isolated, monkeypatch, caplog, compress):
    write_dataset(isolated / "mine", compress=compress)
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "mine"))
    with caplog.at_level(logging.INFO, logger="activations.datasets._fashion_mnist"):
        (x_train, y_train), (x_test, y_test) = fashion_mnist()
    assert str(isolated / "mine") in caplog.text
    assert x_train.shape == (60000, 28, 28) and not x_train.any()
    np.testing.assert_array_equal(y_test[:12], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])
    assert x_test.shape == (10000, 28, 28) and y_train.shape == (60000,)


def test_keras_cache_used_and_partial_default_dir_skipped(isolated, monkeypatch, caplog):
    # A default directory holding only some files (an interrupted download) is
    # skipped with a warning; the next location is used.
    partial = write_dataset(isolated / "system")
    partial["train_images"].unlink()
    monkeypatch.setattr(_fashion_mnist, "SYSTEM_DIR", isolated / "system")
    cache = isolated / "keras_home" / "datasets" / "fashion-mnist"
    write_dataset(cache, compress=False)
    with caplog.at_level(logging.INFO, logger="activations.datasets._fashion_mnist"):
        (x_train, _), _ = fashion_mnist()
    assert x_train.shape == (60000, 28, 28)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "lacks ['train-images-idx3-ubyte.gz']; skipping it" in warnings[0].getMessage()
    assert f"Loading Fashion-MNIST from {cache}" in caplog.text


def test_system_dir_before_keras_cache(isolated, monkeypatch, caplog):
    write_dataset(isolated / "system")
    monkeypatch.setattr(_fashion_mnist, "SYSTEM_DIR", isolated / "system")
    cache = isolated / "keras_home" / "datasets" / "fashion-mnist"
    write_dataset(cache, train_images=b"broken")  # never read
    with caplog.at_level(logging.INFO, logger="activations.datasets._fashion_mnist"):
        fashion_mnist()
    assert f"Loading Fashion-MNIST from {isolated / 'system'}" in caplog.text


def test_env_dir_before_system_dir(isolated, monkeypatch, caplog):
    write_dataset(isolated / "mine")
    write_dataset(isolated / "system", train_images=b"broken")  # never read
    monkeypatch.setattr(_fashion_mnist, "SYSTEM_DIR", isolated / "system")
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "mine"))
    with caplog.at_level(logging.INFO, logger="activations.datasets._fashion_mnist"):
        fashion_mnist()
    assert f"Loading Fashion-MNIST from {isolated / 'mine'}" in caplog.text


def test_env_dir_missing_file_is_an_error(isolated, monkeypatch):
    paths = write_dataset(isolated / "mine")
    paths["test_labels"].unlink()
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "mine"))
    with pytest.raises(FileNotFoundError, match=r"lacks \['t10k-labels-idx1-ubyte.gz'\]"):
        fashion_mnist()


def test_env_dir_not_a_directory(isolated, monkeypatch):
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "nowhere"))
    with pytest.raises(FileNotFoundError, match="Received: FASHION_MNIST_DIR='.*nowhere'"):
        fashion_mnist()


def test_wrong_magic(isolated, monkeypatch):
    labels_as_images = idx_bytes(2049, (TRAIN_N, 28, 28), bytes(TRAIN_N * 784))
    paths = write_dataset(isolated / "mine", train_images=labels_as_images)
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "mine"))
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte.gz has the wrong magic") as e:
        fashion_mnist()
    assert str(paths["train_images"]) in str(e.value)
    assert "expected 2051 (images). Received: magic=2049" in str(e.value)


def test_wrong_dimensions(isolated, monkeypatch):
    small = idx_bytes(2051, (TEST_N, 32, 32), bytes(TEST_N * 1024))
    write_dataset(isolated / "mine", test_images=small)
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "mine"))
    with pytest.raises(
        ValueError,
        match=r"t10k-images-idx3-ubyte.gz has the wrong dimensions: expected "
        r"\(10000, 28, 28\). Received: dims=\(10000, 32, 32\)",
    ):
        fashion_mnist()


def test_truncated_payload(isolated, monkeypatch):
    short = idx_bytes(2049, (TEST_N,), bytes(TEST_N - 1))
    write_dataset(isolated / "mine", test_labels=short)
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "mine"))
    with pytest.raises(
        ValueError,
        match=r"t10k-labels-idx1-ubyte.gz has the wrong size .* expected 10008 bytes .* "
        r"Received: 10007 bytes",
    ):
        fashion_mnist()


def test_padded_payload(isolated, monkeypatch):
    long = idx_bytes(2049, (TEST_N,), bytes(TEST_N + 3))
    write_dataset(isolated / "mine", compress=False, test_labels=long)
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "mine"))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte has the wrong size"):
        fashion_mnist()


def test_header_too_short(isolated, monkeypatch):
    write_dataset(isolated / "mine", train_labels=b"\x00\x00")
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "mine"))
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte.gz is too short"):
        fashion_mnist()


def test_truncated_gzip(isolated, monkeypatch):
    paths = write_dataset(isolated / "mine")
    data = paths["train_labels"].read_bytes()
    paths["train_labels"].write_bytes(data[: len(data) // 2])
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "mine"))
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte.gz is not valid gzip"):
        fashion_mnist()


def test_labels_out_of_range(isolated, monkeypatch):
    bad = idx_bytes(2049, (TEST_N,), bytes([10]) + bytes(TEST_N - 1))
    write_dataset(isolated / "mine", test_labels=bad)
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "mine"))
    with pytest.raises(ValueError, match=r"labels outside 0..9. Received: max label=10"):
        fashion_mnist()


def gzip_bomb(path: Path, header: bytes, inflated: int = 2**30) -> Path:
    """A real gzip file of about 1 MB that inflates to ``header`` plus ``inflated`` zero
    bytes: gzip members may follow each other, so one 16 MiB member of zeros is repeated."""
    block = 16 * 2**20
    zeros = gzip.compress(bytes(block), compresslevel=9)
    with path.open("wb") as file:
        file.write(gzip.compress(header))
        for _ in range(inflated // block):
            file.write(zeros)
    assert path.stat().st_size < inflated / 500
    return path


def measured(call):
    """Run ``call()`` expecting a ValueError; return it, the seconds and the peak of
    memory allocated meanwhile (bytes, as tracemalloc counts them: bytes and arrays)."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValueError) as error:
            call()
        return error.value, time.perf_counter() - start, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_header_claiming_few_images_is_refused_before_inflating_the_rest(isolated, monkeypatch):
    # The first file read: the header says 10 images, the data inflates to 1 GiB.
    header = struct.pack(">4I", 2051, 10, 28, 28)
    write_dataset(isolated / "mine")
    gzip_bomb(isolated / "mine" / "train-images-idx3-ubyte.gz", header)
    monkeypatch.setenv("FASHION_MNIST_DIR", str(isolated / "mine"))
    error, seconds, peak = measured(fashion_mnist)
    assert "has the wrong dimensions: expected (60000, 28, 28). Received: dims=(10, 28, 28)" in (
        str(error)
    )
    assert peak < 16 * 2**20, f"{peak / 2**20:.0f} MiB allocated"
    assert seconds < 5


def test_data_inflating_past_its_header_is_refused_at_the_first_extra_byte(tmp_path):
    # A right header (10000 labels), then 1 GiB where 10000 bytes are expected.
    path = gzip_bomb(tmp_path / "t10k-labels-idx1-ubyte.gz", struct.pack(">2I", 2049, 10000))
    error, seconds, peak = measured(
        lambda: _fashion_mnist._read_idx(path, kind="labels", count=TEST_N)
    )
    assert re.search(
        r"t10k-labels-idx1-ubyte.gz has the wrong size .* expected 10008 bytes after "
        r"decompression. Received: more \(reading stopped at byte 10009; a padded file or a "
        r"decompression bomb\)",
        str(error),
    )
    assert peak < 16 * 2**20, f"{peak / 2**20:.0f} MiB allocated"
    assert seconds < 5


def test_plain_file_longer_than_its_header_is_read_no_further(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte"
    path.write_bytes(idx_bytes(2049, (TEST_N,), bytes(TEST_N)) + bytes(8 * 2**20))
    error, _, peak = measured(lambda: _fashion_mnist._read_idx(path, kind="labels", count=TEST_N))
    assert "Received: more (reading stopped at byte 10009" in str(error)
    assert peak < 2**20
