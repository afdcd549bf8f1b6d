"""Gradients of a scalar of a Keras model's outputs, on each backend.

Keras 3 has no backend-neutral gradient call, so this module holds the three:
TensorFlow's ``GradientTape`` inside a ``tf.function``, ``jax.grad`` of the
public ``stateless_call`` under ``jax.jit``, and torch autograd (eager). Each
is built once per (model, target) and cached with the model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np

from activations._engine.cache import DerivedCache
from activations._engine.predict import host

__all__ = ["NoGradient", "gradient_reduce", "output_gradient"]


class NoGradient(ValueError):
    """The target has no gradient with respect to the input asked for.

    TensorFlow returns None, PyTorch raises a RuntimeError and JAX a TypeError
    (an integer target, or a path that does not reach the input); all become this.
    """


Target = Callable[[Sequence[Any]], Any]
"""Maps the model's outputs (backend tensors) to a scalar, with ``keras.ops``."""

Finish = Callable[[Sequence[Any], Sequence[Any], Any, Sequence[Any]], Sequence[Any]]
"""Maps (inputs, outputs, gradient, extras) to the tensors wanted on the host."""


def _everything(inputs: Sequence[Any], outs: Sequence[Any], grad: Any, extras: Any) -> list[Any]:
    return [*outs, grad]


# derived model -> {(target id, wrt): (compiled step, target)}; the step refers to it
_STEPS: DerivedCache = DerivedCache("gradient steps", owned=True)


def output_gradient(
    model: keras.Model, inputs: Sequence[np.ndarray], wrt: int, target: Target
) -> tuple[list[np.ndarray], np.ndarray]:
    """The model's outputs and ``d target(outputs) / d inputs[wrt]``, as NumPy arrays.

    Parameters
    ----------
    model : keras.Model
        A functional model with ``len(inputs)`` inputs (never trained or changed).
    inputs : sequence of ndarray
        One array per model input, batch first.
    wrt : int
        Which input to differentiate with respect to.
    target : callable
        ``target(outputs) -> scalar``, written with ``keras.ops``; the same
        callable object reuses the compiled step.

    Returns
    -------
    outputs : list of ndarray
        The model's outputs for ``inputs`` (float32).
    gradient : ndarray
        Of the shape of ``inputs[wrt]`` (float32).

    Examples
    --------
    >>> x = keras.Input((2,)); d = keras.Input((2,))
    >>> m = keras.Model([x, d], keras.ops.multiply(x, d))
    >>> outs, g = output_gradient(m, [np.array([[3.0, 4.0]]), np.ones((1, 2))], 1,
    ...                           lambda outs: keras.ops.sum(outs[0]))
    >>> g
    array([[3., 4.]], dtype=float32)
    """
    *outs, grad = gradient_reduce(model, inputs, wrt, target, _everything)
    return outs, grad


def gradient_reduce(
    model: keras.Model,
    inputs: Sequence[np.ndarray],
    wrt: int,
    target: Target,
    finish: Finish,
    extras: Sequence[np.ndarray] = (),
) -> list[np.ndarray]:
    """``finish(inputs, outputs, d target / d inputs[wrt], extras)``, in the compiled step.

    What :func:`output_gradient` does, but only ``finish``'s (usually much
    smaller) tensors are copied to the host, once: reductions of the gradient
    run on the device, inside the same compiled step as the backward pass.

    Parameters
    ----------
    model, inputs, wrt, target
        As :func:`output_gradient`.
    finish : callable
        ``finish(inputs, outputs, gradient, extras) -> sequence of tensors``,
        written with ``keras.ops``; the same callable object reuses the
        compiled step.
    extras : sequence of ndarray, optional
        Further float32 arrays ``finish`` reads (not the model), e.g. an
        update's settings.

    Returns
    -------
    list of ndarray
        ``finish``'s tensors, in order, as float32 arrays (integer ones keep
        their integer dtype); they may share memory with the backend's tensors.

    Raises
    ------
    NoGradient
        If ``target`` has no gradient with respect to ``inputs[wrt]``.
    """
    step, _ = _STEPS.get(
        model,
        (id(target), id(finish), wrt),
        lambda: (_BUILDERS[keras.backend.backend()](model, wrt, target, finish), (target, finish)),
    )  # the callables ride along, so their ids stay their own
    try:
        results = step(
            [np.asarray(a, dtype=np.float32) for a in inputs],
            [np.asarray(a, dtype=np.float32) for a in extras],
        )
    except (RuntimeError, TypeError) as err:
        if "grad" not in str(err):
            raise
        raise NoGradient(f"no gradient: {str(err).splitlines()[0]}") from err
    except _NoneGradient as err:
        raise NoGradient("no gradient: the target does not depend on the input") from err
    return [_host(r) for r in results]


