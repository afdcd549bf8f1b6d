"""activations.distributed on a real local Ray cluster, against the local functions.

One 2-CPU cluster for the whole module (Ray starts in seconds, each pool's
actors import TensorFlow in seconds more), the trained Fashion CNN and 3000
real test images. Each per-call function below starts its own actor pool and
the pool test one for several calls, so the pools are few and each checks
much; the error paths are all caught on the driver, before any actor starts.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from pathlib import Path

import keras
import numpy as np
import pytest
import ray
import ray.cloudpickle
from _tolerance import assert_close
from PIL import Image

import activations
from activations import distributed, zoo
from activations.datasets._fashion_mnist import SYSTEM_DIR, fashion_mnist
from activations.distributed._actor import Actor

pytestmark = [
    pytest.mark.ray,
    # Ray Data's DataContext warns about its own deprecated fields when it is copied.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.*"),
]

needs_dataset = pytest.mark.skipif(
    not SYSTEM_DIR.is_dir(), reason="dataset-fashion-mnist is not installed"
)
N_IMAGES = 3000


def prep(batch: np.ndarray) -> np.ndarray:
    """uint8 (B, 28, 28) to the CNN's float input (B, 28, 28, 1)."""
    return (batch[..., None] / 255.0).astype(np.float32)


def counted_fashion_cnn(log: Path) -> keras.Model:
    """``zoo.fashion_cnn()``, appending this process's id to ``log`` at each call."""
    with open(log, "a") as f:
        f.write(f"{os.getpid()}\n")
    return zoo.fashion_cnn()


@pytest.fixture(scope="module")
def cluster():
    """A real 2-CPU Ray cluster; this module's functions reach the actors by value."""
    assert not ray.is_initialized()
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"TF_CPP_MIN_LOG_LEVEL": "2"}},
    )
    # Workers cannot import this test module (pytest put tests/ on sys.path): send
    # its factories and `prep` by value, as a notebook's functions would be.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield
    ray.cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    ray.shutdown()


@pytest.fixture(scope="module")
def fashion() -> np.ndarray:
    """The first 3000 Fashion-MNIST test images, uint8 (3000, 28, 28)."""
    return fashion_mnist()[1][0][:N_IMAGES]


@pytest.fixture(scope="module")
def model() -> keras.Model:
    return zoo.fashion_cnn()


@pytest.fixture(scope="module")
def blocks(cluster, fashion):
    """The images as a Ray dataset of 12 blocks (column "data")."""
    return ray.data.from_numpy(np.array_split(fashion, 12))


def assert_same_top(got, want) -> None:
    """Equal to the local result: values to float rounding, indices except near-ties."""
    assert (got.layer, got.by, got.n_images, got.map_shape) == (
        want.layer,
        want.by,
        want.n_images,
        want.map_shape,
    )
    np.testing.assert_array_equal(got.channels, want.channels)
    assert got.field == want.field
    assert_close(got.values, want.values)
    scale = float(np.abs(want.values).max())
    gaps = np.abs(np.diff(want.values, axis=1)) > 1e-5 * scale
    edge = np.ones((len(gaps), 1), bool)
    untied = np.concatenate([edge, gaps], axis=1) & np.concatenate([gaps, edge], axis=1)
    np.testing.assert_array_equal(got.indices[untied], want.indices[untied])
    if want.positions is None:
        assert got.positions is None
    else:
        np.testing.assert_array_equal(got.positions[untied], want.positions[untied])


@pytest.mark.dataset
@needs_dataset
def test_top_images_conv_matches_local_and_builds_each_model_once(
    blocks, fashion, model, tmp_path
):
    log = tmp_path / "factory.log"
    factory = functools.partial(counted_fashion_cnn, log)
    options = blocks.context.execution_options
    before = options.preserve_order
    got = distributed.top_images(
        factory, blocks, "conv2d_1", column="data", preprocess=prep, concurrency=2, progress=False
    )
    want = activations.top_images(model, prep(fashion), "conv2d_1", progress=False)
    assert_same_top(got, want)
    assert got.positions is not None and got.positions.shape == (64, 9, 2)
    # The driver builds one model; each of the 2 actors one, for its 24+ batches.
    pids = log.read_text().split()
    assert 2 <= len(pids) <= 3 and pids.count(str(os.getpid())) == 1
    assert len(set(pids)) == len(pids)
    assert options.preserve_order == before  # the dataset's context is restored


