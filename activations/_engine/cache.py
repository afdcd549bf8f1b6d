"""The one cache of everything derived from a user's model: locked, bounded, weak.

Every model-facing function builds something once per model and options and
reuses it: extractors, Grad-CAM's and the dream's two-input models, the
reducers of ``channel_stats`` and ``top_images``, network tables, receptive
fields, compiled steps. Each kind is a :class:`DerivedCache`: entries are built
under :data:`activations._engine.trace.BUILD_LOCK` (a second thread finds them built),
kept per owner (the user's model, or an extractor) least recently used first,
at most ``size`` per owner, and die with their owner. A model fed 100 photo
sizes keeps the last ``size`` derived models of each kind, not 100.

Entries of a user's model sit in a weak-key table, so the model is never kept
alive by them (they must not refer to it: they refer to its layers). Entries of
an owner we made ourselves (a compiled step of an extractor, whose closure must
refer to it) are stored on the owner (``owned=True``): a weak table would keep
such an owner alive through its own entry.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from activations._engine.trace import BUILD_LOCK

__all__ = ["CACHE_SIZE", "DerivedCache"]

CACHE_SIZE = 8
"""Entries kept per owner and kind (the most recently used); older ones are freed."""

T = TypeVar("T")


class DerivedCache(Generic[T]):
    """Derived objects of one kind, per owner, built once under the build lock.

    Parameters
    ----------
    name : str
        What is kept, for ``repr`` and debugging (e.g. ``"extractors"``).
    size : int, default CACHE_SIZE
        Entries kept per owner; the least recently used goes first.
    owned : bool, default False
        The owners are models this package built (never a user's): entries are
        stored as an attribute of the owner and may refer to it.

    Examples
    --------
    >>> class Owner: ...
    >>> cache = DerivedCache("squares", size=2)
    >>> owner = Owner()
    >>> [cache.get(owner, n, lambda n=n: n * n) for n in (2, 3, 4)]
    [4, 9, 16]
    >>> cache.keys(owner)
    [3, 4]
    """

    def __init__(self, name: str, size: int = CACHE_SIZE, *, owned: bool = False) -> None:
        self.name = name
        self.size = size
        self._attribute = f"_activations_{name.replace(' ', '_')}" if owned else None
        self._entries: weakref.WeakKeyDictionary[Any, OrderedDict[Hashable, T]] = (
            weakref.WeakKeyDictionary()
        )

    def _per_owner(self, owner: Any, create: bool) -> OrderedDict[Hashable, T] | None:
        if self._attribute is None:
            return self._entries.setdefault(owner, OrderedDict()) if create else (
                self._entries.get(owner)
            )
        found = owner.__dict__.get(self._attribute)
        if found is None and create:
            found = OrderedDict()
            object.__setattr__(owner, self._attribute, found)  # no Keras tracking
        return found

    def get(self, owner: Any, key: Hashable, build: Callable[[], T]) -> T:
        """The entry of ``owner`` under ``key``, built by ``build()`` if missing."""
        with BUILD_LOCK:
            per_owner = self._per_owner(owner, create=True)
            assert per_owner is not None
            if key in per_owner:
                per_owner.move_to_end(key)
                return per_owner[key]
            value = build()  # raises: nothing is kept
            per_owner[key] = value
            while len(per_owner) > self.size:
                per_owner.popitem(last=False)
            return value

    def keys(self, owner: Any) -> list[Hashable]:
        """The keys kept for ``owner``, least recently used first."""
        with BUILD_LOCK:
            return list(self._per_owner(owner, create=False) or ())

    def clear(self, owner: Any) -> None:
        """Forget every entry of ``owner`` (they are rebuilt on demand)."""
        with BUILD_LOCK:
            found = self._per_owner(owner, create=False)
            if found is not None:
                found.clear()

    def __repr__(self) -> str:
        return f"DerivedCache({self.name!r}, size={self.size}, owners={len(self._entries)})"
