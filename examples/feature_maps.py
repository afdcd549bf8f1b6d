"""Feature maps of the trained Fashion-MNIST CNN (docs/reference_workflows.md, C).

The first training image (an ankle boot) goes through the trained CNN. The
first conv layer, ``model.layers[0]``, gives 32 maps of 28x28, drawn as a 4x8
grid; the second, ``model.layers[2]``, gives 64 maps of 14x14, drawn as 8x8.
The early maps still look like the boot (its edges and regions); the deeper
ones are more abstract.

Run it::

    python examples/feature_maps.py --out figures/
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import example_parser, save  # examples/ is on sys.path when run
from matplotlib.figure import Figure

from activations import activations
from activations.datasets import CLASS_NAMES, fashion_mnist
from activations.plot import plot_channels
from activations.zoo import fashion_cnn


def main(out_dir: str | Path, *, small: bool = False) -> dict:
    """Save the input image and both layers' feature maps in ``out_dir``; return shapes.

    ``small=True`` only lowers the figures' resolution.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dpi = 60 if small else 90

    (x_train, y_train), _ = fashion_mnist()
    image = x_train[0].reshape(28, 28, 1).astype(np.float32) / 255.0  # as the model was trained
    label = CLASS_NAMES[y_train[0]]
    print(f"first training image: {image.shape}, label {y_train[0]} ({label})")

    model = fashion_cnn()  # the shipped, trained weights
    first, second = model.layers[0], model.layers[2]  # conv2d and conv2d_1
    maps = activations(model, image, [first, second])  # one forward pass, a dict by layer name
    act1, act2 = maps[first.name], maps[second.name]
    print(f"{first.name}: {act1.shape}; {second.name}: {act2.shape}")
    for name, act in maps.items():
        dead = int((act.max(axis=(0, 1)) <= 0).sum())
        print(f"  {name}: values {act.min():.3f}..{act.max():.3f}, {dead} channels all zero")

    # Each map on its own scale (normalize="channel"), as the tutorials' imshow grids do:
    # weak maps still show their shape; an all-zero (dead ReLU) map stays black.
    fig = Figure(figsize=(10.0, 3.4), layout="constrained")
    ax_input, ax_maps = fig.subplots(1, 2, width_ratios=(1.1, 4))
    ax_input.imshow(image[..., 0], cmap="gray", vmin=0, vmax=1)
    ax_input.set_title(f"input (28x28):\n{label}")
    ax_input.set_axis_off()
    title = f"{first.name} (layers[0]): 32 maps of 28x28"
    plot_channels(act1, grid_size=(4, 8), normalize="channel", title=title, ax=ax_maps)
    save(fig, out / "fashion_feature_maps_conv2d.png", dpi)

    title = f"{second.name} (layers[2]): 64 maps of 14x14"
    fig = plot_channels(act2, grid_size=(8, 8), normalize="channel", title=title)
    save(fig, out / "fashion_feature_maps_conv2d_1.png", dpi)
    return {
        "label": label,
        "shapes": {name: act.shape for name, act in maps.items()},
        "max": {name: float(act.max()) for name, act in maps.items()},
    }


if __name__ == "__main__":
    parser = example_parser(__doc__)
    args = parser.parse_args()
    main(args.out, small=args.small)
