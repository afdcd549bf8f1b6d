"""Write the API reference's pages from each public module's ``__all__``.

Called by ``conf.py`` before every build: one page per public module
(``docs/api/<module>.rst``, not committed), listing its names by kind in
autosummary tables, from which autosummary writes one page per name. A name added
to a module's ``__all__`` is therefore documented at the next build, and
``tests/test_docs.py`` checks that every one reached the built site.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

#: The public modules, in the order the reference lists them, with a one-line intro.
MODULES: dict[str, str] = {
    "activations": "The flat public API: ``from activations import gradcam``.",
    "activations.plot": "Figures of the workflow, drawn with matplotlib (pyplot-free).",
    "activations.zoo": "The shipped networks: trained weights, no downloads.",
    "activations.datasets": "The shipped images and the Fashion-MNIST reader.",
    "activations.distributed": "The reductions over a Ray Data dataset (``activations[ray]``).",
    "activations.explore": "The explorer: a static site of every layer and channel.",
    "activations.reference": "NumPy im2col convolution and pooling, to check the layers.",
}
SKIPPED = {"__version__"}  # a string; the reference's index page states it
KINDS = ("Functions", "Classes", "Types and constants", "Submodules")


def public_names(module: str) -> list[str]:
    """The names of ``module.__all__`` the reference documents (all but ``__version__``)."""
    return [n for n in importlib.import_module(module).__all__ if n not in SKIPPED]


def _kind(module: str, name: str) -> str:
    value = getattr(importlib.import_module(module), name)
    if inspect.ismodule(value):
        return "Submodules"
    if inspect.isclass(value) and value.__module__ != "typing":
        return "Classes"
    if inspect.isfunction(value) or inspect.isbuiltin(value):
        return "Functions"
    return "Types and constants"


def page(module: str) -> str:
    """The reStructuredText page of one public module."""
    lines = [module, "=" * len(module), "", f".. automodule:: {module}", "   :no-members:", ""]
    groups: dict[str, list[str]] = {k: [] for k in KINDS}
    for name in public_names(module):
        groups[_kind(module, name)].append(name)
    for kind in KINDS:
        if not groups[kind]:
            continue
        lines += [kind, "-" * len(kind), ""]
        if kind == "Submodules":
            lines += [f"- :doc:`{module}.{n}`" for n in groups[kind]] + [""]
            continue
        lines += [".. autosummary::", "   :toctree: generated", "   :nosignatures:", ""]
        lines += [f"   {n}" for n in groups[kind]] + [""]
    return "\n".join(lines)


def write_api_pages(folder: Path) -> None:
    """Write ``folder/<module>.rst`` for every public module, only where it changed."""
    folder.mkdir(exist_ok=True)
    for module in MODULES:
        path = folder / f"{module}.rst"
        text = page(module)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
