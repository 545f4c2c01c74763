"""One config file (distil.toml in the project folder) plus environment overrides.

Precedence: command-line options > environment (DISTIL_*, nested with __,
e.g. DISTIL_DATABASE_URL) > distil.toml > embedded defaults. Secrets (API
keys, passwords) come from the environment only: a config file that holds one
is refused, so it can be committed and shared safely.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from export.config import ExportConfig
from review.config import ReviewConfig
from student.config import StudentConfig
from teacher.config import TeacherConfig

CONFIG_FILE = "distil.toml"
STATE_DIR = ".distil"
_SECRET_KEY = re.compile(r"(api_?key|password|secret|token)$", re.IGNORECASE)


class ConfigError(ValueError):
    pass


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DISTIL_", env_nested_delimiter="__", extra="forbid")

    project_dir: Path = Field(default=Path("."), description="the project folder: config, guidelines, state")
    database_url: str | None = Field(
        default=None, description="any SQLAlchemy URL; default: a SQLite file in <project>/.distil/"
    )
    guidelines: str = Field(
        default="general", description="a built-in set name or a path (relative to the project)"
    )
    teacher: TeacherConfig = Field(default_factory=TeacherConfig)
    student: StudentConfig = Field(default_factory=StudentConfig)
    review: ReviewConfig = Field(default_factory=ReviewConfig)
    export: ExportConfig = Field(default_factory=ExportConfig)

    @model_validator(mode="after")
    def _resolve(self) -> Settings:
        self.project_dir = self.project_dir.expanduser().resolve()
        if self.teacher.api_key is None and self.teacher.base_url and os.environ.get("OPENAI_API_KEY"):
            self.teacher.api_key = SecretStr(os.environ["OPENAI_API_KEY"])  # the usual variable for OpenAI
        # Argilla's own variables work too
        self.review.api_url = self.review.api_url or os.environ.get("ARGILLA_API_URL")
        if self.review.api_key is None and os.environ.get("ARGILLA_API_KEY"):
            self.review.api_key = SecretStr(os.environ["ARGILLA_API_KEY"])
        return self

    @property
    def store_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.project_dir / STATE_DIR / 'distil.db'}"

    @property
    def guidelines_ref(self) -> str | Path:
        """A path when the project has such a file, else the built-in set's name."""
        candidate = self.project_dir / self.guidelines
        return candidate if candidate.exists() else self.guidelines

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls, init_settings))


class _TomlSource(PydanticBaseSettingsSource):
    """Reads <project_dir>/distil.toml, refusing secrets."""

    def __init__(self, settings_cls, init_settings):
        super().__init__(settings_cls)
        self._init = init_settings

    def get_field_value(self, field, field_name):  # required by the base class; unused
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        project = self._init().get("project_dir") or os.environ.get("DISTIL_PROJECT_DIR") or "."
        path = Path(project) / CONFIG_FILE
        if not path.exists():
            return {}
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: {error}") from None
        secrets = [".".join(key) for key in _walk(data) if _SECRET_KEY.search(key[-1])]
        if secrets:
            raise ConfigError(
                f"{path}: {', '.join(secrets)} look like secrets; config files are shared, so secrets come "
                "from the environment only (e.g. DISTIL_TEACHER__API_KEY). Remove them from the file."
            )
        return data


def _walk(data: dict, prefix: tuple[str, ...] = ()):
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _walk(value, (*prefix, key))
        else:
            yield (*prefix, key)


def load_settings(project_dir: Path | str | None = None, **overrides) -> Settings:
    if project_dir is not None:
        overrides["project_dir"] = Path(project_dir)
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def config_template(guidelines: str) -> str:
    return f"""# distil project configuration. Every key can be overridden by an environment
# variable: DISTIL_<KEY>, nested keys joined by __ (e.g. DISTIL_DATABASE_URL).
# Secrets (API keys, passwords) are read from the environment only, never from here.

# Annotation guidelines: a built-in set (general, pii) or a markdown file in this project.
guidelines = "{guidelines}"

# Where state lives. Default: a SQLite file in .distil/. For real deployments:
# database_url = "postgresql+psycopg://distil@db-host/distil"  (password via PGPASSWORD or .pgpass)

[teacher]
# No endpoint: distil starts a local llama.cpp server on a small packaged model.
# local_model = "qwen2.5-coder-0.5b"   # or "qwen2.5-coder-1.5b", a .gguf path, hf:REPO/FILE.gguf
# Any OpenAI-compatible endpoint instead (key: DISTIL_TEACHER__API_KEY or OPENAI_API_KEY):
# base_url = "https://api.openai.com/v1"
# model = "gpt-4o-mini"
# samples = 3          # self-consistency samples per document (confidence)
# concurrency = 4
# Quality techniques (README "Getting more out of the teacher", BENCHMARKS.md "Teacher techniques"):
# few_shot = 3         # similar reviewed documents as examples (never validation or test ones)
# constrain = true     # entity text must be a substring of the document
# verify = true        # a second call confirms or rejects each span
# per_label = true     # one question per label
# ensemble = "confidence"   # the default; "filter": agreed spans only; "off"
# [teacher.prices]     # USD per million tokens, for cost reports and --estimate
# input_per_million = 0.15
# output_per_million = 0.60
"""
