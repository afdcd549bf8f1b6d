"""The "why does the network decide" section: Grad-CAM and occlusion over the photo."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

from activations._gradcam import gradcam
from activations._occlusion import occlusion_sensitivity
from activations.report._page import Page

__all__ = ["add_explain_section"]


def add_explain_section(
    page: Page,
    model: keras.Model,
    image: NDArray[np.uint8],
    x: NDArray,
    label: int,
    what: str,
    *,
    reduction_layer: str | None = None,
    **occlusion: Any,
) -> dict[str, NDArray[np.float32]]:
    """Draw Grad-CAM and occlusion sensitivity of class ``label`` side by side.

    ``image`` is the photo as shown, ``x`` what the model takes; ``what`` names
    the class in the captions. ``occlusion`` passes options to
    :func:`activations.occlusion_sensitivity`. Returns both maps.
    """
    from activations.plot import plot_attribution

    maps = {
        "gradcam": gradcam(model, x, label, reduction_layer=reduction_layer),
        "occlusion": occlusion_sensitivity(model, x, label, **occlusion),
    }
    units = {
        "gradcam": "Grad-CAM (ReLU of gradient-weighted maps)",
        "occlusion": "drop of the class score",
    }
    captions = {
        "gradcam": f"Grad-CAM (MATLAB's gradCAM) for {what}: the last spatial layer's maps "
        "weighted by the gradient of the class score (before its softmax), ReLU, resized "
        "to the photo. Red: what raises the score most.",
        "occlusion": f"Occlusion sensitivity (MATLAB's occlusionSensitivity) for {what}: how "
        "much the class score drops when a patch around each point is hidden. Red: the "
        "parts the network cannot do without.",
    }
    with page.row():
        for name, values in maps.items():
            peak = np.unravel_index(int(values.argmax()), values.shape)
            page.figure(
                plot_attribution(image, values, title=f"{name}: {what}", label=units[name]),
                f"explain_{name}",
                f"{captions[name]} Maximum {float(values.max()):.3g} at row {peak[0]}, "
                f"column {peak[1]}.",
            )
    return maps
