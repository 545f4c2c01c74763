"""Student settings: the `[student]` table of distil.toml, DISTIL_STUDENT__* in the environment."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from student.backbone import AUTO, OFFLINE_BASES

# settings added after trained students began to record their recipe, each at the value that
# trains as distil did before it: left out of `recipe_hash` at that value
ADDED_LATER = {"teacher_dev_tolerance": 0.0}
CANDIDATE_ADDED_LATER = {"human_weight": 1}


def as_before(settings: BaseModel, added_later: dict) -> set[str]:
    """The settings added later that are at the value distil trained with before them."""
    return {name for name, before in added_later.items() if getattr(settings, name) == before}


class Candidate(BaseModel):
    """One model to train in a run; the best on dev F1 wins (the first listed where dev is too small)."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error, never silently ignored

    base: str = Field(
        default=AUTO,
        description="'auto' (the pretrained urchade/gliner_small-v2.1 where the hub has it, else "
        "'minilm'), 'minilm' or 'mpnet' (offline), an encoder dir, a GLiNER checkpoint dir or hub id",
    )
    learning_rate: float = Field(default=5e-5, gt=0)  # encoder
    head_learning_rate: float = Field(default=1e-3, gt=0)  # span and label heads: new, so they learn faster
    teacher_floor: float = Field(
        default=0.0, ge=0, le=1, description="teacher documents below this confidence are left out"
    )
    # the share of a teacher document's unlabelled spans that train as negatives each step: the
    # rest are left out of the loss, since a teacher's unlabelled span may be an entity it missed
    # (student/teacher_negatives.py); human-labelled documents always train on all of theirs.
    # Stays 1.0: half rose in 6 of 9 comparisons on the 1.5B teacher's labels (WNUT-17 and NCBI,
    # MiniLM and mpnet), but fell from 0.316 to 0.146 on wikigold from mpnet (README, its table)
    teacher_negatives: float = Field(default=1.0, gt=0, le=1)
    # each human-labelled (reviewed) training document is seen this many times as often as a
    # teacher-labelled one: a few reviewed documents among many teacher ones otherwise weigh no
    # more than their share (NCBI: routing bought +0.105 label F1 at 10% reviewed, the student +0.015)
    human_weight: int = Field(default=1, ge=1)
    # labels the base already knows (a pretrained GLiNER, an earlier student) that fine-tuning should
    # keep: the base's own answers for them train alongside the new labels (student/rehearsal.py)
    keep_labels: list[str] = Field(default_factory=list)
    # the encoder's embeddings and lowest N layers stay as the base has them (student/freezing.py):
    # a step costs less (mpnet, 6 of 12: 1.7x the samples/s), but on wikigold the upper half alone
    # learnt less (0.492 against 0.729 in 600 steps) and kept no more of a base's labels than
    # keep_labels does (BENCHMARKS.md): off by default
    frozen_layers: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _keep_needs_a_base_that_knows(self) -> Candidate:
        if self.keep_labels and self.base in (*OFFLINE_BASES, AUTO):
            why = "may start from 'minilm' offline" if self.base == AUTO else "starts with new heads"
            raise ValueError(
                "keep_labels needs a base that already knows them (a GLiNER checkpoint folder or hub "
                f"id, named); {self.base!r} {why}, which knows no labels"
            )
        return self


class StudentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error, never silently ignored

    candidates: list[Candidate] = Field(default_factory=lambda: [Candidate()], min_length=1)
    max_steps: int = Field(default=600, ge=1)
    # the learning rate warms up over this share of the steps, then decays ("linear" or "cosine")
    warmup_ratio: float = Field(default=0.1, ge=0, lt=1)
    lr_scheduler: Literal["linear", "cosine", "constant_with_warmup"] = "linear"
    # the loss on GLiNER's span-label scores: the focal loss (alpha weighs positives, -1: not at
    # all; gamma the hard cases, 0: none) for the first `focal_share` of the steps, gliner's plain
    # BCE after (student/loss_schedule.py). On ~1,000 wikigold sentences, 600 steps: focal
    # throughout 0.443 held-out F1, plain BCE 0.560 (but in a 160-step run BCE learnt nothing),
    # focal for a quarter then BCE 0.549; over six rows (WNUT, NCBI, CrossNER pools of 80-120
    # documents too) the switch was level, so the focal loss throughout stays the default
    # (BENCHMARKS.md, "Student recipe"; README says when to switch)
    focal_loss_alpha: float = Field(default=0.75, le=1)
    focal_loss_gamma: float = Field(default=2.0, ge=0)
    focal_share: float = Field(default=1.0, ge=0, le=1)  # 0.25: plain BCE after the first quarter
    # the share of negative span-label pairs each step trains on (gliner's `negatives`; fewer let
    # the positives rise sooner in short runs, but cost F1 in longer ones: 0.486 against 0.560)
    negative_sampling: float = Field(default=1.0, gt=0, le=1)
    batch_size: int = Field(default=8, ge=1)
    # each batch drawn from texts of about the same length (student/batching.py): less padding, so
    # 1.4-1.5x the samples/s on 2 cores; held-out F1 level over the five corpora (-0.014 on
    # average, -0.054 to +0.056, each within noise; BENCHMARKS.md "Student recipe")
    group_by_length: bool = True
    eval_every: int = Field(
        default=50, ge=1
    )  # steps between dev evaluations (early stopping, best checkpoint)
    patience: int = Field(default=4, ge=1)  # evaluations without improvement before stopping
    # below this many entities in dev, dev F1 cannot tell checkpoints apart (pools of ~100
    # documents: 7-17 dev documents): the last checkpoint is kept and training runs all its steps,
    # and of several candidates the first listed wins
    min_dev_entities: int = Field(default=50, ge=0)
    # the mean of the weights at the last N dev evaluations, kept where dev F1 prefers it to the
    # best single checkpoint (student/averaging.py); 0 or 1: off. Off by default: with N = 3 it
    # lost where the curve still rose (wikigold 0.510 against 0.527, CrossNER ai 0.231 against 0.262)
    average_checkpoints: int = Field(default=0, ge=0)
    dev_fraction: float = Field(default=0.15, ge=0, lt=1)
    seed: int = 0
    max_width: int = Field(default=12, ge=1)  # longest entity, in words
    # words per inference window (long texts are cut with overlap, never truncated)
    max_words: int = Field(default=256, ge=16)
    window_overlap: int = Field(default=32, ge=0)
    include_waiting_for_review: bool = False
    # self-training (student/self_training.py): 0, off; else the trained student labels the pool
    # documents left without labels (teacher failed, below the floor) where every entity it finds
    # scores at least this, and a second student trains on those too
    self_training: float = Field(default=0.0, ge=0, lt=1)
    threshold_grid: list[float] = Field(default_factory=lambda: [round(0.1 * i, 1) for i in range(1, 10)])
    # dev F1 within this of dev's best is a tie, and a tie goes to the lowest threshold: dev labelled
    # by the teacher counts the entities it missed as false positives, so it overrates precision.
    # `teacher_dev_tolerance` where most dev documents are the teacher's, `threshold_tolerance`
    # (any dev) otherwise. Over 12 teacher-trained students on 3 corpora, 0.05 rose held-out F1 in 9
    # and fell in 3 (+0.023 on average, -0.031 to +0.097); on the 2 gold-labelled dev splits it cost
    # 0.007 (BENCHMARKS.md, "Threshold rules"): on for teacher-labelled dev only
    threshold_tolerance: float = Field(default=0.0, ge=0, lt=1)
    teacher_dev_tolerance: float = Field(default=0.05, ge=0, lt=1)
    # a label gets its own threshold where that raises dev F1 (stored in the bundle, used serving).
    # Off by default: on wikigold it moved held-out F1 by -0.005 (0.560 against 0.565 with one
    # threshold), within noise; a larger dev split may change that (BENCHMARKS.md)
    per_label_thresholds: bool = False
    # how the model is asked for each label: "titles", the guidelines' label titles in lower case
    # ("person" for PER, "programming language" for programlang); "names", the label names as they
    # are. Stored with the model, so every format asks alike (student/prompts.py). Titles won over
    # the five visible corpora together (wikigold 0.527 against 0.443, CrossNER ai 0.262 against
    # 0.205, the other three level within noise; BENCHMARKS.md "Student recipe")
    label_prompts: Literal["titles", "names"] = "titles"

    def recipe_hash(self) -> str:
        """What a student is trained with (every setting here, candidates included): a project
        whose training set is unchanged still trains again when this changes. A setting added since
        students began to record it is left out where it trains as before it existed, so upgrading
        distil does not retrain every project once."""
        unchanged = dict.fromkeys(as_before(self, ADDED_LATER), True)
        unchanged["candidates"] = {
            i: as_before(c, CANDIDATE_ADDED_LATER) for i, c in enumerate(self.candidates)
        }
        recipe = self.model_dump_json(exclude=unchanged)
        return hashlib.sha256(recipe.encode()).hexdigest()[:12]
