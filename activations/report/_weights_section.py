"""The weights section of a report: each conv layer's kernels and their histogram."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import keras
import numpy as np
from numpy.typing import NDArray

from activations._probes.network import layer_weights, shape_text
from activations.report._page import Page
from activations.report._sections import ConvLayer, slug

__all__ = ["add_weights_section", "conv_kernels"]

logger = logging.getLogger(__name__)


def conv_kernels(model: keras.Model, convs: Sequence[ConvLayer]) -> dict[str, NDArray]:
    """The 4-D kernels of ``convs`` by layer name; layers without one are left out."""
    kernels = {}
    for conv in convs:
        try:
            kernel = layer_weights(model, conv.name)[0]
        except ValueError:  # e.g. DepthwiseConv2D: a depthwise_kernel, no kernel
            logger.info("Layer '%s' has no kernel; left out of the weights", conv.name)
            continue
        if kernel.ndim == 4:
            kernels[conv.name] = kernel
    return kernels


def add_weights_section(page: Page, kernels: dict[str, NDArray]) -> None:
    """The first kernel's filters as tiles, and a histogram of each kernel's values."""
    from activations.plot._weights import _looks_channels_first

    page.heading("Weights")
    if not kernels:
        page.paragraph("No conv layer with a 4-D kernel.", note=True)
        return
    name, kernel = next(iter(kernels.items()))
    if _looks_channels_first(kernel.shape):  # a Keras kernel plot_kernels cannot tell apart
        page.paragraph(
            f"The first conv layer's filters ({name}, kernel {shape_text(kernel.shape)}) are "
            "not drawn: a non-square window with as many input as output channels reads "
            "as a channels-first kernel.",
            note=True,
        )
    else:
        _add_kernels(page, name, kernel)
    _add_histograms(page, kernels)


def _add_kernels(page: Page, name: str, kernel: NDArray) -> None:
    from activations.plot import plot_kernels

    limit = float(np.abs(kernel).max()) or 1.0
    n_filters = kernel.shape[-1]
    if kernel.shape[2] == 3:
        what = (
            f"an RGB tile per filter: each colour component runs from none at -{limit:.3g} "
            f"to full at +{limit:.3g}, so mid-gray = 0 on all three and a colour shows "
            "which input colour a filter weights most"
        )
    else:
        how = "the mean over its input channels" if kernel.shape[2] > 1 else "its weights"
        what = (
            f"a gray tile per filter ({how}) on -{limit:.3g}..{limit:.3g}: mid-gray = 0, "
            "white = positive weights, black = negative"
        )
    page.figure(
        plot_kernels(kernel, grid_size=(2, 16) if n_filters == 32 else None),
        f"kernels_{slug(name)}",
        f"The first conv layer's {n_filters} filters ({name}, kernel "
        f"{shape_text(kernel.shape)}), {what}. The range is symmetric and holds every "
        "weight: nothing is clipped.",
    )


def _add_histograms(page: Page, kernels: dict[str, NDArray]) -> None:
    from matplotlib.figure import Figure

    from activations.plot import plot_weight_histogram
    from activations.plot._common import PLAIN

    cols = min(3, len(kernels))
    rows = math.ceil(len(kernels) / cols)
    fig = Figure(figsize=(4.6 * cols, 3.2 * rows), layout="constrained")
    axes = np.ravel(fig.subplots(rows, cols, squeeze=False))
    for (name, kernel), ax in zip(kernels.items(), axes):
        plot_weight_histogram(kernel, captions=(name, ""), ax=ax)
        ax.set_title(f"{name} kernel", **PLAIN)
    for ax in axes[len(kernels) :]:
        ax.set_axis_off()
    page.figure(
        fig,
        "weight_histograms",
        "Histogram of all kernel values of each conv layer, with their mean and "
        "standard deviation in the legend.",
    )
