"""Placeholder: being written."""

__all__ = ["analyze_network", "layer_weights"]


def analyze_network(*args, **kwargs):
    raise NotImplementedError


def layer_weights(*args, **kwargs):
    raise NotImplementedError
