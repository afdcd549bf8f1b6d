"""Placeholder: being written."""

__all__ = ["activations"]


def activations(*args, **kwargs):
    raise NotImplementedError
