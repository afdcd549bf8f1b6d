"""What ``activations serve`` computes for an image the page sends: nothing precomputed.

A layer's maps on it (the montage the layer view cuts its tiles from, and each
channel's max; before the layer's fused activation too), the strongest channels
of every explored layer (the network view's thumbnails), its nearest images of
the set in one layer (where the embedding view places it), Grad-CAM and
occlusion sensitivity of its predicted class (PNG overlays) and the eye probe
(:func:`activations.compare_channels` inside a box of image a, and
:func:`activations.plot.plot_compare` as a PNG). Every result is a dict ready
for JSON; images are ``data:image/png;base64`` URLs. One model call at a time
(a lock): the server answers the page's other requests meanwhile.
"""

from __future__ import annotations

import base64
import io
import math
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from activations._arrays.compare import compare_channels
from activations._arrays.normalize import mat2gray
from activations._arrays.overlay import overlay
from activations._arrays.region import box_title, check_box, region_weights
from activations._arrays.tile import grid_shape, imtile
from activations._engine.inputs import input_spec
from activations._engine.layers import resolve_layer
from activations._engine.tap import fused_activation
from activations._explain.gradcam import _default_feature, gradcam
from activations._explain.occlusion import occlusion_sensitivity
from activations._explain.scores import network_table, output_names
from activations._probes.activations import activations
from activations._probes.network import analyze_network, shape_text
from activations.report._explain_section import score_layer_of

__all__ = ["EXPLAIN_METHODS", "FIGURE_CHANNELS", "MAX_NEIGHBOURS", "MAX_THUMBS", "LiveModel",
           "png_url"]

#: What ``LiveModel.explain`` draws: Grad-CAM or occlusion sensitivity.
EXPLAIN_METHODS = ("gradcam", "occlusion")
#: The most ranked channels the probe's figure draws (the table lists all of them).
FIGURE_CHANNELS = 8
#: The most channels per layer ``LiveModel.strongest`` draws, and neighbours it finds.
MAX_THUMBS = 16
MAX_NEIGHBOURS = 50


def png_url(pixels: NDArray) -> str:
    """``pixels`` (uint8, or floats in 0..1) as a ``data:image/png;base64,...`` URL.

    Examples
    --------
    >>> png_url(np.zeros((1, 1), np.uint8))[:22]
    'data:image/png;base64,'
    """
    array = np.asarray(pixels)
    if array.dtype != np.uint8:
        array = np.round(np.clip(array, 0, 1) * 255).astype(np.uint8)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _montage(act: NDArray[np.float32], grid: tuple[int, int]) -> NDArray[np.float32]:
    """``imtile(mat2gray(act))`` of one image's (H, W, C) maps, without borders."""
    return imtile(np.moveaxis(mat2gray(act), -1, 0), grid_size=grid)


def _floats(values: Any) -> list[float | None]:
    """Floats for JSON: NaN (an undefined ratio) becomes None."""
    return [None if math.isnan(v) else float(v) for v in np.asarray(values, np.float64).ravel()]


