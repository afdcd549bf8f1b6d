"""top_images(): the images that drive each channel, against brute force."""

from __future__ import annotations

import base64
import io
import logging
import re
import time
import warnings

import keras
import numpy as np
import pytest
from _models import Elementwise
from _tolerance import assert_close
from PIL import Image

from activations import ReceptiveField, TopImages, activations, top_images

core = pytest.mark.core  # all but the tf.data test run on every backend


def brute_force(maps: np.ndarray, k: int, by: str) -> tuple[np.ndarray, np.ndarray]:
    """Indices (C, k) and values by a full argsort of every image's score."""
    flat = maps.reshape(len(maps), -1, maps.shape[-1])
    score = flat.max(axis=1) if by == "max" else flat.mean(axis=1)
    order = np.argsort(-score.T, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(score.T, order, axis=1)


def assert_same_ranking(top, maps: np.ndarray, k: int, by: str) -> None:
    """Values equal the brute force to float rounding; indices equal where values are not tied."""
    indices, values = brute_force(maps, k, by)
    assert_close(top.values, values)
    flat = maps.reshape(len(maps), -1, maps.shape[-1])
    score = (flat.max(axis=1) if by == "max" else flat.mean(axis=1)).T
    scale = float(np.abs(values).max())
    for c in range(len(indices)):
        # Each index found has the score reported for it (a tie may pick another image).
        assert_close(score[c, top.indices[c]], top.values[c], rel=1e-5)
        gaps = np.abs(np.diff(values[c])) > 1e-4 * scale
        untied = np.concatenate([[True], gaps]) & np.concatenate([gaps, [True]])
        np.testing.assert_array_equal(top.indices[c][untied], indices[c][untied])


@core
@pytest.mark.parametrize("layer", ["conv2d", "max_pooling2d", "conv2d_1", "dense"])
@pytest.mark.parametrize("by", ["max", "mean"])
@pytest.mark.parametrize("batch_size", [1, 4, 7, 128])
def test_equals_brute_force(small_cnn, rng, layer, by, batch_size):
    x = rng.random((30, 12, 12, 1), dtype=np.float32)
    maps = activations(small_cnn, x, layer)
    top = top_images(small_cnn, x, layer, k=5, by=by, batch_size=batch_size, progress=False)
    assert top.indices.shape == top.values.shape == (maps.shape[-1], 5)
    assert top.indices.dtype == np.int64 and top.values.dtype == np.float32
    assert top.n_images == 30 and top.by == by and top.layer == layer
    assert_same_ranking(top, maps, 5, by)


@core
def test_positions_are_the_peaks(small_cnn, rng):
    x = rng.random((20, 12, 12, 1), dtype=np.float32)
    maps = activations(small_cnn, x, "conv2d_1")
    top = top_images(small_cnn, x, "conv2d_1", k=3, batch_size=6, progress=False)
    assert top.positions is not None and top.positions.shape == (6, 3, 2)
    assert top.map_shape == (6, 6)
    for c in range(6):
        for j in range(3):
            row, col = top.positions[c, j]
            image_map = maps[top.indices[c, j], :, :, c]
            assert image_map[row, col] == pytest.approx(image_map.max(), rel=1e-6)


@core
def test_hand_set_values_and_ties(box_model):
    image = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
    images = np.stack([image * 0, image, image * 2, image])  # images 1 and 3 tie
    top = top_images(box_model, images, "conv", k=3, stage="pre", progress=False)
    # channel 0 is the 3x3 box sum (max 90 at (2, 2)); channel 1 is 1 - box sum
    np.testing.assert_array_equal(top.indices, [[2, 1, 3], [0, 1, 3]])
    np.testing.assert_array_equal(top.values, [[180, 90, 90], [1, -9, -9]])
    np.testing.assert_array_equal(top.positions[0], [[2, 2]] * 3)
    np.testing.assert_array_equal(top.positions[1, 0], [0, 0])  # a constant map: first cell


@core
def test_channel_subset_streams_and_small_k(small_cnn, rng):
    x = rng.random((17, 12, 12, 1), dtype=np.float32)
    maps = activations(small_cnn, x, "conv2d")
    batches = (x[i : i + 5] for i in range(0, 17, 5))
    top = top_images(small_cnn, batches, "conv2d", channels=[3, 1], k=2, progress=False)
    np.testing.assert_array_equal(top.channels, [3, 1])
    assert_same_ranking(top, maps[..., [3, 1]], 2, "max")
    one = top_images(small_cnn, x, "conv2d", channels=2, k=1, progress=False)
    assert one.indices.shape == (1, 1)


@core
def test_fewer_images_than_k(small_cnn, rng, caplog):
    x = rng.random((3, 12, 12, 1), dtype=np.float32)
    with caplog.at_level(logging.INFO, logger="activations"):
        top = top_images(small_cnn, x, "conv2d", k=9, progress=False)
    assert top.k == 3 and "fewer than k=9" in caplog.text
    assert_same_ranking(top, activations(small_cnn, x, "conv2d"), 3, "max")


@core
def test_dense_layer_has_no_positions_and_full_crops(small_cnn, rng):
    x = rng.random((6, 12, 12, 1), dtype=np.float32)
    top = top_images(small_cnn, x, "dense", k=2, progress=False)
    assert top.positions is None and top.map_shape == ()
    crops = top.crops(x)
    assert crops[0][0].shape == (12, 12, 1)
    np.testing.assert_array_equal(crops[0][0], x[top.indices[0, 0]])


@core
def test_crops_follow_the_receptive_field(small_cnn, rng):
    x = rng.random((8, 12, 12, 1), dtype=np.float32)
    top = top_images(small_cnn, x, "conv2d_1", k=2, progress=False)
    assert top.field is not None
    boxes = top.patches((12, 12))
    crops = top.crops(x)
    for c in range(6):
        for j in range(2):
            row, col = top.positions[c, j]
            x0, y0, x1, y1 = top.field.patch(int(row), int(col), (12, 12))
            np.testing.assert_array_equal(boxes[c, j], [x0, y0, x1, y1])
            np.testing.assert_array_equal(crops[c][j], x[top.indices[c, j], y0:y1, x0:x1])
    with pytest.warns(DeprecationWarning, match=r"use .patches\(\)"):
        old = top.boxes((12, 12))  # the old (r0, r1, c0, c1) order, one release more
    np.testing.assert_array_equal(old, boxes[..., [1, 3, 0, 2]])


@core
def test_inputs_are_not_modified(small_cnn, rng):
    x = rng.random((5, 12, 12, 1), dtype=np.float32)
    before = x.copy()
    weights = [w.copy() for w in small_cnn.get_weights()]
    top_images(small_cnn, x, "conv2d", progress=False)
    np.testing.assert_array_equal(x, before)
    for old, new in zip(weights, small_cnn.get_weights()):
        np.testing.assert_array_equal(old, new)


@core
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"by": "median"}, ValueError, r"Expected `by` to be one of \['max', 'mean'\]"),
        ({"k": 0}, ValueError, "k"),
        ({"channels": [4]}, ValueError, r"channels in 0\.\.3 \(layer 'conv2d' has 4\)"),
        ({"channels": []}, ValueError, "at least one channel"),
        ({"progress": "yes"}, ValueError, "Expected `progress` to be True, False or"),
        ({"batch_size": 0}, ValueError, "batch_size"),
    ],
)
@core
def test_bad_options(small_cnn, kwargs, error, match):
    with pytest.raises(error, match=match):
        top_images(small_cnn, np.zeros((2, 12, 12, 1), np.float32), "conv2d", **kwargs)