@pytest.mark.dataset
@needs_dataset
def test_top_images_dense_by_mean_matches_local(blocks, fashion, model):
    options = dict(channels=[0, 5, 17, 99], k=4, by="mean", batch_size=100)
    got = distributed.top_images(  # layer 5 is "dense": the actors find it by name
        zoo.fashion_cnn,
        blocks,
        5,
        column="data",
        preprocess=prep,
        concurrency=1,
        progress=False,
        **options,
    )
    want = activations.top_images(model, prep(fashion), "dense", progress=False, **options)
    assert_same_top(got, want)
    assert got.positions is None and got.field is None and got.map_shape == ()


@pytest.mark.dataset
@needs_dataset
def test_channel_stats_matches_local_row_by_row(blocks, fashion, model):
    got = distributed.channel_stats(
        zoo.fashion_cnn,
        blocks,
        "conv2d_1",
        column="data",
        preprocess=prep,
        batch_size=64,
        progress=False,
    )
    want = activations.channel_stats(model, prep(fashion), "conv2d_1", progress=False)
    assert got.n_images == want.n_images == N_IMAGES
    assert got.per_image_max.shape == (N_IMAGES, 64)  # one row per image, in dataset order
    for name in ("per_image_max", "max", "mean", "min"):
        assert_close(getattr(got, name), getattr(want, name))


@pytest.mark.dataset
@needs_dataset
def test_images_read_from_png_files_count_in_dataset_order(cluster, fashion, model, tmp_path):
    images = fashion[:200]
    for i in np.random.default_rng(0).permutation(len(images)):  # written in shuffled order
        Image.fromarray(images[i]).save(tmp_path / f"{i:03d}.png")
    dataset = ray.data.read_images(str(tmp_path), include_paths=True)
    got = distributed.top_images(
        zoo.fashion_cnn,
        dataset,
        "conv2d_1",
        preprocess=prep,
        k=5,
        batch_size=16,
        concurrency=1,
        progress=False,
    )
    # The rule: indices count rows as the dataset yields them with preserve_order.
    dataset.context.execution_options.preserve_order = True
    try:
        order = [int(Path(row["path"]).stem) for row in dataset.select_columns("path").take_all()]
    finally:
        dataset.context.execution_options.preserve_order = False
    assert sorted(order) == list(range(200))
    want = activations.top_images(model, prep(images[order]), "conv2d_1", k=5, progress=False)
    assert_same_top(got, want)


@pytest.mark.dataset
@needs_dataset
def test_a_pool_serves_several_calls_on_the_same_actors(blocks, fashion, model, tmp_path):
    log = tmp_path / "factory.log"
    x = prep(fashion)
    factory = functools.partial(counted_fashion_cnn, log)
    options = {"column": "data", "preprocess": prep, "progress": False}
    with distributed.Pool(factory, concurrency=(1, 2)) as pool:
        assert log.read_text().split() == [str(os.getpid())]  # the actors start at first use
        top = pool.top_images(blocks, "conv2d_1", **options)
        assert_same_top(top, activations.top_images(model, x, "conv2d_1", progress=False))
        dense = {"channels": [3, 7, 42], "k": 4, "by": "mean", "batch_size": 50}
        got = pool.top_images(blocks, "dense", **options, **dense)
        want = activations.top_images(model, x, "dense", progress=False, **dense)
        assert_same_top(got, want)
        stats = pool.channel_stats(blocks, "conv2d", **options)
        want_stats = activations.channel_stats(model, x, "conv2d", progress=False)
        assert stats.per_image_max.shape == (N_IMAGES, 32)  # one row per image, in order
        for name in ("per_image_max", "max", "mean", "min"):
            assert_close(getattr(stats, name), getattr(want_stats, name))
        again = pool.top_images(blocks, "conv2d_1", **options, k=9)
        np.testing.assert_array_equal(again.indices, top.indices)
    # The driver built one model and each actor one, for all four calls.
    pids = log.read_text().split()
    assert pids[0] == str(os.getpid()) and 2 <= len(pids) <= 3
    assert len(set(pids)) == len(pids)
    assert pool.closed
    with pytest.raises(RuntimeError, match=r"open `distributed.Pool`.*Received: top_images"):
        pool.top_images(blocks, "conv2d_1", **options)