class LiveModel:
    """A model fed the images the page sends: ``input = image / scale``.

    Parameters
    ----------
    model : keras.Model
    scale : float
        What the uint8 pixels are divided by.
    class_names : sequence of str, optional
        Names of the explained scores (default: by index).
    reduction_layer : str, optional
        The layer of class scores Grad-CAM and occlusion explain (default: the
        model's output, or its only softmax output among several).
    """

    def __init__(
        self,
        model: Any,
        scale: float,
        *,
        class_names: Sequence[str] | None = None,
        reduction_layer: str | None = None,
    ):
        self.model, self.scale = model, float(scale)
        self.class_names = None if class_names is None else [str(n) for n in class_names]
        self.reduction_layer = reduction_layer
        self.table = analyze_network(model)
        self.shapes = {row.name: tuple(row.output_shape or ()) for row in self.table.rows}
        self._lock = threading.Lock()
        self._pool: tuple[tuple, NDArray[np.float32]] | None = None  # the set's features, kept

    def layers(self) -> list[dict[str, Any]]:
        """Each layer with per-channel maps or values: name, type, shape, spatial."""
        return [
            {"name": row.name, "type": row.type, "shape": shape_text(row.output_shape),
             "spatial": len(self.shapes[row.name]) == 3}
            for row in self.table.rows
            if len(self.shapes[row.name]) in (1, 3) and row.type != "InputLayer"
        ]  # fmt: skip

    def _x(self, image: NDArray[np.uint8]) -> NDArray[np.float32]:
        return np.asarray(image, np.float32) / np.float32(self.scale)

    def _check_layer(self, name: str, spatial: bool = False) -> None:
        known = {d["name"]: d["spatial"] for d in self.layers()}
        if name not in known or (spatial and not known[name]):
            what = "with (H, W, C) maps " if spatial else ""
            choices = [n for n, s in known.items() if s or not spatial]
            raise ValueError(
                f"No layer {what}named '{name}' in model '{self.model.name}'. "
                f"Available layers: {choices}. Received: layer='{name}'"
            )

    def layer(self, image: NDArray[np.uint8], name: str, *, pre: bool = False) -> dict[str, Any]:
        """The layer ``name`` on ``image``: montage of ``mat2gray(act)`` and each channel's max.

        ``image`` is (H, W, C) uint8 as the model sees it. The montage is the
        static layer view's: ``imtile`` of the channels on one gray scale for the
        whole layer, no borders, ``grid`` (rows, cols) MATLAB's square picture;
        None for a layer of values (Dense), whose ``max`` are its values. With
        ``pre``, ``pre_montage`` is the same before the layer's fused activation
        (its own gray scale; None without one), as the channel view shows it.
        """
        self._check_layer(name)
        x = self._x(image)
        fused = pre and fused_activation(resolve_layer(self.model, name).layer) is not None
        with self._lock:
            act = activations(self.model, x, name, progress=False)
            before = None
            if fused:
                before = activations(self.model, x, name, stage="pre", progress=False)
        maxima = act.reshape(-1, act.shape[-1]).max(axis=0)
        result: dict[str, Any] = {"layer": name, "shape": shape_text(act.shape), "grid": None,
                                  "montage": None, "max": _floats(maxima)}  # fmt: skip
        if pre:
            result["pre_montage"] = None
        if act.ndim == 3:
            grid = grid_shape(act.shape[-1], act.shape[:2])
            result.update(grid=list(grid), montage=png_url(_montage(act, grid)))
            if before is not None and before.ndim == 3:
                result["pre_montage"] = png_url(_montage(before, grid))
        return result

    def strongest(self, image: NDArray[np.uint8], names: Sequence[str], n: int) -> dict[str, Any]:
        """The ``n`` strongest channels of each layer of ``names`` on ``image``, one forward pass.

        Per layer: ``channels`` by their max, strongest first (ties: the lower
        index), their ``max``, and for (H, W, C) maps ``tiles``, their maps in a
        row (``grid`` [1, n]) on the layer's one gray scale on this image, as the
        network view's thumbnails of the set's first image.
        """
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_THUMBS:
            raise ValueError(f"Expected `n` to be an int in 1..{MAX_THUMBS}. Received: n={n!r}")
        for name in names:
            self._check_layer(name)
        if not names:
            return {"layers": []}
        with self._lock:
            maps = activations(self.model, self._x(image), list(names), progress=False)
        found = []
        for name in names:
            act = maps[name]
            maxima = act.reshape(-1, act.shape[-1]).max(axis=0)
            order = np.lexsort((np.arange(len(maxima)), -maxima))[:n]
            entry: dict[str, Any] = {"layer": name, "channels": [int(c) for c in order],
                                     "max": _floats(maxima[order]), "grid": None,
                                     "tiles": None}  # fmt: skip
            if act.ndim == 3:
                picked = np.moveaxis(mat2gray(act)[..., order], -1, 0)
                row = imtile(picked, grid_size=(1, len(order)))
                entry.update(grid=[1, len(order)], tiles=png_url(row))
            found.append(entry)
        return {"layers": found}

    def neighbours(self, image: NDArray[np.uint8], name: str, pool: NDArray[np.uint8],
                   k: int) -> dict[str, Any]:  # fmt: skip
        """The ``k`` images of ``pool`` nearest to ``image`` in the activations of ``name``.

        Euclidean distance between the flattened activations, the distance the
        embedding view's t-SNE keeps for near points: a new image has no place
        of its own in a t-SNE map, so the page puts it among its neighbours.
        The pool's activations are computed once and kept (one pool at a time).

        Returns ``neighbours`` (indices into ``pool``, nearest first, ties: the
        lower index) and their ``distance``.
        """
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_NEIGHBOURS:
            raise ValueError(
                f"Expected `k` to be an int in 1..{MAX_NEIGHBOURS}. Received: k={k!r}"
            )
        self._check_layer(name)
        key = (name, pool.shape)  # the pool: the first images of the one set served
        with self._lock:
            if self._pool is None or self._pool[0] != key:
                features = activations(self.model, self._x(pool), name, progress=False)
                self._pool = (key, features.reshape(len(pool), -1))
            mine = activations(self.model, self._x(image), name, progress=False).reshape(-1)
            features = self._pool[1]
        if mine.shape[0] != features.shape[1]:
            raise ValueError(
                f"Expected the image to give the layer '{name}' as many values as the set's "
                f"images ({features.shape[1]}). Received: {mine.shape[0]}"
            )
        distance = np.sqrt(((features - mine) ** 2).sum(axis=1, dtype=np.float64))
        order = np.argsort(distance, kind="stable")[:k]
        return {"layer": name, "neighbours": [int(i) for i in order],
                "distance": _floats(distance[order])}  # fmt: skip

    def explain(self, image: NDArray[np.uint8], method: str) -> dict[str, Any]:
        """Grad-CAM or occlusion sensitivity of the predicted class, over ``image``.

        Returns the class (index and name), its score, the map's max and where,
        and the overlay (the map on its own 0..max scale, jet, half over the image).
        """
        if method not in EXPLAIN_METHODS:
            raise ValueError(
                f"Expected `method` to be one of {list(EXPLAIN_METHODS)}. Received: "
                f"method='{method}'"
            )
        layer = score_layer_of(self.model, self.reduction_layer)
        if layer is None:
            raise ValueError(
                f"Grad-CAM and occlusion explain one class score; model '{self.model.name}' "
                f"has the outputs {output_names(self.model)} and none is its only softmax "
                "output. Expected --reduction-layer to name the layer of class scores"
            )
        x = self._x(image)
        with self._lock:
            scores = activations(self.model, x, layer, progress=False)
            if scores.ndim != 1:
                raise ValueError(
                    f"Expected the layer '{layer}' to give one score per class. Received: "
                    f"its output of shape {shape_text(scores.shape)}"
                )
            label = int(scores.argmax())
            if method == "gradcam":
                feature = None
                if None in (input_spec(self.model).shape or ()):  # a free size: the image's
                    feature = _default_feature(self.model, network_table(self.model, x.shape))
                heat = gradcam(self.model, x, label, reduction_layer=layer,
                               feature_layer=feature, progress=False)  # fmt: skip
            else:
                heat = occlusion_sensitivity(
                    self.model, x, label, reduction_layer=layer, progress=False
                )
        if not np.isfinite(heat).all():
            raise ValueError(f"The {method} map of this image is not finite (a NaN score)")
        peak = np.unravel_index(int(heat.argmax()), heat.shape)
        base = image[..., 0] if image.shape[-1] == 1 else image
        names = self.class_names
        return {
            "method": method, "layer": layer, "label": label,
            "class": names[label] if names is not None and label < len(names) else str(label),
            "score": float(scores[label]), "max": float(heat.max()),
            "peak": [int(peak[0]), int(peak[1])], "overlay": png_url(overlay(base, heat)),
        }  # fmt: skip

    def probe(
        self,
        a: NDArray[np.uint8],
        b: NDArray[np.uint8],
        name: str,
        box: Sequence[int] | None,
        *,
        k: int = 3,
        captions: tuple[str, str] = ("image a", "image b"),
    ) -> dict[str, Any]:
        """The eye probe: channels of ``name`` whose mean drops most from ``a`` to ``b``.

        As ``activations compare``: inside ``box`` (x0, y0, x1, y1) of ``a``'s
        pixels, ends excluded (None: the whole map), each cell weighted by the
        fraction of it inside (:func:`activations.region_weights`), ranked by
        :func:`activations.compare_channels`; ``figure`` is
        :func:`activations.plot.plot_compare` of the first :data:`FIGURE_CHANNELS`
        ranked channels (None when no channel drops).
        """
        if a.shape != b.shape:
            raise ValueError(
                "Expected two images of the same size and colours (the same scene, changed): "
                "their responses are compared cell by cell. Received: shapes "
                f"{a.shape} and {b.shape}"
            )
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"Expected `k` to be an int >= 1. Received: k={k!r}")
        self._check_layer(name, spatial=True)
        checked = None if box is None else check_box(box, a.shape[:2])
        with self._lock:
            both = activations(self.model, self._x(np.stack([a, b])), name, progress=False)
        act_a, act_b = both[0], both[1]
        region = None
        if checked is not None:
            region = region_weights(checked, act_a.shape[:2], image_shape=a.shape[:2])
        result = compare_channels(act_a, act_b, region=region, k=k)
        channels = [int(c) for c in result.channels]
        return {
            "layer": name, "k": k, "box": None if checked is None else list(checked),
            "where": "the whole map" if checked is None else box_title(checked),
            "map_shape": list(result.map_shape), "area_inside": result.area_inside,
            "n_dropping": result.n_dropping, "n_channels": result.n_channels,
            "channels": channels, "drop": _floats(result.drop),
            "inside_a": _floats(result.inside_a), "inside_b": _floats(result.inside_b),
            "drop_pct": _floats(result.drop_pct),
            "figure": self._figure(
                a, b, act_a, act_b, channels[:FIGURE_CHANNELS], name, checked, captions
            ),
        }  # fmt: skip

    def _figure(self, a, b, act_a, act_b, channels, name, box, captions) -> str | None:
        from activations.plot import plot_compare

        if not channels:
            return None
        fig = plot_compare(a, b, act_a, act_b, channels, captions=captions, layer_name=name,
                           region=box, difference=True)  # fmt: skip
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=72)
        return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
