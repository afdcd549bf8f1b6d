"""MATLAB's analyzeNetwork as data, and a layer's weights as arrays."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

from activations._arrays.display import HTML_ROWS, REPR_ROWS, html_result, more, shorten
from activations._engine.inputs import check_model, declared_shape, input_spec
from activations._engine.layers import LayerRef, iter_layers, resolve_layer
from activations._engine.tap import fused_activation
from activations._engine.trace import graph_kept, trace

__all__ = ["LayerInfo", "NetworkTable", "analyze_network", "layer_weights", "shape_text"]


@dataclass(frozen=True)
class LayerInfo:
    """One row of :class:`NetworkTable`.

    Attributes
    ----------
    name : str
        ``"conv1"``, or ``"inner/conv1"`` inside the nested model ``inner``.
    type : str
        The layer class, e.g. ``"Conv2D"``.
    output_shape : tuple
        Per-sample output shape, e.g. ``(28, 28, 32)`` (``None`` for a free
        size); a tuple of shapes for a layer with several outputs.
    activation : str
        The fused activation (``"relu"``), or ``""``.
    learnables : dict of str to tuple
        Trainable weights by name, e.g. ``{"kernel": (3, 3, 1, 32), "bias": (32,)}``.
        Empty for a nested model: its layers have their own rows.
    n_learnables : int
        Number of trainable values in ``learnables``.
    depth : int
        0 for a top-level layer, 1 inside a nested model, and so on.
    """

    name: str
    type: str
    output_shape: tuple
    activation: str
    learnables: dict = field(default_factory=dict)
    n_learnables: int = 0
    depth: int = 0

    def record(self) -> dict[str, str]:
        """The row as text cells, named as the table's columns (without ``#``)."""
        return {
            "Name": self.name,
            "Type": self.type,
            "Activations": shape_text(self.output_shape),
            "Fused activation": self.activation,
            "Learnables": ", ".join(f"{k} {shape_text(v)}" for k, v in self.learnables.items()),
            "Count": f"{self.n_learnables:,}",
        }

    def __repr__(self) -> str:
        parts = [repr(shorten(self.name)), self.type, shape_text(self.output_shape)]
        parts += [self.activation] if self.activation else []
        learnables = self.record()["Learnables"]
        parts.append(
            f"{self.n_learnables:,} learnables" + (f" ({learnables})" if learnables else "")
        )
        parts += [f"depth {self.depth}"] if self.depth else []
        return f"LayerInfo({', '.join(parts)})"

    def _repr_html_(self) -> str:
        record = self.record()
        return html_result("LayerInfo", [], list(record), [list(record.values())])


def shape_text(shape: Any) -> str:
    """A shape as the tables and captions write it: ``28x28x32``, ``?x?x3``.

    A layer with several outputs gives ``4 | 10 | 2``; ``()`` gives ``scalar``.

    Examples
    --------
    >>> shape_text((None, 28, 28, 32)[1:]), shape_text([(4,), (10,)])
    ('28x28x32', '4 | 10')
    """
    if isinstance(shape, (tuple, list)) and shape and isinstance(shape[0], (tuple, list)):
        return " | ".join(shape_text(s) for s in shape)
    if not isinstance(shape, (tuple, list, np.ndarray)):
        return str(shape)
    return "x".join("?" if d is None else str(d) for d in shape) or "scalar"


