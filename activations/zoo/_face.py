"""Placeholder: being written (see the issue tracker)."""

__all__ = ["detect_face","face_net"]


def detect_face(*args, **kwargs):
    raise NotImplementedError


def face_net(*args, **kwargs):
    raise NotImplementedError
