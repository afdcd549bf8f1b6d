"""Find layers in a Keras model by name, index or object, nested models included."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass

import keras

from activations._types import LayersLike, LayerSpec

__all__ = ["ALL", "LayerRef", "iter_layers", "resolve_layer", "resolve_layers"]

ALL = "all"
"""``layers="all"``: every layer with an output (nested ones too, input layers excluded)."""


@dataclass(frozen=True, eq=False)
class LayerRef:
    """A layer of a model and how to reach it.

    Attributes
    ----------
    layer : keras.layers.Layer
        The layer itself.
    name : str
        Its name in results: ``"conv1"`` for a top-level layer, ``"inner/conv1"``
        for a layer inside the nested model ``inner``.
    path : tuple of keras.layers.Layer
        The nested models between the top model and the layer, outermost first;
        empty for a top-level layer.
    """

    layer: keras.layers.Layer
    name: str
    path: tuple[keras.layers.Layer, ...] = ()


def _children(layer: keras.layers.Layer) -> list[keras.layers.Layer]:
    if isinstance(layer, keras.Model):
        return [child for child in layer.layers if not isinstance(child, keras.layers.InputLayer)]
    return []


def iter_layers(model: keras.Model, *, prefix: str = "", path: tuple = ()) -> Iterator[LayerRef]:
    """Yield every layer of ``model`` depth first, nested models included.

    A nested model is yielded itself, then its layers (named ``"outer/inner"``).
    Input layers are skipped.
    """
    for child in _children(model):
        ref = LayerRef(child, prefix + child.name, path)
        yield ref
        if _children(child):
            yield from iter_layers(child, prefix=ref.name + "/", path=path + (child,))


def _model_name(model: keras.Model) -> str:
    return getattr(model, "name", type(model).__name__)


def _unknown_name_error(model: keras.Model, spec: str, refs: list[LayerRef]) -> ValueError:
    names = [ref.name for ref in refs]
    close = difflib.get_close_matches(spec, names, n=1, cutoff=0.5)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return ValueError(
        f"No layer named `{spec}` in model '{_model_name(model)}'.{hint} "
        f"Available layers: {names}. Received: layer={spec!r}"
    )


def _input_layer_names(model: keras.Model, prefix: str = "") -> list[str]:
    """Names (paths) of the input layers of ``model`` and of its nested models."""
    names = []
    try:  # Sequential hides its InputLayer from `layers`; the input tensor's history has it
        tensors = list(model.inputs or [])
    except (AttributeError, ValueError, TypeError):
        tensors = []
    for tensor in tensors:
        operation = getattr(getattr(tensor, "_keras_history", None), "operation", None)
        if isinstance(operation, keras.layers.InputLayer):
            names += [prefix + operation.name, operation.name]
    for layer in model.layers if isinstance(model, keras.Model) else []:
        if isinstance(layer, keras.layers.InputLayer):
            names += [prefix + layer.name, layer.name]
        elif isinstance(layer, keras.Model):
            names += _input_layer_names(layer, prefix + layer.name + "/")
    return names


def _input_layer_error(model: keras.Model, spec: str) -> ValueError:
    return ValueError(
        f"`{spec}` is an input layer of model '{_model_name(model)}': it computes nothing, so "
        "its activations are the images themselves. Ask for a layer after it, e.g. "
        f"`model.layers` index 0 or 1. Received: layer={spec!r}"
    )


def _resolve_name(model: keras.Model, spec: str, refs: list[LayerRef]) -> LayerRef:
    exact = [ref for ref in refs if ref.name == spec]
    if exact:
        return exact[0]
    if spec in _input_layer_names(model):
        raise _input_layer_error(model, spec)
    # Not a full path: accept a unique plain name found anywhere in the tree.
    by_leaf = [ref for ref in refs if ref.layer.name == spec]
    if len(by_leaf) == 1:
        return by_leaf[0]
    if len(by_leaf) > 1:
        raise ValueError(
            f"The layer name `{spec}` is ambiguous in model '{_model_name(model)}': it names "
            f"{[ref.name for ref in by_leaf]}. Use the full path. Received: layer={spec!r}"
        )
    raise _unknown_name_error(model, spec, refs)


def _resolve_index(model: keras.Model, spec: int, refs: list[LayerRef]) -> LayerRef:
    top = list(model.layers) if isinstance(model, keras.Model) else []
    if not -len(top) <= spec < len(top):
        raise ValueError(
            f"Layer index {spec} is out of range for model '{_model_name(model)}', which has "
            f"{len(top)} layers (valid indices: {-len(top)} to {len(top) - 1}). "
            f"Received: layer={spec}"
        )
    layer = top[spec]
    if isinstance(layer, keras.layers.InputLayer):
        raise ValueError(
            f"`model.layers[{spec}]` is the input layer '{layer.name}' of model "
            f"'{_model_name(model)}': it computes nothing, so it has no activations. "
            f"Received: layer={spec}"
        )
    return next(ref for ref in refs if ref.layer is layer)


def resolve_layer(
    model: keras.Model, spec: LayerSpec, refs: list[LayerRef] | None = None
) -> LayerRef:
    """Find one layer of ``model``.

    Parameters
    ----------
    model : keras.Model
        The model to search, nested models included.
    spec : str, int or keras.layers.Layer
        A layer name (``"conv1"``, or ``"inner/conv1"`` for a nested model; a
        plain name is also found inside nested models when it is unique), an
        index into ``model.layers`` (negative allowed) or the layer object.
    refs : list of LayerRef, optional
        ``list(iter_layers(model))``, when the caller already has it.

    Returns
    -------
    LayerRef

    Raises
    ------
    TypeError
        If ``spec`` is none of the accepted types.
    ValueError
        If no such layer exists (the message lists the valid names).
    """
    refs = list(iter_layers(model)) if refs is None else refs
    if isinstance(spec, str):
        return _resolve_name(model, spec, refs)
    if isinstance(spec, int) and not isinstance(spec, bool):
        return _resolve_index(model, spec, refs)
    if isinstance(spec, keras.layers.Layer):
        for ref in refs:
            if ref.layer is spec:
                return ref
        raise ValueError(
            f"Layer '{spec.name}' is not part of model '{_model_name(model)}'. "
            f"Received: layer={spec!r}"
        )
    raise TypeError(
        "Expected `layer` to be a layer name (str), an index into `model.layers` (int) or a "
        f"`keras.layers.Layer`. Received: layer={spec!r} of type {type(spec).__name__}"
    )


def resolve_layers(model: keras.Model, specs: LayersLike) -> tuple[list[LayerRef], bool]:
    """Resolve one layer spec, a list of them, or ``"all"``.

    Returns
    -------
    refs : list of LayerRef
        The layers, in the order given (``"all"``: the order of
        :func:`iter_layers`).
    one_layer : bool
        True when ``specs`` named one layer (not a list, not ``"all"``), so
        the caller returns an array rather than a dict.
    """
    if isinstance(specs, str) and specs == ALL:
        refs = list(iter_layers(model))
        if not refs:
            raise ValueError(f"Model '{_model_name(model)}' has no layers. Received: layers='all'")
        return refs, False
    one_layer = not isinstance(specs, (list, tuple))
    spec_list: list[LayerSpec] = [specs] if not isinstance(specs, (list, tuple)) else list(specs)
    if not spec_list:
        raise ValueError(f"Expected at least one layer. Received: layers={specs!r}")
    refs = list(iter_layers(model))
    resolved = [resolve_layer(model, spec, refs) for spec in spec_list]
    names = [ref.name for ref in resolved]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(
            f"Each layer may be requested once; {duplicates} appear more than once. "
            f"Received: layers={specs!r}"
        )
    return resolved, one_layer
