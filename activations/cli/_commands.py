"""The subcommands of ``activations`` (see :mod:`activations.cli`), one function each.

Each ``cmd_*`` takes the parsed arguments, prints its results on stdout and
returns the exit status; a user error raises :class:`CliError` (or the
library's ``ValueError`` / ``OSError``), which ``cli.main`` prints as one line.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from activations.cli._errors import CliError
from activations.cli._loading import LoadedModel, escaped, load_image, load_model, model_x

__all__ = [
    "check_figure_path",
    "cmd_compare",
    "cmd_demo",
    "cmd_report",
    "cmd_show",
    "cmd_summary",
    "cmd_train_fashion",
]

logger = logging.getLogger(__name__)

FIGURE_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg")


def _parse_ints(text: str, what: str, count: int | None = None) -> list[int]:
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise CliError(f"{what} should be comma-separated integers, got '{text}'") from None
    if count is not None and len(values) != count:
        raise CliError(f"{what} should have {count} integers, got '{text}'")
    return values


def check_figure_path(path: str, force: bool) -> Path:
    from activations._arrays.checks import check_output_file

    if Path(path).suffix.lower() not in FIGURE_SUFFIXES:
        raise CliError(f"-o should end in one of {', '.join(FIGURE_SUFFIXES)}, got '{path}'")
    return check_output_file(path, force=force)


def cmd_summary(args: argparse.Namespace) -> int:
    from activations import analyze_network

    loaded = load_model(args.model)  # no --scale: no image goes through the model
    print(analyze_network(loaded.model))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from matplotlib.figure import Figure

    from activations import activations, strongest_channel
    from activations.plot import plot_channels, plot_overlay
    from activations.report._page import save_figure

    out = check_figure_path(args.output, args.force)
    loaded = load_model(args.model, args.scale)
    image = load_image(args.image, loaded)
    act = activations(loaded.model, model_x(image, loaded), args.layer, stage=args.stage)
    if act.ndim != 3:
        raise CliError(f"layer '{args.layer}' gives {act.shape} outputs, not (H, W, C) maps")
    strongest = int(strongest_channel(act))
    print(
        f"{args.layer}: {act.shape[-1]} channels of {act.shape[0]}x{act.shape[1]}; "
        f"strongest channel {strongest} (max {float(act[..., strongest].max()):.4g})"
    )
    channels = [strongest] if args.strongest else args.channels
    if channels is None:
        fig = plot_channels(act, title=f"{args.layer} ({args.stage}): {act.shape[-1]} channels")
    else:
        bad = [c for c in channels if not 0 <= c < act.shape[-1]]
        if bad:
            raise CliError(f"channels {bad} out of range: {args.layer} has {act.shape[-1]}")
        fig = Figure(figsize=(11.0, 4.0 * len(channels)), layout="constrained")
        subfigs = fig.subfigures(len(channels), 1, squeeze=False).ravel()
        label = args.layer if args.stage == "output" else f"{args.layer} (before activation)"
        for channel, sub in zip(channels, subfigs):
            plot_overlay(image, act, channel, layer_name=label, fig=sub)
    save_figure(fig, out, dpi=args.dpi)
    print(f"wrote {escaped(str(out))}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from activations import activations, compare_channels
    from activations._arrays.region import box_title, region_weights
    from activations.plot import plot_compare
    from activations.report._page import save_figure

    out = check_figure_path(args.output, args.force)
    loaded = load_model(args.model, args.scale)
    image_a, image_b = load_pair(args.image_a, args.image_b, loaded)
    box = _region(args.region, args.image_a, image_a)
    act_a = activations(loaded.model, model_x(image_a, loaded), args.layer)
    act_b = activations(loaded.model, model_x(image_b, loaded), args.layer)
    if act_a.ndim != 3:
        raise CliError(f"layer '{args.layer}' gives {act_a.shape} outputs, not (H, W, C) maps")
    grid, image_hw = act_a.shape[:2], image_a.shape[:2]
    region = None if box is None else region_weights(box, grid, image_shape=image_hw)
    result = compare_channels(act_a, act_b, region=region, k=args.k)
    name_a, name_b = escaped(Path(args.image_a).name), escaped(Path(args.image_b).name)
    if box is None:
        print(
            f"{args.layer}: no --region given, so the whole {grid[0]}x{grid[1]} map is "
            "compared and nothing is outside it"
        )
    else:
        print(
            f"{args.layer}: region {box_title(box)} of the {image_hw[0]}x{image_hw[1]} image "
            f"covers {result.area_inside:.4g} of the {grid[0]}x{grid[1]} cells (each cell "
            "weighted by the fraction of it inside the region)"
        )
    print(
        f"channels whose mean response drops most from a = {name_a} to "
        f"b = {name_b}:"
    )
    print(result)
    if result.channels.size == 0:
        print("no channel drops: no figure written")
        return 0
    channels = [int(c) for c in result.channels]
    fig = plot_compare(
        image_a, image_b, act_a, act_b, channels,
        captions=(name_a, name_b), layer_name=args.layer, region=box, difference=True,
    )  # fmt: skip
    save_figure(fig, out, dpi=args.dpi)
    print(f"wrote {escaped(str(out))}")
    return 0


def load_pair(path_a: str, path_b: str, loaded: LoadedModel) -> tuple[Any, Any]:
    """Two photos to compare, fitted to the model; refused unless their shapes match.

    A comparison lines up the two photos' responses cell by cell: only two
    photos of one size and colour (the same scene, changed) mean anything
    there. Resizing one to the other would compare different things.
    """
    from activations.cli._images import fit_image, read_image

    a, b = read_image(path_a), read_image(path_b)
    if a.shape != b.shape:
        raise CliError(
            f"the two photos differ: '{Path(path_a).name}' is {_shape_words(a.shape)} and "
            f"'{Path(path_b).name}' is {_shape_words(b.shape)}; a comparison needs two photos "
            "of the same size and colours (the same scene, changed)"
        )
    fit_a = fit_image(a, channels=loaded.channels, size=loaded.size, name="image a")
    return fit_a, fit_image(b, channels=loaded.channels, size=loaded.size, name="image b")


def _shape_words(shape: tuple[int, ...]) -> str:
    return f"{shape[0]}x{shape[1]} {'gray' if shape[-1] == 1 else 'RGB'}"


def _region(text: str | None, path: str, image) -> tuple[int, int, int, int] | None:
    """``--region`` in the pixels of the file at ``path``, as a box on the fitted ``image``.

    The model may take another size than the file's (SqueezeNet: 227x227); the box is
    checked against the file and scaled to the image the model sees, rounded outward.
    """
    import math

    from PIL import Image

    from activations._arrays.region import Box, check_box

    if text is None:
        return None
    values = _parse_ints(text, "--region", 4)
    with Image.open(path) as file:  # the header only: the size
        width, height = file.size
    x0, y0, x1, y1 = check_box(values, (height, width))
    rows, cols = image.shape[:2]
    if (rows, cols) == (height, width):
        return Box(x0, y0, x1, y1)
    sx, sy = cols / width, rows / height
    box = Box(
        math.floor(x0 * sx), math.floor(y0 * sy), math.ceil(x1 * sx), math.ceil(y1 * sy)
    )
    logger.info("--region %s of the %dx%d file is %s of the %dx%d image the model sees",
                text, height, width, tuple(box), rows, cols)  # fmt: skip
    return check_box(box, (rows, cols))


def cmd_report(args: argparse.Namespace) -> int:
    from activations._arrays.checks import check_output_dir
    from activations.report import write_model_report

    check_output_dir(args.output, force=args.force)
    if args.region is not None and args.compare is None:
        raise CliError("--region needs --compare IMAGE_B")
    loaded = load_model(args.model, args.scale)
    image_b = None
    if args.compare is None:
        image = load_image(args.image, loaded)
    else:
        image, image_b = load_pair(args.image, args.compare, loaded)
    box = _region(args.region, args.image, image)
    layers = None if args.layers is None else [n for n in args.layers.split(",") if n]
    image_set = None
    if args.top_images is not None:
        from activations.cli._top import image_set_of

        image_set = image_set_of(args.top_images, loaded, "--top-images")
    path = write_model_report(
        loaded.model,
        image,
        args.output,
        scale=loaded.scale,
        layers=layers,
        image_b=image_b,
        box=box,
        compare_layer=args.layer,
        k=args.k,
        force=args.force,
        labels=(escaped(Path(args.image).name), escaped(Path(args.compare or "b").name)),
        image_set=image_set,
        reduction_layer=args.reduction_layer,
        why_methods=args.why,
        class_names=_report_names(args, loaded, image),
        title=f"Activations of {escaped(Path(args.model).name)} on "
        f"{escaped(Path(args.image).name)}",
    )
    print(f"wrote {escaped(str(path))}")
    return 0


def _report_names(args: argparse.Namespace, loaded: LoadedModel, image) -> Any:
    """The class names of the score the report explains, or None (by index)."""
    from activations._probes.activations import activations
    from activations.cli._names import class_names
    from activations.report._explain_section import score_layer_of

    layer = score_layer_of(loaded.model, args.reduction_layer)
    if layer is None:
        return None
    try:
        scores = activations(loaded.model, model_x(image, loaded), layer)
    except ValueError:  # an unknown --reduction-layer: the report says so, by its name
        return None
    return class_names(args.model, loaded.model, layer, scores.shape[0])


def cmd_demo(args: argparse.Namespace) -> int:
    import time

    from activations.report._demo import write_demo

    start = time.perf_counter()
    path = write_demo(args.output, force=args.force)
    print(f"wrote {path} in {time.perf_counter() - start:.1f} s")
    return 0


def cmd_train_fashion(args: argparse.Namespace) -> int:
    from activations.training import train_fashion_cnn

    result = train_fashion_cnn(
        args.out,
        epochs=args.epochs,
        patience=args.patience,
        monitor=args.monitor,
        validation_split=args.validation_split,
        seed=args.seed,
        split_seed=args.split_seed,
        limit=args.limit,
        batch_size=args.batch_size,
        lr_factor=args.lr_factor,
        mirror=args.mirror,
        verbose=args.fit_verbose,
        force=args.force,
    )
    h = result.history
    print(
        f"best epoch {h['best_epoch']} of {h['epochs_run']}: val_loss {h['best_val_loss']:.4f}, "
        f"val_accuracy {h['best_val_accuracy']:.4f}; test loss {h['test_loss']:.4f}, "
        f"test accuracy {h['test_accuracy']:.4f}\nwrote {result.model_path}, "
        f"{result.history_path}, {result.curve_path}"
    )
    return 0
