"""``randomization_check``: a map must change when the model's weights are randomized.

Adebayo et al., "Sanity checks for saliency maps" (2018): the cascading model
parameter randomization test, as Quantus' ``ModelParameterRandomisation``
runs it (layers from the top down, Spearman rank correlation per layer), and
the independent one (one layer at a time), with weights shuffled or drawn as
MathWorks' ``randomizeLayer`` draws them (0.01 x standard normal). A map that
stays the same when the weights that made the decision are gone does not
explain the decision (an edge detector passes for a saliency map).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

from activations._arrays.display import HTML_ROWS, bar, html_result, number
from activations._engine.inputs import check_model
from activations._engine.layers import LayerRef, iter_layers, resolve_layers
from activations._engine.preamble import prepare_images
from activations._types import ImagesLike, LayersLike
from activations.metrics._common import spearman

__all__ = ["RANDOMIZE", "RandomizationCheck", "randomization_check"]

#: How a layer's weights are randomized: each array's entries shuffled, or (MathWorks'
#: ``randomizeLayer``) kernels and biases drawn anew as 0.01 x standard normal.
RANDOMIZE = ("shuffle", "normal")
#: The standard deviation of MathWorks' ``randomizeLayer`` draws.
NORMAL_STD = 0.01

#: ``explain(model, images) -> maps``: an attribution method, ours or anyone's.
Explain = Callable[[keras.Model, Any], Any]


@dataclass(frozen=True)
class RandomizationCheck:
    """The similarity of each map to itself after each step of the cascade.

    Attributes
    ----------
    layers : tuple of str
        The layers randomized, in order (from the output back): after step
        i, layers[0..i] are all random (``cascade``), or layer i alone.
    correlation : ndarray of shape (L,) or (L, N), float64
        Spearman's rank correlation between each image's original map and
        its map after step i (of the absolute values with ``absolute=True``).
        Near 1: the map ignores those weights; near 0: it depends on them.
    cascade : bool, default True
        Whether the layers were randomized cumulatively from the top (else
        one at a time, the others trained).
    """

    layers: tuple[str, ...]
    correlation: NDArray[np.float64]
    cascade: bool = True

    def _means(self) -> NDArray[np.float64]:
        """Ndarray of shape (L,): each step's correlation, averaged over the images."""
        if self.correlation.ndim == 2:
            return np.asarray(np.nanmean(self.correlation, axis=1))
        return self.correlation

    def __repr__(self) -> str:
        cells = ", ".join(f"{n} {number(c)}" for n, c in zip(self.layers[:5], self._means()))
        more_layers = ", ..." if len(self.layers) > 5 else ""
        how = "from the top" if self.cascade else "one at a time"
        return (
            f"RandomizationCheck({len(self.layers)} layers randomized {how})\n"
            f"  mean Spearman correlation after each: {cells}{more_layers}"
        )

    def _repr_html_(self) -> str:
        rows = [
            [i + 1, name, number(c), bar(max(0.0, float(c)))]
            for i, (name, c) in enumerate(zip(self.layers[:HTML_ROWS], self._means()))
        ]
        columns = ["step", "layer randomized", "mean correlation", "(bar)"]
        how = "from the top" if self.cascade else "one at a time"
        facts = [how, "near 1: the map ignores those weights"]
        return html_result(
            "RandomizationCheck", facts, columns, rows, total=len(self.layers), noun="layers"
        )


def _clone(model: keras.Model) -> keras.Model:
    try:
        clone = keras.models.clone_model(model)
        clone.set_weights(model.get_weights())
    except (TypeError, ValueError, NotImplementedError) as err:
        raise ValueError(
            f"randomization_check randomizes a copy of the model, and model '{model.name}' "
            f"cannot be cloned with `keras.models.clone_model` ({err}). A subclassed model "
            "needs a `get_config` that rebuilds it. Received: "
            f"model of type {type(model).__name__}"
        ) from err
    return clone


def _weighted(refs: list[LayerRef]) -> list[LayerRef]:
    """The layers with weights of their own (nested models are walked into)."""
    return [r for r in refs if r.layer.weights and not isinstance(r.layer, keras.Model)]


def _kernels_and_biases(layer: keras.layers.Layer) -> bool:
    """Whether every weight of ``layer`` is a kernel or a bias (what ``"normal"`` draws)."""
    return all(w.name.endswith("kernel") or w.name == "bias" for w in layer.weights)


def _cascade(
    model: keras.Model, clone: keras.Model, layers: LayersLike | None, randomize: str
) -> list[LayerRef]:
    """The clone's layers to randomize, from the output back."""
    chosen = _weighted(list(iter_layers(clone)))
    if randomize == "normal":  # MathWorks' randomizeLayer skips what it cannot draw
        chosen = [r for r in chosen if _kernels_and_biases(r.layer)]
    if layers is not None:
        refs, _ = resolve_layers(model, layers)
        wanted = {r.name for r in refs}
        empty = sorted(r.name for r in refs if not r.layer.weights)
        if empty:
            raise ValueError(
                f"Expected layers with weights to randomize. Layers {empty} have none. "
                f"Received: layers={layers!r}"
            )
        other = sorted(r.name for r in refs if not _kernels_and_biases(r.layer))
        if randomize == "normal" and other:
            raise ValueError(
                'randomize="normal" draws kernels and biases (MathWorks\' randomizeLayer); '
                f"layers {other} have other weights (a batch norm's variances must stay "
                'positive). Expected randomize="shuffle" for them. '
                f"Received: layers={layers!r}"
            )
        chosen = [r for r in chosen if r.name in wanted]
    return chosen[::-1]


