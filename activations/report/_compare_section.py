"""The comparison of two photos, as a report section (``activations report`` and the demo).

The region rule is :func:`activations.region_weights`; the ranking is
:func:`activations.compare_channels`, so the page shows the numbers the Python
API and ``activations compare`` give for the same box and layer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from numpy.typing import NDArray

from activations._arrays.compare import ChannelComparison, compare_channels
from activations._arrays.region import box_title, region_weights
from activations.report._page import Page
from activations.report._sections import ConvLayer, shown_on_photo, slug

__all__ = [
    "add_compare_section",
    "compare_layer_for",
    "comparison_rows",
    "percent_text",
    "region_text",
]


def percent_text(value: float) -> str:
    """A percentage of the table, ``n/a`` where it is undefined (a base mean <= 0).

    Examples
    --------
    >>> percent_text(73.62), percent_text(float("nan"))
    ('74%', 'n/a')
    """
    return "n/a" if math.isnan(value) else f"{value:.0f}%"


def region_text(result: ChannelComparison, box: tuple[int, int, int, int] | None) -> str:
    """Where the comparison looked, in words: the box and its area in activation cells."""
    if box is None or result.region is None:
        return "No region given: the whole map is compared, so nothing is outside it."
    h, w = result.map_shape
    return (
        f"The region is the box {box_title(box)} (photo pixels, ends excluded). On the "
        f"{h}x{w} grid it covers {result.area_inside:.4g} cells: each cell counts with the "
        "fraction of it inside the box (region_weights), the means inside are weighted "
        "by that fraction and the means outside by the rest."
    )


def comparison_rows(result: ChannelComparison, labels: tuple[str, str]) -> list[dict]:
    """Table rows: means inside (and outside, when there is an outside), drop and drop %."""
    rows = []
    for i, c in enumerate(result.channels):
        row = {
            "Channel": int(c),
            f"Inside, {labels[0]}": f"{result.inside_a[i]:.3f}",
            f"Inside, {labels[1]}": f"{result.inside_b[i]:.3f}",
            "Drop": f"{result.drop[i]:.3f}",
            "Drop %": percent_text(float(result.drop_pct[i])),
        }
        outside = (result.outside_a, result.outside_b, result.outside_drop_pct)
        if all(values is not None for values in outside):
            out_a, out_b, out_pct = outside
            row[f"Outside, {labels[0]}"] = f"{out_a[i]:.3f}"  # type: ignore[index]
            row[f"Outside, {labels[1]}"] = f"{out_b[i]:.3f}"  # type: ignore[index]
            row["Outside drop %"] = percent_text(float(out_pct[i]))  # type: ignore[index]
        rows.append(row)
    return rows


def add_compare_section(
    page: Page,
    images: tuple[NDArray, NDArray],
    acts: tuple[NDArray, NDArray],
    layer: str,
    *,
    box: tuple[int, int, int, int] | None,
    k: int = 4,
    labels: tuple[str, str] = ("image a", "image b"),
) -> ChannelComparison:
    """Channels whose mean response inside ``box`` drops most from image a to image b."""
    from activations.plot import plot_compare, plot_photos

    image_hw = images[0].shape[:2]
    grid = acts[0].shape[:2]
    region = None if box is None else region_weights(box, grid, image_shape=image_hw)
    result = compare_channels(acts[0], acts[1], region=region, k=k)
    page.figure(
        plot_photos(images, captions=list(labels), region=box),
        "photos",
        f"'{labels[0]}' (left) and '{labels[1]}' (right) as the model sees them"
        + ("" if box is None else ", the compared region outlined in red")
        + ".",
    )
    page.paragraph(region_text(result, box))
    n = result.channels.size
    if n == 0:
        page.paragraph(
            f"No channel of {layer} responds less on '{labels[1]}' than on '{labels[0]}' "
            "there: nothing to rank.",
            note=True,
        )
        return result
    where = "inside the region" if box is not None else "over the whole map"
    fewer = (
        f" Only {result.n_dropping} of its {result.n_channels} channels drop at all."
        if result.n_dropping < min(k, result.n_channels)
        else ""
    )
    page.paragraph(
        f"The {n} channels of {layer} whose mean response {where} drops most from "
        f"'{labels[0]}' to '{labels[1]}' (only channels that drop are ranked).{fewer} "
        f"Channels are ranked by the drop of their mean (activation units); Drop % = drop "
        f"/ mean on '{labels[0]}', given only where that mean is positive (n/a: a "
        "percentage of a negative or zero mean means nothing)."
    )
    page.table(comparison_rows(result, labels), numeric=("Channel",))
    channels = [int(c) for c in result.channels]
    page.figure(
        plot_compare(
            *images, *acts, channels, captions=labels, layer_name=layer, region=box,
            difference=True,
        ),  # fmt: skip
        f"compare_{slug(layer)}",
        f"{layer} channels {', '.join(map(str, channels))}, each "
        f"{shown_on_photo(grid, images[0].shape)}. Rows 1-2: the channels on '{labels[0]}' "
        f"and '{labels[1]}' on one shared gray scale (white = strong), so a channel that "
        "stops firing is darker in row 2. Row 3: the difference a - b (red: the response "
        "drops, blue: it rises; white: no change)"
        + (", with the region in red on every map." if box is not None else "."),
    )
    return result


def compare_layer_for(
    convs: Sequence[ConvLayer], shapes: dict[str, tuple], image_hw: tuple[int, int], box
) -> str:
    """The default layer of a comparison, the deepest one that still resolves the box.

    That is the deepest conv output whose cells are no wider or no taller than
    the box (the coarsest grid that resolves it along one side); without a box,
    the deepest conv output.
    """
    for conv in reversed(convs):
        h, w = shapes[conv.output][:2]
        if box is None:
            return conv.output
        x0, y0, x1, y1 = box
        if (x1 - x0) * w >= image_hw[1] or (y1 - y0) * h >= image_hw[0]:
            return conv.output
    raise ValueError(
        f"The region {box_title(box)} is narrower and shorter than one cell of every conv "
        f"layer's grid. Pass a larger region or a layer. Received: region={box}"
    )
