"""Review settings: the `[review]` table of distil.toml, DISTIL_REVIEW__* in the environment.
Argilla's URL and key may also come from Argilla's own ARGILLA_API_URL / ARGILLA_API_KEY."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from review.policy import ReviewPolicy


class ReviewConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error, never silently ignored

    backend: str = Field(default="argilla.v1", description="the review backend, by registered name")
    api_url: str | None = Field(default=None, description="Argilla, e.g. http://localhost:6900")
    api_key: SecretStr | None = Field(default=None, description="environment only")
    workspace: str = "argilla"
    min_submitted: int = Field(default=1, ge=1, description="annotators per record; >1 measures agreement")
    budget: int | None = Field(default=100, ge=0)
    threshold: float | None = Field(default=0.8, ge=0, le=1)
    min_per_label: int = Field(default=3, ge=0)
    audit_fraction: float = Field(default=0.1, ge=0, le=1)
    seed: int = 0
    order: Literal["confidence", "doubt"] = Field(
        default="confidence",
        description="confidence: least confident first; doubt: the most expected span errors first",
    )

    def policy(self) -> ReviewPolicy:
        return ReviewPolicy(
            budget=self.budget,
            threshold=self.threshold,
            min_per_label=self.min_per_label,
            audit_fraction=self.audit_fraction,
            seed=self.seed,
            order=self.order,
        )
