"""Layer lookup: names, nested paths, indices, objects."""

from __future__ import annotations

import pytest

from activations._engine.layers import iter_layers, resolve_layer, resolve_layers

pytestmark = pytest.mark.core


def test_iter_layers_walks_nested_models(nested_model):
    refs = list(iter_layers(nested_model))
    assert [r.name for r in refs] == ["inner", "inner/conv", "inner/bn", "head_conv", "gap", "out"]
    inner = nested_model.get_layer("inner")
    assert refs[1].path == (inner,) and refs[0].path == ()


def test_resolve_by_path_plain_name_index_and_object(nested_model):
    inner = nested_model.get_layer("inner")
    assert resolve_layer(nested_model, "inner/bn").layer is inner.get_layer("bn")
    assert resolve_layer(nested_model, "bn").name == "inner/bn"
    assert resolve_layer(nested_model, 1).layer is inner
    assert resolve_layer(nested_model, -1).name == "out"
    assert resolve_layer(nested_model, inner.get_layer("conv")).name == "inner/conv"


def test_resolve_layers_single_or_list(small_cnn):
    refs, single = resolve_layers(small_cnn, "dense")
    assert single and [r.name for r in refs] == ["dense"]
    refs, single = resolve_layers(small_cnn, ("dense", 0))
    assert not single and [r.name for r in refs] == ["dense", "conv2d"]


def test_unknown_name_without_a_close_match(small_cnn):
    with pytest.raises(ValueError, match=r"No layer named `zzz` in model 'small_cnn'\. Available"):
        resolve_layer(small_cnn, "zzz")


def test_bool_is_not_an_index(small_cnn):
    with pytest.raises(TypeError, match=r"Received: layer=True of type bool"):
        resolve_layer(small_cnn, True)


def test_indices_follow_model_layers_of_a_functional_model(nested_model):
    # A functional model lists its InputLayer in model.layers; indices follow that list.
    assert isinstance(nested_model.layers[0], __import__("keras").layers.InputLayer)
    assert resolve_layer(nested_model, 1).name == "inner"
    with pytest.raises(ValueError, match=r"`model.layers\[0\]` is the input layer"):
        resolve_layer(nested_model, 0)
