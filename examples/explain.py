"""Why the networks decide: Grad-CAM and occlusion sensitivity (MATLAB's gradCAM and
occlusionSensitivity) for the Fashion CNN's ankle boot and the face network's face score.

Both maps are drawn over the photo in jet with a colour bar, as MATLAB's examples
show them: Grad-CAM in the units of the class score's gradient-weighted maps,
occlusion in the drop of the class probability when a patch is hidden.

Run it::

    python examples/explain.py --out figures/

Beside the figures it writes ``explain_numbers.json``: each map's maximum and
where, and the probabilities explained (the docs quote them from
``docs/figures/explain_numbers.json``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from _common import example_parser, save  # examples/ is on sys.path when run
from matplotlib.figure import Figure

from activations import deep_dream, gradcam, occlusion_sensitivity
from activations._explain.dream import start_noise
from activations.datasets import CLASS_NAMES, face, fashion_sample
from activations.plot import plot_attribution, plot_dreams
from activations.plot._attribution import GRADCAM_UNITS, OCCLUSION_UNITS
from activations.zoo import face_net, fashion_cnn


def _pair(image, maps: dict, title: str) -> Figure:
    fig = Figure(figsize=(10.0, 4.2), layout="constrained")
    units = (GRADCAM_UNITS, OCCLUSION_UNITS)
    for sub, (name, values), unit in zip(fig.subfigures(1, 2), maps.items(), units):
        plot_attribution(image, values, ax=sub.add_subplot(), title=name, units=unit)
    fig.suptitle(title, parse_math=False)
    return fig


def main(out: str, *, small: bool = False) -> list[Path]:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    dpi = 60 if small else 110
    written = []

    model = fashion_cnn()
    boot, label = fashion_sample()
    x = boot[..., None].astype(np.float32) / 255
    probs = model.predict_on_batch(x[None])[0]
    maps = {
        "Grad-CAM (max_pooling2d_1)": gradcam(model, x),
        "occlusion sensitivity (mask 4, stride 2)": occlusion_sensitivity(
            model, x, mask_size=4, stride=2
        ),
    }
    numbers = {"fashion": {"p": float(probs.max()), **_maxima(maps)}}
    title = (f"Fashion CNN: '{CLASS_NAMES[int(probs.argmax())]}' "
             f"(p = {probs.max():.3f}; label '{CLASS_NAMES[label]}')")  # fmt: skip
    written.append(save(_pair(boot, maps, title), out_dir / "fashion_explain.png", dpi))

    net, photo = face_net(), face()
    face_maps = {
        "Grad-CAM (prelu4, face score)": gradcam(net, photo, 1, reduction_layer="face_score"),
        "occlusion sensitivity (MATLAB's defaults)": occlusion_sensitivity(
            net, photo, 1, reduction_layer="face_score",
            mask_size=16 if small else "auto", stride=16 if small else "auto",
        ),  # fmt: skip
    }
    score = float(net.predict_on_batch(photo[None])[2][0, 1])
    numbers["face"] = {"p": score, **_maxima(face_maps)}
    title = f"Face network: the face score (p = {score:.3f})"
    written.append(save(_pair(photo, face_maps, title), out_dir / "face_explain.png", dpi))

    noise = start_noise(net, (48, 48, 3))  # ONet's own size
    dreams = {
        "fashion_dream.png": (model, "conv2d_1", list(range(16)), (4, 4), None),
        "face_dream.png": (net, "prelu3", [5, 6, 21], (1, 3), noise),  # the eye channels
    }
    for name, (dreamer, layer, channels, grid, start) in dreams.items():
        steps = 2 if small else 10
        images = deep_dream(dreamer, layer, channels, image=start, num_iterations=steps)
        title = f"deep_dream: {dreamer.name} {layer}, channels {', '.join(map(str, channels))}"
        fig = plot_dreams(images, channels=channels, title=title, grid_size=grid)
        written.append(save(fig, out_dir / name, dpi))
    path = out_dir / "explain_numbers.json"
    path.write_text(json.dumps(numbers, indent=2) + "\n", "utf-8")
    written.append(path)
    return written


def _maxima(maps: dict) -> dict:
    """Each map's max and where (row, col), printed and returned by the map's kind."""
    found = {}
    for (name, values), key in zip(maps.items(), ("gradcam", "occlusion")):
        peak = [int(i) for i in np.unravel_index(values.argmax(), values.shape)]
        print(f"  {name}: max {values.max():.4g} at (row, col) {tuple(peak)}")
        found[key] = {"max": float(values.max()), "peak": peak}
    return found


if __name__ == "__main__":
    parser = example_parser(__doc__)
    args = parser.parse_args()
    main(args.out, small=args.small)
