"""Write the two face portraits shipped in ``data/`` (``activations/data`` in the package).

``face.png`` is a square crop of scikit-image's astronaut photo (Eileen
Collins, NASA, public domain) around her face. ``face_eye_closed.png`` is the
same crop with the eye on the image's right (her left eye) closed: the open
eye is inpainted away (biharmonic inpainting on an ellipse around MTCNN's
eye keypoint) and an anti-aliased lid line with lashes is drawn in its place.
Everything is deterministic; run from the repository root::

    python data/make_face_images.py [OUTPUT_DIR]

The crop and the eye box found here are written down as constants
(``CROP_BOX`` below, ``EYE_CLOSED_BOX`` in ``activations/datasets/_faces.py``)
and the script checks that it still finds them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import skimage.data
from PIL import Image
from skimage.draw import disk, ellipse
from skimage.filters import gaussian
from skimage.measure import block_reduce
from skimage.restoration import inpaint_biharmonic

from activations.datasets._faces import EYE_CLOSED_BOX
from activations.zoo import detect_face

# Crop of astronaut() as (x0, y0, x1, y1), x along columns, end excluded:
# a square of side CROP_SIDE centred on the face box MTCNN finds (83 x 107).
# ONet sees a face only when it fills most of the crop (face score 0.97 at
# 160 px, 0.41 at 176, 0.17 at 192, 0.002 at 224), and a tight crop leaves
# the eye more of the 48 x 48 pixels the network looks at.
CROP_SIDE = 160
CROP_BOX = (144, 38, 304, 198)
EYE = "right_eye"  # MTCNN's name: the eye on the image's right
LID_COLOR = (100, 70, 60)
SUPERSAMPLE = 4
SHADOW = 0.35
GRAIN = 2.5  # std of the skin grain added to the inpainted lid, in 0..255 levels


def crop_box(found: dict, side: int = CROP_SIDE) -> tuple[int, int, int, int]:
    """The square crop (x0, y0, x1, y1) of the given side centred on the face box."""
    x, y, width, height = found["box"]
    x0 = int(round(x + width / 2 - side / 2))
    y0 = int(round(y + height / 2 - side / 2))
    return x0, y0, x0 + side, y0 + side


def eye_geometry(found: dict, crop: tuple[int, int, int, int]) -> dict:
    """Centre and half axes of the eye ellipse to repaint, in crop coordinates."""
    eyes = found["keypoints"]
    distance = float(np.hypot(*np.subtract(eyes["right_eye"], eyes["left_eye"])))
    cx, cy = eyes[EYE][0] - crop[0], eyes[EYE][1] - crop[1]
    rx, ry = round(0.34 * distance), round(0.15 * distance)
    return {"center": (cx, cy), "radii": (rx, ry), "distance": distance}


def eye_mask(shape: tuple[int, int], geometry: dict) -> np.ndarray:
    """The ellipse of pixels that get repainted, as a bool mask of ``shape``."""
    (cx, cy), (rx, ry) = geometry["center"], geometry["radii"]
    mask = np.zeros(shape, dtype=bool)
    mask[ellipse(cy, cx, ry, rx, shape=shape)] = True
    return mask


def mask_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """Bounding box (x0, y0, x1, y1) of a mask, end excluded."""
    rows, cols = np.nonzero(mask)
    return int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1


def close_eye(face: np.ndarray, geometry: dict) -> np.ndarray:
    """A copy of ``face`` with the eye at ``geometry`` inpainted and drawn closed."""
    mask = eye_mask(face.shape[:2], geometry)
    filled = inpaint_biharmonic(face.astype(np.float64) / 255, mask, channel_axis=-1)
    alpha = _lid_alpha(face.shape[:2], geometry) * mask
    # A soft shadow along the lid line, so the closed lid does not look flat.
    shadow = gaussian(alpha, sigma=0.05 * geometry["distance"]) * mask
    shaded = filled * (1 - SHADOW * shadow[..., None])
    color = np.asarray(LID_COLOR, dtype=np.float64) / 255
    closed = shaded * (1 - alpha[..., None]) + color * alpha[..., None]
    grain = np.random.default_rng(0).normal(0, GRAIN / 255, face.shape[:2])
    closed = closed + grain[..., None]
    out = face.copy()
    out[mask] = np.clip(np.round(closed[mask] * 255), 0, 255).astype(np.uint8)
    return out


def _lid_alpha(shape: tuple[int, int], geometry: dict) -> np.ndarray:
    # Coverage of the lid line and lashes, drawn at SUPERSAMPLE x resolution
    # with round stamps and averaged down, so that the edges are anti-aliased.
    (cx, cy), d = geometry["center"], geometry["distance"]
    s = SUPERSAMPLE
    big = np.zeros((shape[0] * s, shape[1] * s))
    t = np.linspace(0, 1, 200)
    half = 0.30 * d
    xs = cx - half + 2 * half * t
    ys = cy + 0.02 * d + 0.09 * d * np.sin(np.pi * t)  # the lid sags in the middle
    width = 0.6 + 0.8 * np.sin(np.pi * t)  # thicker in the middle
    for x, y, r in zip(xs, ys, width):
        big[disk(((y + 0.5) * s - 0.5, (x + 0.5) * s - 0.5), r * s / 2, shape=big.shape)] = 1
    for k in np.linspace(0.25, 0.95, 6):
        i = int(k * (len(t) - 1))
        direction = np.array([0.35 + 0.6 * (k - 0.25), 1.0])  # lashes fan outwards
        direction /= np.hypot(*direction)
        for step in np.linspace(0, 0.1 * d, 16):
            x, y = xs[i] + direction[0] * step, ys[i] + direction[1] * step
            big[disk(((y + 0.5) * s - 0.5, (x + 0.5) * s - 0.5), 0.4 * s, shape=big.shape)] = 0.75
    return block_reduce(big, (s, s), np.mean)


def make_images(out_dir: str | Path) -> dict:
    """Write ``face.png`` and ``face_eye_closed.png`` into ``out_dir``.

    Returns the crop box (in astronaut() pixels) and the eye box (in crop
    pixels), both (x0, y0, x1, y1) with the end excluded.
    """
    image = skimage.data.astronaut()
    found = detect_face(image)
    crop = crop_box(found)
    face = image[crop[1] : crop[3], crop[0] : crop[2]]
    geometry = eye_geometry(found, crop)
    closed = close_eye(face, geometry)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    Image.fromarray(face).save(out_dir / "face.png", optimize=False)
    Image.fromarray(closed).save(out_dir / "face_eye_closed.png", optimize=False)
    return {"crop_box": crop, "eye_box": mask_box(eye_mask(face.shape[:2], geometry))}


def main(argv: list[str]) -> None:
    default = Path(__file__).resolve().parent
    boxes = make_images(argv[1] if len(argv) > 1 else default)
    if boxes["crop_box"] != CROP_BOX or boxes["eye_box"] != EYE_CLOSED_BOX:
        raise SystemExit(f"Boxes moved, update the constants: {boxes}")
    print(boxes)


if __name__ == "__main__":
    main(sys.argv)
