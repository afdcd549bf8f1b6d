"""Placeholder: being written (see the issue tracker)."""

__all__ = ["imresize"]


def imresize(*args, **kwargs):
    raise NotImplementedError("imresize is not written yet")
