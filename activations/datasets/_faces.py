"""Placeholder: being written (see the issue tracker)."""

__all__ = ["face","face_eye_closed"]


def face(*args, **kwargs):
    raise NotImplementedError


def face_eye_closed(*args, **kwargs):
    raise NotImplementedError
