"""One compiled forward pass of an extractor, on each backend, to host arrays.

TensorFlow and torch run the compiled step Keras' ``predict_on_batch`` runs;
JAX runs a jitted ``stateless_call`` (see :mod:`activations._engine.trace` for why).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import keras
import numpy as np
from numpy.lib.array_utils import byte_bounds

from activations._engine.cache import DerivedCache
from activations._engine.stop import check_stop
from activations._engine.trace import Extractor

__all__ = ["copied", "host", "owned_outputs", "predict_batch", "run_extractor"]


class _RetraceFilter(logging.Filter):
    """Drop TensorFlow's 'triggered tf.function retracing' warning for our own steps.

    Every extractor is its own compiled model, traced once (and once more for a
    smaller last batch): tracing many of them in a row is what TF warns about,
    and it is expected here. The warning is kept for everything else.
    """

    active = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        ours = getattr(self.active, "on", False)
        return not (ours and "triggered tf.function retracing" in record.getMessage())


_RETRACE_FILTER = _RetraceFilter()


def _quiet_retracing() -> None:
    tf_logger = logging.getLogger("tensorflow")
    if _RETRACE_FILTER not in tf_logger.filters:
        tf_logger.addFilter(_RETRACE_FILTER)


# Keras' own JAX predict step donates the weight buffers and writes new ones back
# to the variables, which the extractors share with the user's model: a thread
# calling the model while we predict would find its buffers deleted. On JAX we
# compile the public `stateless_call` ourselves, without donation: nothing is
# written back, so the user's variables are never touched.
_JAX_STEPS: DerivedCache = DerivedCache("jax forward steps", owned=True)


def _jax_step(model: keras.Model) -> Callable[..., Any]:
    def build() -> Callable[..., Any]:
        import jax

        def step(trainable: list[Any], non_trainable: list[Any], x: Any) -> Any:
            return model.stateless_call(trainable, non_trainable, x, training=False)[0]

        return jax.jit(step)

    return _JAX_STEPS.get(model, None, build)


def _forward(model: keras.Model, batch: np.ndarray) -> list[Any]:
    """The backend's output tensors of one compiled forward pass, as a list."""
    if keras.backend.backend() == "jax":
        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]
        outs = _jax_step(model)(trainable, non_trainable, batch)
    else:
        # The same compiled step predict_on_batch runs, without its extra copy
        # of every output: on the CPU np.asarray shares the tensor's buffer.
        model.make_predict_function()
        _quiet_retracing()
        _RetraceFilter.active.on = True
        try:
            outs = model.predict_function([(batch,)])
        finally:
            _RetraceFilter.active.on = False
    return list(outs) if isinstance(outs, (list, tuple)) else [outs]


def predict_batch(
    model: keras.Model, batch: np.ndarray, *, owned: bool = False
) -> list[np.ndarray]:
    """One compiled forward pass of one model; the outputs as float32 host arrays.

    ``owned=False``: the arrays may share the backend's buffers (read-only);
    ``owned=True``: new writeable arrays that share memory with nothing else
    (see :func:`owned_outputs`).
    """
    outs = _forward(model, batch)
    if owned:
        return owned_outputs(model, batch, outs)
    return [np.asarray(host(o), dtype=np.float32) for o in outs]


# Per compiled model and input shape: the outputs whose buffer outlives the call.
_PERSISTENT: DerivedCache = DerivedCache("persistent outputs", owned=True)


