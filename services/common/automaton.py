"""Aho-Corasick automata (pyahocorasick): every occurrence of many keys in one pass.

pyahocorasick is a C extension without type information; the Protocol below lists the
methods used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar

V = TypeVar("V")
V_co = TypeVar("V_co", covariant=True)


class Automaton(Protocol, Generic[V_co]):
    def iter(self, text: str) -> Iterator[tuple[int, V_co]]:
        """(index of the last character, value of the key) of every occurrence of a key."""
        ...


class _Nothing(Generic[V_co]):
    """What finds no key (pyahocorasick refuses to search without one)."""

    def iter(self, text: str) -> Iterator[tuple[int, V_co]]:
        return iter(())


def build_automaton(keys: dict[str, V]) -> Automaton[V]:
    """An automaton that finds every key of ``keys`` (none empty) and yields its value."""
    if not keys:
        return _Nothing()
    import ahocorasick  # type: ignore[import-not-found,unused-ignore]

    automaton = ahocorasick.Automaton()
    for key, value in keys.items():
        if not key:
            raise ValueError("an automaton's key cannot be empty")
        automaton.add_word(key, value)
    automaton.make_automaton()
    built: Automaton[V] = automaton
    return built
