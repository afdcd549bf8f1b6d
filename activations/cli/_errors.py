"""The command line's user error: printed as one line, exit status 2."""

from __future__ import annotations

__all__ = ["CliError"]


class CliError(Exception):
    """A user error: printed as one line, exit status 2."""
