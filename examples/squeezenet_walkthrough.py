"""MathWorks' "Visualize Activations of a Convolutional Neural Network", on SqueezeNet, offline.

The same network as MATLAB's example (SqueezeNet v1.1 with its ImageNet
weights, shipped with the package, and MATLAB's layer names), the same steps:

1. look at the network (``analyzeNetwork``), and what it sees in the photo;
2. ``conv1``'s 64 channels, normalized (``mat2gray``) and tiled 8x8 (``imtile``);
3. channel 22 of ``conv1`` (ours 21: our channels count from 0), which
   activates on red, beside the photo; on flat colour patches it is among
   the most red-selective of the 64;
4. the strongest channel, the one holding the largest value: an edge detector;
5. ``fire6-squeeze1x1`` before and after its ReLU (``fire6-relu_squeeze1x1``);
6. channels 14 and 47 of that layer (ours 13 and 46), which activate on the eyes;
7. the same face with one eye closed: ``compare_channels`` on the closed eye's
   box ranks channels 13 and 46 first and second.

Where our photo differs from MathWorks': theirs is MathWorks' own portrait;
ours is ``activations.datasets.face()``, a 160x160 crop of scikit-image's
astronaut photo (Eileen Collins, NASA, public domain), upscaled to 227x227 with
``imresize`` (MATLAB's bicubic, rounded back to uint8 as MATLAB does), so it
is softer than a native 227-pixel photo and framed tighter. Its eye-closed twin
closes only the eye on the image's right, drawn in (inpainted lid), so step 7
compares inside that eye's box only. Their strongest conv1 channel is
described as a light-left/dark-right edge detector; on our photo the strongest
is channel 0, which responds to horizontal edges, light above and dark below
(its kernel is positive on the top row, negative below).

Run it::

    python examples/squeezenet_walkthrough.py --out docs/figures
"""

from __future__ import annotations

import colorsys
from pathlib import Path

import numpy as np
from _common import example_parser, save  # examples/ is on sys.path when run
from matplotlib.figure import Figure

from activations import (
    activations,
    analyze_network,
    compare_channels,
    imresize,
    region_weights,
    strongest_channel,
)
from activations.datasets import EYE_CLOSED_BOX, face, face_eye_closed
from activations.plot import plot_channels, plot_compare, plot_network, plot_overlay
from activations.zoo import imagenet_classes, squeezenet

SIZE = (227, 227)  # MATLAB's inputSize(1:2)
RED, EYES = 21, [13, 46]  # MATLAB's channels 22, 14 and 47 (they count from 1)
SQUEEZE, RELU = "fire6-squeeze1x1", "fire6-relu_squeeze1x1"


def matlab_resize(image: np.ndarray) -> np.ndarray:
    """``imresize(im, [227 227])`` on a uint8 photo: bicubic, rounded back to uint8."""
    return np.clip(np.rint(imresize(image, SIZE)), 0, 255).astype(np.uint8)


def red_selectivity(net) -> np.ndarray:
    """Per conv1 channel: the response to a flat red patch minus the mean over 11 other hues."""
    hues = [colorsys.hsv_to_rgb(k / 12, 1.0, 1.0) for k in range(12)]  # red first
    patches = np.stack([np.full((*SIZE, 3), 255.0 * np.array(c), np.float32) for c in hues])
    response = activations(net, patches, "conv1").mean(axis=(1, 2))  # (12, 64); flat maps
    return response[0] - response[1:].mean(axis=0)


