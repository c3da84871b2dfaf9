"""A mapping whose entries are built on first access, in a fixed key order.

A 784-20-20-10 derivation has 34k definitions; a command usually needs a few of them (or
one per layer). ``LazyMap`` knows its keys (listed only when someone iterates) and how to
build the value of one key; ``in`` asks a membership test and builds nothing. Assigning
an entry replaces it (tests use this to plant a wrong definition).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from typing import Any


class LazyMap(MutableMapping):
    """Entries built by ``build(key)`` on first access; ``keys()`` lists every key in order.

    ``owns(key)`` must be true exactly for the keys ``keys()`` lists; ``size`` is their
    number.
    """

    def __init__(self, keys: Callable[[], list], build: Callable[[Any], Any],
                 owns: Callable[[Any], bool], size: int):
        self._list_keys = keys
        self._build = build
        self._owns = owns
        self._size = size
        self._built: dict = {}
        self._keys: list | None = None
        self._extra: list = []

    def __getitem__(self, key):
        try:
            return self._built[key]
        except KeyError:
            pass
        if not isinstance(key, str) or not self._owns(key):
            raise KeyError(key)
        value = self._build(key)
        self._built[key] = value
        return value

    def __setitem__(self, key, value) -> None:
        if key not in self:
            self._extra.append(key)
        self._built[key] = value

    def __delitem__(self, key) -> None:
        raise TypeError("a derivation's entries cannot be deleted")

    def __contains__(self, key) -> bool:
        return key in self._built or (isinstance(key, str) and self._owns(key))

    def __iter__(self) -> Iterator:
        if self._keys is None:
            self._keys = self._list_keys()
        yield from self._keys
        yield from self._extra

    def __len__(self) -> int:
        return self._size + len(self._extra)

    def __repr__(self) -> str:
        return f"<LazyMap: {len(self)} entries, {len(self._built)} built>"
