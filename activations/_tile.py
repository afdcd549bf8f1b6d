"""Placeholder: being written (see the issue tracker)."""

__all__ = ["imtile"]


def imtile(*args, **kwargs):
    raise NotImplementedError("imtile is not written yet")
