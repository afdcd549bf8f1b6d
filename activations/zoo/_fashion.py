"""The Fashion-MNIST CNN of the tutorials, trained or freshly initialized."""

from __future__ import annotations

import os
from pathlib import Path

import keras

from activations._engine.input_range import DIVIDE_BY_255, declare_input_range

__all__ = ["fashion_cnn"]

WEIGHTS_PATH = Path(__file__).parent / "weights" / "fashion_cnn.keras"
#: The training history of the shipped weights (``activations train-fashion``'s history.json).
HISTORY_PATH = Path(__file__).parent / "weights" / "fashion_cnn_history.json"

# (class name, layer name, activation, weight shapes): the architecture every
# model we return has, checked on files given by path.
_ARCHITECTURE = [
    ("Conv2D", "conv2d", "relu", [(3, 3, 1, 32), (32,)]),
    ("MaxPooling2D", "max_pooling2d", None, []),
    ("Conv2D", "conv2d_1", "relu", [(3, 3, 32, 64), (64,)]),
    ("MaxPooling2D", "max_pooling2d_1", None, []),
    ("Flatten", "flatten", None, []),
    ("Dense", "dense", "relu", [(3136, 100), (100,)]),
    ("Dropout", "dropout", None, []),
    ("Dense", "dense_1", "softmax", [(100, 10), (10,)]),
]
_BAD_WEIGHTS = (
    'The `weights` argument should be either `None`, `"trained"` or the path to a '
    "`.keras` file. Received: weights={!r}"
)


def fashion_cnn(
    weights: str | os.PathLike[str] | None = "trained", *, seed: int | None = None
) -> keras.Model:
    """The Fashion-MNIST CNN: two 3x3 convs with pooling, then two dense layers.

    Layers, with Keras' default names: ``conv2d`` Conv2D(32, 3, relu, same),
    ``max_pooling2d``, ``conv2d_1`` Conv2D(64, 3, relu, same),
    ``max_pooling2d_1``, ``flatten``, ``dense`` Dense(100, relu), ``dropout``
    Dropout(0.4), ``dense_1`` Dense(10, softmax); 333,526 parameters. Input of
    shape (N, 28, 28, 1), float in 0..1 (``activations()`` warns once when
    images lie far outside it, e.g. 0..255 pixels); output (N, 10) class
    probabilities.

    Parameters
    ----------
    weights : {"trained"}, None or path-like, default "trained"
        ``"trained"`` loads the checkpoint shipped with the package (test
        accuracy >= 0.92). ``None`` gives the same architecture freshly
        initialized (the untrained twin). A path loads that ``.keras`` file
        (``safe_mode=True``) and checks its architecture.
    seed : int or None, default None
        Seed of the initializers and of the dropout layer when
        ``weights=None``; Keras' global random state is left untouched.

    Returns
    -------
    keras.Model
        Sequential model named "fashion_cnn", compiled as the tutorials compile it
        (Adam, sparse categorical cross-entropy, accuracy), with ``model.input``
        and ``model.output`` defined, so the tutorials' lines run on it as written.

    Raises
    ------
    TypeError
        If ``weights`` or ``seed`` has a wrong type.
    ValueError
        If ``weights`` is another string, or the file holds another architecture.
    FileNotFoundError
        If the ``.keras`` file does not exist.

    Examples
    --------
    >>> model = fashion_cnn(weights=None, seed=0)
    >>> model.layers[0].name, model.output_shape, model.count_params()
    ('conv2d', (None, 10), 333526)
    >>> keras.Model(model.input, model.layers[0].output).output_shape
    (None, 28, 28, 32)
    """
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise TypeError(f"`seed` should be an int or None. Received: seed={seed!r}")
    model = _build(seed) if weights is None else _load(weights)
    declare_input_range(model, 0.0, 1.0, DIVIDE_BY_255)
    return _as_in_the_tutorials(model)


def _as_in_the_tutorials(model: keras.Model) -> keras.Model:
    """Make the tutorials' own lines work on ``model``, as on the model they trained.

    Compiled as they compile it (so ``model.evaluate`` runs), and called once on
    its own input tensor so that ``model.input`` and ``model.output`` exist: a
    Keras 3 Sequential defines them only once it has been called, and the
    tutorials write ``keras.Model(model.input, model.layers[0].output)``. The
    call adds no node to the layers.
    """
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model(model.inputs[0])
    return model


def _load(weights: str | os.PathLike[str]) -> keras.Model:
    if not isinstance(weights, (str, os.PathLike)):
        raise TypeError(_BAD_WEIGHTS.format(weights))
    if isinstance(weights, str) and weights == "trained":
        path = WEIGHTS_PATH
    else:
        path = Path(weights)
        if path.suffix != ".keras":
            raise ValueError(_BAD_WEIGHTS.format(weights))
    if not path.is_file():
        raise FileNotFoundError(f"No `.keras` file at {path}. Received: weights={weights!r}")
    model = keras.saving.load_model(path, safe_mode=True, compile=False)
    _check_architecture(model, path)
    return model


def _build(seed: int | None) -> keras.Model:
    def init(offset: int) -> dict[str, keras.initializers.Initializer | str]:
        if seed is None:
            return {}
        return {"kernel_initializer": keras.initializers.GlorotUniform(seed=seed + offset)}

    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(
                32, 3, activation="relu", padding="same", name="conv2d", **init(0)
            ),
            keras.layers.MaxPooling2D(2, name="max_pooling2d"),
            keras.layers.Conv2D(
                64, 3, activation="relu", padding="same", name="conv2d_1", **init(1)
            ),
            keras.layers.MaxPooling2D(2, name="max_pooling2d_1"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(100, activation="relu", name="dense", **init(2)),
            keras.layers.Dropout(0.4, seed=seed, name="dropout"),
            keras.layers.Dense(10, activation="softmax", name="dense_1", **init(3)),
        ],
        name="fashion_cnn",
    )


def _describe(layer: keras.layers.Layer) -> tuple:
    activation = getattr(layer, "activation", None)
    return (
        type(layer).__name__,
        layer.name,
        getattr(activation, "__name__", None),
        [tuple(w.shape) for w in layer.weights],
    )


def _check_architecture(model: object, path: Path) -> None:
    received = None
    if isinstance(model, keras.Model):
        received = [_describe(layer) for layer in model.layers]
    if received != _ARCHITECTURE:
        raise ValueError(
            f"The file {path} does not hold the Fashion-MNIST CNN: expected layers "
            f"(class, name, activation, weight shapes) {_ARCHITECTURE}. "
            f"Received: layers={received}"
        )