def test_a_closed_pool_refuses_every_use(small, tmp_path):
    log = tmp_path / "factory.log"
    pool = distributed.Pool(functools.partial(counted_fashion_cnn, log), concurrency=1)
    pool.close()
    pool.close()  # closing twice does nothing
    match = r"this one is closed.*Received: {} after close\(\)"
    with pytest.raises(RuntimeError, match=match.format("channel_stats")):
        pool.channel_stats(small, "dense", column="data", preprocess=prep)
    with pytest.raises(RuntimeError, match=match.format("start")):
        pool.start()
    with pytest.raises(RuntimeError, match=match.format("with")):
        with pool:
            pass
    assert log.read_text().split() == [str(os.getpid())]  # no actor ever started


def test_an_actor_reduces_only_the_rows_it_is_given(cluster, model):
    """A block may come as a slice of a Ray Data block: (start, end) rows."""
    x = np.random.default_rng(0).integers(0, 256, (40, 28, 28), dtype=np.uint8)
    (bundle,) = ray.data.from_numpy(x).materialize().iter_internal_ref_bundles()
    (block,) = ray.get(bundle.block_refs)
    actor = Actor(zoo.fashion_cnn)  # the actor's class, here in this process
    options = {"column": "data", "preprocess": prep, "stage": "output", "batch_size": 8}
    actor.prepare("channel_stats", "dense", options | {"sample_shape": None})
    part = actor.run(block, (10, 35))
    want = activations.channel_stats(model, prep(x[10:35]), "dense", progress=False)
    assert part is not None and part["n"] == 25
    assert_close(part["max"], want.per_image_max)
    assert actor.run(block, (5, 5)) is None  # no rows: nothing to merge


# Error paths: all raised on the driver, before any actor starts.


@pytest.fixture(scope="module")
def small(cluster):
    """20 zero images in 2 blocks (column "data"); where a test needs no more."""
    return ray.data.from_numpy(np.array_split(np.zeros((20, 28, 28), np.uint8), 2))


def _locked_prep(batch: np.ndarray, lock: object) -> np.ndarray:
    return batch


POOL_ERRORS = [
    ({"model_factory": "fashion_cnn"}, TypeError, "callable returning a keras.Model"),
    ({"concurrency": 0}, ValueError, "`concurrency` >= 1"),
    ({"concurrency": (3, 1)}, ValueError, "1 <= min <= max"),
    ({"concurrency": (1, 2, 3)}, ValueError, "1 <= min <= max"),
    ({"num_gpus": -1}, ValueError, "`num_gpus` >= 0"),
    ({"num_cpus": "1"}, TypeError, "`num_cpus` to be a number"),
]
CALL_ERRORS = [
    ({"dataset": np.zeros((2, 28, 28))}, TypeError, "ray.data.Dataset.*ndarray"),
    ({"column": "image"}, ValueError, r"No column named 'image'.*columns: \['data'\]"),
    ({"column": 3}, TypeError, "column"),
    ({"layer": ["conv2d", "dense"]}, TypeError, "one layer"),
    ({"layer": "conv9"}, ValueError, "No layer named"),
    ({"k": 0}, ValueError, "`k` >= 1"),
    ({"by": "median"}, ValueError, "`by` to be one of"),
    ({"batch_size": 0}, ValueError, "`batch_size` >= 1"),
    ({"stage": "post"}, ValueError, "`stage`"),
    ({"channels": [64]}, ValueError, "channels in 0..63"),
    ({"progress": "yes"}, ValueError, "progress"),
    ({"preprocess": 255}, TypeError, "`preprocess` to be callable"),
    (
        {"preprocess": functools.partial(_locked_prep, lock=threading.Lock())},
        TypeError,
        "`preprocess` to be picklable",
    ),
    ({"preprocess": None}, ValueError, r"images\[\.\.\., None\]"),  # uint8 (B, 28, 28)
]


