"""Receptive fields: the input patch that one cell of a layer's map sees.

Computed from the layers' configs on the graph traced as ``analyze_network`` does,
on a ``keras.Input`` of the static input shape (nested models traced through;
"same" padding gets the static map sizes). The graph is walked back with the engine's
``trace.producer`` and ``trace.parents`` (the Keras internals they rest on are listed in
:mod:`activations._engine.trace`). Guard: ``test_receptive_field.py`` (the empirical tests).
"""

from __future__ import annotations

from typing import Any, cast

import keras

from activations._arrays.field import ReceptiveField
from activations._engine.cache import DerivedCache
from activations._engine.inputs import check_model, declared_shape, input_spec
from activations._engine.layers import iter_layers, resolve_layer
from activations._engine.trace import graph_kept, parents, producer, trace, upstream
from activations._types import LayerSpec

__all__ = ["receptive_field"]

_Axis = tuple[int, int, int]  # (size, stride, offset) on one axis, in input pixels
_Field = tuple[_Axis, _Axis]  # (rows, cols)
_IDENTITY: _Axis = (1, 1, 0)
# model -> {(layer name, input shape): ReceptiveField}: each trace adds nodes to the
# model's layers, so a field (which only the architecture decides) is traced once.
_FIELDS: DerivedCache = DerivedCache("receptive fields", size=64)


def _classes(names: str) -> tuple[type, ...]:
    return tuple(getattr(keras.layers, name) for name in names.split())


_CONVS = _classes("Conv1D Conv2D DepthwiseConv1D DepthwiseConv2D SeparableConv1D SeparableConv2D")
_TRANSPOSED = _classes("Conv1DTranspose Conv2DTranspose")
_POOLS = _classes("MaxPooling1D MaxPooling2D AveragePooling1D AveragePooling2D")
_PADS = _classes("ZeroPadding1D ZeroPadding2D Cropping1D Cropping2D")
_POINTWISE = _classes(
    "Activation ReLU LeakyReLU PReLU ELU Softmax Dense BatchNormalization LayerNormalization Add "
    "UnitNormalization Normalization Rescaling Dropout SpatialDropout1D SpatialDropout2D Minimum "
    "GaussianNoise GaussianDropout AlphaDropout Identity Subtract Multiply Average Maximum "
    "Concatenate"
)
# keras.ops operations of a functional graph that act per element
_ELEMENTWISE_OPS = set("ConvertToTensor Cast Add Subtract Multiply Divide Relu Sigmoid".split())
_NO_MAP = _classes("Flatten GlobalAvgPool1D GlobalAvgPool2D GlobalMaxPool1D GlobalMaxPool2D")
_REFUSED = {
    _classes("UpSampling1D UpSampling2D Resizing"): "upsamples: a cell is a fraction of a pixel",
    _classes("Reshape Permute"): "rearranges the map, so its cells no longer match the input",
}
_SUPPORTED = (
    "Supported (1D/2D): Conv, DepthwiseConv, SeparableConv, ConvTranspose (strides 1), Max and "
    "AveragePooling, ZeroPadding, Cropping, and layers keeping the grid (ReLU, BatchNorm, Add...)."
)


class _Undefined(Exception):  # why the walk stops; kind: "undefined" or "unsupported"
    def __init__(self, reason: str, kind: str = "undefined") -> None:
        super().__init__(reason)
        self.kind = kind


