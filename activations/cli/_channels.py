"""``--channels`` of ``dream`` and ``top``: checked against the layer before any work.

A range (``0-15``) is parsed as a ``range`` and never expanded before its end is
checked against the layer's channel count, so ``--channels 0-999999999`` is one
line of error, not gigabytes of list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

from activations.cli._errors import CliError

__all__ = ["channels_text", "checked_channels", "layer_channels"]


def channels_text(channels: Sequence[int]) -> str:
    """``--channels`` as the user wrote it: ``0-15`` for a range, ``3,14`` for a list."""
    if isinstance(channels, range):
        return f"{channels.start}-{channels.stop - 1}"
    return ",".join(str(c) for c in channels)


def layer_channels(model: Any, layer: str) -> tuple[str, int]:
    """The layer's name in results and its channel count, read from the graph (no image runs).

    Raises the library's ``ValueError`` for an unknown layer (it lists the valid ones).
    """
    from activations._engine.extractors import extractor_for

    refs, _, extractor, _ = extractor_for(model, layer)
    shape = tuple(extractor.models[0].outputs[0].shape)
    if shape[-1] is None:
        raise CliError(f"layer '{refs[0].name}' has no fixed channel count: its output is {shape}")
    return refs[0].name, int(shape[-1])


@overload
def checked_channels(channels: None, layer: str, n_channels: int) -> None: ...
@overload
def checked_channels(channels: Sequence[int], layer: str, n_channels: int) -> list[int]: ...
def checked_channels(
    channels: Sequence[int] | None, layer: str, n_channels: int
) -> list[int] | None:
    """``channels`` as a list, once each is known to be below ``n_channels`` (None stays None).

    Raises
    ------
    CliError
        For a channel the layer does not have: one line that says which are valid.
    """
    if channels is None:
        return None
    highest = channels[-1] if isinstance(channels, range) else max(channels)
    if highest >= n_channels:
        raise CliError(
            f"Expected channels in 0..{n_channels - 1} (layer '{layer}' has {n_channels}). "
            f"Received: --channels {channels_text(channels)}"
        )
    return list(channels)
