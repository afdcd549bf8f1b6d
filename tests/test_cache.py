"""The one cache of derived models: bounded per model, locked, weak."""

from __future__ import annotations

import gc
import weakref

import keras
import numpy as np
import pytest

from activations import activations, deep_dream, gradcam
from activations._engine.cache import CACHE_SIZE, DerivedCache
from activations._engine.extractors import _EXTRACTORS
from activations._explain.dream import _MODELS as DREAMS
from activations._explain.gradcam import _MODELS as GRADCAMS


class Owner:
    pass


def test_least_recently_used_goes_first():
    cache: DerivedCache[int] = DerivedCache("squares", size=2)
    owner = Owner()
    built = []

    def square(n):
        built.append(n)
        return n * n

    assert [cache.get(owner, n, lambda n=n: square(n)) for n in (2, 3, 2, 4)] == [4, 9, 4, 16]
    assert built == [2, 3, 4]  # 2 was reused
    assert cache.keys(owner) == [2, 4]  # 3 was the least recently used
    cache.clear(owner)
    assert cache.keys(owner) == []


def test_a_failed_build_keeps_nothing():
    cache: DerivedCache[int] = DerivedCache("failing")
    owner = Owner()
    with pytest.raises(ZeroDivisionError):
        cache.get(owner, "k", lambda: 1 // 0)
    assert cache.keys(owner) == []


def test_entries_die_with_their_owner():
    cache: DerivedCache[object] = DerivedCache("weak")
    owner, value = Owner(), Owner()
    cache.get(owner, "k", lambda: value)
    gone = weakref.ref(owner)
    del owner
    gc.collect()
    assert gone() is None and "owners=0" in repr(cache)


@pytest.mark.core
def test_a_free_size_model_fed_many_sizes_keeps_a_bounded_cache():
    """As the face network on photos of many sizes: the derived models stay bounded."""
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(3, 3, activation="relu", name="c1")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, keras.layers.Dense(2, name="score")(x))
    freed = []
    for size in range(8, 8 + CACHE_SIZE + 12):
        image = np.random.default_rng(size).random((size, size, 3), dtype=np.float32)
        activations(model, image, "c1")
        gradcam(model, image, 0)
        deep_dream(model, "c1", 0, image=image, num_iterations=1, pyramid_levels=1)
        if size == 8:
            freed = [weakref.ref(m) for m in [*GRADCAMS._entries[model].values()]]
    for cache in (GRADCAMS, DREAMS):
        assert len(cache.keys(model)) == CACHE_SIZE
    assert len(_EXTRACTORS.keys(model)) <= CACHE_SIZE
    gc.collect()
    assert freed and all(ref() is None for ref in freed)  # the first size's model is gone


@pytest.mark.core
def test_the_cache_never_keeps_a_users_model_alive():
    small_cnn = keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            keras.layers.Conv2D(4, 3, activation="relu", name="conv2d"),
            keras.layers.Conv2D(4, 3, activation="relu", name="conv2d_1"),
            keras.layers.Flatten(),
            keras.layers.Dense(3, name="dense"),
        ]
    )
    x = np.zeros((2, 12, 12, 1), np.float32)
    activations(small_cnn, x, ["conv2d", "dense"])
    gradcam(small_cnn, x, 0)
    deep_dream(small_cnn, "conv2d", 0, num_iterations=1, pyramid_levels=1)
    from activations import channel_stats, top_images

    channel_stats(small_cnn, x, "conv2d_1")
    top_images(small_cnn, x, "conv2d_1", k=1)
    gone = weakref.ref(small_cnn)
    del small_cnn
    gc.collect()
    assert gone() is None
