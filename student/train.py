"""Fine-tune a GLiNER student with gliner's own Trainer and TrainingArguments.

Separate learning rates for the encoder and the new heads, CUDA with mixed
precision when present (CPU otherwise), seeded. Every `eval_every` steps the
model is scored on dev (strict span F1); the best checkpoint is kept, and
training stops after `patience` evaluations without improvement. The training
log (loss, dev F1 per evaluation) is written next to the checkpoint.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from corpus.model import Span
from student import prompts, thresholds
from student.backbone import start_from
from student.config import Candidate, StudentConfig
from student.data import Example, TrainingSet
from student.freezing import freeze_lower_layers
from student.predict import predict
from student.rehearsal import KEEP_THRESHOLD, with_kept_labels
from student.self_training import preferred, sure_examples, with_sure_documents

META_FILE = "distil_student.json"


@dataclass
class TrainedStudent:
    path: Path  # the best checkpoint
    base: str
    candidate: dict
    labels: list[str]
    training_set_hash: str
    dev_f1: float
    untrained_dev_f1: float
    threshold: float
    threshold_curve: list[tuple[float, float]]
    best_step: int
    steps: int
    seconds: float
    samples_per_second: float
    device: str
    counts: dict = field(default_factory=dict)
    label_thresholds: dict[str, float] = field(default_factory=dict)  # labels with their own (dev)
    label_prompts: dict[str, str] = field(default_factory=dict)  # the words each label is asked with
    averaged_checkpoints: int = 0  # the kept model is the mean of this many checkpoints (0: one of them)
    recipe_hash: str = ""  # StudentConfig.recipe_hash() it was trained with ("": trained before it was kept)
    log: list[dict] = field(default_factory=list)

    def save(self) -> None:
        data = asdict(self)
        data["path"] = str(self.path)
        (self.path / META_FILE).write_text(json.dumps(data, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> TrainedStudent:
        data = json.loads((Path(path) / META_FILE).read_text(encoding="utf-8"))
        data["path"] = Path(path)
        data["threshold_curve"] = [tuple(x) for x in data["threshold_curve"]]
        return cls(**data)


def predict_low(model, examples: list[Example], labels, config: StudentConfig) -> list[list[Span]]:
    """Dev predictions at the grid's lowest threshold: every threshold of the grid is then a filter."""
    texts = [e.document.text for e in examples]
    return predict(model, texts, labels, min(config.threshold_grid), config.max_words, config.window_overlap)


def dev_f1(model, examples: list[Example], labels, config: StudentConfig) -> tuple[float, dict]:
    """Dev F1 at the best threshold of the grid (a checkpoint is judged as it would be used: a
    young model scores low, and at 0.5 it would look empty however well it ranks)."""
    gold, low = [e.spans for e in examples], predict_low(model, examples, labels, config)
    threshold, curve = thresholds.sweep(gold, low, config.threshold_grid, tolerance_for(examples, config))
    return max(f for _, f in curve), {"threshold": threshold}


def tolerance_for(dev: list[Example], config: StudentConfig) -> float:
    """How near dev's best F1 a lower threshold may be to be taken: wider where most dev documents
    are the teacher's, which lack the entities it missed and so reward precision too much."""
    teacher = sum(e.origin == "teacher" for e in dev)
    wider = config.teacher_dev_tolerance if 2 * teacher > len(dev) else 0.0
    return max(config.threshold_tolerance, wider)


def answering_threshold(base: str) -> tuple[float, dict[str, float]]:
    """The thresholds a base answers at: an earlier student's own (swept on its dev; a young one's
    is well below 0.5) with its labels' own, else GLiNER's usual."""
    if not (Path(base) / META_FILE).exists():
        return KEEP_THRESHOLD, {}
    earlier = TrainedStudent.load(base)
    return earlier.threshold, dict(earlier.label_thresholds)


def entity_count(examples: list[Example]) -> int:
    return sum(len(e.spans) for e in examples)


def dev_can_judge(dev: list[Example], config: StudentConfig) -> bool:
    """Whether dev holds enough entities (`min_dev_entities`) to choose checkpoints or students by."""
    return entity_count(dev) >= config.min_dev_entities


def too_small_to_judge(dev: list[Example], config: StudentConfig, progress) -> bool:
    """Whether dev holds too few entities to choose a checkpoint by: on 7-17 dev documents, dev F1
    kept early checkpoints while held-out F1 rose to the last step (BENCHMARKS.md)."""
    if dev_can_judge(dev, config):
        return False
    progress(f"dev holds {entity_count(dev)} entities (min_dev_entities = {config.min_dev_entities}): "
             "the last checkpoint is kept and training runs all its steps")  # fmt: skip
    return True


