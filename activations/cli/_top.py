"""``activations top``: a contact sheet of each channel's top images over a data set.

The images are the Fashion-MNIST test set or a folder of image files, read
lazily: a batch at a time while scanning, then only the top images again to
draw them. What can be refused without running the model is refused first:
channels the layer does not have, a folder whose images differ in size for a
model that takes any size, and a sheet larger than :data:`MAX_TILES` tiles or
than a figure may be (:func:`check_sheet`). Drawing checks for a stop request
(SIGTERM) at every tile, while the sheet is built, laid out and rendered.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from activations.cli._channels import checked_channels, layer_channels
from activations.cli._errors import CliError
from activations.cli._loading import (
    LoadedModel,
    escaped,
    load_image,
    load_model,
    model_x,
    printable,
)

if TYPE_CHECKING:  # numpy loads with the command, so that --help stays fast
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "FASHION_TEST",
    "IMAGE_SUFFIXES",
    "MAX_TILES",
    "ImageFolder",
    "check_sheet",
    "cmd_top",
    "image_set_of",
]

FASHION_TEST = "fashion-test"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
#: Rows of the sheet when --channels is not given.
DEFAULT_ROWS = 16
#: The most tiles (channels drawn x images per channel) a contact sheet draws: a whole
#: 64-channel layer at the default -k 9. Matplotlib lays a sheet out in a time that grows
#: with the square of its tiles, and that pass cannot stop half-way.
MAX_TILES = 576


class ImageFolder:
    """The image files of a folder (sorted by name), each read when asked for.

    ``folder[i]`` is file i fitted to the model (channels, size) as uint8;
    ``batches(n)`` yields the model's inputs, ``n`` images at a time.
    """

    def __init__(self, path: str, loaded: LoadedModel, option: str = "--images"):
        folder = Path(path)
        if not folder.is_dir():
            raise CliError(f"{option} should be '{FASHION_TEST}' or a folder, got '{path}'")
        self.paths = sorted(
            p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
        )
        if not self.paths:
            raise CliError(
                f"no image files ({', '.join(IMAGE_SUFFIXES)}) in the folder '{path}'"
            )
        self.loaded = loaded
        self._check_one_size(path, option)

    def _check_one_size(self, spec: str, option: str) -> None:
        """For a model that takes any size, refuse files whose sizes differ: they go in batches.

        Only the headers are read. A model of fixed size gets every file resized to it.
        """
        from PIL import Image

        free = [i for i, side in enumerate(self.loaded.size or (None, None)) if side is None]
        if not free:
            return
        first: tuple[Path, tuple[int, int]] | None = None
        for path in self.paths:
            try:
                with Image.open(path) as file:  # the header only
                    shape = (file.height, file.width)
            except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
                continue  # read_image says what is wrong with it when it is read
            if first is None:
                first = (path, shape)
            elif any(shape[i] != first[1][i] for i in free):
                raise CliError(
                    f"Expected the image files of {option} to share one size: the model takes "
                    f"any size and gets them in batches. {printable(path.name)} is "
                    f"{shape[0]}x{shape[1]} pixels (HxW), the first one, "
                    f"{printable(first[0].name)}, {first[1][0]}x{first[1][1]}; resize them to "
                    f"one size. Received: {option} {printable(spec)}"
                )

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> NDArray[np.uint8]:
        path = self.paths[index]
        try:
            return load_image(str(path), self.loaded, name=path.name)
        except ValueError as error:  # a file that is no image: the user's, also mid-report
            raise CliError(str(error)) from None

    def batches(self, size: int) -> Iterator[NDArray[Any]]:
        import numpy as np

        for start in range(0, len(self), size):
            stop = min(start + size, len(self))
            yield model_x(np.stack([self[i] for i in range(start, stop)]), self.loaded)


def _fashion_test(loaded: LoadedModel) -> tuple[NDArray[np.uint8], Iterator[NDArray[Any]]]:
    from activations.datasets import fashion_mnist

    _, (images, _) = fashion_mnist()
    images = images[..., None]

    def batches(size: int = 256) -> Iterator[NDArray[Any]]:
        for start in range(0, len(images), size):
            yield model_x(images[start : start + size], loaded)

    return images, batches()


def image_set_of(
    spec: str, loaded: LoadedModel, option: str = "--images"
) -> tuple[Any, Iterator[Any], str]:
    """``(images as drawn, batches of model inputs, name)`` for ``--images SPEC``."""
    if spec == FASHION_TEST:
        images, batches = _fashion_test(loaded)
        return images, batches, "Fashion-MNIST test images"
    folder = ImageFolder(spec, loaded, option)
    return folder, folder.batches(256), f"images in {escaped(Path(spec).name)}/"


def _print_top(top: Any, names: list[str] | None) -> None:
    print(f"{top.layer}: top {top.k} of {top.n_images} images per channel, by {top.by}")
    for channel, indices, values in zip(top.channels, top.indices, top.values):
        if values[0] == 0 and values[-1] == 0:
            print(f"  channel {channel}: 0 on its top images (no image excites it)")
            continue
        items = ", ".join(
            f"{escaped(names[i]) if names else f'#{i}'} {v:.4g}" for i, v in zip(indices, values)
        )
        print(f"  channel {channel}: {items}")


def check_sheet(rows: int, k: int, dpi: int) -> None:
    """Refuse a contact sheet of ``rows`` channels of ``k`` images that is too large to draw.

    At most :data:`MAX_TILES` tiles, and no more pixels at ``dpi`` than a saved figure
    may have (``MAX_FIGURE_PIXELS``, ``MAX_FIGURE_SIDE`` a side): known before the
    model runs, so refused before it does.
    """
    from activations.plot._top import sheet_inches
    from activations.report._page import MAX_FIGURE_PIXELS, MAX_FIGURE_SIDE

    if rows * k > MAX_TILES:
        fewer = f"-k {MAX_TILES // rows} or less, or fewer --channels"
        if rows > MAX_TILES:
            fewer = f"at most {MAX_TILES} --channels"
        raise CliError(
            f"Expected a contact sheet of at most {MAX_TILES} tiles (channels drawn x -k): "
            f"{rows} channel(s) x {k} images is {rows * k:,}. Pass {fewer}. "
            f"Received: -k {k}"
        )
    inches = sheet_inches(k, rows)
    width, height = (side * dpi for side in inches)
    if width * height > MAX_FIGURE_PIXELS or max(width, height) > MAX_FIGURE_SIDE:
        most = min((MAX_FIGURE_PIXELS / (inches[0] * inches[1])) ** 0.5,
                   MAX_FIGURE_SIDE / max(inches))  # fmt: skip
        raise CliError(
            f"Expected a contact sheet of at most {MAX_FIGURE_PIXELS:,} pixels and "
            f"{MAX_FIGURE_SIDE:,} a side: {rows} channel(s) x {k} images at --dpi {dpi} would "
            f"be {width:,.0f}x{height:,.0f}. Pass --dpi {max(1, int(most))} or less, or a "
            f"smaller -k. Received: --dpi {dpi}"
        )


def cmd_top(args: argparse.Namespace) -> int:
    """Scan the images, print each channel's top k and draw the contact sheet."""
    from activations import top_images
    from activations.cli._commands import check_figure_path
    from activations.cli._drawing import add_stop_checks
    from activations.plot import plot_top_images
    from activations.report._page import save_figure

    out = check_figure_path(args.output, args.force)
    loaded = load_model(args.model, args.scale)
    layer, n_channels = layer_channels(loaded.model, args.layer)
    channels = checked_channels(args.channels, layer, n_channels)
    images, batches, _ = image_set_of(args.images, loaded)
    rows = len(channels) if channels is not None else min(n_channels, DEFAULT_ROWS)
    check_sheet(rows, min(args.k, len(images)), args.dpi)
    names = [p.name for p in images.paths] if isinstance(images, ImageFolder) else None
    top = top_images(loaded.model, batches, args.layer, channels=channels, k=args.k, by=args.by)
    _print_top(top, names)
    shown = channels
    if shown is None and len(top.channels) > DEFAULT_ROWS:
        shown = list(top.channels[:DEFAULT_ROWS])
        print(f"drawing channels 0-{DEFAULT_ROWS - 1} of {len(top.channels)} (--channels: more)")
    fig = plot_top_images(top, images, channels=shown, full=args.full)
    add_stop_checks(fig)
    save_figure(fig, out, dpi=args.dpi)
    print(f"wrote {escaped(str(out))}")
    return 0
