"""``activations demo``: the two walkthroughs of the reference documents, offline.

``DIR/fashion/index.html``: the Fashion-MNIST CNN (feature maps, trained vs
untrained kernels, the loss curve, Grad-CAM and occlusion). ``DIR/face/index.html``:
MATLAB's activation walkthrough on MTCNN's face network (conv1 channels, a channel
over the photo, the strongest channel, a deeper layer, pre- vs post-PReLU, the
eye-closed probe, Grad-CAM and occlusion). ``DIR/index.html`` links both.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TextIO

import numpy as np
from numpy.typing import NDArray

from activations._compare import compare_channels
from activations._extract import activations
from activations._network import analyze_network, layer_weights, shape_text
from activations._rank import strongest_channel
from activations._resize import imresize
from activations.report._compare_section import add_compare_section
from activations.report._explain_section import add_dream_section, add_explain_section
from activations.report._page import Page, Progress, staged_directory
from activations.report._sections import (
    ConvLayer,
    add_maps,
    add_network_section,
    add_strongest,
    maps_note,
    shown_on_photo,
)
from activations.zoo._fashion import HISTORY_PATH

__all__ = ["COMPARE_LAYER", "PRE_LAYER", "write_demo"]

N_STEPS = 13
#: The eye probe's layer (README, examples/face_eye_closed.py) and the same before its PReLU.
COMPARE_LAYER, PRE_LAYER = "prelu3", "conv3"
LABELS = ("eyes open", "eye closed")


def write_demo(
    out_dir: str | os.PathLike[str] = "demo-out",
    *,
    force: bool = False,
    stream: TextIO | str | None = "stderr",
) -> Path:
    """Write both walkthroughs and the page linking them; return ``DIR/index.html``.

    Raises
    ------
    FileExistsError, FileNotFoundError, NotADirectoryError
        For an unusable ``out_dir`` (non-empty without ``force``, a file, or
        a missing parent).
    """
    progress = Progress(N_STEPS, stream)
    with staged_directory(out_dir, force=force) as temp:
        (temp / "fashion").mkdir()
        (temp / "face").mkdir()
        fashion = fashion_page(temp / "fashion", progress)
        face = face_page(temp / "face", progress)
        progress("index page")
        index = Page(temp, "activations: the demo")
        index.paragraph(
            "MATLAB's CNN activation workflow (activations, mat2gray, imtile, imresize, "
            "strongest channel, pre/post activation, the eye-closed probe) run with the "
            "activations library on two real, trained networks, offline."
        )
        for sub, (title, summary, thumb) in (("fashion", fashion), ("face", face)):
            index.heading(title)
            index.paragraph(summary)
            index.link(f"{sub}/index.html", f"Open the {sub} walkthrough")
            index.raw(
                f'<a href="{sub}/index.html"><img src="{sub}/{thumb}" '
                f'alt="{sub} walkthrough" style="max-width: 480px"></a>'
            )
        index.write()
    return Path(out_dir) / "index.html"


def fashion_page(directory: Path, progress: Progress) -> tuple[str, str, str]:
    from activations.datasets import CLASS_NAMES, fashion_sample
    from activations.plot import plot_channels, plot_history, plot_kernels, plot_weight_histogram
    from activations.zoo import fashion_cnn

    progress("fashion: loading the trained CNN and the first test image")
    model = fashion_cnn()
    test_image, test_label = fashion_sample()  # shipped: the demo needs no data set
    image = test_image[..., None]
    x = image.astype(np.float32) / 255.0
    probs = np.asarray(model.predict_on_batch(x[None]))[0]
    page = Page(directory, "Fashion-MNIST CNN: feature maps and weights")
    progress("fashion: network table")
    add_network_section(page, analyze_network(model))
    progress("fashion: conv maps of layers[0] and layers[2]")
    page.heading("Feature maps of the first test image")
    guess = int(np.argmax(probs))
    page.image(
        image,
        "input",
        f"Test image 0, label '{CLASS_NAMES[test_label]}'; the CNN predicts "
        f"'{CLASS_NAMES[guess]}' with probability {probs[guess]:.3f} (shown 8x enlarged).",
        scale=8,
    )
    first, second = model.layers[0].name, model.layers[2].name
    maps = activations(model, x, [first, second])
    notes = {
        first: "The first layer still shows the boot's edges and regions.",
        second: "The second layer is more abstract: parts of the boot, coarser.",
    }
    for name, grid in ((first, (4, 8)), (second, (8, 8))):
        act = maps[name]
        page.figure(
            plot_channels(act, grid_size=grid, title=f"{name}: {shape_text(act.shape)}"),
            f"maps_{name}",
            f"{name} after its ReLU, {act.shape[-1]} channels as a {grid[0]}x{grid[1]} grid. "
            f"{maps_note(float(act.min()), float(act.max()))} {notes[name]}",
        )
    progress("fashion: kernels, trained vs untrained")
    trained = layer_weights(model, first)[0]
    untrained = layer_weights(fashion_cnn(weights=None, seed=0), first)[0]
    page.heading(f"First-layer kernels ({first}), trained vs untrained")
    for kernel, label in ((trained, "trained"), (untrained, "untrained")):
        clipped = int((np.abs(kernel) > 0.5).sum())
        page.figure(
            plot_kernels(
                kernel,
                vmin=-0.5,
                vmax=0.5,
                title=f"{label}: {first} kernel {shape_text(kernel.shape)}",
            ),  # fmt: skip
            f"kernels_{label}",
            f"The 32 3x3 filters of the {label} model on the tutorials' fixed range "
            "-0.5..0.5, the same for both (mid-gray = 0, white = positive, black = "
            f"negative). The {label} weights reach {kernel.min():.3g}..{kernel.max():.3g}: "
            + (
                f"{clipped} of {kernel.size} lie outside the range and are drawn in blue "
                "(below) or red (above), as the colour bar says."
                if clipped
                else "nothing is clipped."
            ),
        )
    page.figure(
        plot_weight_histogram(trained, compare=untrained),
        "weight_histogram",
        f"All kernel values of the trained and the freshly initialized (untrained) "
        f"first layer: standard deviation {trained.std():.3f} trained, "
        f"{untrained.std():.3f} untrained (mean and std in the legend).",
    )
    progress("fashion: loss curve")
    _history_section(page, plot_history)
    progress("fashion: why the CNN decides (Grad-CAM, occlusion)")
    page.heading("Why the CNN says ankle boot")
    add_explain_section(
        page, model, image, x, guess, f"'{CLASS_NAMES[guess]}'", mask_size=4, stride=2
    )
    add_dream_section(page, model, second, list(range(16)), "what these channels want to see")
    page.write()
    summary = (
        "The Fashion-MNIST CNN of the tutorials: feature maps of both conv layers for "
        "an ankle boot, trained vs untrained kernels, the loss curve, Grad-CAM, "
        "occlusion and deep dreams."
    )
    return "Fashion-MNIST CNN", summary, f"maps_{first}.png"


def _history_section(page: Page, plot_history) -> None:
    page.heading("Training history")
    history = json.loads(HISTORY_PATH.read_text())
    page.figure(
        plot_history(history),
        "history",
        "Train and validation loss (and accuracy) per epoch of the shipped model's "
        f"training; the dashed line marks the best epoch ({history.get('best_epoch')}), "
        "whose weights were kept.",
    )


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
    _face_deeper(page, image, acts, [int(c) for c in result.channels], EYE_CLOSED_BOX)
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
        plot_overlay(image, act, red, layer="conv1"),
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


def _face_deeper(page: Page, image: NDArray, acts: dict, eye_channels: list[int], box) -> None:
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
        for c in eye_channels[:2]:
            page.figure(
                plot_overlay(image, act, c, layer=COMPARE_LAYER, region=box),
                f"eye_channel_{c}",
                f"{COMPARE_LAYER} channel {c}, one of the channels that respond to the eye "
                "(found by the comparison in step 6), "
                f"{shown_on_photo(act.shape, image.shape)}; the red box is the eye that "
                "closes in step 6.",
            )
    page.heading("5. Before and after the PReLU")
    page.paragraph(
        f"{PRE_LAYER} is the raw convolution; {COMPARE_LAYER} keeps positive values and "
        "scales negative ones by a learned slope, so the strong positive features stand "
        "out. Both grids share one gray scale."
    )
    add_maps(page, ConvLayer(PRE_LAYER, "", COMPARE_LAYER, "PReLU"), acts, acts)
