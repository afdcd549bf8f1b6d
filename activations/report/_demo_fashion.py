"""The Fashion-MNIST page of ``activations demo``: maps, kernels, the loss curve, why, what."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from activations._probes.activations import activations
from activations._probes.network import analyze_network, layer_weights, shape_text
from activations.report._explain_section import add_dream_section, add_explain_section
from activations.report._page import Page, Progress
from activations.report._sections import (
    add_network_section,
    maps_note,
)
from activations.report._top_section import add_embedding_section, add_top_section
from activations.zoo._fashion import HISTORY_PATH

__all__ = ["TSNE_IMAGES", "fashion_page", "neighbour_agreement"]

#: Images of the demo's t-SNE map: the first 500 of the 1,000 shipped test images.
#: t-SNE's time grows faster than N (1,000 took about 2.5 times as long on the 2-core
#: machine), and the 10-nearest-neighbour class agreement of the three layers' maps
#: was 0.61, 0.86, 0.90 with 500 images against 0.66, 0.87, 0.90 with 1,000 (issue 16).
TSNE_IMAGES = 500


def fashion_page(directory: Path, progress: Progress) -> tuple[str, str, str]:
    from activations.datasets import CLASS_NAMES, fashion_sample
    from activations.plot import plot_channels, plot_history, plot_kernels, plot_weight_histogram
    from activations.zoo import fashion_cnn

    progress("fashion: loading the trained CNN and the first test image")
    model = fashion_cnn()
    test_image, test_label = fashion_sample()  # shipped: the demo needs no data set
    image = test_image[..., None]
    x = image.astype(np.float32) / 255.0
    probs = np.asarray(model.predict_on_batch(x[None]))[0]
    page = Page(directory, "Fashion-MNIST CNN: feature maps and weights")
    progress("fashion: network table")
    add_network_section(page, analyze_network(model))
    progress("fashion: conv maps of layers[0] and layers[2]")
    page.heading("Feature maps of the first test image")
    guess = int(np.argmax(probs))
    page.image(
        image,
        "input",
        f"Test image 0, label '{CLASS_NAMES[test_label]}'; the CNN predicts "
        f"'{CLASS_NAMES[guess]}' with probability {probs[guess]:.3f} (shown 8x enlarged).",
        scale=8,
    )
    first, second = model.layers[0].name, model.layers[2].name
    maps = activations(model, x, [first, second])
    notes = {
        first: "The first layer still shows the boot's edges and regions.",
        second: "The second layer is more abstract: parts of the boot, coarser.",
    }
    for name, grid in ((first, (4, 8)), (second, (8, 8))):
        act = maps[name]
        page.figure(
            plot_channels(act, grid_size=grid, title=f"{name}: {shape_text(act.shape)}"),
            f"maps_{name}",
            f"{name} after its ReLU, {act.shape[-1]} channels as a {grid[0]}x{grid[1]} grid. "
            f"{maps_note(float(act.min()), float(act.max()))} {notes[name]}",
        )
    progress("fashion: kernels, trained vs untrained")
    trained = layer_weights(model, first)[0]
    untrained = layer_weights(fashion_cnn(weights=None, seed=0), first)[0]
    page.heading(f"First-layer kernels ({first}), trained vs untrained")
    for kernel, label in ((trained, "trained"), (untrained, "untrained")):
        clipped = int((np.abs(kernel) > 0.5).sum())
        page.figure(
            plot_kernels(
                kernel,
                vmin=-0.5,
                vmax=0.5,
                title=f"{label}: {first} kernel {shape_text(kernel.shape)}",
            ),  # fmt: skip
            f"kernels_{label}",
            f"The 32 3x3 filters of the {label} model on the tutorials' fixed range "
            "-0.5..0.5, the same for both (mid-gray = 0, white = positive, black = "
            f"negative). The {label} weights reach {kernel.min():.3g}..{kernel.max():.3g}: "
            + (
                f"{clipped} of {kernel.size} lie outside the range and are drawn in blue "
                "(below) or red (above), as the colour bar says."
                if clipped
                else "nothing is clipped."
            ),
        )
    page.figure(
        plot_weight_histogram(trained, compare=untrained),
        "weight_histogram",
        f"All kernel values of the trained and the freshly initialized (untrained) "
        f"first layer: standard deviation {trained.std():.3f} trained, "
        f"{untrained.std():.3f} untrained (mean and std in the legend).",
    )
    progress("fashion: loss curve")
    _history_section(page, plot_history)
    progress("fashion: why the CNN decides (Grad-CAM, occlusion)")
    page.heading("Why the CNN says ankle boot")
    add_explain_section(
        page, model, image, x, guess, f"'{CLASS_NAMES[guess]}'", mask_size=4, stride=2
    )
    add_dream_section(page, model, second, list(range(16)), "what these channels want to see")
    _meaning_section(page, model, second, progress)
    page.write()
    summary = (
        "The Fashion-MNIST CNN of the tutorials: feature maps of both conv layers for "
        "an ankle boot, trained vs untrained kernels, the loss curve, Grad-CAM, "
        "occlusion, deep dreams, each channel's top test images and a t-SNE map."
    )
    return "Fashion-MNIST CNN", summary, f"maps_{first}.png"


def _history_section(page: Page, plot_history) -> None:
    page.heading("Training history")
    history = json.loads(HISTORY_PATH.read_text())
    page.figure(
        plot_history(history),
        "history",
        "Train and validation loss (and accuracy) per epoch of the shipped model's "
        f"training; the dashed line marks the best epoch ({history.get('best_epoch')}), "
        "whose weights were kept.",
    )


def _meaning_section(page: Page, model: Any, layer: str, progress: Progress) -> None:
    """Top images of ``layer``'s channels and a t-SNE map, over the shipped 1,000 test images."""
    from activations.datasets import CLASS_NAMES, fashion_test_subset

    progress(f"fashion: what the channels mean (top images of {layer}, t-SNE)")
    images, labels = fashion_test_subset()
    x = images[..., None].astype(np.float32) / 255.0
    page.heading("What the channels mean, over 1,000 test images")
    add_top_section(
        page, model, images, x, layer, "test images", channels=range(16), labels=labels
    )
    n = TSNE_IMAGES
    maps = activations(model, x[:n], ["conv2d", "dense", "dense_1"], batch_size=256)
    coords = add_embedding_section(page, maps, labels[:n], CLASS_NAMES, "test images")
    agreement = ", ".join(
        f"{name} {neighbour_agreement(xy, labels[:n]):.2f}" for name, xy in coords.items()
    )
    page.paragraph(
        f"The map is drawn for the first {n} of the {len(labels):,} images (about "
        f"{n // len(CLASS_NAMES)} per class) to keep the demo quick; "
        "examples/tsne.py maps 2,000. How well each map keeps the classes apart: of "
        f"each image's 10 nearest neighbours in the map, this share is of its own "
        f"class ({agreement}; chance is about {1 / len(CLASS_NAMES):.1f})."
    )


def neighbour_agreement(coords: NDArray, labels: NDArray, k: int = 10) -> float:
    """Mean share of each point's ``k`` nearest neighbours (itself left out) of its class."""
    from sklearn.neighbors import NearestNeighbors

    _, index = NearestNeighbors(n_neighbors=k + 1).fit(coords).kneighbors(coords)
    return float((labels[index[:, 1:]] == labels[:, None]).mean())
