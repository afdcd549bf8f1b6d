"""``activations explore``: write the explorer of a model over a set of images."""

from __future__ import annotations

import argparse
from typing import Any

from activations.cli._errors import CliError
from activations.cli._loading import announce, escaped, load_model
from activations.cli._top import ImageFolder, image_set_of

__all__ = ["DEFAULT_MAX_IMAGES", "add_explore", "add_site_options", "cmd_explore"]

#: Images of the set explored unless --max-images says otherwise.
DEFAULT_MAX_IMAGES = 2000


def _first_images(images: Any, n: int) -> tuple[Any, list[str], dict[str, Any]]:
    """The first ``n`` images of the set as one uint8 array, a name for each, what else is known.

    A folder's images are named by their files; the Fashion-MNIST test images
    by their index and class (``#3 Trouser``), with their labels and the class
    names (for the classes view).
    """
    import numpy as np

    n = min(n, len(images))
    if isinstance(images, ImageFolder):
        return np.stack([images[i] for i in range(n)]), [p.name for p in images.paths[:n]], {}
    from activations.datasets import CLASS_NAMES, fashion_mnist

    _, (_, labels) = fashion_mnist()
    names = [f"#{i} {CLASS_NAMES[y]}" for i, y in enumerate(labels[:n])]
    return np.asarray(images[:n]), names, {"labels": labels[:n], "class_names": CLASS_NAMES}


def cmd_explore(args: argparse.Namespace) -> int:
    """Scan the images through the chosen layers and write the site."""
    from activations._arrays.checks import check_output_dir
    from activations.explore import write_explorer

    check_output_dir(args.output, force=args.force)
    layers = None if args.layers is None else [n for n in args.layers.split(",") if n]
    if layers == []:
        raise CliError(f"--layers should name layers, got '{escaped(args.layers)}'")
    loaded = load_model(args.model, args.scale)
    images, _, set_name = image_set_of(args.images, loaded)
    array, names, known = _first_images(images, args.max_images)
    announce(loaded)  # the pixel scale chosen for a model file, said once whatever the set
    shape = getattr(loaded.model, "output_shape", None)
    if known and not (isinstance(shape, tuple) and shape[-1:] == (len(known["class_names"]),)):
        known = {}  # another model over Fashion-MNIST: its classes are not Fashion's
    path = write_explorer(
        loaded.model,
        array,
        args.output,
        scale=loaded.scale,
        layers=layers,
        k=args.k,
        names=names,
        images_name=set_name,
        shown=args.shown,
        embedded=args.embed,
        embedding_layer=args.embedding_layer,
        dreams=args.dreams,
        force=args.force,
        **known,
    )
    count = f"{len(array)} image{'' if len(array) == 1 else 's'}"
    print(f"wrote {escaped(str(path))} ({count}); open it in a browser")
    return 0


def add_site_options(p: argparse.ArgumentParser, *, max_images: str, shown: str) -> None:
    """The options of the site that ``explore`` writes and ``serve`` serves.

    ``--layers``, ``--max-images``, ``-k`` and ``--shown``; ``max_images`` and
    ``shown`` are their help texts (the defaults are added).
    """
    from activations.cli._types import positive_int

    p.add_argument("--layers", metavar="L1,L2", help="layers (default: every conv and dense)")
    p.add_argument(
        "--max-images",
        type=positive_int,
        default=DEFAULT_MAX_IMAGES,
        metavar="N",
        help=f"{max_images} (default {DEFAULT_MAX_IMAGES})",
    )
    p.add_argument("-k", type=positive_int, default=9, help="top images per channel (default 9)")
    p.add_argument(
        "--shown", type=positive_int, default=4, metavar="N", help=f"{shown} (default 4)"
    )


def add_explore(
    sub: Any, add_command: Any, add_model: Any, add_output: Any, images_help: str
) -> argparse.ArgumentParser:
    """The ``explore`` subcommand and its options."""
    from activations.cli._types import non_negative_int

    p = add_command(sub, "explore", cmd_explore, "write a static site to browse every channel")
    add_model(p)
    p.add_argument("--images", required=True, metavar="SET", help=images_help)
    add_output(p, None, "output directory (index.html opens by double-click)")
    add_site_options(
        p,
        max_images="explore the first N images of the set",
        shown="the layer view tiles the channels of the first N images",
    )
    p.add_argument(
        "--dreams",
        type=non_negative_int,
        default=None,
        metavar="N",
        help="dream the first N channels of each layer (default: 64 for images of at most "
        "64x64 pixels, else 0)",
    )
    p.add_argument(
        "--embed",
        type=non_negative_int,
        default=1000,
        metavar="N",
        help="t-SNE of the first N images (default 1000; 0: no embedding view)",
    )
    p.add_argument(
        "--embedding-layer",
        metavar="LAYER",
        help="layer embedded (default: the features the last layer reads)",
    )
    return p
