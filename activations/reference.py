"""Placeholder: being written (see the issue tracker)."""

__all__ = ["conv2d", "max_pool2d"]
