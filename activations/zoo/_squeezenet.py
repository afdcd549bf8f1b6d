"""Placeholder: being written (see the issue tracker)."""

__all__ = ["squeezenet"]


def squeezenet(*args, **kwargs):
    raise NotImplementedError
