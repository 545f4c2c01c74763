"""Plug points chosen by name from config, the way spacy-llm registers its components.

Each kind of part (review backends, confidence estimators, teacher endpoints) has one registry,
declared next to its Protocol; a stage registers the parts it ships under a versioned name that
never changes behaviour (`argilla.v1`), and another package adds its own through a Python entry
point in the group `distil.<kind>` (e.g. `distil.review_backends`), so a Label Studio backend
is a new module and a line in its pyproject, not an edit of flows/.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Generic, TypeVar

Factory = TypeVar("Factory", bound=Callable)


class PluginError(LookupError):
    """No part of that kind is registered under that name."""


class Plugins(Generic[Factory]):
    def __init__(self, kind: str, builds: str):
        self.kind = kind  # e.g. "review_backends"; entry point group: distil.<kind>
        self.builds = builds  # what a factory is called with, for the error message and the docs
        self._factories: dict[str, Factory] = {}

    def register(self, name: str) -> Callable[[Factory], Factory]:
        def add(factory: Factory) -> Factory:
            if name in self._factories and self._factories[name] is not factory:
                raise PluginError(f"{self.kind}: {name!r} is registered twice")
            self._factories[name] = factory
            return factory

        return add

    def get(self, name: str) -> Factory:
        if name not in self._factories:
            for point in entry_points(group=f"distil.{self.kind}"):
                if point.name == name:
                    self._factories[name] = point.load()
        if name not in self._factories:
            raise PluginError(f"no {self.kind} named {name!r}; known: {', '.join(self.names())}")
        return self._factories[name]

    def names(self) -> list[str]:
        installed = {point.name for point in entry_points(group=f"distil.{self.kind}")}
        return sorted(set(self._factories) | installed)
