"""Dev-F1 checkpointing for gliner's Trainer: every `eval_every` steps the model is scored on
dev, the best checkpoint is saved, and training stops after `patience` evaluations without
improvement. A dev split too small to tell checkpoints apart (`keep_last`) saves every
evaluation instead and never stops early. Imported when training starts (it needs transformers)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from transformers import TrainerCallback

from student.averaging import WeightAverage


class BestOnDev:
    """The best dev F1 so far, its step, and the evaluations since it last improved."""

    def __init__(
        self,
        model,
        score_dev: Callable[[], tuple[float, dict]],
        best_dir: Path,
        progress=print,
        also_log=None,
        keep_last: bool = False,
        average: WeightAverage | None = None,
    ):
        self.model, self.score_dev, self.best_dir, self.progress = model, score_dev, best_dir, progress
        # extra figures logged at each evaluation (a benchmark's held-out F1); never used to choose
        self.also_log: Callable[[], dict] | None = also_log
        self.best, self.best_step, self.stale = -1.0, 0, 0
        self.keep_last = keep_last  # dev too small to judge: the latest checkpoint is the one kept
        self.log: list[dict] = []
        self.average = average  # the last few checkpoints' weights (student/averaging.py), or None
        self.averaged = 0  # how many checkpoints the kept model averages (0: none, it is one of them)

    def evaluate(self, step: int, loss: float | None) -> None:
        f1 = self._scored(step, loss)
        self.progress(f"step {step}: dev F1 {f1:.3f}")
        if self.average is not None:
            self.average.add(self.model)
        if f1 > self.best or self.keep_last:
            self.best, self.best_step, self.stale = f1, step, 0
            self.model.save_pretrained(str(self.best_dir))
        else:
            self.stale += 1

    def try_average(self, step: int) -> None:
        """After training: the mean of the last checkpoints, kept where dev prefers it to the best."""
        if self.average is None or not self.average.ready:
            return
        count = len(self.average.snapshots)
        self.average.load_into(self.model)
        f1 = self._scored(step, None, averaged=count)
        kept = f1 > self.best or self.keep_last
        stays = "kept" if kept else f"the step-{self.best_step} checkpoint stays"
        self.progress(f"average of the last {count} checkpoints: dev F1 {f1:.3f} ({stays})")
        if kept:
            self.best, self.best_step, self.averaged = f1, step, count
            self.model.save_pretrained(str(self.best_dir))

    def _scored(self, step: int, loss: float | None, **more) -> float:
        """Dev F1 of the model as it is now, logged with what else the scoring found."""
        self.model.eval()
        f1, facts = self.score_dev()  # facts: what else the scoring found (the threshold it chose)
        extra = self.also_log() if self.also_log else {}
        self.model.train()
        self.log.append({"step": step, "dev_f1": round(f1, 4), "loss": loss, **more, **facts, **extra})
        return f1


class DevF1Callback(TrainerCallback):
    def __init__(self, tracker: BestOnDev, every: int, patience: int):
        self.tracker, self.every, self.patience = tracker, every, patience

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step % self.every == 0:
            losses = [entry["loss"] for entry in state.log_history if "loss" in entry]
            self.tracker.evaluate(state.global_step, losses[-1] if losses else None)
            if self.tracker.stale >= self.patience:
                control.should_training_stop = True
        return control
