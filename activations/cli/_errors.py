"""The command line's errors: its own user error, and library messages in its words."""

from __future__ import annotations

import re

__all__ = ["ALIASES", "CliError", "with_flags"]

#: Library argument names that a command line option sets under another name.
ALIASES = {"compare_layer": "layer", "box": "region"}


class CliError(Exception):
    """A user error: printed as one line, exit status 2."""


def with_flags(message: str, flags: dict[str, str]) -> str:
    """A library message with the Python names of the command's options as its flags.

    ``flags`` maps each option's Python name to its flag (``reduction_layer``
    to ``--reduction-layer``). Only the names a message gives as names are
    replaced: in backticks (`` `reduction_layer` ``, `` `stage='pre'` `` becomes
    `` `--stage pre` ``) and before a value (``Received: reduction_layer=None``
    becomes ``--reduction-layer None``).

    Examples
    --------
    >>> with_flags("Pass `reduction_layer`. Received: reduction_layer=None",
    ...            {"reduction_layer": "--reduction-layer"})
    'Pass `--reduction-layer`. Received: --reduction-layer None'
    """
    names = dict(flags)
    names.update({alias: flags[dest] for alias, dest in ALIASES.items() if dest in flags})
    names.pop("force", None)  # "pass force=True (--force)" says both already
    for name, flag in sorted(names.items(), key=lambda item: -len(item[0])):
        message = message.replace(f"`{name}`", f"`{flag}`")
        message = re.sub(rf"`{re.escape(name)}='([^'`]*)'`", rf"`{flag} \1`", message)
        message = re.sub(rf"(?<![\w.-]){re.escape(name)}=(?!=)", f"{flag} ", message)
    return message
