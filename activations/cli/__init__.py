"""The ``activations`` command line: summary, show, compare, report, demo, train-fashion.

``main`` runs it (``activations ...`` and ``python -m activations ...``);
``_parser`` builds the arguments, ``_commands`` holds one function per
subcommand, ``_images`` reads image files, ``_quiet`` keeps TensorFlow's
start-up lines off stderr. Nothing here imports Keras until a command runs.
"""

from __future__ import annotations

from activations.cli._main import main
from activations.cli._parser import build_parser

__all__ = ["build_parser", "main"]
