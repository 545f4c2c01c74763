"""Teacher settings: the `[teacher]` table of distil.toml, DISTIL_TEACHER__* in the environment."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from teacher.ensemble import EnsembleMode
from teacher.prompt import SHOTS_VERSION


class Prices(BaseModel):
    """USD per million tokens. Known models' prices come from `PRICES`; set your own in distil.toml."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error, never silently ignored

    input_per_million: float = Field(default=0.0, ge=0)
    output_per_million: float = Field(default=0.0, ge=0)

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        return (tokens_in * self.input_per_million + tokens_out * self.output_per_million) / 1e6


# A small default table; users override it in [teacher.prices]. Local models cost nothing per token.
PRICES: dict[str, Prices] = {
    "gpt-4o-mini": Prices(input_per_million=0.15, output_per_million=0.60),
    "gpt-4o": Prices(input_per_million=2.50, output_per_million=10.00),
    "gpt-4.1-mini": Prices(input_per_million=0.40, output_per_million=1.60),
    "gpt-4.1": Prices(input_per_million=2.00, output_per_million=8.00),
}


class TeacherConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error, never silently ignored

    # endpoint: none configured -> the embedded local llama.cpp teacher
    base_url: str | None = Field(
        default=None, description="OpenAI-compatible endpoint, e.g. http://host:8000/v1"
    )
    model: str | None = Field(default=None, description="model name at the endpoint")
    endpoint: str = Field(
        default="openai.v1", description="the client, by registered name (corpus/plugins.py)"
    )
    confidence: str = Field(
        default="self-consistency.v1", description="the confidence estimator, by registered name"
    )
    api_key: SecretStr | None = Field(default=None, description="environment only: DISTIL_TEACHER__API_KEY")

    @field_validator("api_key", mode="after")
    @classmethod
    def _blank_is_none(cls, key: SecretStr | None) -> SecretStr | None:
        # compose and .env files pass an unset key as "": a keyless endpoint (vLLM, Ollama) needs none
        return key if key is not None and key.get_secret_value().strip() else None

    local_model: str = Field(
        default="qwen2.5-coder-0.5b",
        description="embedded teacher: packaged name, .gguf path or hf:REPO/FILE",
    )
    local_context: int = Field(default=4096, ge=512)
    instructor_mode: Literal["auto", "tools", "json", "md_json", "json_schema", "grammar"] = Field(
        default="auto",
        description="how answers are asked for; auto: tool calls, the schema's grammar when local",
    )
    # prompt and quality techniques (BENCHMARKS.md "Teacher techniques" measures each)
    guidelines_style: Literal["full", "brief"] = "full"
    # on by default: shown as earlier turns, 3 examples from the guidelines alone lifted both local
    # models on wikigold (BENCHMARKS.md "Teacher techniques"); reviewed documents join the pool later
    few_shot: int = Field(
        default=3, ge=0, description="examples retrieved by similarity (guidelines + reviewed documents)"
    )
    embedder: str | None = Field(
        default=None, description="few-shot embedding model: path or hub id (default all-MiniLM-L6-v2)"
    )
    constrain: bool = Field(
        default=False, description="entity text limited to the document's substrings (JSON-schema enum)"
    )
    verify: bool = Field(default=False, description="a second call confirms or rejects each span")
    per_label: bool = Field(default=False, description="one question per label instead of one for all")
    # unset: on for guidelines whose header says `names: capitalized` (the built-in general set)
    names_only: bool | None = Field(
        default=None,
        description="trim spans to capitalised words, drop dates and numbers; unset: the guidelines decide",
    )
    # on by default: it costs no teacher call and made the confidence rank errors far better
    # (BENCHMARKS.md "Teacher techniques"); it does nothing until a student exists
    ensemble: EnsembleMode = Field(
        default=EnsembleMode.CONFIDENCE,
        description="once a student exists its agreement feeds the confidence; 'filter': agreed spans only",
    )
    # sampling and confidence
    temperature: float = Field(default=0.0, ge=0, le=2)  # the first sample: the answer
    samples: int = Field(default=3, ge=1, description="self-consistency samples per document")
    sample_temperature: float = Field(default=0.7, ge=0, le=2)  # the other samples, for agreement
    vote_threshold: float = Field(
        default=0.5, gt=0, le=1, description="keep spans found by at least this share of samples"
    )
    logprobs: bool | None = Field(
        default=None,
        description="ask for token logprobs (they feed span scores); unset: from remote endpoints only",
    )
    max_output_tokens: int = Field(default=1024, ge=1)
    # not in the cache key: it changes only answers that would otherwise fail, and those are retried
    loop_penalty: float = Field(
        default=0.5,
        ge=0.0,
        le=2.0,
        description="an answer cut off at max_output_tokens is asked once more with this frequency_penalty",
    )
    seed: int = 0
    # throughput and faults
    concurrency: int = Field(default=4, ge=1)
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=5, ge=0)  # 429 / 5xx / timeouts / connection errors
    validation_retries: int = Field(default=2, ge=0)  # malformed output: re-ask the model
    backoff_base_s: float = Field(default=1.0, ge=0)
    backoff_max_s: float = Field(default=60.0, ge=0)
    # a live worker renews its claims every lease/3 s, so a claim this old belongs to a dead
    # worker (any host, pod or Dask node) and is taken over; on the same host a dead PID at once
    claim_lease_s: float = Field(default=60.0, gt=0)
    max_chunk_chars: int = Field(default=2000, ge=50)
    chunk_overlap_chars: int = Field(default=200, ge=0)
    prices: Prices | None = None

    @property
    def mode(self) -> str:
        """The instructor mode in use. The embedded llama.cpp teacher decodes under the schema's
        grammar: through its tool calls the 1.5B found a fifth of the entities (BENCHMARKS.md)."""
        if self.instructor_mode != "auto":
            return self.instructor_mode
        return "tools" if self.base_url else "grammar"

    @property
    def asks_logprobs(self) -> bool:
        """Remote endpoints send logprobs at no cost. llama.cpp's Python server computes them over
        the whole prompt's logits: 36 s against 5.4 s per wikigold sentence on the 0.5B (2 cores)."""
        return self.logprobs if self.logprobs is not None else bool(self.base_url)

    def sampling_key(self) -> str:
        """Everything about sampling that changes the answer: part of the cache key."""
        settings = {
            "temperature": self.temperature,
            "samples": self.samples,
            "sample_temperature": self.sample_temperature,
            "max_output_tokens": self.max_output_tokens,
            "seed": self.seed,
            "mode": self.mode,
            "style": self.guidelines_style,
            "chunk": [self.max_chunk_chars, self.chunk_overlap_chars],
        }
        techniques = {
            "few_shot": self.few_shot,
            "constrain": self.constrain,
            "verify": self.verify,
            "per_label": self.per_label,
        }
        if self.names_only is not None:  # unset resolves through the guidelines, whose version is in the key
            settings["names_only"] = self.names_only
        if (
            self.ensemble != EnsembleMode.OFF
        ):  # only in the key when on: keys of runs before it existed stay valid
            techniques["ensemble"] = self.ensemble
        if any(techniques.values()):  # all off: the key stays what it was before they existed
            settings["techniques"] = {**techniques, "embedder": self.embedder if self.few_shot else None}
            if self.few_shot:  # how examples are shown; not in the key of runs without them
                settings["techniques"]["shots"] = SHOTS_VERSION
        return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]

    def price(self, model: str) -> Prices:
        return self.prices or PRICES.get(model, Prices())
