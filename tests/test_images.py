"""Reading image files and fitting them to a model."""

from __future__ import annotations

import logging
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from activations.cli._images import fit_image, read_image


@pytest.fixture
def rgb() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (6, 8, 3), dtype=np.uint8)


# --- read_image --------------------------------------------------------------


def test_read_rgb_png_exactly(tmp_path, rgb):
    Image.fromarray(rgb).save(tmp_path / "a.png")
    out = read_image(tmp_path / "a.png")
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, rgb)


def test_read_gray_png_gives_one_channel(tmp_path):
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    Image.fromarray(gray).save(tmp_path / "g.png")
    np.testing.assert_array_equal(read_image(str(tmp_path / "g.png")), gray[..., None])


def test_read_rgba_drops_alpha_and_logs(tmp_path, rgb, caplog):
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 7, np.uint8)])
    Image.fromarray(rgba).save(tmp_path / "a.png")
    with caplog.at_level(logging.INFO, logger="activations"):
        out = read_image(tmp_path / "a.png")
    np.testing.assert_array_equal(out, rgb)
    assert "from Pillow mode RGBA to RGB" in caplog.text


def test_read_palette_image_as_rgb(tmp_path):
    image = Image.new("P", (2, 1))
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    image.putdata([0, 1])
    image.save(tmp_path / "p.png")
    np.testing.assert_array_equal(read_image(tmp_path / "p.png"), [[[255, 0, 0], [0, 0, 255]]])


def test_read_16_bit_gray_is_scaled_to_uint8(tmp_path):
    Image.fromarray(np.array([[0, 65535, 32896]], dtype=np.uint16)).save(tmp_path / "d.png")
    np.testing.assert_array_equal(read_image(tmp_path / "d.png")[..., 0], [[0, 255, 128]])


# The scale comes from the file's pixel type, never from its brightest pixel.


def test_16_bit_pngs_read_a_pixel_the_same_whatever_their_brightest(tmp_path):
    Image.fromarray(np.array([[0, 100, 200]], np.uint16)).save(tmp_path / "dim.png")
    Image.fromarray(np.array([[0, 200, 60000]], np.uint16)).save(tmp_path / "bright.png")
    Image.fromarray(np.array([[0, 100, 200]], np.uint8)).save(tmp_path / "eight.png")
    with Image.open(tmp_path / "dim.png") as file:
        assert file.mode == "I;16"  # a real 16-bit PNG
    dim, bright = read_image(tmp_path / "dim.png"), read_image(tmp_path / "bright.png")
    assert dim[0, 2, 0] == bright[0, 1, 0] == 1  # 200 * 255 / 65535, rounded
    np.testing.assert_array_equal(bright[..., 0], [[0, 1, 233]])
    np.testing.assert_array_equal(read_image(tmp_path / "eight.png")[..., 0], [[0, 100, 200]])


def test_a_float_tiff_of_0_to_1_keeps_its_levels(tmp_path):
    gradient = np.linspace(0, 1, 256, dtype=np.float32).reshape(16, 16)
    Image.fromarray(gradient).save(tmp_path / "ramp.tif")
    with Image.open(tmp_path / "ramp.tif") as file:
        assert file.mode == "F"
    np.testing.assert_array_equal(read_image(tmp_path / "ramp.tif")[..., 0],
                                  np.arange(256).reshape(16, 16))  # fmt: skip


@pytest.mark.parametrize(
    ("values", "found"),
    [
        ([[0.0, 0.5], [1.0, 1.5]], "values 0..1.5"),
        ([[0.0, np.nan], [-0.25, 1.0]], "values -0.25..1 and NaN"),
    ],
)
def test_float_pixels_outside_0_to_1_are_refused_naming_the_file(tmp_path, values, found):
    Image.fromarray(np.array(values, np.float32)).save(tmp_path / "hdr.tif")
    with pytest.raises(ValueError, match=rf"'.*hdr.tif' as an image: float pixels are read as "
                       rf"0..1 \(0 black, 1 white\) and it holds {found}"):  # fmt: skip
        read_image(tmp_path / "hdr.tif")


def test_signed_16_bit_is_shifted_1_bit_is_0_or_255(tmp_path):
    tifffile = pytest.importorskip("tifffile")
    tifffile.imwrite(tmp_path / "signed.tif", np.array([[-32768, -1, 0, 32767]], np.int16))
    np.testing.assert_array_equal(
        read_image(tmp_path / "signed.tif")[..., 0], [[0, 127, 128, 255]]
    )
    Image.fromarray(np.array([[False, True]])).save(tmp_path / "mask.png")
    np.testing.assert_array_equal(read_image(tmp_path / "mask.png")[..., 0], [[0, 255]])


def test_32_bit_integer_pixels_are_refused(tmp_path):
    Image.fromarray(np.array([[0, 70000]], np.int32)).save(tmp_path / "wide.tif")
    with pytest.raises(
        ValueError, match="'.*wide.tif' as an image: its pixels are 32-bit integers"
    ):
        read_image(tmp_path / "wide.tif")


