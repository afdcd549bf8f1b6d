"""``activations serve``: the explorer with live views (uploads, Grad-CAM, the eye probe)."""

from __future__ import annotations

import argparse
from typing import Any

from activations.cli._errors import CliError
from activations.cli._explore import add_site_options
from activations.cli._loading import LoadedModel, announce, escaped, load_model

__all__ = ["add_serve", "build_server", "cmd_serve"]


def _decoder(loaded: LoadedModel) -> Any:
    """``decode(bytes)``: an upload read as ``activations show`` reads a file, then fitted."""
    import os
    import tempfile

    from activations.cli._images import fit_image, read_image

    def decode(data: bytes) -> Any:
        announce(loaded)
        handle, path = tempfile.mkstemp(prefix="activations-upload-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            image = read_image(path)
        except ValueError as error:  # said of the upload, not of the temporary file
            raise ValueError(str(error).replace(f"'{path}'", "the upload")) from None
        finally:
            os.unlink(path)
        return fit_image(image, channels=loaded.channels, size=loaded.size, name="upload")

    return decode


def _default_set(loaded: LoadedModel, n: int) -> tuple[Any, list[str], str]:
    """Without --images: the shipped Fashion test images (gray models) or the two face photos."""
    import numpy as np

    from activations import datasets
    from activations.cli._images import fit_image

    if loaded.channels == 1:
        pixels, labels = datasets.fashion_test_subset()
        raw = [p[..., None] for p in pixels[:n]]
        names = [f"#{i} {datasets.CLASS_NAMES[y]}" for i, y in enumerate(labels[:n])]
        what = "Fashion-MNIST test images (shipped)"
    else:
        raw = [datasets.face(), datasets.face_eye_closed()][:n]
        names = ["face.png", "face_eye_closed.png"][:n]
        what = "the face photos (shipped)"
    size = loaded.size or (None, None)
    size = (size[0] or raw[0].shape[0], size[1] or raw[0].shape[1])  # one size for a free model
    fitted = [
        fit_image(r, channels=loaded.channels, size=size, name=m) for r, m in zip(raw, names)
    ]
    return np.stack(fitted), names, what


def build_server(args: argparse.Namespace) -> Any:
    """Load the model and the set, write the site, and bind the server (not serving yet)."""
    from activations import analyze_network
    from activations.cli._explore import _first_images
    from activations.cli._names import class_names
    from activations.cli._top import image_set_of
    from activations.explore import make_server
    from activations.report._explain_section import score_layer_of

    layers = None if args.layers is None else [n for n in args.layers.split(",") if n]
    if layers == []:
        raise CliError(f"--layers should name layers, got '{escaped(args.layers)}'")
    loaded = load_model(args.model, args.scale)
    known: dict[str, Any] = {}
    if args.images is None:
        array, names, set_name = _default_set(loaded, args.max_images)
    else:
        images, _, set_name = image_set_of(args.images, loaded)
        array, names, known = _first_images(images, args.max_images)
    announce(loaded)  # the pixel scale chosen for a model file, said once whatever the set
    score = score_layer_of(loaded.model, args.reduction_layer)
    shapes = {r.name: r.output_shape for r in analyze_network(loaded.model).rows}
    shape = None if score is None else shapes.get(score)
    n_scores = int(shape[0]) if shape is not None and len(shape) == 1 and shape[0] else None
    return make_server(
        loaded.model, array, decode=_decoder(loaded), scale=loaded.scale, names=names,
        host=args.host, port=args.port, reduction_layer=args.reduction_layer,
        class_names=None if n_scores is None else class_names(
            args.model, loaded.model, score, n_scores),
        max_bytes=args.max_upload_bytes, max_pixels=args.max_upload_pixels,
        layers=layers, k=args.k, images_name=set_name, shown=args.shown,
        labels=_labels_if_they_fit(loaded.model, known),
    )  # fmt: skip


def _labels_if_they_fit(model: Any, known: dict[str, Any]) -> Any:
    """The set's labels (Fashion-MNIST's) where the model's last layer has their classes."""
    shape = getattr(model, "output_shape", None)
    fits = known and isinstance(shape, tuple) and shape[-1:] == (len(known["class_names"]),)
    return known["labels"] if fits else None


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C (or SIGTERM)."""
    import time

    from activations._engine.stop import check_stop

    server = build_server(args).start()
    try:
        print(f"serving the explorer of {escaped(args.model)} at {server.url} (Ctrl-C stops)",
              flush=True)  # fmt: skip
        while True:
            time.sleep(0.25)
            check_stop()  # SIGTERM: stopped as after Ctrl-C
    except KeyboardInterrupt:
        print("stopped")
        return 0
    finally:
        server.close()


def add_serve(
    sub: Any, add_command: Any, add_model: Any, images_help: str
) -> argparse.ArgumentParser:
    """The ``serve`` subcommand and its options."""
    from activations.cli._types import positive_int

    p = add_command(sub, "serve", cmd_serve, "serve the explorer with live views (drop an "
                    "image, Grad-CAM, occlusion, the eye probe)")  # fmt: skip
    p.epilog = (
        "Bound to 127.0.0.1 by default; bound to any other address, the URL it prints "
        "carries a random token that every request needs. Nothing is read from a path a "
        "request names: the site is kept in memory."
    )
    add_model(p)
    p.add_argument("--images", metavar="SET", help=f"{images_help} (default: the Fashion test "
                   "images shipped, for a gray model; the two face photos, else)")  # fmt: skip
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    add_site_options(
        p,
        max_images="the first N images of the set",
        shown="the layer view offers the first N images",
    )
    p.add_argument(
        "--reduction-layer",
        default=None,
        metavar="LAYER",
        help="the layer of class scores Grad-CAM and occlusion explain",
    )
    p.add_argument(
        "--max-upload-bytes",
        type=positive_int,
        default=8_000_000,
        metavar="N",
        help="largest upload in bytes (default 8,000,000)",
    )
    p.add_argument(
        "--max-upload-pixels",
        type=positive_int,
        default=4096 * 4096,
        metavar="N",
        help="most pixels an upload's header may claim (default 4096x4096)",
    )
    return p