@pytest.mark.parametrize(("kwargs", "error", "match"), POOL_ERRORS + CALL_ERRORS)
def test_bad_arguments_raise_on_the_driver(small, kwargs, error, match):
    args = {"model_factory": zoo.fashion_cnn, "dataset": small, "layer": "conv2d_1"}
    args |= {"column": "data", "preprocess": prep, "progress": False} | kwargs
    with pytest.raises(error, match=match):
        distributed.top_images(args.pop("model_factory"), args.pop("dataset"), **args)


@pytest.mark.parametrize(("kwargs", "error", "match"), POOL_ERRORS)
def test_bad_pool_arguments_raise(kwargs, error, match):
    args = {"model_factory": zoo.fashion_cnn} | kwargs
    with pytest.raises(error, match=match):
        distributed.Pool(args.pop("model_factory"), **args)


@pytest.fixture(scope="module")
def idle_pool(cluster, tmp_path_factory):
    """A pool whose calls all fail their checks: its actors never start."""
    log = tmp_path_factory.mktemp("idle") / "factory.log"
    with distributed.Pool(functools.partial(counted_fashion_cnn, log), concurrency=1) as pool:
        yield pool, log


@pytest.mark.parametrize(("kwargs", "error", "match"), CALL_ERRORS)
def test_bad_call_arguments_raise_before_the_pool_starts(idle_pool, small, kwargs, error, match):
    pool, log = idle_pool
    args = {"dataset": small, "layer": "conv2d_1", "column": "data", "preprocess": prep}
    args |= {"progress": False} | kwargs
    with pytest.raises(error, match=match):
        pool.top_images(args.pop("dataset"), **args)
    assert log.read_text().split() == [str(os.getpid())]  # the driver's model only


def test_a_model_is_not_a_factory(small):
    with pytest.raises(TypeError, match="not a model: each actor builds its own"):
        distributed.channel_stats(zoo.fashion_cnn(), small, "dense", column="data")


def test_a_factory_must_return_a_model(small):
    with pytest.raises(TypeError, match="to return a `keras.Model`.*returning str"):
        distributed.channel_stats(lambda: "model", small, "dense", column="data")


def test_an_empty_dataset_raises(cluster):
    empty = ray.data.from_numpy(np.zeros((0, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="at least one image"):
        distributed.channel_stats(zoo.fashion_cnn, empty, "dense", column="data", preprocess=prep)


def test_a_bad_preprocess_is_caught_on_the_first_image(small, tmp_path):
    log = tmp_path / "factory.log"
    with pytest.raises(ValueError, match=r"images.shape=\(1, 28, 28, 3\)"):
        distributed.top_images(
            functools.partial(counted_fashion_cnn, log),
            small,
            "dense",
            column="data",
            preprocess=lambda b: np.repeat(prep(b), 3, axis=-1),
        )
    assert log.read_text().split() == [str(os.getpid())]  # the driver's model only


def test_importing_activations_does_not_import_ray():
    code = "import sys, activations; assert 'ray' not in sys.modules, 'ray imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_ray_says_how_to_install_it():
    code = (
        "import sys; sys.modules['ray'] = None\n"
        "try:\n    import activations.distributed\n"
        "except ImportError as err:\n    print(err)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert "pip install 'activations[ray]'" in out.stdout
