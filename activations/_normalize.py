"""Placeholder: being written (see the issue tracker)."""

__all__ = ["mat2gray"]


def mat2gray(*args, **kwargs):
    raise NotImplementedError("mat2gray is not written yet")