def _window(op: Any, config: dict, sizes: list, who: str) -> list[_Axis]:
    """Conv and pooling geometry per axis; "same" pads as TF: the extra pixel after."""
    kernel = config.get("kernel_size") or config["pool_size"]
    strides, padding = config.get("strides") or kernel, config["padding"]
    transposed = isinstance(op, _TRANSPOSED)
    if transposed and (any(s != 1 for s in strides) or config.get("output_padding")):
        why = f"is a transposed convolution with strides {tuple(strides)}: it upsamples"
        raise _Undefined(f"{who} {why}, so a cell is a fraction of a pixel.", "unsupported")
    axes = []
    for n, k, s, d in zip(sizes, kernel, strides, config.get("dilation_rate") or (1, 1)):
        k_eff = d * (k - 1) + 1
        if padding == "same" and s > 1 and n is None:
            why = f"uses padding='same' with strides {s} on a map of unknown size, and the offset"
            raise _Undefined(f"{who} {why} depends on it. Pass `input_shape` with the image size.")
        before = {"valid": 0, "causal": k_eff - 1}.get(padding, (k_eff - 1) // 2)  # padded
        if padding == "same" and s > 1:
            before = max((-(-n // s) - 1) * s + k_eff - n, 0) // 2
        # a stride-1 transposed conv's cell j gets its input cells from j + before - (k_eff - 1)
        axes.append((k_eff, s, before - (k_eff - 1) if transposed else -before))
    return axes


def _config(op: Any, who: str) -> dict:
    """The layer's config, read only from the layers whose geometry is known.

    A custom layer built with arguments Keras cannot serialize raises
    ``NotImplementedError`` from ``get_config()``: it has no known geometry.
    """
    if not isinstance(op, _CONVS + _TRANSPOSED + _POOLS + _PADS + _POINTWISE):
        return {}
    try:
        return dict(cast(keras.layers.Layer, op).get_config())
    except NotImplementedError as err:
        raise _Undefined(f"{who} cannot give its config: {err}".strip(), "unsupported") from err


def _geometry(op: Any, parents: list, out: Any, rank: int, who: str) -> list[_Axis] | None:
    """The layer's own (size, stride, offset) per spatial axis; None if it keeps the grid."""
    shape = tuple(out.shape)
    if isinstance(op, _NO_MAP) or len(shape) != rank + 2:
        raise _Undefined(f"{who} has no spatial map (output shape {shape}).")
    for classes, why in _REFUSED.items():
        if isinstance(op, classes):
            raise _Undefined(f"{who} {why}.")
    config = _config(op, who)
    if config.get("data_format") == "channels_first":
        raise _Undefined(f"{who} is channels-first; the library is channels-last.", "unsupported")
    if isinstance(op, _CONVS + _TRANSPOSED + _POOLS):
        return _window(op, config, list(tuple(parents[0].shape)[1 : 1 + rank]), who)
    if isinstance(op, _PADS):  # ZeroPadding shifts the grid back, Cropping forward
        pairs = config.get("padding") or config["cropping"]
        firsts = [pairs[0]] if isinstance(op, _PADS[::2]) else [pair[0] for pair in pairs]
        return [(1, 1, (-1 if "padding" in config else 1) * int(first)) for first in firsts]
    elementwise = not isinstance(op, keras.layers.Layer) and type(op).__name__ in _ELEMENTWISE_OPS
    if not (elementwise or isinstance(op, _POINTWISE)):
        why = f"is not a layer whose geometry receptive_field() knows. {_SUPPORTED}"
        raise _Undefined(f"{who} {why}", "unsupported")
    along = set(keras.tree.flatten(config.get("axis", -1))) - {-1, rank + 1}
    if along and not isinstance(op, keras.layers.BatchNormalization):
        raise _Undefined(f"{who} works along a spatial axis (axis={config['axis']!r}).")
    if any(tuple(p.shape)[1 : 1 + rank] != shape[1 : 1 + rank] for p in parents):
        raise _Undefined(f"{who} combines maps of different sizes (broadcasting).")
    return None


def _union(fields: list[_Field], who: str) -> _Field:
    """The smallest field holding all branches' fields; their strides must agree."""
    axes = []
    for a in range(2):
        strides = sorted({field[a][1] for field in fields})
        if len(strides) > 1:
            raise _Undefined(f"{who} merges branches with different strides {strides}.")
        start = min(field[a][2] for field in fields)
        axes.append((max(f[a][2] + f[a][0] for f in fields) - start, strides[0], start))
    return axes[0], axes[1]


def _walk(output: Any, inputs: Any, rank: int, names: dict[int, str]) -> _Field:
    fields: dict[int, _Field] = {id(inputs): (_IDENTITY, _IDENTITY)}
    for tensor in upstream(output):
        if id(tensor) in fields:
            continue
        op, sources = producer(tensor), parents(tensor)
        kind = "layer" if isinstance(op, keras.layers.Layer) else "operation"
        who = f"{kind} '{names.get(id(op), op.name)}' ({type(op).__name__})"
        if not sources:
            raise _Undefined(f"{who} does not read the model input.", "unsupported")
        axes = _geometry(op, sources, tensor, rank, who)
        field = _union([fields[id(p)] for p in sources], who)
        if axes is not None:  # the layer's cell j sees its input's cells [o + j*s, o + j*s + k)
            rows, cols = (
                (size + (k - 1) * stride, stride * s, offset + o * stride)
                for (size, stride, offset), (k, s, o) in zip(field, axes + [_IDENTITY])
            )
            field = (rows, cols)
        fields[id(tensor)] = field
    return fields[id(output)]


def _sample_shape(model: keras.Model, input_shape: tuple | None) -> tuple[tuple, str]:
    spec = input_spec(model)
    shape = declared_shape(model, input_shape, "receptive_field(model, layer, ")
    if len(shape) not in (2, 3):
        raise ValueError(
            f"Expected an image (H, W, C) or sequence (L, C) input. Received: input_shape={shape}"
        )
    return shape, spec.dtype


def receptive_field(
    model: keras.Model, layer: LayerSpec, *, input_shape: tuple | None = None
) -> ReceptiveField:
    """The input patch each cell of a layer's output map sees.

    Parameters
    ----------
    model : keras.Model
        One input of shape (H, W, C) (or (L, C)): Sequential, Functional, nested,
        or subclassed with a ``call`` made of Keras layers.
    layer : str, int or keras.layers.Layer
        As in :func:`activations.activations` (``"inner/conv1"`` inside a nested
        model). Input layers are refused: they compute nothing.
    input_shape : tuple, optional
        Per-sample input shape, e.g. ``(48, 48, 3)``, for a model that does not
        declare it or whose free (``None``) size a strided "same" layer needs.

    Returns
    -------
    ReceptiveField
        ``field.patch(i, j)`` is the input patch (a :class:`Box`) that cell (i, j) sees.

    Raises
    ------
    TypeError
        If ``model`` is not a ``keras.Model``, or ``layer`` has a wrong type.
    ValueError
        If the layer is unknown or not called once, or the field is undefined
        (Flatten, global pooling, upsampling, ...) or unsupported (unknown layers).

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3),
    ...                           keras.layers.MaxPooling2D(2), keras.layers.Conv2D(2, 3)])
    >>> receptive_field(model, -1)
    ReceptiveField(size=(8, 8), stride=(2, 2), offset=(0, 0))
    """
    check_model(model)
    ref = resolve_layer(model, layer)
    shape, dtype = _sample_shape(model, input_shape)
    key = (ref.name, shape)
    return _FIELDS.get(model, key, lambda: _traced_field(model, ref, layer, shape, dtype))


def _traced_field(
    model: keras.Model, ref: Any, layer: LayerSpec, shape: tuple, dtype: str
) -> ReceptiveField:
    """Trace the model once and walk back from ``ref``'s output to the input."""
    with graph_kept(model):  # the walk reads the traced nodes; then they go
        return _walk_field(model, ref, layer, shape, dtype)


def _walk_field(
    model: keras.Model, ref: Any, layer: LayerSpec, shape: tuple, dtype: str
) -> ReceptiveField:
    refs = list(iter_layers(model))
    inputs, captures = trace(model, refs, input_shape=shape, dtype=dtype)
    found = captures.get(id(ref.layer), [])
    if len(found) != 1 or not isinstance(found[0], keras.KerasTensor):
        what = "returns several tensors" if len(found) == 1 else f"is called {len(found)} times"
        raise ValueError(
            f"Layer '{ref.name}' of model '{model.name}' {what} in the model's forward pass, so "
            f"it has no single map to give a receptive field for. Received: layer={layer!r}"
        )
    try:
        rows, cols = _walk(found[0], inputs, len(shape) - 1, {id(r.layer): r.name for r in refs})
    except _Undefined as err:
        raise ValueError(
            f"The receptive field of layer '{ref.name}' in model '{model.name}' is {err.kind}: "
            f"{err} Received: layer={layer!r}"
        ) from None
    return ReceptiveField(*zip(rows, cols))