class _NoneGradient(Exception):
    """TensorFlow's tape gave None: raised inside the step, before ``finish``."""


def _host(tensor: Any) -> np.ndarray:
    """The tensor on the host: float32 unless it holds integers.

    It may share memory with the backend's tensor: read it, do not write it.
    """
    array = np.asarray(host(tensor))
    if array.dtype.kind in "iub":
        return np.asarray(array)
    return np.asarray(array, dtype=np.float32)


def _as_list(outs: Any) -> list[Any]:
    return list(outs) if isinstance(outs, (list, tuple)) else [outs]


def _tensorflow_step(
    model: keras.Model, wrt: int, target: Target, finish: Finish
) -> Callable[..., Any]:
    import tensorflow as tf

    n_inputs = len(model.inputs)

    # Flat positional tensors: TensorFlow matches them to a trace much faster than
    # nested lists (a third of a batch-1 Grad-CAM went there).
    @tf.function(reduce_retracing=True)
    def step(*flat: Any) -> Any:
        inputs, extras = list(flat[:n_inputs]), list(flat[n_inputs:])
        with tf.GradientTape() as tape:
            tape.watch(inputs[wrt])
            outs = _as_list(model(inputs, training=False))
            value = target(outs)
        grad = tape.gradient(value, inputs[wrt])
        if grad is None:  # known while tracing: no path from the input to the target
            return None
        return list(finish(inputs, outs, grad, extras))

    # One concrete function per input signature, called directly: matching a call
    # to its trace took a quarter of a batch-1 Grad-CAM.
    concrete: dict[tuple[Any, ...], Any] = {}

    def run(inputs: list[Any], extras: list[Any]) -> Any:
        tensors = [tf.convert_to_tensor(a) for a in [*inputs, *extras]]
        key = tuple((tuple(t.shape), t.dtype) for t in tensors)
        function = concrete.get(key)
        if function is None:
            if len(concrete) >= 8:
                concrete.clear()
            function = concrete[key] = step.get_concrete_function(*tensors)
        results = function(*tensors)
        if results is None:
            raise _NoneGradient()
        return results

    return run


def _jax_step(model: keras.Model, wrt: int, target: Target, finish: Finish) -> Callable[..., Any]:
    import jax

    def value(chosen: Any, inputs: list[Any], trainable: Any, non_trainable: Any) -> Any:
        inputs = [chosen if i == wrt else a for i, a in enumerate(inputs)]
        outs, _ = model.stateless_call(trainable, non_trainable, inputs, training=False)
        outs = _as_list(outs)
        return target(outs), outs

    grad = jax.grad(value, has_aux=True)

    @jax.jit
    def finished(inputs: list[Any], extras: list[Any], trainable: Any, non_trainable: Any) -> Any:
        g, outs = grad(inputs[wrt], inputs, trainable, non_trainable)
        return list(finish(inputs, outs, g, extras))

    def step(inputs: list[Any], extras: list[Any]) -> list[Any]:
        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]
        return finished(inputs, extras, trainable, non_trainable)

    return step


def _torch_step(
    model: keras.Model, wrt: int, target: Target, finish: Finish
) -> Callable[..., Any]:
    import torch

    def step(inputs: list[Any], extras: list[Any]) -> list[Any]:
        tensors = [keras.ops.convert_to_tensor(a) for a in inputs]
        tensors[wrt] = tensors[wrt].detach().requires_grad_(True)
        outs = _as_list(model(tensors, training=False))
        (grad,) = torch.autograd.grad(target(outs), [tensors[wrt]])
        with torch.no_grad():
            plain = [t.detach() for t in tensors]
            more = [keras.ops.convert_to_tensor(a) for a in extras]
            return [r.detach() for r in finish(plain, [o.detach() for o in outs], grad, more)]

    return step


_BUILDERS = {"tensorflow": _tensorflow_step, "jax": _jax_step, "torch": _torch_step}