@core
def test_one_layer_only(small_cnn):
    with pytest.raises(TypeError, match="Expected one layer"):
        top_images(small_cnn, np.zeros((2, 12, 12, 1), np.float32), ["conv2d", "dense"])


@core
def test_works_on_a_functional_nested_model(nested_model, rng):
    x = rng.random((11, 8, 8, 3), dtype=np.float32)
    maps = activations(nested_model, x, "inner/conv")
    top = top_images(nested_model, x, "inner/conv", k=4, batch_size=3, progress=False)
    assert_same_ranking(top, maps, 4, "max")
    assert isinstance(nested_model, keras.Model)


@core
def test_class_share_and_live_channels(box_model):
    image = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
    images = np.stack([image * 0, image, image * 2, image * 3])
    top = top_images(box_model, images, "conv", k=2, progress=False)  # after the ReLU
    np.testing.assert_array_equal(top.indices[0], [3, 2])
    np.testing.assert_array_equal(top.live, [True, True])  # channel 1: 1 on the black image
    np.testing.assert_array_equal(top.class_share([0, 1, 1, 1]), [1.0, 0.5])
    with pytest.raises(ValueError, match=r"one label per scanned image, shape \(4,\)"):
        top.class_share([0, 1])


def test_a_tf_data_pipeline_of_x_y_batches(small_cnn, rng):
    import tensorflow as tf

    x = rng.random((20, 12, 12, 1), dtype=np.float32)
    labels = np.arange(20) % 3
    dataset = tf.data.Dataset.from_tensor_slices((x, labels)).batch(6)
    top = top_images(small_cnn, dataset, "conv2d_1", k=4, progress=False)
    assert top.n_images == 20
    assert_same_ranking(top, activations(small_cnn, x, "conv2d_1"), 4, "max")