@dataclass(frozen=True)
class NetworkTable:
    """The layers of a model, one row each, as ``analyzeNetwork`` lists them.

    ``str(table)`` (and ``print``) gives the whole text table, ``repr`` its first
    rows, and a notebook shows its first rows as an HTML table.
    """

    model_name: str
    input_shape: tuple
    rows: tuple[LayerInfo, ...]

    @property
    def total_learnables(self) -> int:
        """Trainable values in the whole model (nested layers counted once)."""
        return sum(row.n_learnables for row in self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[LayerInfo]:
        return iter(self.rows)

    def records(self) -> list[dict[str, Any]]:
        """The rows as plain dicts with text cells, ready for a table or HTML."""
        return [{"#": i + 1, **row.record()} for i, row in enumerate(self.rows)]

    def __str__(self) -> str:
        records = self.records()
        columns = list(records[0]) if records else ["#", "Name"]
        widths = {c: max([len(c)] + [len(str(r[c])) for r in records]) for c in columns}

        def cell(text: object, column: str) -> str:  # numbers right-aligned
            text = str(text)
            return (
                text.rjust(widths[column])
                if column in ("#", "Count")
                else text.ljust(widths[column])
            )

        line = "  ".join(cell(c, c) for c in columns)
        body = ["  ".join(cell(r[c], c) for c in columns) for r in records]
        title = f"Model '{self.model_name}', input {shape_text(self.input_shape)}"
        footer = f"Total learnables: {self.total_learnables:,}"
        return "\n".join([title, line, "-" * len(line), *body, "-" * len(line), footer])

    def _facts(self) -> list[str]:
        return [
            f"model {shorten(self.model_name)!r}",
            f"input {shape_text(self.input_shape)}",
            f"{len(self.rows)} layers",
            f"{self.total_learnables:,} learnables",
        ]

    def __repr__(self) -> str:
        cells = [
            [shorten(row.name, 30), shorten(row.type, 24), shape_text(row.output_shape)]
            for row in self.rows[:REPR_ROWS]
        ]
        widths = [max((len(c[i]) for c in cells), default=0) for i in range(3)]
        lines = [f"NetworkTable({', '.join(self._facts())})"]
        lines += [
            "  " + "  ".join(c.ljust(n) for c, n in zip(row, widths)).rstrip() for row in cells
        ]
        tail = more(len(self.rows), len(cells), "layers")
        return "\n".join(lines + ([f"  {tail} (print() lists them all)"] if tail else []))

    def _repr_html_(self) -> str:
        records = self.records()
        columns = list(records[0]) if records else ["#", "Name"]
        rows = [list(r.values()) for r in records[:HTML_ROWS]]
        facts = self._facts()
        facts[0] = f"model {self.model_name!r}"  # the page shows the whole name, escaped
        note = "print() lists them all" if len(records) > len(rows) else ""
        return html_result(
            "NetworkTable", facts, columns, rows, total=len(records), noun="layers", note=note
        )


def _output_shape(found: list) -> tuple:
    if not found:
        return ()
    flat = keras.tree.flatten(found[0])
    shapes = tuple(tuple(t.shape[1:]) for t in flat)
    return shapes[0] if len(shapes) == 1 else shapes


def _row(ref: LayerRef, captures: dict) -> LayerInfo:
    layer = ref.layer
    nested = isinstance(layer, keras.Model)
    weights = [] if nested else layer.trainable_weights
    activation = fused_activation(layer)
    return LayerInfo(
        name=ref.name,
        type=type(layer).__name__,
        output_shape=_output_shape(captures.get(id(layer), [])),
        activation=getattr(activation, "__name__", "") if activation else "",
        learnables={w.path.split("/")[-1]: tuple(w.shape) for w in weights},
        n_learnables=int(sum(np.prod(w.shape) for w in weights)),
        depth=len(ref.path),
    )


def analyze_network(model: keras.Model, *, input_shape: tuple | None = None) -> NetworkTable:
    """List a model's layers with output shapes and learnables (``analyzeNetwork``).

    Parameters
    ----------
    model : keras.Model
        Any Keras 3 model with one input; nested models are expanded.
    input_shape : tuple, optional
        Per-sample input shape, e.g. ``(48, 48, 3)``; needed only for a
        subclassed model that does not declare its input.

    Returns
    -------
    NetworkTable
        One :class:`LayerInfo` per layer, in order; ``str()`` prints it.

    Raises
    ------
    TypeError
        If ``model`` is not a ``keras.Model``.
    ValueError
        If the input shape is unknown, or the model cannot be traced.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((4, 4, 1)),
    ...                           keras.layers.Conv2D(2, 3, name="conv")])
    >>> table = analyze_network(model)
    >>> table.rows[0].output_shape, table.total_learnables
    ((2, 2, 2), 20)
    """
    check_model(model)
    spec = input_spec(model)
    shape = declared_shape(model, input_shape, "analyze_network(model, ")
    refs = list(iter_layers(model))
    with graph_kept(model):
        _, captures = trace(model, refs, input_shape=shape, dtype=spec.dtype)
    return NetworkTable(model.name, shape, tuple(_row(ref, captures) for ref in refs))


def layer_weights(
    model: keras.Model, layer: Any
) -> tuple[NDArray[np.float32], NDArray[np.float32] | None]:
    """The kernel and bias of a layer, as NumPy copies.

    Parameters
    ----------
    model : keras.Model
    layer : str, int or keras.layers.Layer
        As in :func:`activations.activations`.

    Returns
    -------
    kernel : ndarray
        E.g. of shape (KH, KW, C_in, C_out) for a Conv2D, (D_in, D_out) for a Dense.
    bias : ndarray of shape (C_out,) or None
        None for a layer built with ``use_bias=False``.

    Raises
    ------
    ValueError
        If the layer is unknown or has no kernel.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((4, 4, 1)),
    ...                           keras.layers.Conv2D(2, 3, name="conv")])
    >>> kernel, bias = layer_weights(model, "conv")
    >>> kernel.shape, bias.shape
    ((3, 3, 1, 2), (2,))
    """
    check_model(model)
    ref = resolve_layer(model, layer)
    kernel = getattr(ref.layer, "kernel", None)
    if kernel is None:
        names = [w.path.split("/")[-1] for w in ref.layer.weights]
        raise ValueError(
            f"Layer '{ref.name}' ({type(ref.layer).__name__}) has no kernel; its weights are "
            f"{names}. Received: layer={layer!r}"
        )
    bias = getattr(ref.layer, "bias", None)
    as_array = keras.ops.convert_to_numpy
    return (
        np.array(as_array(kernel), dtype=np.float32),
        None if bias is None else np.array(as_array(bias), dtype=np.float32),
    )
