"""Student settings: the `[student]` table of distil.toml, DISTIL_STUDENT__* in the environment."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Candidate(BaseModel):
    """One model to train in a run; the best on dev F1 wins."""

    base: str = Field(default="minilm", description="'minilm' (offline), a GLiNER checkpoint dir or hub id")
    learning_rate: float = 5e-5  # encoder
    head_learning_rate: float = 1e-3  # span and label heads: new, so they learn faster
    teacher_floor: float = Field(
        default=0.0, description="teacher documents below this confidence are left out"
    )


class StudentConfig(BaseModel):
    candidates: list[Candidate] = Field(default_factory=lambda: [Candidate()])
    max_steps: int = 600
    batch_size: int = 8
    eval_every: int = 50  # steps between dev evaluations (early stopping, best checkpoint)
    patience: int = 4  # evaluations without improvement before stopping
    dev_fraction: float = 0.15
    seed: int = 0
    max_width: int = 12  # longest entity, in words
    max_words: int = 256  # words per inference window (long texts are cut with overlap, never truncated)
    window_overlap: int = 32
    include_waiting_for_review: bool = False
    threshold_grid: list[float] = Field(default_factory=lambda: [round(0.1 * i, 1) for i in range(1, 10)])
