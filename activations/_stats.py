"""Placeholder: being written (see the issue tracker)."""

__all__ = ["channel_stats"]


def channel_stats(*args, **kwargs):
    raise NotImplementedError("channel_stats is not written yet")