@pytest.mark.core
@pytest.mark.parametrize("batch_size", [2, 3, 10])
def test_nan_maps_rank_last_at_every_batch_size(batch_size):
    """Images 1, 4 and 7 give NaN maps; the ranking is the same at every batch size."""
    model = keras.Sequential([keras.Input((2, 2, 1)), Elementwise(keras.ops.log, name="same")])
    x = np.arange(1, 11, dtype=np.float32)[:, None, None, None] * np.ones((1, 2, 2, 1), "float32")
    x[[1, 4, 7], 0, 0, 0] = -1.0  # log(-1) is NaN
    top = top_images(model, x, "same", k=3, batch_size=batch_size)
    assert top.indices[0].tolist() == [9, 8, 6]
    with warnings.catch_warnings(record=True) as caught:  # torch adds its own deprecations
        warnings.simplefilter("always")
        top = top_images(model, x, "same", k=9, batch_size=batch_size)
    assert any("maps of images [1, 4] hold NaN" in str(w.message) for w in caught)
    assert top.indices[0].tolist() == [9, 8, 6, 5, 3, 2, 0, 1, 4]
    assert np.isneginf(top.values[0, -2:]).all()


def test_class_share_refuses_negative_or_non_integer_labels(small_cnn, rng):
    x = rng.random((6, 12, 12, 1), dtype=np.float32)
    top = top_images(small_cnn, x, "conv2d", k=2, progress=False)
    with pytest.raises(ValueError, match=r"labels >= 0.*1 negative values, the smallest -1"):
        top.class_share(np.array([0, 1, 2, -1, 0, 1]))
    with pytest.raises(TypeError, match=r"integer class labels.*float64"):
        top.class_share(np.zeros(6))


@pytest.mark.core
@pytest.mark.parametrize("batch_size", [3, 10])
def test_ties_rank_the_earlier_image_first_on_every_backend(batch_size):
    # A bool layer ties every image that fires. Before: torch's topk gave [2, 4] where
    # TensorFlow and JAX gave [0, 1]; TensorFlow's own TopK refused the bool maps.
    model = keras.Sequential(
        [keras.Input((2, 2, 1)), Elementwise(lambda t: keras.ops.greater(t, 0.0), name="fires")]
    )
    x = np.ones((10, 2, 2, 1), np.float32)
    x[[0, 3]] = -1.0  # images 0 and 3 never fire
    top = top_images(model, x, "fires", k=4, batch_size=batch_size, progress=False)
    assert top.indices[0].tolist() == [1, 2, 4, 5]
    np.testing.assert_array_equal(top.values[0], 1.0)


FIELD = ReceptiveField(size=(3, 3), stride=(2, 2), offset=(-1, -1))


def _hand_top(field=FIELD, **changes):
    """5 channels x k=2 over 6 images of 8x8 (channel 10 dead), peaks on a 4x4 map."""
    fields = dict(
        layer="<script>alert(1)</script>",
        channels=np.array([3, 7, 8, 9, 10]),
        indices=np.array([[5, 2], [0, 1], [4, 3], [2, 5], [0, 1]]),
        values=np.array([[4, 3], [2.5, 2], [1, 0.5], [1, 1], [0, 0]], np.float32),
        positions=np.array([[[0, 0], [3, 3]], [[1, 2], [2, 1]]] + [[[1, 1], [1, 1]]] * 3),
        by="max",
        n_images=6,
        map_shape=(4, 4),
        field=field,
        image_shape=(8, 8, 1),
    )
    return TopImages(**(fields | changes))


