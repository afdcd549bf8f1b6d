"""``activations demo``: the two walkthroughs of the reference documents, offline.

``DIR/fashion/index.html``: the Fashion-MNIST CNN (feature maps, trained vs
untrained kernels, the loss curve, Grad-CAM, occlusion, deep dreams, top images
and t-SNE). ``DIR/face/index.html``:
MATLAB's activation walkthrough on MTCNN's face network (conv1 channels, a channel
over the photo, the strongest channel, a deeper layer, pre- vs post-PReLU, the
eye-closed probe, Grad-CAM and occlusion). ``DIR/squeezenet/index.html``: the
same walkthrough on MATLAB's own network, SqueezeNet with its ImageNet weights,
with MATLAB's channel numbers. ``DIR/index.html`` links the three.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

from activations.report._demo_face import face_page
from activations.report._demo_fashion import fashion_page
from activations.report._demo_squeezenet import squeezenet_page
from activations.report._page import Page, Progress, staged_directory

__all__ = ["write_demo"]

N_STEPS = 19


def write_demo(
    out_dir: str | os.PathLike[str] = "demo-out",
    *,
    force: bool = False,
    stream: TextIO | str | None = "stderr",
) -> Path:
    """Write the three walkthroughs and the page linking them; return ``DIR/index.html``.

    Raises
    ------
    FileExistsError, FileNotFoundError, NotADirectoryError
        For an unusable ``out_dir`` (non-empty without ``force``, a file, or
        a missing parent).
    """
    progress = Progress(N_STEPS, stream)
    with staged_directory(out_dir, force=force) as temp:
        (temp / "fashion").mkdir()
        (temp / "face").mkdir()
        (temp / "squeezenet").mkdir()
        fashion = fashion_page(temp / "fashion", progress)
        face = face_page(temp / "face", progress)
        squeeze = squeezenet_page(temp / "squeezenet", progress)
        progress("index page")
        index = Page(temp, "activations: the demo")
        index.paragraph(
            "MATLAB's CNN activation workflow (activations, mat2gray, imtile, imresize, "
            "strongest channel, pre/post activation, the eye-closed probe) run with the "
            "activations library on three real, trained networks, offline."
        )
        pages = (("fashion", fashion), ("face", face), ("squeezenet", squeeze))
        for sub, (title, summary, thumb) in pages:
            index.heading(title)
            index.paragraph(summary)
            index.link(f"{sub}/index.html", f"Open the {sub} walkthrough")
            index.raw(
                f'<a href="{sub}/index.html"><img src="{sub}/{thumb}" '
                f'alt="{sub} walkthrough" style="max-width: 480px"></a>'
            )
        index.write()
    return Path(out_dir) / "index.html"
