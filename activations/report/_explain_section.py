"""The "why does the network decide" section: Grad-CAM and occlusion over the photo."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

from activations._gradcam import gradcam
from activations._input_range import input_range
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
    from matplotlib.figure import Figure

    from activations._dream import deep_dream
    from activations._tile import imtile

    image = None
    if size is not None:
        declared = input_range(model)
        low, high = (0.0, 1.0) if declared is None else (declared.low, declared.high)
        mid, spread = (low + high) / 2, (high - low) / 4
        image = np.random.default_rng(0).uniform(mid - spread, mid + spread, size=size)
    dreams = deep_dream(model, layer, channels, image=image, verbose=False)
    lo, hi = float(dreams.min()), float(dreams.max())
    frames = [(d[..., 0] if d.shape[-1] == 1 else d) for d in dreams]
    frames = [np.clip((f - lo) / (hi - lo or 1.0), 0, 1) for f in frames]
    fig = Figure(figsize=(min(10.0, 2.2 * len(frames)), 2.6), layout="constrained")
    grid = (None, min(8, len(frames)))
    fig.add_subplot().imshow(imtile(frames, border_size=1, grid_size=grid), cmap="gray")
    fig.axes[0].set_axis_off()
    page.figure(
        fig,
        f"dream_{layer}",
        f"deep_dream (MATLAB's deepDreamImage) of {layer} channels "
        f"{', '.join(map(str, channels))}, {what}: gradient ascent on each channel's mean "
        "activation from noise, over a 3-level pyramid; one image per channel, in order, "
        "each shown on the range of all of them.",
    )
    return dreams
