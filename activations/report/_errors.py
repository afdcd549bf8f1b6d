"""The error of a report section that fails unexpectedly, and the context that raises it.

A method that cannot apply to a model is no error: its section says so in a
sentence. Anything else a section raises is a bug; :func:`section` turns it
into a :class:`SectionError` that names the section, and the staged output
directory (:func:`activations.report._page.staged_directory`) is then removed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["SectionError", "section"]


class SectionError(RuntimeError):
    """A section of a report failed unexpectedly: a bug, not a model a method cannot take.

    The message names the section and the error; the error is ``__cause__``.
    """

    def __init__(self, name: str, cause: Exception) -> None:
        self.section = name
        text = " ".join(str(cause).split()) or "(no message)"
        super().__init__(f"The report's section '{name}' failed: {type(cause).__name__}: {text}")


@contextmanager
def section(name: str) -> Iterator[None]:
    """Turn an error inside a report section into a :class:`SectionError` naming it.

    ``OSError`` (a disk full, a file gone) passes as it is; ``KeyboardInterrupt``
    and a stop request are no ``Exception`` and pass too.
    """
    try:
        yield
    except (OSError, SectionError):
        raise
    except Exception as error:
        raise SectionError(name, error) from error
