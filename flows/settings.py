"""One config file (distil.toml in the project folder) plus environment overrides.

Precedence: command-line options > environment (DISTIL_*, nested with __,
e.g. DISTIL_DATABASE_URL) > distil.toml > embedded defaults. Secrets (API
keys, passwords) come from the environment only: a config file that holds one
is refused, so it can be committed and shared safely.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

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
        problems = [f"{path}: {problem}" for problem in _unknown_keys(data, self.settings_cls)]
        if _has_password(data.get("database_url")):
            problems.append(
                f"{path}: database_url holds a password; config files are shared, so put the URL in "
                "DISTIL_DATABASE_URL, or the password in PGPASSWORD or ~/.pgpass"
            )
        if problems:
            raise ConfigError("\n".join(problems))
        return data


def _unknown_keys(data: dict, model: type[BaseModel], prefix: str = "") -> list[str]:
    """One line per key (or table) the settings do not have, with the nearest known name."""
    problems = []
    fields = model.model_fields
    for key, value in data.items():
        name = f"{prefix}{key}"
        if key not in fields or key == "project_dir":
            known = [k for k in fields if k != "project_dir"]
            near = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {prefix}{near[0]}?" if near else f"known here: {', '.join(known)}"
            problems.append(f"unknown key {name!r} ({hint})")
            continue
        nested = _model_of(fields[key].annotation)
        if nested is not None and isinstance(value, dict):
            problems += _unknown_keys(value, nested, f"{name}.")
        elif nested is not None and isinstance(value, list):  # [[student.candidates]]
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    problems += _unknown_keys(item, nested, f"{name}[{index}].")
    return problems


def _model_of(annotation) -> type[BaseModel] | None:
    """The settings model a field holds (itself, inside a list, or optional)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        if (found := _model_of(argument)) is not None:
            return found
    return None


def _has_password(url) -> bool:
    if not isinstance(url, str):
        return False
    try:
        return make_url(url).password is not None
    except ArgumentError:
        return False


def _walk(data: dict, prefix: tuple[str, ...] = ()):
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _walk(value, (*prefix, key))
        else:
            yield (*prefix, key)


def load_settings(project_dir: Path | str | None = None, **overrides) -> Settings:
    """The project's settings; a bad value anywhere is a ConfigError with one line per problem,
    saying whether it came from distil.toml or the environment."""
    if project_dir is not None:
        overrides["project_dir"] = Path(project_dir)
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as error:
        project = Path(overrides.get("project_dir") or os.environ.get("DISTIL_PROJECT_DIR") or ".")
        raise ConfigError(validation_lines(error, project / CONFIG_FILE)) from None


def validation_lines(error: ValidationError, config_file: Path) -> str:
    """pydantic's errors as 'where: key: what (got value)', one line each."""
    lines = []
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"])
        variable = "DISTIL_" + "__".join(str(part).upper() for part in problem["loc"])
        where = f"environment {variable}" if variable in os.environ else str(config_file)
        value = problem.get("input")
        got = "" if isinstance(value, dict) else f" (got {value!r})"
        lines.append(f"{where}: {key}: {problem['msg']}{got}")
    return "\n".join(lines)


def with_overrides(config: BaseModel, **overrides) -> BaseModel:
    """A copy of a settings table with command-line values, validated like the file's
    (model_copy would let --samples 0 through)."""
    values = {k: v for k, v in overrides.items() if v is not None}
    return type(config).model_validate({**dict(config), **values}) if values else config


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
