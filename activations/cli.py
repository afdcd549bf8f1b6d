"""The ``activations`` command line: summary, show, compare, report, demo, train-fashion.

MODEL is a ``.keras`` / ``.h5`` file (loaded with ``safe_mode=True``, never
unpickled) or a zoo name: ``fashion``, ``face``, ``squeezenet``. Images are
read with Pillow and converted to what the model takes (logged with ``-v``).
Errors print one line, ``activations: error: ...``, and exit with status 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from activations._commands import (
    ZOO,
    CliError,
    cmd_compare,
    cmd_demo,
    cmd_report,
    cmd_show,
    cmd_summary,
    cmd_train_fashion,
)

__all__ = ["build_parser", "main"]

logger = logging.getLogger(__name__)


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got '{text}'") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got '{text}'")
    return value


def _channels(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers like 3,14, got '{text}'") from None
    if any(v < 0 for v in values):
        raise argparse.ArgumentTypeError(f"channels are indices from 0, got '{text}'")
    return values


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got '{text}'")
    return value


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


def _add_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "model", metavar="MODEL", help=f"a .keras/.h5 file or a zoo model: {', '.join(ZOO)}"
    )
    parser.add_argument(
        "--scale",
        type=_scale,
        default=None,
        metavar="S",
        help="divide pixel values (0..255) by S before the model "
        "(default: the zoo model's own; 1 for model files)",
    )


def _add_output(parser: argparse.ArgumentParser, default: str | None, what: str) -> None:
    parser.add_argument("-o", "--output", required=default is None, default=default, help=what)
    parser.add_argument("--force", action="store_true", help="overwrite existing output")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``activations`` (without ``train-fashion``'s own options)."""
    from activations import __version__

    parser = argparse.ArgumentParser(
        prog="activations",
        description="MATLAB's CNN activation workflow for Keras models, from the shell.",
    )
    parser.add_argument("--version", action="version", version=f"activations {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = _add_command(sub, "summary", cmd_summary, "print the layer table (analyzeNetwork)")
    _add_model(p)
    p = _add_command(sub, "show", cmd_show, "draw one layer's channels, or some over the photo")
    _add_model(p)
    p.add_argument("image", metavar="IMAGE", help="PNG or JPEG file")
    p.add_argument("--layer", required=True, help="layer name")
    p.add_argument(
        "--stage",
        choices=("output", "pre"),
        default="output",
        help="pre: before the layer's fused activation (e.g. ReLU)",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--channels", type=_channels, metavar="C1,C2", help="draw these channels over the photo"
    )
    which.add_argument(
        "--strongest", action="store_true", help="draw the strongest channel over the photo"
    )
    _add_output(p, None, "output figure (.png, .pdf, .svg, .jpg)")
    p.add_argument("--dpi", type=_positive_int, default=100)
    p = _add_command(
        sub,
        "compare",
        cmd_compare,
        "find the channels whose response drops from image A to image B",
    )
    _add_model(p)
    p.add_argument("image_a", metavar="IMAGE_A")
    p.add_argument("image_b", metavar="IMAGE_B")
    p.add_argument("--layer", required=True, help="layer name")
    p.add_argument(
        "--region",
        metavar="X0,Y0,X1,Y1",
        help="compare inside this box of IMAGE_A's pixels (ends excluded)",
    )
    p.add_argument("-k", type=_positive_int, default=4, help="channels to report (default 4)")
    _add_output(p, None, "output figure (.png, .pdf, .svg, .jpg)")
    p.add_argument("--dpi", type=_positive_int, default=100)
    p = _add_command(sub, "report", cmd_report, "write an HTML report of a model on a photo")
    _add_model(p)
    p.add_argument("image", metavar="IMAGE")
    _add_output(p, None, "output directory (index.html and PNG figures)")
    p.add_argument("--compare", metavar="IMAGE_B", help="a second photo to compare with")
    p.add_argument("--region", metavar="X0,Y0,X1,Y1", help="box of the comparison")
    p.add_argument(
        "--layer",
        help="layer of the comparison (default: the deepest conv "
        "layer on whose grid the region covers a cell)",
    )
    p.add_argument("--layers", metavar="L1,L2", help="conv layers to show (default: all)")
    p.add_argument("-k", type=_positive_int, default=4, help="channels compared (default 4)")
    p = _add_command(sub, "demo", cmd_demo, "the Fashion-MNIST and face walkthroughs, offline")
    _add_output(p, "demo-out", "output directory (default: demo-out)")
    sub.add_parser(
        "train-fashion",
        add_help=False,
        help="train the Fashion-MNIST CNN (see: activations train-fashion --help)",
    )
    return parser


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _run(func: Callable[[], int], verbose: int) -> int:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("activations: %(levelname)s: %(message)s"))
    package = logging.getLogger("activations")
    saved = package.level
    package.addHandler(handler)
    package.setLevel(
        logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    )
    try:
        return func()
    except (CliError, OSError, ValueError) as error:
        logger.debug("Traceback of the error:", exc_info=True)
        print(f"activations: error: {_one_line(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("activations: interrupted", file=sys.stderr)
        return 130
    finally:
        package.removeHandler(handler)
        package.setLevel(saved)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 2 bad input or arguments)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["train-fashion"]:
            return _run(lambda: cmd_train_fashion(argv[1:]), 0)
        args = build_parser().parse_args(argv)
        return _run(lambda: args.func(args), args.verbose)
    except SystemExit as exit:  # argparse: --help, --version, bad arguments
        return exit.code if isinstance(exit.code, int) else 0 if exit.code is None else 2


if __name__ == "__main__":
    sys.exit(main())