def _randomized(
    weights: list[NDArray], randomize: str, rng: np.random.Generator
) -> list[NDArray]:
    """New values for one layer's weight arrays, by ``randomize``."""
    if randomize == "normal":
        return [(NORMAL_STD * rng.standard_normal(w.shape)).astype(w.dtype) for w in weights]
    return [rng.permutation(w.ravel()).reshape(w.shape) for w in weights]


def _maps(found: Any, n: int, one_image: bool, what: str) -> NDArray[np.float64]:
    arr = np.asarray(found, dtype=np.float64)
    if one_image:
        arr = arr[None]
    if arr.ndim < 2 or len(arr) != n:
        raise ValueError(
            f"Expected `explain(model, images)` to return one map per image ({n}), an array "
            f"(N, ...). Received: {what} of shape {np.shape(found)}"
        )
    return arr.reshape(n, -1)


def randomization_check(
    model: keras.Model,
    images: ImagesLike,
    explain: Explain,
    *,
    layers: LayersLike | None = None,
    cascade: bool = True,
    randomize: str = "shuffle",
    absolute: bool = True,
    seed: int | None = 0,
) -> RandomizationCheck:
    """How much each map stays the same as the layers are randomized from the top.

    ``explain(model, images)`` gives the original maps; then, on a copy of
    the model (the model given is never modified), the weights of one layer
    after another are randomized, from the output back, and the maps are
    made again after each layer. Each step's maps are compared with the
    originals by Spearman's rank correlation. A map that explains the
    model's decision changes as the weights that make it are randomized.
    With ``cascade=False`` each layer is randomized alone, the others
    trained (Adebayo et al.'s independent randomization; MathWorks'
    example randomizes ``fire9-expand3x3`` of SqueezeNet so).

    By default each weight array is randomized by shuffling its entries (as
    Quantus' Keras path does, here over all entries rather than along the
    first axis): the values keep their scale, so activations neither vanish
    nor explode, and a batch norm's variances stay positive.
    ``randomize="normal"`` draws kernels and biases as MathWorks'
    ``randomizeLayer`` does, ``0.01 * randn``; layers with other weights
    (batch norm, PReLU) are then passed over, as MathWorks' function skips
    them.

    Parameters
    ----------
    model : keras.Model
        The model; cloned with ``keras.models.clone_model`` (weights copied),
        and the clone is randomized. Never modified.
    images : array_like of shape (H, W, C) or (N, H, W, C), a list, or an iterable of batches
        Passed to ``explain`` as one array (a stream is gathered first).
    explain : callable
        ``explain(model, images) -> maps`` of shape (N, ...) (for one image,
        one map), e.g. ``lambda m, x: activations.gradcam(m, x, 0)``.
    layers : str, int, keras.layers.Layer or list of these, optional
        The layers to randomize (randomized from the output back whatever
        the order given); by default every layer with weights, nested
        models' included (with ``"normal"``, those with only kernels and biases).
    cascade : bool, default True
        Randomize cumulatively from the top (else one layer at a time).
    randomize : {"shuffle", "normal"}, default "shuffle"
        Shuffle each weight array's entries, or draw kernels and biases as
        ``0.01`` x standard normal (MathWorks' ``randomizeLayer``).
    absolute : bool, default True
        Compare the maps' absolute values (Adebayo et al.'s main measure:
        a map whose signs flip still ranks the same pixels as important).
    seed : int or None, default 0
        Seed of the shuffles; None draws fresh ones.

    Returns
    -------
    RandomizationCheck
        The layers in cascade order and one correlation per layer (and image).

    Raises
    ------
    TypeError
        If ``model`` is not a Keras model or ``explain`` is not callable.
    ValueError
        If a layer is unknown or has no weights (or, with ``"normal"``,
        weights other than kernels and biases), ``randomize`` is unknown, the
        model cannot be cloned, or ``explain`` returns no map per image.
    """
    check_model(model)
    if not isinstance(randomize, str) or randomize not in RANDOMIZE:
        raise ValueError(
            f"Expected `randomize` to be one of {list(RANDOMIZE)}. "
            f"Received: randomize={randomize!r}"
        )
    if not callable(explain):
        raise TypeError(
            "Expected `explain` to be a callable explain(model, images) -> maps. "
            f"Received: explain={explain!r}"
        )
    source, _ = prepare_images(model, images)
    batch = source.array
    if batch is None:  # a stream: gathered, since `explain` runs once per layer
        batch = np.concatenate(list(source.iter_batches(128)))
    given = batch[0] if source.one_image else batch
    clone = _clone(model)
    order = _cascade(model, clone, layers, randomize)
    n = len(batch)
    original = _maps(explain(model, given), n, source.one_image, "the original maps")
    rng = np.random.default_rng(seed)
    rows = []
    for ref in order:
        trained = ref.layer.get_weights()
        ref.layer.set_weights(_randomized(trained, randomize, rng))
        maps = _maps(explain(clone, given), n, source.one_image, f"the maps after {ref.name!r}")
        if not cascade:
            ref.layer.set_weights(trained)
        a, b = (np.abs(original), np.abs(maps)) if absolute else (original, maps)
        rows.append(spearman(a, b))
    correlation = np.array(rows).reshape(len(order), n)
    names = tuple(r.name for r in order)
    found = correlation[:, 0] if source.one_image else correlation
    return RandomizationCheck(names, found, cascade=bool(cascade))