def train_candidate(
    data: TrainingSet,
    candidate: Candidate,
    config: StudentConfig,
    out_dir: Path,
    progress=print,
    also_log: Callable[[object], dict] | None = None,
) -> TrainedStudent:
    import torch

    from student.averaging import WeightAverage
    from student.early_stopping import BestOnDev

    if not data.train:
        raise ValueError("no training documents: annotate or review some pool documents first")
    dev = data.dev or data.train[:1]
    labels = list(data.labels)
    start = start_from(candidate.base, config.max_width, max(config.max_words, 384), config.seed, progress)
    progress(start.why)  # "auto" says which base it settled on, and why
    model = start.model
    if candidate.keep_labels:
        data = with_kept_labels(data, model, candidate.keep_labels, config, *answering_threshold(start.base))
        progress(f"keeping {', '.join(data.kept_labels)}: {data.counts.get('kept-label spans', 0)} of the "
                 "base's own spans train alongside")  # fmt: skip
    prompts.set_on_model(model, data.prompts)  # after rehearsal: the base answers in its own words
    if candidate.frozen_layers:
        trainable, total = freeze_lower_layers(model, candidate.frozen_layers)
        progress(f"encoder's lowest {candidate.frozen_layers} layers frozen: {trainable / 1e6:.1f}M of "
                 f"{total / 1e6:.1f}M parameters train")  # fmt: skip
    cuda = torch.cuda.is_available()
    out_dir = Path(out_dir)
    best_dir, work_dir = out_dir / "best", out_dir / "checkpoints"
    extra = (lambda: also_log(model)) if also_log else None
    keep_last = too_small_to_judge(dev, config, progress)
    score = partial(dev_f1, model, dev, labels, config)
    average = WeightAverage(config.average_checkpoints) if config.average_checkpoints > 1 else None
    tracker = BestOnDev(model, score, best_dir, progress, extra, keep_last=keep_last, average=average)
    untrained, facts = dev_f1(model, dev, labels, config)
    tracker.log.append({"step": 0, "dev_f1": round(untrained, 4), "loss": None, **facts})
    arguments = training_arguments(candidate, config, work_dir, cuda)
    trainer = _trainer(model, data, candidate, config, arguments, tracker)
    started = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - started
    steps = trainer.state.global_step
    if tracker.log[-1]["step"] != steps:
        tracker.evaluate(steps, None)
    tracker.try_average(steps)
    shutil.rmtree(work_dir, ignore_errors=True)
    student = _trained(data, start.base, candidate, config, tracker, untrained, steps, seconds)
    student.device = torch.cuda.get_device_name(0) if cuda else "cpu"
    student.save()
    return student


def _trainer(model, data: TrainingSet, candidate: Candidate, config: StudentConfig, arguments, tracker):
    """gliner's Trainer with distil's callbacks: dev F1 checkpoints, the loss switch, no noise;
    its collator trains on the candidate's `teacher_negatives` share of a teacher document's
    unlabelled spans, and each human-labelled document is in its data `human_weight` times."""
    from gliner.training import Trainer
    from transformers import PrinterCallback, ProgressCallback

    from student.batching import LengthGroupedTrainer
    from student.early_stopping import DevF1Callback
    from student.loss_schedule import FocalThenBCE
    from student.teacher_negatives import TeacherNegatives, with_origin

    asked, labels = prompts.of_model(model), data.labels + data.kept_labels
    trainer = (LengthGroupedTrainer if config.group_by_length else Trainer)(
        model=model,
        args=arguments,
        train_dataset=[
            with_origin(prompts.prompted_example(e.gliner(labels), asked), e.origin)
            for e in weighted(data.train, candidate.human_weight)
        ],
        eval_dataset=None,
        # what gliner's own train_model builds (its _create_data_collator), from public attributes
        data_collator=TeacherNegatives(
            model.data_collator_class(model.config, data_processor=model.data_processor, prepare_labels=True),
            candidate.teacher_negatives,
            config.seed,
        ),
        processing_class=model.data_processor.transformer_tokenizer,
    )
    trainer.add_callback(DevF1Callback(tracker, config.eval_every, config.patience))
    if config.focal_share < 1:
        trainer.add_callback(FocalThenBCE(round(config.max_steps * config.focal_share)))
    for noisy in (PrinterCallback, ProgressCallback):  # loss dicts and bars: distil reports dev F1 itself
        trainer.remove_callback(noisy)
    return trainer


def weighted(examples: list[Example], human_weight: int) -> list[Example]:
    """The training examples, each human-labelled one repeated `human_weight` times."""
    return [e for e in examples for _ in range(human_weight if e.origin == "human" else 1)]


