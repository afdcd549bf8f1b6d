"""MATLAB's activation walkthrough on a real face network (docs/reference_workflows.md, E).

A pretrained face network (MTCNN's output network, ``face_net()``) looks at a
face photo; we follow MATLAB's "Visualize Activations of a Convolutional Neural
Network" example step by step:

1. look at the network (its layer table);
2. the first conv layer's activations, normalized (``mat2gray``) and tiled
   (``imtile``): white = strong positive, black = strong negative;
3. one channel resized to the photo: a channel that follows the red areas;
4. the strongest channel (the one holding the largest value) on the photo;
5. a deeper layer (prelu3), all channels resized to 64x64 and tiled, the eye
   channels of step 7 framed in red (the two that fire most on the eyes of the
   open photo alone are printed);
6. the same layer before (conv3) and after (prelu3) its activation: PReLU is a
   separate layer here, and it shrinks negative responses;
7. the same face with one eye closed: ``compare_channels`` finds the channels
   that fire on the open eye and stop on the closed one. The network was only
   trained to find faces; nobody told it about eyes.

Run it::

    python examples/face_eye_closed.py --out figures/
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import example_parser, save  # examples/ is on sys.path when run
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from activations import (
    activations,
    analyze_network,
    compare_channels,
    imresize,
    imtile,
    mat2gray,
    strongest_channel,
)
from activations.datasets import EYE_CLOSED_BOX, eye_closed_region, face, face_eye_closed
from activations.plot import plot_channels, plot_compare, plot_overlay
from activations.zoo import face_net

DEEP = "prelu3"  # the deeper layer, (8, 8, 64), after its PReLU
PRE = "conv3"  # the same layer before its PReLU
THUMB = 64  # tile size of the deeper layer's channels, as in MATLAB


def weighted_mean(act: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per-channel mean of an (H, W, C) map, each cell weighted by ``weights`` (H, W)."""
    return np.tensordot(weights, act, axes=([0, 1], [0, 1])) / weights.sum()


