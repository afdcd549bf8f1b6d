"""Tests of activations.plot._compare (plot_compare, plot_photos)."""

from __future__ import annotations

import numpy as np
import pytest
from _figures import is_red_near, pixel_of, rendered

from activations import imresize
from activations._arrays.region import cell_blocks
from activations.plot import plot_compare, plot_photos


@pytest.fixture
def image(rng) -> np.ndarray:
    return rng.uniform(size=(8, 8, 3))


@pytest.fixture
def act() -> np.ndarray:
    return np.arange(4 * 4 * 3, dtype=np.float32).reshape(4, 4, 3) - 10.0


def test_compare_shares_one_colour_scale(image, act):
    image_b = image[:6]  # a different size
    act_b = act * 0.5
    fig = plot_compare(
        image, image_b, act, act_b, [2, 0], captions=("open", "closed"), layer_name="c5"
    )
    assert len(fig.axes) == 2 * 3 + 1
    maps = [imresize(act[..., c], (8, 8), method="bilinear") for c in (2, 0)]
    maps += [imresize(act_b[..., c], (6, 8), method="bilinear") for c in (2, 0)]
    shared = (min(m.min() for m in maps), max(m.max() for m in maps))
    drawn = [ax for ax in fig.axes[:-1] if ax.images and ax.images[0].get_cmap().name == "gray"]
    assert len(drawn) == 4
    for ax, expected in zip(drawn, maps, strict=True):
        np.testing.assert_array_equal(ax.images[0].get_array(), expected)
        assert ax.images[0].get_clim() == pytest.approx(shared)
    titles = [ax.get_title() for ax in fig.axes[:-1]]
    assert titles == [
        "open", "open: channel 2", "open: channel 0",
        "closed", "closed: channel 2", "closed: channel 0",
    ]  # fmt: skip
    assert fig.get_suptitle() == "c5: channels 2, 0 on 'open' and 'closed' (4x4 map, bilinear)"
    assert fig.axes[-1].get_ylim() == pytest.approx(shared)


def test_coarse_maps_are_blocks_and_the_region_is_on_every_map(act):
    photo_a = np.full((40, 40, 3), 200, np.uint8)  # 10 pixels per cell: coarse
    photo_b = photo_a.copy()
    photo_b[12:20, 10:30] = 0
    box = (10, 12, 30, 20)
    fig = plot_compare(photo_a, photo_b, act, act * 0.5, [0, 1], layer_name="prelu3", region=box)
    np.testing.assert_array_equal(
        fig.axes[1].images[0].get_array(), cell_blocks(act[..., 0], (40, 40))
    )
    assert fig.get_suptitle().endswith("(4x4 map, one block per cell; red: the region)")
    pixels = rendered(fig)
    for ax in fig.axes[:6]:  # the photos and every map of both rows
        assert is_red_near(pixels, *pixel_of(ax, 19.5, 11.5, pixels))
        assert is_red_near(pixels, *pixel_of(ax, 29.5, 15.5, pixels))
        assert not is_red_near(pixels, *pixel_of(ax, 19.5, 30.0, pixels))
    plain = plot_compare(photo_a, photo_b, act, act * 0.5, [0, 1])  # no region: no red
    pixels = rendered(plain)
    assert not any(is_red_near(pixels, *pixel_of(ax, 19.5, 11.5, pixels)) for ax in plain.axes[:6])


def test_difference_row_on_a_symmetric_scale(act):
    photo = np.zeros((40, 40, 3), np.uint8)
    act_b = act.copy()
    act_b[1, 2, :] -= 6.0  # a rise at one cell
    act_b[0, 0, 1] += 2.0  # a drop at another
    fig = plot_compare(photo, photo, act, act_b, [1], difference=True, region=(0, 0, 10, 10))
    assert len(fig.axes) == 3 * 2 + 2  # 3 rows x 2 panels + 2 colour bars
    diff_ax = fig.axes[5]
    assert diff_ax.get_title() == "a - b: channel 1"
    expected = cell_blocks(act[..., 1].astype(np.float64) - act_b[..., 1], (40, 40))
    np.testing.assert_array_equal(diff_ax.images[0].get_array(), expected)
    assert diff_ax.images[0].get_clim() == (-6.0, 6.0)
    assert diff_ax.images[0].get_cmap().name == "RdBu_r"
    assert fig.axes[-1].get_ylabel() == "a - b, activation (red: drop)"
    assert fig.axes[4].get_title() == "the photos are identical"  # and no scale for nothing
    pixels = rendered(fig)
    assert is_red_near(pixels, *pixel_of(diff_ax, 4.5, -0.5, pixels))


def test_where_the_photos_differ_on_its_own_scale_with_a_bar_and_the_region(act):
    photo_a = np.full((40, 40, 3), 200, np.uint8)
    photo_b = photo_a.copy()
    photo_b[12:20, 10:30] = (190, 180, 150)  # a small change: at most 50 of 255
    box = (10, 12, 30, 20)
    fig = plot_compare(photo_a, photo_b, act, act * 0.5, [0], difference=True, region=box)
    change_ax = fig.axes[4]
    assert change_ax.get_title() == "where the photos differ: |a - b|"
    faded, change = change_ax.images
    assert faded.get_alpha() < 0.5  # photo a, faded, for where the change is
    expected = np.zeros((40, 40))
    expected[12:20, 10:30] = 50  # the largest of R, G, B
    np.testing.assert_array_equal(change.get_array().filled(0), expected)
    assert change.get_array().mask[0, 0] and not change.get_array().mask[15, 15]
    assert change.get_clim() == (0.0, 50.0)  # its own maximum, not 255
    bars = [ax for ax in fig.axes if ax.get_ylabel().startswith("pixel value (0..255)")]
    assert len(bars) == 1 and bars[0].get_ylim() == pytest.approx((0.0, 50.0))
    pixels = rendered(fig)
    row, col = pixel_of(change_ax, 20.0, 15.5, pixels)
    strong = pixels[row, col].astype(int)  # the changed pixels: the top of "Reds"
    assert strong[0] > 80 and strong[0] > strong[1] + 40 and strong[0] > strong[2] + 40
    assert is_red_near(pixels, *pixel_of(change_ax, 9.5, 15.5, pixels))  # the region