def training_arguments(candidate: Candidate, config: StudentConfig, work_dir: Path, cuda: bool):
    """gliner's TrainingArguments for one candidate: the new heads learn at their own rate."""
    import torch
    from gliner.training import TrainingArguments

    return TrainingArguments(
        output_dir=str(work_dir),
        learning_rate=candidate.learning_rate,
        others_lr=candidate.head_learning_rate,
        weight_decay=0.01,
        others_weight_decay=0.01,
        lr_scheduler_type=config.lr_scheduler,
        warmup_ratio=config.warmup_ratio,
        per_device_train_batch_size=config.batch_size,
        max_steps=config.max_steps,
        save_strategy="no",
        logging_steps=max(1, config.eval_every // 2),
        report_to="none",
        disable_tqdm=True,
        seed=config.seed,
        data_seed=config.seed,
        use_cpu=not cuda,
        bf16=cuda and torch.cuda.is_bf16_supported(),
        dataloader_num_workers=0,
        focal_loss_alpha=config.focal_loss_alpha,
        focal_loss_gamma=config.focal_loss_gamma,
        negatives=config.negative_sampling,
    )


def _trained(
    data, base: str, candidate, config, tracker, untrained: float, steps: int, seconds: float
) -> TrainedStudent:
    """The best checkpoint, reloaded, with its threshold swept on dev."""
    from gliner import GLiNER

    best = GLiNER.from_pretrained(str(tracker.best_dir), local_files_only=True)
    dev = data.dev or data.train[:1]
    gold, low = [e.spans for e in dev], predict_low(best, dev, list(data.labels), config)
    threshold, curve = thresholds.sweep(gold, low, config.threshold_grid, tolerance_for(dev, config))
    by_label = (
        thresholds.per_label(gold, low, list(data.labels), config.threshold_grid, threshold)
        if config.per_label_thresholds else {}
    )  # fmt: skip
    return TrainedStudent(
        path=tracker.best_dir,
        base=base,
        candidate=candidate.model_dump(),
        labels=list(data.labels),
        training_set_hash=data.hash,
        recipe_hash=config.recipe_hash(),
        dev_f1=round(thresholds.micro_f1(gold, low, threshold, by_label), 4),
        untrained_dev_f1=round(untrained, 4),
        threshold=threshold,
        label_thresholds=by_label,
        label_prompts={k: v for k, v in prompts.of_model(best).items() if k in data.labels},
        threshold_curve=curve,
        best_step=tracker.best_step,
        averaged_checkpoints=tracker.averaged,
        steps=steps,
        seconds=round(seconds, 2),
        samples_per_second=round(steps * config.batch_size / seconds, 2),
        device="cpu",
        counts=dict(data.counts),
        log=tracker.log,
    )


def train_and_self_train(data: TrainingSet, candidate: Candidate, config: StudentConfig, out_dir: Path,
                         progress=print) -> TrainedStudent:  # fmt: skip
    """One candidate's student; where `self_training` is on and the pool holds documents with no
    labels, the second student trained with those it is sure of (student/self_training.py)."""
    student = train_candidate(data, candidate, config, out_dir, progress)
    if config.self_training and data.unlabelled:
        folder = out_dir.with_name(f"{out_dir.name}-self-trained")
        student = _self_trained(data, candidate, config, student, folder, progress)
    return student


def _self_trained(data: TrainingSet, candidate: Candidate, config: StudentConfig, first: TrainedStudent,
                  out_dir: Path, progress) -> TrainedStudent:  # fmt: skip
    from gliner import GLiNER

    model = GLiNER.from_pretrained(str(first.path), local_files_only=True)
    added = sure_examples(model, data.unlabelled, data, config, first.threshold)
    progress(f"self-training: sure of {len(added)} of {len(data.unlabelled)} unlabelled documents "
             f"(every span at least {config.self_training})")  # fmt: skip
    if not added:
        return first
    second = train_candidate(with_sure_documents(data, added), candidate, config, out_dir, progress)
    # recorded as trained on the store's training set (what `trained_already` compares): the
    # documents it added follow from that set and the recipe
    second.training_set_hash = data.hash
    second.save()
    return preferred(first, second, dev_can_judge(data.dev, config), progress)


def train_candidates(
    data_for: Callable[[Candidate], TrainingSet], config: StudentConfig, out_dir: Path, progress=print
) -> list[TrainedStudent]:
    """Train every candidate on its own training set (a candidate's teacher floor changes what
    it trains on; dev stays the same); the list is sorted best first by dev F1 (winner: [0]), or
    kept in the configured order where dev is too small to choose by."""
    trained, judges = [], True
    for index, candidate in enumerate(config.candidates):
        data = data_for(candidate)
        dev = data.dev or data.train[:1]
        judges = dev_can_judge(dev, config)  # dev is the same for every candidate
        progress(
            f"candidate {index + 1}/{len(config.candidates)} ({candidate.base}, "
            f"lr {candidate.learning_rate}, floor {candidate.teacher_floor}): "
            f"{len(data.train)} train / {len(data.dev)} dev documents"
        )
        trained.append(
            train_and_self_train(data, candidate, config, Path(out_dir) / f"candidate-{index}", progress)
        )
    if len(trained) > 1 and not judges:
        # on WNUT's 14 dev entities dev F1 preferred MiniLM by 0.03 over mpnet, which was 0.28
        # better held out (BENCHMARKS.md "Student recipe"): there the user's order decides
        least = config.min_dev_entities
        progress(f"dev holds {entity_count(dev)} entities (min_dev_entities = {least}), too few to choose "
                 f"candidates by: the first listed ({trained[0].base}) is kept")  # fmt: skip
        return trained
    return sorted(trained, key=lambda s: -s.dev_f1)
