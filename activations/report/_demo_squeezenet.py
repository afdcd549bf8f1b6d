"""The SqueezeNet page of ``activations demo``: MathWorks' activation walkthrough, on its network.

"Visualize Activations of a Convolutional Neural Network" step by step, on
SqueezeNet v1.1 with its ImageNet weights (shipped) and MATLAB's layer names:
conv1's channels, the red channel (MATLAB's 22), the strongest channel,
fire6-squeeze1x1 before and after its ReLU, the eye channels (MATLAB's 14 and
47) and the eye-closed comparison. No Grad-CAM, occlusion or dreams here: the
face page has them, and at 227x227 they would triple the demo's time.
"""

from __future__ import annotations

import colorsys
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from activations._arrays.resize import imresize
from activations._probes.activations import activations
from activations._probes.network import analyze_network, shape_text
from activations.report._compare_section import add_compare_section
from activations.report._page import Page, Progress
from activations.report._sections import (
    ConvLayer,
    add_maps,
    add_network_section,
    add_strongest,
    maps_note,
    shown_on_photo,
)

__all__ = ["EYE_CHANNELS", "RED_CHANNEL", "squeezenet_page"]

SIZE = (227, 227)
#: MATLAB's channels 22 (conv1, red) and 14, 47 (fire6, eyes); ours count from 0.
RED_CHANNEL, EYE_CHANNELS = 21, (13, 46)
SQUEEZE, RELU = "fire6-squeeze1x1", "fire6-relu_squeeze1x1"
LABELS = ("eyes open", "eye closed")