def draw_tiles(tiled: np.ndarray, picked: list[int], cols: int, title: str) -> Figure:
    """The ``imtile`` image with each tile's channel number; ``picked`` framed in red."""
    fig = Figure(figsize=(7.6, 6.8), layout="constrained")
    ax = fig.add_subplot()
    shown = ax.imshow(tiled, cmap="gray", vmin=0, vmax=1)
    cell = THUMB + 2  # one border pixel on each side (border_size=1)
    n_tiles = (tiled.shape[0] // cell) * cols
    for k in range(n_tiles):
        top, left = (k // cols) * cell, (k % cols) * cell
        ax.text(left + 3, top + 3, str(k), color="#ffd21f", fontsize=7, va="top", weight="bold")
        if k in picked:
            ax.add_patch(Rectangle((left, top), cell - 1, cell - 1, fill=False, ec="red", lw=2))
    ax.set_axis_off()
    ax.set_title(title)
    fig.colorbar(shown, ax=ax, shrink=0.8, label="mat2gray(activation): 0 lowest, 1 highest")
    return fig


def main(out_dir: str | Path, *, small: bool = False) -> dict:
    """Run steps 1-7, save the figures in ``out_dir`` and return the key numbers.

    ``small=True`` only lowers the figures' resolution (the network is small).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dpi, grid_dpi = (60, 60) if small else (80, 120)  # photos make big files: fewer pixels
    net = face_net()
    im = face()  # (160, 160, 3) uint8; the network resizes and normalizes it itself

    print("Step 1: the network")
    table = analyze_network(net)
    print(table)

    print("\nStep 2: conv1 activations, normalized and tiled")
    act1 = activations(net, im, "conv1")  # (46, 46, 32)
    # MATLAB: imtile(mat2gray(act1)); the channels are the last axis here.
    tiled1 = imtile(mat2gray(act1), frame_axis=-1, grid_size=(4, 8))
    print(f"  act1 {act1.shape}, values {act1.min():.2f}..{act1.max():.2f}; tiled {tiled1.shape}")
    fig = plot_channels(act1, grid_size=(4, 8), title="conv1: all 32 channels (white = strong)")
    save(fig, out / "face_conv1_channels.png", grid_dpi)

    print("\nStep 3: one channel next to the photo")
    # The channel whose map follows the photo's red areas best (correlation with R - (G + B) / 2).
    rgb = im.astype(np.float64)
    redness = rgb[..., 0] - rgb[..., 1:].mean(axis=-1)
    redness = imresize(redness, act1.shape[:2]).ravel()
    corr = [np.corrcoef(act1[..., k].ravel(), redness)[0, 1] for k in range(act1.shape[-1])]
    red = int(np.argmax(corr))
    print(f"  conv1 channel {red} follows the red areas (correlation {corr[red]:.2f})")
    fig = plot_overlay(im, act1, red, layer_name="conv1")
    fig.suptitle(f"A conv1 channel that follows the red areas (correlation {corr[red]:.2f})")
    save(fig, out / "face_conv1_red_channel.png", dpi)

    print("\nStep 4: the strongest channel")
    strongest = strongest_channel(act1)
    print(f"  conv1 channel {strongest} holds the largest value, {act1[..., strongest].max():.2f}")
    fig = plot_overlay(im, act1, strongest, layer_name="conv1")
    fig.suptitle(f"The strongest conv1 channel: it holds the largest value, {act1.max():.2f}")
    save(fig, out / "face_conv1_strongest.png", dpi)

    print(f"\nStep 5: a deeper layer, {DEEP}")
    act_open = activations(net, im, DEEP)  # (8, 8, 64)
    tiled = imtile(
        mat2gray(act_open), frame_axis=-1, thumbnail_size=(THUMB, THUMB), grid_size=(8, 8),
        border_size=1, background_color=0.5,
    )  # fmt: skip
    # The channels most concentrated on the eyes: mean on the eyes minus mean elsewhere.
    # eye_closed_region weights each cell by the fraction of it inside the eye's box.
    region = eye_closed_region(act_open.shape[:2])  # the eye on the image's right
    eyes = np.maximum(region, region[:, ::-1])  # centred portrait: the mirror is the other eye
    focus = weighted_mean(act_open, eyes) - weighted_mean(act_open, 1 - eyes)
    picked = [int(c) for c in np.argsort(-focus, kind="stable")[:2]]
    print(f"  {act_open.shape} tiled at {THUMB}x{THUMB}: {tiled.shape}")
    print(f"  channels firing most on the eyes (open photo only): {picked}")
    # The grid frames the eye channels of step 7: those that stop firing when the eye closes.
    im_closed = face_eye_closed()
    act_closed = activations(net, im_closed, DEEP)
    # Every channel whose mean on the closed eye drops, biggest drop first. The means are
    # weighted by `region`, the rule `activations compare --region 88,59,115,70` uses too.
    result = compare_channels(act_open, act_closed, region=region, k=act_open.shape[-1])
    eye = [int(c) for c in result.channels[:3]]
    title = (
        f"{DEEP}: 64 channels resized to {THUMB}x{THUMB}; red: the eye channels "
        f"{', '.join(map(str, eye))} (step 7)"
    )
    save(draw_tiles(tiled, eye, 8, title), out / f"face_{DEEP}_channels.png", grid_dpi)

    print(f"\nStep 6: before and after the activation ({PRE} -> {DEEP})")
    act_pre = activations(net, im, PRE)
    alpha = net.get_layer(DEEP).get_weights()[0].reshape(-1)  # PReLU: x if x > 0 else alpha * x
    for c in eye:
        print(
            f"  channel {c}: {PRE} {act_pre[..., c].min():.2f}..{act_pre[..., c].max():.2f}, "
            f"{DEEP} {act_open[..., c].min():.2f}..{act_open[..., c].max():.2f} "
            f"(alpha {alpha[c]:.3f})"
        )
    labels = (f"{PRE} (before PReLU)", f"{DEEP} (after PReLU)")
    fig = plot_compare(im, None, act_pre, act_open, eye, captions=labels)
    save(fig, out / f"face_{PRE}_vs_{DEEP}.png", dpi)

    print("\nStep 7: the same face with one eye closed")
    print(f"  {result.summary()}")
    print(f"  the 3 channels of {DEEP} that drop most on the eye:")
    print("  channel  inside open  inside closed  drop %  outside open  outside closed  "
          "outside drop %")  # fmt: skip
    for i, c in enumerate(result.channels[:3]):
        print(
            f"  {c:7d}  {result.inside_a[i]:11.3f}  {result.inside_b[i]:13.3f}  "
            f"{result.drop_pct[i]:6.1f}  {result.outside_a[i]:12.3f}  "
            f"{result.outside_b[i]:14.3f}  {result.outside_drop_pct[i]:14.1f}"
        )
    fig = plot_compare(
        im, im_closed, act_open, act_closed, eye, captions=("eyes open", "eye closed"),
        layer_name=DEEP, region=EYE_CLOSED_BOX, difference=True,
    )  # fmt: skip
    save(fig, out / "face_eye_open_vs_closed.png", dpi)
    drop_of = {int(c): float(p) for c, p in zip(result.channels, result.drop_pct)}
    picked_drop = [drop_of.get(c, 0.0) for c in picked]  # 0: the channel does not drop
    for c, pct in zip(picked, picked_drop):
        print(f"  step 5's channel {c} (picked on the open photo) drops {pct:.1f}% on the eye")

    return {
        "conv1_shape": act1.shape,
        "red_channel": red,
        "strongest_channel": int(strongest),
        "picked_channels": picked,
        "picked_drop_pct": picked_drop,
        "eye_channels": eye,
        "inside_open": [float(v) for v in result.inside_a[:3]],
        "inside_closed": [float(v) for v in result.inside_b[:3]],
        "inside_drop_pct": [float(v) for v in result.drop_pct[:3]],
        "outside_open": [float(v) for v in result.outside_a[:3]],
        "outside_closed": [float(v) for v in result.outside_b[:3]],
        "outside_drop_pct": [float(v) for v in result.outside_drop_pct[:3]],
    }


if __name__ == "__main__":
    parser = example_parser(__doc__)
    args = parser.parse_args()
    main(args.out, small=args.small)
