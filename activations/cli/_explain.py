"""``activations explain`` and ``activations dream``: why the model decides, what it wants.

``explain`` explains a class score: the model's output, the only softmax
output of a model with several (the face network's ``face_score``), or the
layer ``--reduction-layer`` names; classes are named where the model is known
(:mod:`activations.cli._names`). ``dream`` starts from noise of the model's
size, of ``--size`` or of the native size of a model that takes any size, or
from ``--image``.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from activations.cli._channels import checked_channels, layer_channels
from activations.cli._errors import CliError
from activations.cli._loading import LoadedModel, escaped, load_image, load_model, model_x

__all__ = ["cmd_dream", "cmd_explain"]

logger = logging.getLogger(__name__)


def cmd_explain(args: argparse.Namespace) -> int:
    """One explanation of one class score (``--method``), drawn over the photo."""
    import numpy as np

    from activations import activations
    from activations._explain.methods import METHODS, explain_one
    from activations._explain.scores import default_score_layer
    from activations.cli._commands import check_figure_path
    from activations.cli._names import class_names
    from activations.plot import plot_attribution
    from activations.plot._attribution import UNITS
    from activations.report._explain_section import class_text, score_layer_of
    from activations.report._model import check_layer
    from activations.report._page import save_figure

    out = check_figure_path(args.output, args.force)
    loaded = load_model(args.model, args.scale)
    image = load_image(args.image, loaded)
    x = model_x(image, loaded)
    model = loaded.model
    method = METHODS[args.method].title
    check_layer(model, "reduction_layer", args.reduction_layer)
    layer = score_layer_of(model, args.reduction_layer)
    if layer is None:  # several outputs, none the only softmax one: the library's error
        layer = default_score_layer(model, tuple(x.shape), method)
    scores = activations(model, x, layer)
    if scores.ndim != 1:
        raise CliError(
            f"layer '{layer}' gives {scores.shape} per image, not one score per class: "
            "pass --reduction-layer with the layer of class scores"
        )
    label = int(scores.argmax()) if args.label is None else args.label
    explained = scores if args.label is None else scores[label : label + 1]
    if not np.isfinite(explained).all():  # the library would warn and give a NaN map
        which = "class scores" if args.label is None else f"score of class {label}"
        raise CliError(
            f"the {which} of layer '{layer}' for {escaped(Path(args.image).name)} are not "
            f"finite ({explained[~np.isfinite(explained)][0]}): nothing to explain; check "
            "the model file and the pixel scale (--scale)"
        )
    found = explain_one(args.method, model, x, label, layer)
    names = class_names(args.model, model, layer, scores.shape[0])
    which = f"class {class_text(label, names)}"
    which = f"the predicted {which}" if args.label is None else which
    peak = tuple(int(v) for v in divmod(int(found.argmax()), found.shape[1]))
    print(f"{args.method} for {which}: max {float(found.max()):.4g} at (row, col) {peak}")
    title = f"{method} of {escaped(Path(args.image).name)}: {which}"
    figure = plot_attribution(
        image, found, title=title, units=UNITS[args.method], diverging=METHODS[args.method].signed
    )
    save_figure(figure, out, dpi=args.dpi)
    print(f"wrote {escaped(str(out))}")
    return 0


def _dream_start(args: argparse.Namespace, loaded: LoadedModel):
    """The start image, as the model takes it, or None for deep_dream's own noise."""
    from activations._explain.dream import start_noise
    from activations.report._explain_section import native_size

    fixed = None if loaded.size is None or None in loaded.size else tuple(loaded.size)
    if args.size is not None and fixed is not None and tuple(args.size) != fixed:
        raise CliError(
            f"model '{args.model}' takes {fixed[0]}x{fixed[1]} images only; "
            f"got --size {args.size[0]},{args.size[1]}"
        )
    if args.image is not None:
        return model_x(load_image(args.image, loaded, size=args.size), loaded)
    if fixed is not None:
        return None
    size = args.size or native_size(loaded.model)
    if size is None:
        raise CliError(
            f"model '{args.model}' takes images of any size: pass --size H,W or --image FILE "
            "to set the dream's"
        )
    if args.size is None:
        logger.info("Dreaming at %dx%d, the size the model resizes its input to", *size)
    return start_noise(loaded.model, (*size, loaded.channels or 3))


def cmd_dream(args: argparse.Namespace) -> int:
    """One deep-dream image per channel, tiled (MATLAB's deepDreamImage)."""
    import numpy as np

    from activations import activations, deep_dream
    from activations.cli._commands import check_figure_path
    from activations.plot import plot_dreams
    from activations.report._page import save_figure

    out = check_figure_path(args.output, args.force)
    loaded = load_model(args.model, args.scale)
    channels = checked_channels(args.channels, *layer_channels(loaded.model, args.layer))
    start = _dream_start(args, loaded)
    images = deep_dream(loaded.model, args.layer, channels, image=start)
    h, w = images.shape[1:3]
    maps = activations(loaded.model, images, args.layer)
    means = maps.mean(axis=tuple(range(1, maps.ndim - 1)))[np.arange(len(images)), channels]
    print(
        f"{args.layer}: dreamt {len(images)} channel(s) at {h}x{w}; mean activation of each "
        f"channel on its dream: {', '.join(f'{c} {m:.4g}' for c, m in zip(channels, means))}"
    )
    title = f"deep_dream: {args.layer}, channels {channels} ({h}x{w})"
    save_figure(plot_dreams(images, channels=channels, title=title), out, dpi=args.dpi)
    print(f"wrote {escaped(str(out))}")
    return 0
