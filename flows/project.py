"""One run's project: its settings, and the store and guidelines that every step of the run
shares, each opened on first use and once only (a flow task, a command, a demo run: one each)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from corpus.guideline_files import load_guidelines
from corpus.guideline_model import Guidelines
from corpus.store import Store
from export.registry import Registry
from flows.settings import STATE_DIR, Settings, load_settings


class Project:
    def __init__(self, settings: Settings):
        self.settings = settings

    @classmethod
    def load(cls, folder: str | Path) -> Project:
        """The project in `folder`: its distil.toml and the environment."""
        return cls(load_settings(Path(folder)))

    @cached_property
    def store(self) -> Store:
        return Store(self.settings.store_url)

    @cached_property
    def guidelines(self) -> Guidelines:
        return load_guidelines(self.settings.guidelines_ref)

    @cached_property
    def registry(self) -> Registry:
        """The registry, with artifact paths resolved against this project's folder."""
        return Registry(self.store, self.settings.project_dir)

    @property
    def state_dir(self) -> Path:
        return self.settings.project_dir / STATE_DIR

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
            del self.__dict__["store"]
        self.__dict__.pop("registry", None)

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