def main(out_dir: str | Path, *, small: bool = False) -> dict:
    """Run steps 1-7, save the figures in ``out_dir`` and return the key numbers.

    ``small=True`` only lowers the figures' resolution.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dpi, grid_dpi = (60, 60) if small else (80, 100)
    net, names = squeezenet(), imagenet_classes()
    photo, photo_closed = face(), face_eye_closed()  # (160, 160, 3) uint8
    im, im_closed = matlab_resize(photo), matlab_resize(photo_closed)  # (227, 227, 3)

    print("Step 1: the network")
    table = analyze_network(net)
    print(f"  {len(table.rows)} layers, {table.total_learnables:,} learnables")
    save(plot_network(table), out / "squeezenet_network.png", dpi)
    probs = activations(net, im, "prob")
    top = [(names[i], float(probs[i])) for i in np.argsort(-probs)[:3]]
    print("  on the photo: " + ", ".join(f"{n} {p:.3f}" for n, p in top))

    print("\nStep 2: conv1, all 64 channels")
    act1 = activations(net, im, "conv1")  # (113, 113, 64), before relu_conv1
    print(f"  act1 {act1.shape}, values {act1.min():.1f}..{act1.max():.1f}")
    fig = plot_channels(act1, grid_size=(8, 8), title="conv1: imtile(mat2gray(act1)), 8x8")
    save(fig, out / "squeezenet_conv1_channels.png", grid_dpi)

    print(f"\nStep 3: channel {RED} (MATLAB's {RED + 1}), which activates on red")
    selectivity = red_selectivity(net)
    red_rank = [int(c) for c in np.argsort(-selectivity, kind="stable")[:5]]
    print(f"  the 5 most red-selective conv1 channels on flat patches: {red_rank}")
    fig = plot_overlay(im, act1, RED, layer_name="conv1")
    fig.suptitle(f"conv1 channel {RED} (MATLAB's {RED + 1}): it activates on red")
    save(fig, out / "squeezenet_conv1_red_channel.png", dpi)

    print("\nStep 4: the strongest channel")
    strongest = int(strongest_channel(act1))
    kernel = net.get_layer("conv1").get_weights()[0][..., strongest].sum(axis=-1)  # (3, 3)
    rows, cols = kernel.sum(axis=1), kernel.sum(axis=0)
    print(f"  conv1 channel {strongest} holds the largest value, {act1.max():.1f}")
    print(f"  its kernel summed over colours, by row {rows.round(2)}, by column {cols.round(2)}")
    fig = plot_overlay(im, act1, strongest, layer_name="conv1")
    fig.suptitle(f"The strongest conv1 channel, {strongest}: light-above/dark-below edges")
    save(fig, out / "squeezenet_conv1_strongest.png", dpi)

    print(f"\nStep 5: {SQUEEZE} before and after its ReLU")
    acts = activations(net, np.stack([im, im_closed]), [SQUEEZE, RELU])
    act5, act5relu = acts[SQUEEZE][0], acts[RELU][0]  # (14, 14, 48)
    fig = Figure(figsize=(13, 5.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    plot_channels(act5, grid_size=(6, 8), title=f"{SQUEEZE} (before the ReLU)", ax=left)
    plot_channels(act5relu, grid_size=(6, 8), title=f"{RELU} (after)", ax=right)
    save(fig, out / "squeezenet_fire6_squeeze_vs_relu.png", grid_dpi)

    print(f"\nStep 6: channels {EYES} (MATLAB's {[c + 1 for c in EYES]}), on the eyes")
    labels = ("before the ReLU", "after the ReLU")
    fig = plot_compare(im, im, act5, act5relu, EYES, captions=labels, layer_name=SQUEEZE)
    save(fig, out / "squeezenet_fire6_eye_channels.png", dpi)

    print("\nStep 7: the same face with one eye closed")
    act_closed = acts[RELU][1]
    # The box is in the 160x160 photo's pixels; the 14x14 grid spans the photo at either
    # size, so weighting cells with image_shape=(160, 160) is the box scaled by 227/160.
    region = region_weights(EYE_CLOSED_BOX, act5relu.shape[:2], image_shape=photo.shape[:2])
    result = compare_channels(act5relu, act_closed, region=region, k=5)
    print(f"  {result.summary()}")
    print(f"  {'channel':>7} {'open':>8} {'closed':>8} {'drop %':>7} {'outside drop %':>15}")
    for i, c in enumerate(result.channels):
        print(
            f"  {c:7d} {result.inside_a[i]:8.1f} {result.inside_b[i]:8.1f} "
            f"{result.drop_pct[i]:7.1f} {result.outside_drop_pct[i]:15.1f}"
        )
    fig = plot_compare(
        photo, photo_closed, act5relu, act_closed, [int(c) for c in result.channels[:3]],
        captions=("eyes open", "eye closed"), layer_name=RELU, region=EYE_CLOSED_BOX,
        difference=True,
    )  # fmt: skip
    save(fig, out / "squeezenet_eye_open_vs_closed.png", dpi)

    return {
        "top_classes": top,
        "conv1_shape": act1.shape,
        "red_rank": red_rank,
        "strongest_channel": strongest,
        "strongest_kernel_rows": [float(v) for v in rows],
        "eye_channels": [int(c) for c in result.channels],
        "eye_drop_pct": [float(v) for v in result.drop_pct],
        "eye_outside_drop_pct": [float(v) for v in result.outside_drop_pct],
    }


if __name__ == "__main__":
    parser = example_parser(__doc__)
    args = parser.parse_args()
    main(args.out, small=args.small)
