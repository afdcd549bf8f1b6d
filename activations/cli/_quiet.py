"""TensorFlow's start-up lines kept off the command line's stderr (:mod:`activations._quiet`)."""

from __future__ import annotations

from activations._quiet import import_keras_quietly, quiet_tensorflow

__all__ = ["import_keras_quietly", "quiet_tensorflow"]
