"""The subcommands of ``activations`` (see :mod:`activations.cli`), one function each.

Each ``cmd_*`` takes the parsed arguments, prints its results on stdout and
returns the exit status; a user error raises :class:`CliError` (or the
library's ``ValueError`` / ``OSError``), which ``cli.main`` prints as one line.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CliError",
    "LoadedModel",
    "cmd_compare",
    "cmd_demo",
    "cmd_report",
    "cmd_show",
    "cmd_summary",
    "cmd_train_fashion",
    "keras_is_safe",
    "load_image",
    "load_model",
]

logger = logging.getLogger(__name__)

ZOO = ("fashion", "face", "squeezenet")
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")
# The oldest Keras with all the hardening of model loading we rely on: safe_mode for
# .h5 Lambda layers (CVE-2025-9905), HDF5 shape bombs and external links (3.13.2),
# archive path traversal (3.14.0), H5 group checks and .keras member decompression
# bombs (3.15.1). Model files of older releases are refused. Keep in step with
# pyproject.toml.
SAFE_KERAS = "3.15.1"
FIGURE_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg")


class CliError(Exception):
    """A user error: printed as one line, exit status 2."""


@dataclass(frozen=True)
class LoadedModel:
    """A model and how to feed it: ``input = fitted uint8 image / scale``."""

    model: Any
    scale: float
    channels: int | None
    size: tuple[int | None, int | None] | None


def _load_zoo(name: str) -> Any:
    from activations import zoo

    if name == "fashion":
        return zoo.fashion_cnn()
    if name == "face":
        return zoo.face_net()
    return zoo.squeezenet()


def load_model(spec: str, scale: float | None = None) -> LoadedModel:
    """Load a zoo model by name or a ``.keras`` / ``.h5`` file (``safe_mode=True``)."""
    import keras

    from activations._input_range import input_range

    if spec in ZOO:
        model = _load_zoo(spec)
    else:
        model = _load_model_file(spec)
        if not isinstance(model, keras.Model):
            raise CliError(f"'{spec}' does not hold a Keras model")
    declared = input_range(model)  # zoo models know theirs: 0..1 is 255, 0..255 is 1
    default_scale = 1.0 if declared is None else declared.scale
    shape = _input_shape(model, spec)
    scale = default_scale if scale is None else scale
    logger.info("Model '%s': input %s, pixel values divided by %g", model.name, shape, scale)
    return LoadedModel(model, scale, shape[-1], shape[:2])


def _load_model_file(spec: str) -> Any:
    import keras

    path = Path(spec)
    if not path.is_file():
        raise CliError(f"no model file '{spec}' (and not a zoo model: {', '.join(ZOO)})")
    if path.suffix not in MODEL_SUFFIXES:  # Keras picks the format by the lowercase suffix
        raise CliError(f"expected a .keras, .h5 or .hdf5 model file, got '{spec}'")
    if not keras_is_safe(keras.__version__):
        raise CliError(
            f"Keras {keras.__version__} can run code from a model file despite safe_mode "
            f"(e.g. CVE-2025-9905); expected keras>={SAFE_KERAS}: upgrade it to load '{spec}'"
        )
    if path.suffix == ".keras":
        kind, valid, why = "Keras archive", _is_zip(path), "it is not a zip file"
    else:
        kind, valid, why = "HDF5 model", _is_hdf5(path), "it is not an HDF5 file"
    if not valid:
        raise CliError(f"'{spec}' exists but is not a valid {kind}: {why}")
    try:
        return keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # Keras raises many kinds for a file that is not a model
        reason = _reason(error)
        if "safe_mode" in reason:
            raise CliError(
                f"refused to load '{spec}': {reason.split(' This ')[0]} Model files are "
                "loaded with Keras' safe_mode, which never runs Python code from a file"
            ) from None
        raise CliError(f"'{spec}' exists but is not a valid {kind}: {reason}") from None


def keras_is_safe(version: str) -> bool:
    """Whether this Keras release refuses code in model files (``>= SAFE_KERAS``)."""
    from packaging.version import InvalidVersion, Version

    try:
        return Version(version) >= Version(SAFE_KERAS)
    except InvalidVersion:
        return False


def _is_zip(path: Path) -> bool:
    import zipfile

    return zipfile.is_zipfile(path)


def _is_hdf5(path: Path) -> bool:
    import h5py

    return h5py.is_hdf5(path)


def _reason(error: BaseException, limit: int = 300) -> str:
    """Keras' reason on one line: its first paragraph (not the config dump), shortened."""
    text = " ".join(str(error).split("\n\n")[0].split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _input_shape(model: Any, spec: str) -> tuple:
    from activations._inputs import input_spec

    try:
        shape = input_spec(model).shape
    except ValueError as error:
        raise CliError(str(error)) from None
    if shape is None or len(shape) != 3:
        raise CliError(
            f"model '{spec}' should take images of shape (H, W, C); its input is {shape}"
        )
    return shape


def load_image(path: str, loaded: LoadedModel, *, size=None, name: str = "image"):
    """Read an image file and fit it to the model (channels, size)."""
    from activations.cli._images import fit_image, read_image

    image = read_image(path)
    logger.info("Read %s: %dx%d, %d channel(s)", path, *image.shape)
    return fit_image(image, channels=loaded.channels, size=size or loaded.size, name=name)


def _model_x(image, loaded: LoadedModel):
    from activations.report._sections import scaled_input

    return scaled_input(image, loaded.scale)


def _parse_ints(text: str, what: str, count: int | None = None) -> list[int]:
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise CliError(f"{what} should be comma-separated integers, got '{text}'") from None
    if count is not None and len(values) != count:
        raise CliError(f"{what} should have {count} integers, got '{text}'")
    return values


def _check_figure_path(path: str, force: bool) -> Path:
    from activations._checks import check_output_file

    if Path(path).suffix.lower() not in FIGURE_SUFFIXES:
        raise CliError(f"-o should end in one of {', '.join(FIGURE_SUFFIXES)}, got '{path}'")
    return check_output_file(path, force=force)


def cmd_summary(args: argparse.Namespace) -> int:
    from activations import analyze_network

    loaded = load_model(args.model, args.scale)
    print(analyze_network(loaded.model))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from matplotlib.figure import Figure

    from activations import activations, strongest_channel
    from activations.plot import plot_channels, plot_overlay
    from activations.report._page import save_figure

    out = _check_figure_path(args.output, args.force)
    loaded = load_model(args.model, args.scale)
    image = load_image(args.image, loaded)
    act = activations(loaded.model, _model_x(image, loaded), args.layer, stage=args.stage)
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
            plot_overlay(image, act, channel, layer=label, fig=sub)
    save_figure(fig, out, dpi=args.dpi)
    print(f"wrote {out}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from activations import activations, compare_channels
    from activations._region import box_title, region_weights
    from activations.plot import plot_compare
    from activations.report._page import save_figure

    out = _check_figure_path(args.output, args.force)
    loaded = load_model(args.model, args.scale)
    image_a = load_image(args.image_a, loaded, name="image a")
    image_b = load_image(args.image_b, loaded, size=image_a.shape[:2], name="image b")
    box = _region(args.region, image_a)
    act_a = activations(loaded.model, _model_x(image_a, loaded), args.layer)
    act_b = activations(loaded.model, _model_x(image_b, loaded), args.layer)
    if act_a.ndim != 3:
        raise CliError(f"layer '{args.layer}' gives {act_a.shape} outputs, not (H, W, C) maps")
    grid, image_hw = act_a.shape[:2], image_a.shape[:2]
    region = None if box is None else region_weights(box, grid, image_shape=image_hw)
    result = compare_channels(act_a, act_b, region=region, k=args.k)
    name_a, name_b = Path(args.image_a).name, Path(args.image_b).name
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
    print(f"channels whose mean response drops most from a = {name_a} to b = {name_b}:")
    print(result)
    if result.channels.size == 0:
        print("no channel drops: no figure written")
        return 0
    channels = [int(c) for c in result.channels]
    fig = plot_compare(
        image_a, image_b, act_a, act_b, channels,
        labels=(name_a, name_b), layer=args.layer, region=box, difference=True,
    )  # fmt: skip
    save_figure(fig, out, dpi=args.dpi)
    print(f"wrote {out}")
    return 0


def _region(text: str | None, image) -> tuple[int, int, int, int] | None:
    from activations._region import check_box

    if text is None:
        return None
    values = _parse_ints(text, "--region", 4)
    return check_box(values, image.shape[:2])


def cmd_report(args: argparse.Namespace) -> int:
    from activations._checks import check_output_dir
    from activations.report import write_model_report

    check_output_dir(args.output, force=args.force)
    if args.region is not None and args.compare is None:
        raise CliError("--region needs --compare IMAGE_B")
    loaded = load_model(args.model, args.scale)
    image = load_image(args.image, loaded)
    image_b = None
    if args.compare is not None:
        image_b = load_image(args.compare, loaded, size=image.shape[:2], name="image b")
    box = _region(args.region, image)
    layers = None if args.layers is None else [n for n in args.layers.split(",") if n]
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
        labels=(Path(args.image).name, Path(args.compare or "b").name),
        title=f"Activations of {Path(args.model).name} on {Path(args.image).name}",
    )
    print(f"wrote {path}")
    return 0


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
