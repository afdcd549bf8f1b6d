"""First-layer filters of the Fashion CNN, trained and untrained (docs/reference_workflows.md, B).

The first conv layer of the trained CNN has a (3, 3, 1, 32) kernel and a (32,)
bias. We draw its 32 filters as a 2x16 grid on the tutorials' fixed colour range
-0.5..0.5 (weights outside it are clipped, drawn in blue below and red above, and
counted in the colour bar's label), then do the same for an untrained twin
(same architecture, fresh Glorot initialization): the trained filters are larger
and structured (edge and blob detectors), the untrained ones small and
flat-looking. A histogram of all kernel values puts the two distributions side
by side.

Run it::

    python examples/weights_trained_vs_untrained.py --out figures/
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import example_parser, save  # examples/ is on sys.path when run
from matplotlib.figure import Figure

from activations import layer_weights
from activations.plot import plot_kernels, plot_weight_histogram
from activations.zoo import fashion_cnn


def describe(name: str, kernel, bias) -> dict:
    numbers = {
        "kernel_shape": kernel.shape,
        "bias_shape": bias.shape,
        "mean": float(kernel.mean()),
        "std": float(kernel.std()),
        "min": float(kernel.min()),
        "max": float(kernel.max()),
        "clipped": int((np.abs(kernel) > 0.5).sum()),
    }
    print(
        f"{name}: kernel {kernel.shape}, bias {bias.shape}; kernel mean {numbers['mean']:.4f}, "
        f"std {numbers['std']:.4f}, range {numbers['min']:.3f}..{numbers['max']:.3f}, "
        f"{numbers['clipped']} of {kernel.size} outside -0.5..0.5"
    )
    return numbers


def main(out_dir: str | Path, *, small: bool = False) -> dict:
    """Save the kernel grids and the histogram in ``out_dir``; return mean/std of each.

    ``small=True`` only lowers the figures' resolution (nothing is trained here).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dpi = 60 if small else 90

    trained = fashion_cnn()  # the shipped, trained weights
    untrained = fashion_cnn(weights=None, seed=0)  # same architecture, fresh initialization

    # model.layers[0] is the first conv, "conv2d": kernel (3, 3, 1, 32), bias (32,).
    kernel_t, bias_t = layer_weights(trained, trained.layers[0])
    kernel_u, bias_u = layer_weights(untrained, untrained.layers[0])
    numbers = {
        "trained": describe("trained  ", kernel_t, bias_t),
        "untrained": describe("untrained", kernel_u, bias_u),
    }

    # One figure, two 2x16 grids on the same fixed colour range, so that they can be compared.
    fig = Figure(figsize=(11.2, 5.2), layout="constrained")
    top, bottom = fig.subfigures(2, 1)
    plot_kernels(kernel_t, grid_size=(2, 16), vmin=-0.5, vmax=0.5, fig=top,
                 title="Trained: first conv layer, 32 filters of 3x3")  # fmt: skip
    plot_kernels(kernel_u, grid_size=(2, 16), vmin=-0.5, vmax=0.5, fig=bottom,
                 title="Untrained (fresh initialization, seed 0): the same layer")  # fmt: skip
    save(fig, out / "fashion_kernels_trained_vs_untrained.png", dpi)

    fig = plot_weight_histogram(kernel_t, compare=kernel_u, captions=("trained", "untrained"))
    fig.axes[0].set_title("First conv layer: all 288 kernel values")
    save(fig, out / "fashion_kernel_histogram.png", dpi)
    return numbers


if __name__ == "__main__":
    parser = example_parser(__doc__)
    args = parser.parse_args()
    main(args.out, small=args.small)
