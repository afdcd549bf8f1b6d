"""Placeholder: being written (see the issue tracker)."""

__all__ = ["compare_channels", "strongest_channel", "top_channels"]


def strongest_channel(*args, **kwargs):
    raise NotImplementedError


def top_channels(*args, **kwargs):
    raise NotImplementedError


def compare_channels(*args, **kwargs):
    raise NotImplementedError
