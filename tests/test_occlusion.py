"""occlusion_sensitivity(): MATLAB's occlusionSensitivity on hand-set and trained models."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from _models import Elementwise
from _sanity import deletion_area
from _tolerance import assert_close
from keras import layers

from activations import datasets, imresize, occlusion_sensitivity, zoo
from activations._explain import copies as _copies
from activations._explain.occlusion import mask_positions
from activations.datasets._fashion_mnist import SYSTEM_DIR

pytestmark = pytest.mark.core

NONE = dict(output_upsampling="none")


def linear_model(shape: tuple[int, int, int], class_weights: list[float]) -> keras.Model:
    """Score of class k = class_weights[k] * sum of all pixels (no bias, no softmax).

    Occluding a box B with value v then lowers class k's score by exactly
    ``class_weights[k] * sum over B of (x - v)``.
    """
    size = int(np.prod(shape))
    model = keras.Sequential(
        [keras.Input(shape), layers.Flatten(), layers.Dense(len(class_weights), use_bias=False)],
        name="linear",
    )
    model.layers[-1].set_weights([np.tile(np.float32(class_weights), (size, 1))])
    return model


@pytest.fixture
def ramp() -> np.ndarray:
    return np.arange(36, dtype=np.float32).reshape(6, 6, 1)


def test_exact_map_of_a_linear_model(ramp):
    model = linear_model((6, 6, 1), [1.0, 2.0])
    # Full 3x3 masks at rows/cols 0..2 and 2..4; zeros in: the drop is the box's pixel sum.
    box_sums = np.array([[63, 81], [171, 189]], np.float32)
    got = occlusion_sensitivity(
        model, ramp, 0, mask_size=3, stride=2, mask_value=0.0, mask_clipping=False, **NONE
    )
    assert got.dtype == np.float32 and got.shape == (2, 2)
    np.testing.assert_array_equal(got, box_sums)
    # label=None: the predicted class, class 1 (twice the score, twice the drop).
    got = occlusion_sensitivity(
        model, ramp, mask_size=3, stride=2, mask_value=0.0, mask_clipping=False, **NONE
    )
    np.testing.assert_array_equal(got, 2 * box_sums)


def test_clipped_masks_at_the_edges():
    # MaskClipping "on": centres at 0, 2, 4 of 5 pixels; spans [0,2), [1,4), [3,5).
    assert mask_positions(5, 3, 2, True) == [(0, 2), (1, 4), (3, 5)]
    assert mask_positions(5, 3, 2, False) == [(0, 3), (2, 5)]
    assert mask_positions(6, 4, 3, True) == [(0, 2), (1, 5)]  # even: one more row before
    model = linear_model((5, 5, 1), [1.0])
    got = occlusion_sensitivity(
        model, np.ones((5, 5, 1)), mask_size=3, stride=2, mask_value=0.0, **NONE
    )
    sizes = np.array([2, 3, 2], np.float32)  # pixels hidden per axis at each position
    np.testing.assert_array_equal(got, np.outer(sizes, sizes))


def test_mask_value_auto_is_the_channel_mean():
    model = linear_model((4, 4, 1), [1.0])
    image = np.arange(16, dtype=np.float32).reshape(4, 4, 1)  # mean 7.5
    got = occlusion_sensitivity(model, image, mask_size=2, stride=2, mask_clipping=False, **NONE)
    np.testing.assert_array_equal(got, [[-20.0, -12.0], [12.0, 20.0]])  # box sum - 4 * 7.5


def test_mask_value_auto_is_each_images_own_mean():
    model = linear_model((2, 2, 1), [1.0])
    image = np.float32([[0, 1], [2, 5]])[..., None]  # mean 2; the second image's mean is 4
    got = occlusion_sensitivity(model, np.stack([image, image + 2]), mask_size=1, stride=1, **NONE)
    np.testing.assert_array_equal(got, [[[-2, -1], [0, 3]], [[-2, -1], [0, 3]]])  # pixel - mean


def test_mask_value_per_channel_and_per_pixel():
    model = linear_model((2, 2, 2), [1.0])
    image = np.stack([np.full((2, 2), 5.0), np.full((2, 2), 1.0)], axis=-1)
    kw = dict(mask_size=1, stride=1, **NONE)
    got = occlusion_sensitivity(model, image, mask_value=[2.0, -1.0], **kw)
    np.testing.assert_array_equal(got, np.full((2, 2), (5 - 2) + (1 + 1)))
    per_pixel = np.zeros((2, 2, 2))
    per_pixel[0, 0] = [5.0, 1.0]  # the pixel itself: hiding it changes nothing
    got = occlusion_sensitivity(model, image, mask_value=per_pixel, **kw)
    np.testing.assert_array_equal(got, [[0.0, 6.0], [6.0, 6.0]])


def test_auto_sizes_follow_matlab_rounding():
    model = linear_model((25, 25, 1), [1.0])
    image = np.random.default_rng(0).random((25, 25, 1), dtype=np.float32)
    # 20% of 25 = 5, 10% of 25 = 2.5 -> 3 (MATLAB rounds halves away from zero).
    auto = occlusion_sensitivity(model, image, **NONE)
    assert auto.shape == (9, 9)  # centres 0, 3, ..., 24
    np.testing.assert_array_equal(
        auto, occlusion_sensitivity(model, image, mask_size=5, stride=3, **NONE)
    )
    model = linear_model((28, 28, 1), [1.0])
    image = np.zeros((28, 28, 1), np.float32)
    image[10:18, 10:18] = 1.0
    auto = occlusion_sensitivity(model, image, **NONE)  # mask 6 (5.6), stride 3 (2.8)
    assert auto.shape == (10, 10)
    np.testing.assert_array_equal(
        auto, occlusion_sensitivity(model, image, mask_size=(6, 6), stride=[3, 3], **NONE)
    )


def test_upsampling_to_the_input_size(ramp):
    model = linear_model((6, 6, 1), [1.0])
    raw = occlusion_sensitivity(model, ramp, mask_size=2, stride=2, **NONE)
    assert raw.shape == (3, 3)
    smooth = occlusion_sensitivity(model, ramp, mask_size=2, stride=2)
    assert smooth.shape == (6, 6) and smooth.dtype == np.float32
    assert_close(smooth, imresize(raw, (6, 6), method="bicubic"))
    blocks = occlusion_sensitivity(model, ramp, mask_size=2, stride=2, output_upsampling="nearest")
    np.testing.assert_array_equal(blocks, np.repeat(np.repeat(raw, 2, axis=0), 2, axis=1))


def test_batches_and_labels(ramp):
    model = linear_model((6, 6, 1), [1.0, -1.0])
    batch = np.stack([ramp, -ramp, ramp])
    kw = dict(mask_size=3, stride=3, mask_value=0.0, mask_clipping=False, **NONE)
    one = occlusion_sensitivity(model, ramp, 0, **kw)
    got = occlusion_sensitivity(model, batch, [0, 1, 1], **kw)
    assert got.shape == (3, 2, 2)
    np.testing.assert_array_equal(got, np.stack([one, one, -one]))
    # None: each image's own prediction (class 0 for ramp, class 1 for -ramp).
    np.testing.assert_array_equal(occlusion_sensitivity(model, batch, **kw), [one, one, one])
    one_label = occlusion_sensitivity(model, batch, 1, **kw)  # class 1 for all three
    np.testing.assert_array_equal(one_label, [-one, one, -one])
    full = occlusion_sensitivity(model, batch, np.array([0, 1, 1]), mask_size=3, stride=3)
    assert full.shape == (3, 6, 6)


def test_batch_size_does_not_change_the_result(small_cnn, rng):
    images = rng.random((3, 12, 12, 1), dtype=np.float32)
    reference = occlusion_sensitivity(small_cnn, images, mask_size=3, stride=2, batch_size=128)
    for batch_size in (1, 7, 36):
        got = occlusion_sensitivity(
            small_cnn, images, mask_size=3, stride=2, batch_size=batch_size
        )
        assert_close(got, reference)


@pytest.mark.parametrize(
    ("batch_size", "passes"), [(128, [15]), (6, [6, 6, 3]), (2, [2] * 7 + [1])]
)
def test_unoccluded_scores_share_the_passes_of_the_copies(ramp, monkeypatch, batch_size, passes):
    # 3 images x (1 unoccluded + 4 masks) = 15 rows: one pass per batch_size of them, no
    # extra pass for the scores without occlusion, whichever batch they end in.
    sizes: list[int] = []
    forward = _copies.run_extractor

    def counted(extractor, batch):  # the real forward pass, counted
        sizes.append(len(batch))
        return forward(extractor, batch)

    monkeypatch.setattr(_copies, "run_extractor", counted)
    model = linear_model((6, 6, 1), [1.0, -1.0])
    batch = np.stack([ramp, -ramp, ramp])
    kw = dict(mask_size=3, stride=3, mask_value=0.0, mask_clipping=False, batch_size=batch_size)
    got = occlusion_sensitivity(model, batch, **kw, **NONE)
    box_sums = np.float32([[63, 90], [225, 252]])
    np.testing.assert_array_equal(got, np.stack([box_sums] * 3))  # predicted class of each
    assert sizes == passes


def test_inputs_and_model_unchanged(small_cnn, rng):
    images = rng.random((2, 12, 12, 1), dtype=np.float32)
    kept = images.copy()
    weights = [w.copy() for w in small_cnn.get_weights()]
    occlusion_sensitivity(small_cnn, images, [0, 2], mask_value=np.zeros(1))
    np.testing.assert_array_equal(images, kept)
    for before, after in zip(weights, small_cnn.get_weights()):
        np.testing.assert_array_equal(before, after)
    assert not small_cnn.compiled


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        (dict(mask_size="big"), ValueError, r'`mask_size` to be "auto".*mask_size=\'big\''),
        (dict(mask_size=0), ValueError, r"`mask_size` >= 1. Received: mask_size=0"),
        (dict(mask_size=2.5), TypeError, r"`mask_size` to be an int"),
        (dict(mask_size=7), ValueError, r"at most the image size \(6, 6\).*mask_size=7"),
        (dict(stride=(1, 2, 3)), ValueError, r"pair \(rows, cols\). Received: stride=\(1, 2, 3\)"),
        (dict(stride=True), TypeError, r"`stride` to be an int"),
        (dict(mask_value="mean"), ValueError, r"Received: mask_value='mean'"),
        (dict(mask_value=None), TypeError, r"`mask_value` to be a number"),
        (dict(mask_value=[1.0, 2.0]), ValueError, r"1 channel values.*shape \(2,\)"),
        (dict(mask_value=np.nan), ValueError, r"finite `mask_value`"),
        (dict(output_upsampling="linear"), ValueError, r"\['bicubic', 'nearest', 'none'\]"),
        (dict(mask_clipping="on"), TypeError, r"`mask_clipping` to be a bool"),
        (dict(batch_size=0), ValueError, r"`batch_size` >= 1. Received: batch_size=0"),
        (dict(label=2), ValueError, r"`label` in \[0, 1\].*label=2"),
        (dict(label=-1), ValueError, r"`label` in \[0, 1\]"),
        (dict(label=1.0), TypeError, r"`label` to be None, a class index or one index per"),
        (dict(label=[0, 1]), ValueError, r"one index per image \(1\). Received: label=\[0, 1\]"),
    ],
)
def test_errors(ramp, options, error, match):
    model = linear_model((6, 6, 1), [1.0, 2.0])
    with pytest.raises(error, match=match):
        occlusion_sensitivity(model, ramp, **options)


def test_wrong_models_and_images(ramp):
    with pytest.raises(TypeError, match=r"keras"):
        occlusion_sensitivity("model", ramp)
    model = linear_model((6, 6, 1), [1.0])
    streamed = occlusion_sensitivity(model, (b for b in [ramp[None]]), 0)  # a stream works
    assert_close(streamed[0], occlusion_sensitivity(model, ramp, 0))
    with pytest.raises(ValueError, match=r"Expected one image of shape"):
        occlusion_sensitivity(model, np.zeros((5, 5, 1)))
    conv = keras.Sequential([keras.Input((6, 6, 1)), layers.Conv2D(2, 3)], name="conv")
    with pytest.raises(ValueError, match=r"shape \(N, classes\).*gives shape \(4, 4, 2\)"):
        occlusion_sensitivity(conv, ramp)


def test_a_model_without_image_input_is_refused_for_what_it_is():
    dense = keras.Sequential([keras.Input((8,)), layers.Dense(3)], name="flat")
    for given in (np.zeros((2, 8), np.float32), np.zeros(8, np.float32)):
        with pytest.raises(ValueError) as caught:
            occlusion_sensitivity(dense, given)
        assert str(caught.value) == (
            "Expected a model that takes images of shape (H, W, C): occlusion sensitivity "
            "hides patches of each image. Received: model 'flat' with input shape (8,) and "
            f"images.shape={given.shape}"
        )


def test_trained_fashion_cnn_finds_the_boot():
    model = zoo.fashion_cnn()
    image, label = datasets.fashion_sample()
    x = image[..., None] / 255.0
    raw = occlusion_sensitivity(model, x, label, mask_size=4, stride=2, **NONE)
    assert raw.shape == (14, 14) and np.isfinite(raw).all()
    assert raw.max() > 0.0 and raw.max() > raw[0, 0]  # the boot matters more than a corner
    full = occlusion_sensitivity(model, x, label, mask_size=4, stride=2)
    assert full.shape == (28, 28) and np.isfinite(full).all()
    # Hiding the most important patch lowers the boot's probability more than a corner does.
    row, col = np.unravel_index(np.argmax(raw), raw.shape)
    hidden, corner = x.copy(), x.copy()
    r0, c0 = max(0, 2 * row - 2), max(0, 2 * col - 2)
    hidden[r0 : 2 * row + 2, c0 : 2 * col + 2] = x.mean()
    corner[0:2, 0:2] = x.mean()
    probs = model.predict_on_batch(np.stack([x, hidden, corner]).astype(np.float32))
    p = np.asarray(probs)[:, label]
    assert p[0] - p[1] > p[0] - p[2]
    assert_close(p[0] - p[1], raw[row, col], rel=1e-4)


@pytest.mark.dataset
@pytest.mark.skipif(not SYSTEM_DIR.is_dir(), reason="dataset-fashion-mnist is not installed")
def test_deleting_the_most_sensitive_pixels_first_drops_the_score_faster():
    from activations.datasets import fashion_mnist

    _, (x_test, y_test) = fashion_mnist()
    x = x_test[:64, ..., None].astype(np.float32) / 255
    y = y_test[:64].astype(np.int64)
    model = zoo.fashion_cnn()
    maps = occlusion_sensitivity(model, x, y, mask_size=4, stride=2)
    rng = np.random.default_rng(0)

    ours = deletion_area(model, x, y, [np.argsort(-m.ravel(), kind="stable") for m in maps])
    random = deletion_area(model, x, y, [rng.permutation(28 * 28) for _ in x])
    assert ours < random - 0.05, (ours, random)  # measured: 0.452 vs 0.661


def test_models_with_several_outputs_name_their_score_layer(rng):
    inputs = keras.Input((6, 6, 1))
    flat = keras.layers.Flatten(name="flat")(inputs)
    box = keras.layers.Dense(4, name="box")(flat)
    score = keras.layers.Dense(2, activation="softmax", name="score")(flat)
    model = keras.Model(inputs, [score, box])  # the score is not the last layer
    x = rng.random((6, 6, 1), dtype=np.float32)
    kw = dict(mask_size=2, stride=2, output_upsampling="none")
    with pytest.raises(ValueError, match=r"2 outputs \['score', 'box'\]; occlusion sensitivity"):
        occlusion_sensitivity(model, x, **kw)
    named = occlusion_sensitivity(model, x, 1, reduction_layer="score", **kw)
    scorer = keras.Model(inputs, score)
    np.testing.assert_allclose(named, occlusion_sensitivity(scorer, x, 1, **kw), atol=1e-7)


def test_a_subclassed_model_with_a_named_score_layer(subclassed_model, rng):
    x = rng.random((10, 10, 3), dtype=np.float32)
    kw = dict(mask_size=4, stride=4, output_upsampling="none", mask_value=0.0)
    found = occlusion_sensitivity(subclassed_model, x, 0, reduction_layer="fc", **kw)
    copy = x.copy()
    copy[:2, :2] = 0.0  # the first mask, clipped at the corner
    scores = np.asarray(subclassed_model.predict_on_batch(np.stack([x, copy]))[0])
    first = scores[0, 0] - scores[1, 0]
    assert found.shape == (3, 3)
    assert found[0, 0] == pytest.approx(first, abs=1e-5)


@pytest.mark.core
def test_an_iterable_of_batches_gives_the_arrays_maps(ramp):
    model = linear_model((6, 6, 1), [1.0, 2.0])
    x = np.stack([ramp, ramp[::-1], ramp[:, ::-1]])
    options = dict(mask_size=2, stride=2, label=1)
    expected = occlusion_sensitivity(model, x, **options)
    streamed = occlusion_sensitivity(model, iter([x[:2], x[2:]]), progress=False, **options)
    np.testing.assert_allclose(streamed, expected, rtol=1e-6, atol=1e-6)


def test_batch_size_errors_are_those_of_every_function(ramp):
    model = linear_model((6, 6, 1), [1.0, 2.0])
    with pytest.raises(TypeError, match=r"`batch_size` to be an int. Received: batch_size='a'"):
        occlusion_sensitivity(model, ramp, batch_size="a")


@pytest.mark.parametrize("label", [None, 0])
def test_an_image_with_a_score_that_is_not_finite_gets_a_nan_map(rng, label):
    # Before: imresize's "Expected `array` without NaN values", an array never passed.
    model = keras.Sequential(
        [
            keras.Input((6, 6, 1)),
            Elementwise(keras.ops.sqrt),  # a negative pixel: NaN
            keras.layers.Flatten(),
            keras.layers.Dense(2, activation="softmax", kernel_initializer="ones"),
        ]
    )
    x = rng.random((3, 6, 6, 1), dtype=np.float32) + 0.5
    x[2, 0, 0, 0] = -1.0
    with pytest.warns(RuntimeWarning, match=r"occlusion_sensitivity: 1 of 3 .* images \[2\]"):
        maps = occlusion_sensitivity(model, x, label, mask_size=2, stride=2, mask_value=1.0)
    assert maps.shape == x.shape[:3]
    assert np.isnan(maps[2]).all() and np.isfinite(maps[:2]).all()
    alone = occlusion_sensitivity(model, x[:2], label, mask_size=2, stride=2, mask_value=1.0)
    np.testing.assert_allclose(maps[:2], alone, rtol=1e-5, atol=1e-6)


def scaled_channels_model(shape: tuple[int, int, int]) -> keras.Model:
    """A 1x1 conv whose channel k is (k + 1) times the pixel (no bias, no activation).

    Channel k's total activation is (k + 1) times the pixel sum, so hiding a box
    with zeros lowers it by exactly (k + 1) times the box's pixel sum.
    """
    model = keras.Sequential(
        [keras.Input(shape), layers.Conv2D(3, 1, use_bias=False, name="conv"), layers.Flatten()],
        name="scaled",
    )
    model.get_layer("conv").set_weights([np.float32([1, 2, 3]).reshape(1, 1, 1, 3)])
    return model


def test_channel_occlusion_is_the_drop_of_the_channels_total(ramp):
    model = scaled_channels_model((6, 6, 1))
    box_sums = np.array([[63, 81], [171, 189]], np.float32)
    options = dict(mask_size=3, stride=2, mask_value=0.0, mask_clipping=False, **NONE)
    for channel in range(3):
        got = occlusion_sensitivity(model, ramp, layer="conv", channel=channel, **options)
        np.testing.assert_array_equal(got, (channel + 1) * box_sums)
    both = occlusion_sensitivity(model, np.stack([ramp, 2 * ramp]), layer=0, channel=1, **options)
    np.testing.assert_array_equal(both, np.stack([2 * box_sums, 4 * box_sums]))


def test_channel_occlusion_of_a_dense_layer_is_the_drop_of_its_unit(ramp):
    # A layer without a map: the "total" is the unit's value (class score without softmax).
    model = linear_model((6, 6, 1), [1.0, 2.0])
    options = dict(mask_size=3, stride=2, mask_value=0.0, mask_clipping=False, **NONE)
    by_class = occlusion_sensitivity(model, ramp, 1, **options)
    by_unit = occlusion_sensitivity(model, ramp, layer=-1, channel=1, **options)
    np.testing.assert_array_equal(by_unit, by_class)


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        (dict(layer="conv"), ValueError, r"`layer` and `channel` together .* only layer='conv'"),
        (dict(channel=1), ValueError, r"`layer` and `channel` together .* only channel=1"),
        (dict(layer="conv", channel=1, label=0), ValueError, r"`label=None` .* label=0"),
        (dict(layer="conv", channel=3), ValueError, r"channel` in \[0, 2\] .* channel=3"),
        (dict(layer="conv", channel=1.0), TypeError, r"`channel` to be an int"),
        (dict(layer="conv9", channel=0), ValueError, r"No layer named `conv9`"),
    ],
)
def test_channel_errors(ramp, options, error, match):
    with pytest.raises(error, match=match):
        occlusion_sensitivity(scaled_channels_model((6, 6, 1)), ramp, **options)
