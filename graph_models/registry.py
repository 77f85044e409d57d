"""Named plug-ins: matchers and loss terms are looked up by the name ``params.yaml`` gives them.

A registry maps a name to a class; a new matcher or loss term is one file with its class (its
``name`` a class attribute), a ``@REGISTRY.register`` line above it, and an import of that file
beside the others
(``graph_models/matchers/__init__.py``, ``graph_models/losses/__init__.py``). An unknown name
is refused with the registered ones listed. (The pattern of detectron2's ``Registry``.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Names to classes, in the order they were registered."""

    def __init__(self, kind: str) -> None:
        self.kind = kind  # what the entries are, for error messages: "matcher", "loss term"
        self._entries: dict[str, type[T]] = {}

    def register(self, cls: type[T]) -> type[T]:
        """Class decorator: registers ``cls`` under ``cls.name``. A name is registered once."""
        name = getattr(cls, "name", "")
        if not name:
            raise ValueError(f"{cls.__qualname__} has no name to register it under")
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is already registered ({self._entries[name].__qualname__})")
        self._entries[name] = cls
        return cls

    def get(self, name: str) -> type[T]:
        if name not in self._entries:
            raise ValueError(f"unknown {self.kind} {name!r}; registered: {', '.join(self._entries)}")
        return self._entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)
