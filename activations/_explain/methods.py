"""Every explanation of a class score by name: what the command line and the report offer.

``activations explain --method NAME`` and the report's "why" section look the
method up here, so the two offer the same methods, titled and captioned
alike. Each entry explains one image's class ``label`` of ``reduction_layer``
with the library's own function and its defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the command line's parser reads METHODS: no NumPy at import
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["METHODS", "Method", "explain_methods", "explain_one"]


@dataclass(frozen=True)
class Method:
    """One explanation: its title, a caption (``{what}``: the class explained), signed or not."""

    title: str
    caption: str
    run: Callable[..., NDArray[np.float32]]  # (model, x, label, reduction_layer, **options)
    signed: bool = False


def _gradcam(model: Any, x: NDArray, label: int, layer: Any, **options: Any) -> NDArray:
    from activations._explain.gradcam import gradcam

    return gradcam(model, x, label, reduction_layer=layer, progress=False, **options)


def _occlusion(model: Any, x: NDArray, label: int, layer: Any, **options: Any) -> NDArray:
    from activations._explain.occlusion import occlusion_sensitivity

    return occlusion_sensitivity(model, x, label, reduction_layer=layer, progress=False, **options)


def _lime(model: Any, x: NDArray, label: int, layer: Any, **options: Any) -> NDArray:
    from activations._explain.lime import image_lime

    maps = image_lime(model, x, label, reduction_layer=layer, seed=0, progress=False, **options)
    return maps.score_map


def _gradient(method: str) -> Callable[..., NDArray]:
    def run(model: Any, x: NDArray, label: int, layer: Any, **options: Any) -> NDArray:
        from activations._explain.attribution import gradient_attribution

        return gradient_attribution(
            model, x, label, method=method, reduction_layer=layer, progress=False, **options
        )

    return run


def _smoothgrad(model: Any, x: NDArray, label: int, layer: Any, **options: Any) -> NDArray:
    from activations._explain.attribution import smoothgrad

    return smoothgrad(model, x, label, reduction_layer=layer, progress=False, **options)


def _integrated(model: Any, x: NDArray, label: int, layer: Any, **options: Any) -> NDArray:
    from activations._explain.integrated import integrated_gradients

    return integrated_gradients(model, x, label, reduction_layer=layer, progress=False, **options)


METHODS: dict[str, Method] = {
    "gradcam": Method(
        "Grad-CAM",
        "Grad-CAM (MATLAB's gradCAM) for {what}: the last spatial layer's maps weighted by "
        "the gradient of the class score (before its softmax), ReLU, resized to the photo. "
        "Red: what raises the score most.",
        _gradcam,
    ),
    "occlusion": Method(
        "occlusion sensitivity",
        "Occlusion sensitivity (MATLAB's occlusionSensitivity) for {what}: how much the class "
        "score drops when a patch around each point is hidden. Red: the parts the network "
        "cannot do without.",
        _occlusion,
    ),
    "lime": Method(
        "LIME",
        "LIME (MATLAB's imageLIME) for {what}: superpixels switched off at random in 2,048 "
        "copies, a regression tree of the class score on which were on; each superpixel "
        "painted with its importance (seed 0).",
        _lime,
    ),
    "gradient": Method(
        "gradient",
        "Gradient attribution (MATLAB's gradientAttribution, 'gradient') for {what}: how fast "
        "the class score (before its softmax) changes with each pixel, |gradient| summed over "
        "colours.",
        _gradient("gradient"),
    ),
    "guided-backprop": Method(
        "guided backpropagation",
        "Guided backpropagation (MATLAB's gradientAttribution, 'guided-backprop') for {what}: "
        "the gradient with every ReLU passing back only positive gradients where its input "
        "was positive, |.| summed over colours.",
        _gradient("guided-backprop"),
    ),
    "smoothgrad": Method(
        "SmoothGrad",
        "SmoothGrad for {what}: the gradient averaged over 25 copies with Gaussian noise (its "
        "standard deviation 15% of the image's value range, seed 0), |.| summed over colours.",
        _smoothgrad,
    ),
    "integrated-gradients": Method(
        "Integrated Gradients",
        "Integrated Gradients for {what}: the gradient integrated along the straight path from "
        "a black image to the photo, times the difference; the map sums to score(photo) - "
        "score(black). Red raises the score, blue lowers it.",
        _integrated,
        signed=True,
    ),
}


def explain_methods(text: str) -> list[str]:
    """``"gradcam,lime"`` as ``["gradcam", "lime"]``: an argparse type, each a name of METHODS.

    Examples
    --------
    >>> explain_methods("gradcam,lime")
    ['gradcam', 'lime']
    """
    import argparse

    found = [m for m in text.split(",") if m]
    unknown = [m for m in found if m not in METHODS]
    if unknown or not found:
        raise argparse.ArgumentTypeError(
            f"expected methods among {','.join(METHODS)}, got '{text}'"
        )
    return found


def explain_one(
    name: str, model: Any, x: NDArray, label: int, reduction_layer: Any = None, **options: Any
) -> NDArray[np.float32]:
    """The (H, W) map of method ``name`` for image ``x`` of shape (1, H, W, C), class ``label``.

    Raises
    ------
    ValueError
        If ``name`` is not one of :data:`METHODS`.
    """
    if name not in METHODS:
        raise ValueError(
            f"Unknown explanation method {name!r}. Expected one of {sorted(METHODS)}. "
            f"Received: method={name!r}"
        )
    import numpy as np

    found = np.asarray(METHODS[name].run(model, x, label, reduction_layer, **options))
    return found[0] if found.ndim == 3 else found
