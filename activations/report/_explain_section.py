"""The "why does the network decide" section: Grad-CAM and occlusion over the photo."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

from activations._gradcam import gradcam
from activations._occlusion import occlusion_sensitivity
from activations.report._page import Page

__all__ = ["add_dream_section", "add_explain_section"]


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
    from activations.plot._attribution import GRADCAM_UNITS, OCCLUSION_UNITS

    maps = {
        "gradcam": gradcam(model, x, label, reduction_layer=reduction_layer),
        "occlusion": occlusion_sensitivity(
            model, x, label, reduction_layer=reduction_layer, **occlusion
        ),
    }
    units = {"gradcam": GRADCAM_UNITS, "occlusion": OCCLUSION_UNITS}
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


def add_dream_section(
    page: Page,
    model: keras.Model,
    layer: str,
    channels: list[int],
    what: str,
    *,
    size: tuple[int, int, int] | None = None,
) -> NDArray[np.float32]:
    """Tile the deep dreams of ``channels`` of ``layer`` (one figure); return them.

    ``size``: dream from seeded noise of this size in the model's input range
    (for models that take any size); by default ``deep_dream``'s own start.
    """
    from activations._dream import deep_dream, start_noise
    from activations.plot import plot_dreams

    image = None if size is None else start_noise(model, size)
    dreams = deep_dream(model, layer, channels, image=image, verbose=False)
    page.figure(
        plot_dreams(dreams),
        f"dream_{layer}",
        f"deep_dream (MATLAB's deepDreamImage) of {layer} channels "
        f"{', '.join(map(str, channels))}, {what}: gradient ascent on each channel's mean "
        "activation from noise, over a 3-level pyramid; one image per channel, in order, "
        "all on one gray scale.",
    )
    return dreams