def _resize(photo: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """MATLAB's ``imresize(im, [227 227])`` of a uint8 photo: bicubic, back to uint8."""
    return np.clip(np.rint(imresize(photo, SIZE)), 0, 255).astype(np.uint8)


def red_selectivity(model) -> NDArray[np.float64]:
    """Per conv1 channel (64,): response to flat red minus the mean over 11 other hues."""
    hues = [colorsys.hsv_to_rgb(k / 12, 1.0, 1.0) for k in range(12)]  # red first
    patches = np.stack([np.full((*SIZE, 3), 255.0 * np.array(c), np.float32) for c in hues])
    response = activations(model, patches, "conv1").mean(axis=(1, 2)).astype(np.float64)
    return response[0] - response[1:].mean(axis=0)


def squeezenet_page(directory: Path, progress: Progress) -> tuple[str, str, str]:
    from activations.datasets import EYE_CLOSED_BOX, face, face_eye_closed
    from activations.zoo import imagenet_classes, squeezenet

    progress("squeezenet: loading SqueezeNet (ImageNet weights) and the two photos")
    model, photo, closed = squeezenet(), face(), face_eye_closed()
    im, im_closed = _resize(photo), _resize(closed)
    page = Page(directory, "MathWorks' activation walkthrough on SqueezeNet")
    page.paragraph(
        'MathWorks\' example "Visualize Activations of a Convolutional Neural Network" on '
        "its own network: SqueezeNet v1.1 with its ImageNet weights (shipped with the "
        "package) and MATLAB's layer names. Our channel numbers count from 0: MATLAB's "
        "channel 22 is our 21. Where our photo differs from MathWorks': theirs is their own "
        "portrait; ours is scikit-image's astronaut (Eileen Collins, NASA) cropped to "
        "160x160 and upscaled to 227x227 with imresize (MATLAB's bicubic), so it is softer "
        "and framed tighter, and its eye-closed twin closes only the eye on the image's "
        "right (an inpainted lid)."
    )
    progress("squeezenet: network table")
    add_network_section(page, analyze_network(model))
    acts = activations(model, np.stack([im, im_closed]), ["conv1", SQUEEZE, RELU, "prob"])
    act1 = acts["conv1"][0]
    names, probs = imagenet_classes(), acts["prob"][0]
    top = ", ".join(f"'{names[i]}' {probs[i]:.2f}" for i in np.argsort(-probs)[:3])
    page.paragraph(
        f"On this photo SqueezeNet's top classes are {top}: ImageNet has no 'face' class, "
        "so the network names what it can. The walkthrough is about what its channels see."
    )
    progress("squeezenet: conv1 channels, the red channel, the strongest channel")
    _conv1(page, model, im, act1)
    progress("squeezenet: fire6 before and after its ReLU, the eye channels")
    _fire6(page, im, {name: act[0] for name, act in acts.items()})
    progress("squeezenet: the eye-closed comparison")
    page.heading("6. One eye closed")
    page.paragraph(
        "The two photos are drawn at their own 160x160 (the network saw them upscaled to "
        f"227x227). The box is the closed eye's, {EYE_CLOSED_BOX} in 160-pixel coordinates; "
        "the 14x14 grid spans the photo at either size, so each cell is weighted exactly "
        "as with the box scaled by 227/160."
    )
    shown = add_compare_section(
        page, (photo, closed), (acts[RELU][0], acts[RELU][1]), RELU,
        box=EYE_CLOSED_BOX, k=4, labels=LABELS,
    )  # fmt: skip
    first, second = (int(c) for c in shown.channels[:2])
    found = (
        ": the channels MATLAB's example finds on the eyes, found again by comparing the "
        "two photos, with nobody telling the network about eyes."
        if (first, second) == EYE_CHANNELS
        else f", not MATLAB's {EYE_CHANNELS[0] + 1} and {EYE_CHANNELS[1] + 1}."
    )
    page.paragraph(
        f"Channels {first} and {second} (MATLAB's {first + 1} and {second + 1}) drop most "
        f"when the eye closes{found}"
    )
    page.write()
    summary = ("MathWorks' walkthrough on SqueezeNet with its ImageNet weights: conv1 channels, "
               "the red channel (MATLAB's 22), the strongest channel, fire6 before and after its "
               "ReLU, the eye channels (MATLAB's 14 and 47) and the eye that closes.")  # fmt: skip
    return "SqueezeNet (MathWorks' walkthrough)", summary, f"compare_{RELU}.png"


def _conv1(page: Page, model, image: NDArray, act: NDArray) -> None:
    from activations.plot import plot_channels, plot_overlay

    page.heading("1. conv1: all 64 channels")
    page.figure(
        plot_channels(act, grid_size=(8, 8), title=f"conv1: {shape_text(act.shape)}"),
        "maps_conv1",
        "act1 = activations(net, im, 'conv1'), as imtile(mat2gray(act1), 'GridSize', [8 8]). "
        f"{maps_note(float(act.min()), float(act.max()))}",
    )
    ranking = [int(c) for c in np.argsort(-red_selectivity(model), kind="stable")[:5]]
    page.heading("2. Channel 22 (ours 21): red")
    page.figure(
        plot_overlay(image, act, RED_CHANNEL, layer_name="conv1"),
        "channel_red",
        f"conv1 channel {RED_CHANNEL} (MATLAB's {RED_CHANNEL + 1}), "
        f"{shown_on_photo(act.shape, image.shape)}: it is brightest on the lips. On flat "
        "patches of 12 hues, the channels whose response to red exceeds their mean "
        f"response to the other hues most are {ranking}.",
    )
    page.heading("3. The strongest channel")
    channel = add_strongest(page, image, act, "conv1", "strongest_conv1")
    rows = model.get_layer("conv1").get_weights()[0][..., channel].sum(axis=(1, 2))
    page.paragraph(
        f"Channel {channel}'s 3x3 kernel, summed over colours and columns, is "
        f"{', '.join(f'{v:+.2f}' for v in rows)} from top to bottom: an edge detector for "
        "horizontal edges, positive where it is light above and dark below. (MathWorks' "
        "page describes its strongest channel as light-left/dark-right on its own photo.)"
    )


def _fire6(page: Page, image: NDArray, acts: dict) -> None:
    from activations.plot import plot_compare

    page.heading(f"4. {SQUEEZE} before and after its ReLU")
    add_maps(page, ConvLayer(SQUEEZE, "", RELU, "ReLU"), acts, acts)
    page.heading(f"5. Channels 14 and 47 (ours {EYE_CHANNELS[0]} and {EYE_CHANNELS[1]})")
    page.figure(
        plot_compare(
            image,
            image,
            acts[SQUEEZE],
            acts[RELU],
            list(EYE_CHANNELS),
            captions=("before the ReLU", "after the ReLU"),
            layer_name=SQUEEZE,
        ),
        "eye_channels",
        f"{SQUEEZE} channels {EYE_CHANNELS[0]} and {EYE_CHANNELS[1]} (MATLAB's "
        f"{EYE_CHANNELS[0] + 1} and {EYE_CHANNELS[1] + 1}), "
        f"{shown_on_photo(acts[RELU].shape, image.shape)}, before (row 1) and after (row 2) "
        "the ReLU, on one gray scale: both fire on the eyes.",
    )
