"""The engine: Keras in, host arrays out.

The only room that touches Keras' internals, backend branches and the build lock:
checking a model's input (``inputs``, ``input_range``), finding layers (``layers``),
tracing any model kind with layers tapped (``tap``, ``trace``, which also leaves the
user's model exactly as found; ``guided``: the traced copy's ReLU layers swapped for
guided backpropagation's), the one cache of derived models (``cache``,
``extractors``), the compiled forward pass and gradient of each backend (``predict``,
``gradients``), and the one preamble and batch loop every analysis runs through
(``preamble``, ``runtime``: progress, stop check, range warning). It never imports
the analyses (``_probes``, ``_explain``) or anything above them.
"""