def test_one_photo_for_both_rows_is_drawn_once(image, act):
    labels = ("conv3 (before PReLU)", "prelu3 (after PReLU)")
    fig = plot_compare(image, None, act, act * 0.5, [0, 2], captions=labels)
    photo_ax, empty = fig.axes[0], fig.axes[3]
    assert photo_ax.get_title() == "photo (both rows)"
    assert not empty.images and not empty.axison and empty.get_title() == ""
    assert [fig.axes[i].get_title() for i in (1, 4)] == [
        "conv3 (before PReLU): channel 0", "prelu3 (after PReLU): channel 0",
    ]  # fmt: skip
    with_diff = plot_compare(image, None, act, act * 0.5, [0], captions=labels, difference=True)
    assert not with_diff.axes[4].images  # no photo difference to draw


def test_compare_single_channel_and_constant_maps(image):
    flat = np.full((4, 4, 2), 3.0)
    fig = plot_compare(image, image, flat, flat, 1)
    assert len(fig.axes) == 2 * 2 + 1
    assert fig.axes[1].images[0].get_clim() == (3.0, 4.0)
    assert fig.axes[1].get_title() == "image a: channel 1"


def test_names_with_dollars_are_plain_text(image, act):
    fig = plot_compare(image, image, act, act, [0], captions=("a$^^$", "b"), layer_name="x$_{$")
    rendered(fig)  # parsing either as mathtext would fail here
    assert fig.get_suptitle().startswith("x$_{$: channels 0 on 'a$^^$' and 'b'")


def test_compare_leaves_inputs_alone(image, act):
    before = (image.copy(), act.copy())
    plot_compare(image, image, act, act, [0], difference=True, region=(0, 0, 4, 4))
    np.testing.assert_array_equal(image, before[0])
    np.testing.assert_array_equal(act, before[1])


def test_compare_errors(image, act):
    with pytest.raises(ValueError, match=r"same number of channels.*act_b.shape=\(4, 4, 2\)"):
        plot_compare(image, image, act, act[..., :2], [0])
    with pytest.raises(ValueError, match=r"at least one channel. Received: channels=\[\]"):
        plot_compare(image, image, act, act, [])
    with pytest.raises(ValueError, match=r"`channels` in \[0, 2\].*channels=5"):
        plot_compare(image, image, act, act, [0, 5])
    with pytest.raises(TypeError, match="int or a sequence of ints.*channels='0'"):
        plot_compare(image, image, act, act, "0")
    with pytest.raises(ValueError, match=r"pair of str.*captions=\('a',\)"):
        plot_compare(image, image, act, act, [0], captions=("a",))
    with pytest.raises(TypeError, match=r"pair of str.*captions=\('a', 1\)"):
        plot_compare(image, image, act, act, [0], captions=("a", 1))
    with pytest.raises(ValueError, match=r"image_b.shape=\(8,\)"):
        plot_compare(image, np.zeros(8), act, act, [0])
    with pytest.raises(ValueError, match="photos of the same size to draw one region"):
        plot_compare(image, image[:6], act, act, [0], region=(0, 0, 2, 2))
    with pytest.raises(ValueError, match=r"same shape for difference=True"):
        plot_compare(image, image, act, act[:2], [0], difference=True)


def test_photos_are_labelled_with_the_region_in_red():
    gray = np.full((40, 50, 3), 100, np.uint8)
    fig = plot_photos([gray, gray], captions=["eyes open", "eye closed"], region=(10, 5, 30, 25))
    assert [ax.get_title() for ax in fig.axes] == ["eyes open", "eye closed"]
    pixels = rendered(fig)
    for ax in fig.axes:
        assert is_red_near(pixels, *pixel_of(ax, 19.5, 4.5, pixels))
        assert not is_red_near(pixels, *pixel_of(ax, 19.5, 15.0, pixels))
    assert [ax.get_title() for ax in plot_photos([gray]).axes] == ["image 1"]


def test_photos_errors():
    gray = np.zeros((4, 4))
    with pytest.raises(ValueError, match="at least one image"):
        plot_photos([])
    with pytest.raises(ValueError, match=r"one str caption per image \(2\)"):
        plot_photos([gray, gray], captions=["a"])
    with pytest.raises(ValueError, match="0 <= x0 < x1 <= 4"):
        plot_photos([gray], region=(0, 0, 5, 1))


def test_the_old_caption_names_still_work_with_a_deprecation_warning():
    image, act = np.zeros((8, 8, 3)), np.arange(4 * 4 * 2.0).reshape(4, 4, 2)
    with pytest.warns(DeprecationWarning, match=r"plot_compare\(labels=...\) is deprecated"):
        plot_compare(image, image, act, act, [0], labels=("a", "b"), layer_name="x")
    with pytest.warns(DeprecationWarning, match=r"plot_compare\(layer=...\) is deprecated"):
        fig = plot_compare(image, image, act, act, [0], layer="conv9")
    assert fig.texts[0].get_text().startswith("conv9: ")
    with pytest.raises(TypeError, match=r"unexpected keyword arguments \['colour'\]"):
        plot_compare(image, image, act, act, [0], colour="red")
