"""Placeholder: being written (see the issue tracker)."""

__all__ = ["fashion_cnn"]


def fashion_cnn(*args, **kwargs):
    raise NotImplementedError
