"""TensorFlow's start-up lines kept off the CLI's stderr (:mod:`activations._engine.quiet`)."""

from __future__ import annotations

from activations._engine.quiet import import_keras_quietly, quiet_tensorflow

__all__ = ["import_keras_quietly", "quiet_tensorflow"]
