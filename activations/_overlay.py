"""Placeholder: being written (see the issue tracker)."""

__all__ = ["overlay"]


def overlay(*args, **kwargs):
    raise NotImplementedError("overlay is not written yet")