def _pixels() -> np.ndarray:
    return np.arange(6 * 64, dtype=np.uint8).reshape(6, 8, 8, 1)


def _thumbnails(html: str) -> list[np.ndarray]:
    uris = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    return [np.asarray(Image.open(io.BytesIO(base64.b64decode(uri)))) for uri in uris]


@core
def test_repr_shows_the_first_channels_top_images():
    assert repr(_hand_top()).splitlines() == [
        "TopImages(layer '<script>alert(1)</script>', 5 channels x k=2, of 6 images, by max, "
        "map 4x4, 1 dead)",
        "  channel 3: images [5, 2], max [4, 3]",
        "  channel 7: images [0, 1], max [2.5, 2]",
        "  channel 8: images [4, 3], max [1, 0.5]",
        "  ... and 2 more channels",
    ]


@core
def test_html_escapes_the_layer_and_shows_thumbnails_of_the_patches():
    top = _hand_top()
    html = top._repr_html_()
    assert "<script" not in html and "&lt;script&gt;" in html and "<img" not in html
    assert html.count("<tr>") == 1 + 5 and "(0, 0)" in html
    pixels = _pixels()
    html = top.to_html(pixels)
    assert "<script" not in html and "thumbnails for the first 4 channels" in html
    thumbs = _thumbnails(html)
    assert len(thumbs) == 4 * 2
    # peak (0, 0) of image 5: rows and cols -1..1, clipped to 0..1
    np.testing.assert_array_equal(thumbs[0], pixels[5, 0:2, 0:2, 0])
    np.testing.assert_array_equal(thumbs[1], pixels[2, 5:8, 5:8, 0])  # peak (3, 3)
    np.testing.assert_array_equal(thumbs[2], pixels[0, 1:4, 3:6, 0])  # peak (1, 2)


@core
def test_html_without_a_field_shows_whole_images_on_one_grey_scale():
    images = [np.full((8, 8), float(i)) for i in range(6)]  # floats: 0..5 -> 0..255
    thumbs = _thumbnails(_hand_top(field=None).to_html(images))
    assert [t.shape for t in thumbs] == [(8, 8)] * 8
    assert [int(t[0, 0]) for t in thumbs[:4]] == [255, 102, 0, 51]  # images 5, 2, 0, 1
    dense = _hand_top(field=None, positions=None, map_shape=())
    html = dense.to_html(_pixels())
    assert ">images</th>" in html and "map " not in html and len(_thumbnails(html)) == 8


@core
def test_to_html_refuses_images_that_were_not_scanned():
    top = _hand_top()
    with pytest.raises(ValueError, match=r"the 6 images top_images\(\) scanned.*Received: 5"):
        top.to_html(_pixels()[:5])
    with pytest.raises(ValueError, match=r"of size 8x8.*Received: images of shape \(9, 9\)"):
        top.to_html(np.zeros((6, 9, 9)))
    with pytest.raises(TypeError, match=r"indexable by `top.indices`.*type generator"):
        top.to_html(image for image in _pixels())


@core
def test_repr_of_a_large_result_stays_short_and_fast(rng):
    c, k, n = 512, 9, 10_000
    top = TopImages(
        layer="conv5_block3_out",
        channels=np.arange(c),
        indices=rng.integers(0, n, (c, k)),
        values=-np.sort(-rng.random((c, k), dtype=np.float32), axis=1),
        positions=rng.integers(0, 7, (c, k, 2)),
        by="max",
        n_images=n,
        map_shape=(7, 7),
        field=ReceptiveField(size=(8, 8), stride=(2, 2), offset=(-3, -3)),
        image_shape=(28, 28, 1),
    )
    start = time.perf_counter()
    text = repr(top)
    took = time.perf_counter() - start
    assert len(text) < 400 and len(text.splitlines()) == 5 and took < 0.05
    assert text.endswith("... and 509 more channels")
    html = top.to_html(rng.integers(0, 256, (n, 28, 28, 1), dtype=np.uint8))
    assert html.count("<tr>") == 11 and len(_thumbnails(html)) == 4 * k
    assert "... and 502 more channels" in html
