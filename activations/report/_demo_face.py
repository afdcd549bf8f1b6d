"""The face page of ``activations demo``: MATLAB's activation walkthrough on MTCNN's ONet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from activations._arrays.compare import compare_channels
from activations._arrays.rank import strongest_channel
from activations._arrays.resize import imresize
from activations._probes.activations import activations
from activations._probes.network import analyze_network, shape_text
from activations.report._compare_section import add_compare_section
from activations.report._explain_section import add_dream_section, add_explain_section
from activations.report._page import Page, Progress
from activations.report._sections import (
    ConvLayer,
    add_maps,
    add_network_section,
    add_strongest,
    maps_note,
    shown_on_photo,
)

__all__ = ["COMPARE_LAYER", "LANDMARKS", "PRE_LAYER", "face_page", "peak_note"]

#: ONet's five keypoints, in its order ("left": the image's left).
LANDMARKS = ("left eye", "right eye", "nose", "left mouth corner", "right mouth corner")
#: The eye probe's layer (README, examples/face_eye_closed.py) and the same before its PReLU.
COMPARE_LAYER, PRE_LAYER = "prelu3", "conv3"
LABELS = ("eyes open", "eye closed")


def face_page(directory: Path, progress: Progress) -> tuple[str, str, str]:
    from activations.datasets import EYE_CLOSED_BOX, eye_closed_region, face, face_eye_closed
    from activations.zoo import face_net

    progress("face: loading the face network (MTCNN ONet) and the two photos")
    model, image, closed = face_net(), face(), face_eye_closed()
    page = Page(directory, "MATLAB's activation walkthrough on a face network")
    page.paragraph(
        "The network is MTCNN's output network (ONet), trained to score faces and find "
        "their landmarks; the photo is scikit-image's astronaut portrait (Eileen Collins, "
        "NASA). The model resizes any RGB 0..255 photo to 48x48 itself."
    )
    progress("face: network table")
    add_network_section(page, analyze_network(model))
    acts = activations(model, image, ["conv1", PRE_LAYER, COMPARE_LAYER])
    progress("face: conv1 channels")
    _face_conv1(page, image, acts["conv1"])
    progress("face: a deeper layer, pre- vs post-PReLU, the eye-closed probe")
    act_open, act_closed = acts[COMPARE_LAYER], activations(model, closed, COMPARE_LAYER)
    region = eye_closed_region(act_open.shape[:2])  # the rule of compare and the report
    result = compare_channels(act_open, act_closed, region=region, k=4)
    landmarks = np.asarray(model.predict_on_batch(image[None])[1])[0]
    _face_deeper(page, image, acts, result, EYE_CLOSED_BOX, landmarks)
    progress("face: the eye-closed comparison")
    page.heading("6. One eye closed")
    shown = add_compare_section(
        page, (image, closed), (act_open, act_closed), COMPARE_LAYER,
        box=EYE_CLOSED_BOX, k=4, labels=LABELS,
    )  # fmt: skip
    top = ", ".join(
        f"{p:.0f}% for channel {int(c)}" for c, p in zip(shown.channels[:3], shown.drop_pct)
    )
    page.paragraph(
        "The two photos differ only inside the red box. When the eye closes, the mean "
        f"response in the box falls by {top}: these channels fire on the open eye and "
        "(nearly) stop on the closed one. The network was never told about eyes."
    )
    progress("face: why the network says face (Grad-CAM, occlusion)")
    page.heading("7. Why the network says face")
    add_explain_section(
        page, model, image, image, 1, "the face score", reduction_layer="face_score"
    )
    eyes = [int(c) for c in shown.channels[:3]]  # dreamed at ONet's own 48x48:
    add_dream_section(page, model, COMPARE_LAYER, eyes, "the eye channels", size=(48, 48, 3))
    page.write()
    summary = ("MATLAB's walkthrough on MTCNN's face network: conv1 channels, a colour channel, "
               "the strongest channel, a deeper layer, pre- vs post-PReLU, the eye that closes, "
               "Grad-CAM, occlusion and the eye channels' dreams.")  # fmt: skip
    return "Face network (MATLAB walkthrough)", summary, f"compare_{COMPARE_LAYER}.png"


def _face_conv1(page: Page, image: NDArray, act: NDArray) -> None:
    from activations.plot import plot_channels, plot_overlay

    page.heading("1. conv1: all channels")
    page.figure(
        plot_channels(act, title=f"conv1: {shape_text(act.shape)}"),
        "maps_conv1",
        f"act1 = activations(net, im, 'conv1'), all {act.shape[-1]} channels tiled. "
        f"{maps_note(float(act.min()), float(act.max()))} Many channels look like the "
        "photo: conv1 responds to colours and edges.",
    )
    red = _red_channel(image, act)
    page.heading("2. One channel over the photo")
    page.figure(
        plot_overlay(image, act, red, layer_name="conv1"),
        "channel_red",
        f"conv1 channel {red}: of all conv1 channels, its map follows the photo's red "
        "areas (R - (G + B) / 2) most closely (highest correlation). Middle: the channel "
        f"{shown_on_photo(act.shape, image.shape)} (gray, white = strong); right: laid over "
        "the photo in jet colours (red = strong), colour bar in activation units.",
    )
    page.heading("3. The strongest channel")
    add_strongest(page, image, act, "conv1", "strongest_conv1")


def _red_channel(image: NDArray, act: NDArray) -> int:
    rgb = image.astype(np.float64)
    redness = imresize(rgb[..., 0] - (rgb[..., 1] + rgb[..., 2]) / 2, act.shape[:2])
    maps = act.reshape(-1, act.shape[-1]).astype(np.float64)
    maps = maps - maps.mean(axis=0)
    target = redness.ravel() - redness.mean()
    norms = np.linalg.norm(maps, axis=0) * np.linalg.norm(target)
    corr = np.divide(maps.T @ target, norms, out=np.zeros(maps.shape[1]), where=norms > 0)
    return int(np.argmax(corr))


def _face_deeper(
    page: Page, image: NDArray, acts: dict, result: Any, box: Any, landmarks: NDArray
) -> None:
    from activations.plot import plot_channels, plot_overlay

    act = acts[COMPARE_LAYER]
    page.heading(f"4. A deeper layer: {COMPARE_LAYER}")
    tiles = imresize(act, (64, 64))
    page.figure(
        plot_channels(tiles, title=f"{COMPARE_LAYER}, resized to 64x64"),
        f"maps_{COMPARE_LAYER}_64",
        f"All {act.shape[-1]} channels of {COMPARE_LAYER} ({shape_text(act.shape)}), each resized "
        f"to 64x64 with imresize and tiled, as in MATLAB. "
        f"{maps_note(float(tiles.min()), float(tiles.max()))} The strongest channel of the "
        f"layer is {int(strongest_channel(act))}.",
    )
    with page.row():
        for i, c in enumerate(int(c) for c in result.channels[:2]):
            page.figure(
                plot_overlay(image, act, c, layer_name=COMPARE_LAYER, region=box),
                f"eye_channel_{c}",
                f"{COMPARE_LAYER} channel {c}, {shown_on_photo(act.shape, image.shape)}; the "
                "red box is the eye that closes in step 6. There the channel's mean falls "
                f"from {result.inside_a[i]:.2f} to {result.inside_b[i]:.2f} when it closes. "
                + peak_note(act[..., c], image.shape, box, landmarks),
            )
    page.heading("5. Before and after the PReLU")
    page.paragraph(
        f"{PRE_LAYER} is the raw convolution; {COMPARE_LAYER} keeps positive values and "
        "scales negative ones by a learned slope, so the strong positive features stand "
        "out. Both grids share one gray scale."
    )
    add_maps(page, ConvLayer(PRE_LAYER, "", COMPARE_LAYER, "PReLU"), acts, acts)


def peak_note(channel_map: NDArray, image_shape: tuple, box: Any, landmarks: NDArray) -> str:
    """Where a channel's strongest cell lies: in ``box``, or near which ONet landmark.

    ``landmarks``: ONet's 10 outputs (x of the five keypoints, then y, as
    fractions of the photo). A cell is in the box when its pixels overlap it.
    """
    h, w = channel_map.shape
    r, c = (int(v) for v in np.unravel_index(int(np.argmax(channel_map)), (h, w)))
    ch, cw = image_shape[0] / h, image_shape[1] / w
    y0, y1, x0, x1 = round(r * ch), round((r + 1) * ch), round(c * cw), round((c + 1) * cw)
    value = float(channel_map[r, c])
    bx0, by0, bx1, by1 = box
    if x0 < bx1 and bx0 < x1 and y0 < by1 and by0 < y1:
        return f"Its strongest cell ({value:.2f}) is on that eye."
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    points = np.stack([landmarks[:5] * image_shape[1], landmarks[5:] * image_shape[0]], -1)
    nearest = LANDMARKS[int(np.argmin(np.linalg.norm(points - centre, axis=1)))]
    return (
        f"Its strongest cell is not on that eye: {value:.2f} at row {r}, column {c} "
        f"(photo x {x0}-{x1 - 1}, y {y0}-{y1 - 1}), nearest the network's own {nearest} "
        "landmark: it responds to the eye, and more strongly there."
    )