def _own_buffer(tensor: Any) -> np.ndarray | None:
    """A writeable float32 array over ``tensor``'s own buffer, where the backend has one.

    TensorFlow's ``_numpy()`` (what its public ``numpy()`` copies) and torch's
    ``numpy()`` of a CPU tensor share the buffer the step just wrote; JAX's
    buffers are immutable, so there is none.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow" and tensor.dtype.name == "float32":
        view = getattr(tensor, "_numpy", None)
        array = view() if view is not None else None
    elif backend == "torch" and str(tensor.dtype) == "torch.float32":
        tensor = tensor.detach()
        array = tensor.numpy() if tensor.device.type == "cpu" else None
    else:
        return None
    if not isinstance(array, np.ndarray) or array.dtype != np.float32:
        return None
    # torch hands out strided views (e.g. NCHW kept as NHWC): copied, contiguous
    return array if array.flags.writeable and array.flags.c_contiguous else None


def owned_outputs(model: keras.Model, batch: np.ndarray, outs: list[Any]) -> list[np.ndarray]:
    """The step's outputs as new writeable float32 arrays, copying only where needed.

    A fresh output buffer of the step is handed over as it is (no copy): the
    array keeps the tensor alive, and nothing else refers to that buffer. It
    is copied (see :func:`copied`) where it may not be the result's alone:

    - JAX arrays (immutable) and outputs on a GPU;
    - outputs that overlap the input batch or an output handed over before
      (an identity or reshape layer returns a view of its input);
    - outputs whose buffer outlives the call: a constant folded into the
      compiled step, or a weight returned as it is. Found once per model and
      input shape by a second forward pass whose outputs are compared with
      the first (a buffer that both calls return is not the result's own).

    A non-float32 output is converted into a new float32 array.
    """
    arrays: list[np.ndarray | None] = [_own_buffer(o) for o in outs]
    if any(a is not None for a in arrays):
        persistent = _PERSISTENT.get(
            model,
            (batch.shape, batch.dtype.str),
            lambda: _persistent_outputs(model, batch, arrays),
        )
        for i in persistent:
            arrays[i] = None
    taken: list[tuple[int, int]] = [_bounds(batch)]
    result: list[np.ndarray] = []
    to_copy: list[int] = []
    for out, array in zip(outs, arrays):
        if (
            array is not None
            and array.nbytes
            and not any(_overlap(_bounds(array), b) for b in taken)
        ):
            taken.append(_bounds(array))  # handed over as it is
        else:
            array = np.asarray(host(out), dtype=np.float32)
            if array.base is not None or not array.flags.writeable:  # not made by the conversion
                to_copy.append(len(result))
        result.append(array)
    for i, copy in zip(to_copy, copied([result[i] for i in to_copy])):
        result[i] = copy
    return result


def _persistent_outputs(
    model: keras.Model, batch: np.ndarray, first: list[np.ndarray | None]
) -> frozenset[int]:
    again = [_own_buffer(o) for o in _forward(model, batch)]
    return frozenset(
        i
        for i, (a, b) in enumerate(zip(first, again))
        if a is not None and (b is None or np.may_share_memory(a, b))
    )


def _bounds(array: np.ndarray) -> tuple[int, int]:
    low, high = byte_bounds(array)
    return low, high


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


#: Below this many bytes in all, copies are made one after the other.
PARALLEL_COPY_BYTES = 8_000_000
_COPIER: list[ThreadPoolExecutor] = []
_COPIER_LOCK = threading.Lock()


def copied(arrays: list[np.ndarray]) -> list[np.ndarray]:
    """New writeable copies of ``arrays``: large ones copied by two threads at once.

    A copy into fresh memory is slow where the kernel maps each new page as it
    is first written (2.3 GB/s for the Fashion CNN's every layer, 51 MB, on the
    2-core machine; 11 GB/s into memory already touched); two threads fault
    and copy the halves of each array side by side (NumPy's copy releases the
    GIL), which took the copy from 22 to 14 ms there. Never the backend's
    buffers, nor the input's.
    """
    outs = [np.empty(a.shape, a.dtype) for a in arrays]
    if sum(a.nbytes for a in arrays) < PARALLEL_COPY_BYTES or (os.cpu_count() or 1) < 2:
        for out, array in zip(outs, arrays):
            np.copyto(out, array)
        return outs
    halves: list[tuple[np.ndarray, np.ndarray]] = []
    for out, array in zip(outs, arrays):
        cut = len(array) // 2 if array.ndim else 0
        halves += [(out[:cut], array[:cut]), (out[cut:], array[cut:])] if cut else [(out, array)]
    with _COPIER_LOCK:
        if not _COPIER:
            _COPIER.append(ThreadPoolExecutor(2, thread_name_prefix="activations-copy"))
    for job in [_COPIER[0].submit(np.copyto, out, part) for out, part in halves]:
        job.result()
    return outs


def run_extractor(
    extractor: Extractor, batch: np.ndarray, *, owned: bool = False
) -> list[np.ndarray]:
    """All outputs of ``extractor`` for one batch, in the requested order.

    Arrays may share memory with the backend's tensors (read-only), unless
    ``owned`` (see :func:`predict_batch`).
    """
    check_stop()  # a batch is a safe point to honour the command line's SIGTERM
    outs: list[np.ndarray | None] = [None] * sum(len(s) for s in extractor.slots)
    for model, slots in zip(extractor.models, extractor.slots):
        for slot, out in zip(slots, predict_batch(model, batch, owned=owned)):
            outs[slot] = out
    return outs  # type: ignore[return-value]  # every slot is filled: slots number the outputs


def host(tensor: Any) -> Any:
    """A backend tensor where NumPy reads it, without a copy where it can.

    TensorFlow and JAX CPU tensors are read by ``np.asarray`` as they are;
    torch tensors may live on a GPU and carry autograd state, so they are
    detached and moved (``keras.ops.convert_to_numpy`` goes through
    ``np.array(tensor)``, which NumPy 2 answers with a DeprecationWarning).
    """
    if keras.backend.backend() != "torch":
        return tensor
    import torch

    tensor = tensor.detach().cpu()
    return (tensor.float() if tensor.dtype == torch.bfloat16 else tensor).numpy()