def test_read_jpeg(tmp_path):
    Image.fromarray(np.full((8, 8, 3), 200, np.uint8)).save(tmp_path / "a.jpg", quality=95)
    out = read_image(tmp_path / "a.jpg")
    assert out.shape == (8, 8, 3)
    assert np.abs(out.astype(int) - 200).max() <= 2


def test_read_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="No image file at"):
        read_image(tmp_path / "missing.png")


def test_read_directory_is_not_an_image_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="No image file at"):
        read_image(tmp_path)


def test_read_text_file_is_not_an_image(tmp_path):
    (tmp_path / "fake.png").write_text("not an image")
    with pytest.raises(ValueError, match="Could not read .*fake.png.* as an image"):
        read_image(tmp_path / "fake.png")


def test_read_truncated_png(tmp_path, rgb):
    Image.fromarray(rgb).save(tmp_path / "a.png")
    data = (tmp_path / "a.png").read_bytes()
    (tmp_path / "b.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="Could not read"):
        read_image(tmp_path / "b.png")


def png_claiming(path: Path, width: int, height: int) -> Path:
    """A tiny PNG (under 80 bytes) whose header claims ``width`` x ``height`` gray pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    path.write_bytes(data + chunk(b"IDAT", zlib.compress(bytes(16))) + chunk(b"IEND", b""))
    return path


def test_read_decompression_bomb_is_a_value_error(tmp_path):
    bomb = png_claiming(tmp_path / "bomb.png", 20000, 20000)
    assert bomb.stat().st_size < 80
    with pytest.raises(
        ValueError,
        match=r"bomb.png' as an image: its header claims 400,000,000 pixels, more than the "
        r"89,478,485 that PIL.Image.MAX_IMAGE_PIXELS allows \(a decompression bomb\?\)",
    ):
        read_image(bomb)


def test_read_refuses_images_over_the_limit_not_only_twice_over(tmp_path, monkeypatch):
    # Pillow only warns between MAX_IMAGE_PIXELS and twice that: refused all the same.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    Image.fromarray(np.zeros((10, 12), np.uint8)).save(tmp_path / "big.png")
    with pytest.raises(ValueError, match=r"claims 120 pixels, more than the 100 that"):
        read_image(tmp_path / "big.png")
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(tmp_path / "ok.png")
    assert read_image(tmp_path / "ok.png").shape == (10, 10, 1)


def test_read_rejects_non_path():
    with pytest.raises(TypeError, match="Expected `path` to be a path. Received: path=3"):
        read_image(3)


# --- fit_image ---------------------------------------------------------------


def test_fit_keeps_a_fitting_image(rgb):
    out = fit_image(rgb, channels=3, size=(6, 8))
    np.testing.assert_array_equal(out, rgb)
    assert out is not rgb


def test_fit_rgb_to_gray_uses_luma(caplog):
    image = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], dtype=np.uint8)
    with caplog.at_level(logging.INFO, logger="activations"):
        out = fit_image(image, channels=1, size=None, name="photo")
    np.testing.assert_array_equal(out[..., 0], [[76, 150, 29]])
    assert "Converted photo from 3 to 1 channels" in caplog.text


def test_fit_gray_to_rgb_repeats():
    gray = np.array([[[10], [20]]], dtype=np.uint8)
    np.testing.assert_array_equal(
        fit_image(gray, channels=3, size=None), [[[10, 10, 10], [20, 20, 20]]]
    )


def test_fit_resizes_to_model_size_and_logs(caplog):
    image = np.full((4, 6, 1), 9, np.uint8)
    with caplog.at_level(logging.INFO, logger="activations"):
        out = fit_image(image, channels=1, size=(2, 3))
    np.testing.assert_array_equal(out, np.full((2, 3, 1), 9, np.uint8))
    assert "Resized image from 4x6 to the model's input size 2x3" in caplog.text


def test_fit_free_sides_keep_the_image_size():
    image = np.zeros((4, 6, 3), np.uint8)
    assert fit_image(image, channels=None, size=(None, None)).shape == (4, 6, 3)
    assert fit_image(image, channels=3, size=(2, None)).shape == (2, 6, 3)


def test_fit_never_modifies_input(rgb):
    before = rgb.copy()
    fit_image(rgb, channels=1, size=(3, 3))
    np.testing.assert_array_equal(rgb, before)


def test_fit_rejects_other_channel_counts(rgb):
    with pytest.raises(ValueError, match="The model takes 4-channel inputs"):
        fit_image(rgb, channels=4, size=None)


def test_fit_rejects_bad_image_shape():
    with pytest.raises(ValueError, match=r"Expected an image of shape \(H, W, 1\|3\)"):
        fit_image(np.zeros((4, 4), np.uint8), channels=1, size=None)
