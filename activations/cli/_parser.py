"""The argument parser of ``activations``: subcommands, options and their checks."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NoReturn

from activations._explain.methods import METHODS, explain_methods
from activations.cli._commands import (
    cmd_compare,
    cmd_demo,
    cmd_report,
    cmd_show,
    cmd_summary,
    cmd_train_fashion,
)
from activations.cli._explain import cmd_dream, cmd_explain
from activations.cli._explore import add_explore
from activations.cli._loading import ZOO, escaped
from activations.cli._serve import add_serve
from activations.cli._top import DEFAULT_ROWS, FASHION_TEST, MAX_TILES, cmd_top
from activations.cli._types import (
    SCALE_RANGE,
    channel_range,
    channels,
    fraction,
    lr_factor,
    non_negative_int,
    positive_int,
    scale,
    size,
)

__all__ = ["PIXELS", "SCALE_RANGE", "build_parser", "flags_of", "one_line"]

#: How image files are read, said in the help of every image argument.
PIXELS = (
    "pixels brought to 0..255 by their type: 8-bit as they are, 16-bit x 255/65535, "
    "float as 0..1 x 255 (values outside refused), 1-bit as 0 or 255"
)
IMAGE_FILE = f"an image file (PNG, JPEG, TIFF, ...), its {PIXELS}"
IMAGE_SET = (
    f"'{FASHION_TEST}' (the 10,000 Fashion-MNIST test images) or a folder of image "
    f"files, each file's {PIXELS}"
)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: ``activations: error: ...``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"activations: error: {one_line(message)} (see '{self.prog} --help')\n")


def _add_command(sub, name: str, func: Callable, help: str) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help, description=help)
    parser.set_defaults(func=func)
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log conversions and choices (-vv: debug)",
    )
    return parser


def _add_model(parser: argparse.ArgumentParser, *, with_scale: bool = True) -> None:
    """MODEL, and --scale for the commands that feed the model images."""
    parser.add_argument(
        "model", metavar="MODEL", help=f"a .keras/.h5 file or a zoo model: {', '.join(ZOO)}"
    )
    if not with_scale:
        return
    parser.add_argument(
        "--scale",
        type=scale,
        default=None,
        metavar="S",
        help="divide pixel values (0..255) by S before the model (default: the zoo "
        "model's own; for a model file, the range it records, else 255, or 1 when it "
        "starts with a Rescaling or Normalization layer; said on stderr)",
    )


def _add_reduction_layer(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reduction-layer",
        default=None,
        metavar="LAYER",
        help="the layer of class scores explained (default: the model's output; for several "
        "outputs, the only softmax one, as the face network's face_score)",
    )


def _add_output(parser: argparse.ArgumentParser, default: str | None, what: str) -> None:
    parser.add_argument("-o", "--output", required=default is None, default=default, help=what)
    parser.add_argument("--force", action="store_true", help="overwrite existing output")


def _add_train_fashion(sub) -> None:
    help = "train the Fashion-MNIST CNN (best checkpoint, history, loss curve)"
    p = sub.add_parser("train-fashion", help=help, description=help)
    p.set_defaults(func=cmd_train_fashion)
    p.add_argument(
        "--out", required=True, metavar="DIR", help="output directory (made once data is loaded)"
    )
    p.add_argument("--epochs", type=positive_int, default=20, help="most epochs (default 20)")
    p.add_argument(
        "--patience", type=non_negative_int, default=2, help="early-stopping patience (2)"
    )
    p.add_argument("--monitor", choices=("val_loss", "val_accuracy"), default="val_loss")
    p.add_argument("--limit", type=positive_int, default=None, help="use the first N images")
    p.add_argument("--seed", type=non_negative_int, default=42, help="initialization/shuffle seed")
    p.add_argument("--split-seed", type=non_negative_int, default=42, help="validation split seed")
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.add_argument(
        "--lr-factor",
        type=lr_factor,
        default=0.2,
        help="learning-rate factor on a plateau ('none': fixed rate, as the tutorials)",
    )
    p.add_argument("--validation-split", type=fraction, default=0.2)
    p.add_argument(
        "--no-mirror", dest="mirror", action="store_false", help="no mirrored training copies"
    )
    p.add_argument(
        "--verbose",
        dest="fit_verbose",
        type=int,
        choices=(0, 1, 2),
        default=1,
        help="Keras' progress: 0 none, 1 a bar, 2 a line per epoch (default 1)",
    )
    p.add_argument("--force", action="store_true", help="overwrite the files in a non-empty --out")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``activations``; its errors are one line (exit status 2)."""
    from activations import __version__

    parser = _Parser(
        prog="activations",
        description="MATLAB's CNN activation workflow for Keras models, from the shell.",
        epilog="TensorFlow's C++ log is hidden unless TF_CPP_MIN_LOG_LEVEL is set (0: all).",
    )
    parser.add_argument("--version", action="version", version=f"activations {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = _add_command(sub, "summary", cmd_summary, "print the layer table (analyzeNetwork)")
    _add_model(p, with_scale=False)  # no image goes through the model
    p = _add_command(sub, "show", cmd_show, "draw one layer's channels, or some over the photo")
    _add_model(p)
    p.add_argument("image", metavar="IMAGE", help=IMAGE_FILE)
    p.add_argument("--layer", required=True, help="layer name")
    p.add_argument(
        "--stage",
        choices=("output", "pre"),
        default="output",
        help="pre: before the layer's fused activation (e.g. ReLU)",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--channels", type=channels, metavar="C1,C2", help="draw these channels over the photo"
    )
    which.add_argument(
        "--strongest", action="store_true", help="draw the strongest channel over the photo"
    )
    _add_output(p, None, "output figure (.png, .pdf, .svg, .jpg)")
    p.add_argument("--dpi", type=positive_int, default=100)
    p = _add_command(
        sub,
        "compare",
        cmd_compare,
        "find the channels whose response drops from image A to image B",
    )
    _add_model(p)
    p.epilog = (
        "Channels are ranked by the drop of their mean response (in activation units); "
        "'drop %' is given only where the mean on IMAGE_A is positive (n/a otherwise). "
        "IMAGE_A and IMAGE_B must have the same size and colours (the same scene, changed): "
        "their responses are compared cell by cell, so two different photos are refused."
    )
    p.add_argument("image_a", metavar="IMAGE_A", help=IMAGE_FILE)
    p.add_argument(
        "image_b",
        metavar="IMAGE_B",
        help="the same size and colours as IMAGE_A (the same scene, changed), read alike",
    )
    p.add_argument("--layer", required=True, help="layer name")
    p.add_argument(
        "--region",
        metavar="X0,Y0,X1,Y1",
        help="compare inside this box of IMAGE_A's pixels (ends excluded)",
    )
    p.add_argument("-k", type=positive_int, default=4, help="channels to report (default 4)")
    _add_output(p, None, "output figure (.png, .pdf, .svg, .jpg)")
    p.add_argument("--dpi", type=positive_int, default=100)
    p = _add_command(
        sub, "explain", cmd_explain, "why the model decides: Grad-CAM, occlusion, LIME, gradients"
    )
    _add_model(p)
    p.add_argument("image", metavar="IMAGE", help=IMAGE_FILE)
    p.add_argument("--method", choices=tuple(METHODS), default="gradcam")
    p.add_argument(
        "--label", type=non_negative_int, default=None, help="class index (default: predicted)"
    )
    _add_reduction_layer(p)
    _add_output(p, None, "output figure (.png, .pdf, .svg, .jpg)")
    p.add_argument("--dpi", type=positive_int, default=100)
    p = _add_command(sub, "dream", cmd_dream, "images that excite channels (deepDreamImage)")
    _add_model(p)
    p.add_argument("--layer", required=True, help="layer name")
    p.add_argument("--channels", type=channel_range, required=True, metavar="0-15", help="or 3,14")
    p.add_argument(
        "--size",
        type=size,
        metavar="H,W",
        help="dream at this size, for a model that takes any size (default: the size its "
        "first layer resizes to, as the face network's 48,48)",
    )
    p.add_argument(
        "--image",
        metavar="FILE",
        help="start from this image file instead of noise (MATLAB's InitialImage); fitted to "
        f"the model, or to --size; its {PIXELS}",
    )
    _add_output(p, None, "output figure (.png, .pdf, .svg, .jpg)")
    p.add_argument("--dpi", type=positive_int, default=100)
    p = _add_command(sub, "top", cmd_top, "each channel's top images over a data set")
    p.epilog = (
        f"A contact sheet draws at most {MAX_TILES} tiles (channels drawn x -k: a whole "
        "64-channel layer at the default -k 9) and no more pixels at --dpi than a saved "
        "figure may have: larger sheets are refused before the model runs. The images of a "
        "folder must share one size for a model that takes any size."
    )
    _add_model(p)
    p.add_argument(
        "--images",
        required=True,
        metavar="SET",
        help=IMAGE_SET,
    )
    p.add_argument("--layer", required=True, help="layer name")
    p.add_argument(
        "-k",
        type=positive_int,
        default=9,
        help=f"images per channel (default 9; at most {MAX_TILES} tiles in all)",
    )
    p.add_argument(
        "--channels",
        type=channel_range,
        metavar="0-15",
        help=f"or 3,14 (default: all ranked, the first {DEFAULT_ROWS} drawn)",
    )
    p.add_argument("--by", choices=("max", "mean"), default="max", help="rank by (max)")
    p.add_argument("--full", action="store_true", help="full images, the patch outlined")
    _add_output(p, None, "output figure (.png, .pdf, .svg, .jpg)")
    p.add_argument("--dpi", type=positive_int, default=100)
    add_explore(sub, _add_command, _add_model, _add_output, IMAGE_SET)
    add_serve(sub, _add_command, _add_model, IMAGE_SET)
    p = _add_command(sub, "report", cmd_report, "write an HTML report of a model on a photo")
    _add_model(p)
    p.add_argument("image", metavar="IMAGE", help=IMAGE_FILE)
    _add_output(p, None, "output directory (index.html and PNG figures)")
    p.add_argument(
        "--compare",
        metavar="IMAGE_B",
        help="a second photo to compare with, of the same size and colours",
    )
    p.add_argument("--region", metavar="X0,Y0,X1,Y1", help="box of the comparison")
    p.add_argument(
        "--layer",
        help="layer of the comparison (default: the deepest conv layer whose "
        "cells are no wider or no taller than the box)",
    )
    p.add_argument("--layers", metavar="L1,L2", help="conv layers to show (default: all)")
    p.add_argument("-k", type=positive_int, default=4, help="channels compared (default 4)")
    p.add_argument(
        "--top-images",
        metavar="SET",
        help=f"'{FASHION_TEST}' or a folder of image files (read as IMAGE): top images section",
    )
    _add_reduction_layer(p)
    p.add_argument(
        "--why",
        type=explain_methods,
        default=["gradcam", "occlusion"],
        metavar="M1,M2",
        help="explanations of the 'why' section (default gradcam,occlusion; any of "
        f"{','.join(METHODS)})",
    )
    p = _add_command(sub, "demo", cmd_demo, "the Fashion-MNIST and face walkthroughs, offline")
    _add_output(p, "demo-out", "output directory (default: demo-out)")
    _add_train_fashion(sub)
    for command in sub.choices.values():
        command.set_defaults(flags=flags_of(command))
    return parser


def flags_of(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Each option's Python name (``reduction_layer``) and its flag (``--reduction-layer``)."""
    return {
        action.dest: max(action.option_strings, key=len)
        for action in parser._actions  # argparse has no public list of a parser's options
        if action.option_strings and action.dest != "help"
    }


def one_line(error: BaseException | str) -> str:
    """An error on one line, control characters escaped (a file name cannot forge output)."""
    return escaped(" ".join(str(error).split())) or type(error).__name__
