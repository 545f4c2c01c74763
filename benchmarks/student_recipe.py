"""The student's recipe: learning curves of GLiNER students trained on a pool's GOLD labels.

What a base can learn from a pool, before a single teacher label: each recipe (learning rates,
schedule, loss, steps) trains the same base on the same gold-labelled pool, scored every
`--eval-every` steps on dev (carved from the pool, as the pipeline does: it picks the best
checkpoint) and on the held-out documents (logged only, never used to choose). The best dev
checkpoint is then scored on the held-out set with its threshold swept on dev and a 95%
bootstrap interval. Each recipe runs in a child process (its own peak memory; a crash loses one
row), and each row is kept in benchmarks/results/student_recipe.json: a re-run trains only what is
missing.

python -m benchmarks.student_recipe [--corpus wikigold] [--evaluation 100] [--pool 1000]
    [--recipes "plain BCE" ...] [--eval-every 100] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import load_results, save_results
from benchmarks.student_recipe_report import render
from benchmarks.teacher_quality import CORPORA
from corpus.guideline_files import load_guidelines
from corpus.metrics import score
from corpus.model import Annotator, AnnotatorKind, Split
from corpus.store import Store
from export.latency import cpu_name
from student import thresholds
from student.config import Candidate, StudentConfig
from student.data import build_training_set
from student.evaluate import HeldOut
from student.predict import predict
from student.prompts import from_guidelines

LONG = {"max_steps": 1600, "lr_scheduler": "cosine"}
FOCAL = {"focal_loss_alpha": 0.75, "focal_loss_gamma": 2.0, "focal_share": 1.0}
BCE = {"focal_loss_alpha": -1.0, "focal_loss_gamma": 0.0}
WEIGHTED = {"focal_loss_alpha": 0.75, "focal_loss_gamma": 0.0}
HALF_NEGATIVES = {"negative_sampling": 0.5}
SWITCH = FOCAL | {"focal_share": 0.25}
GROUPED = {"group_by_length": True}  # batches of similar length: less padding (student/batching.py)
PROMPTS = {"label_prompts": "titles"}  # recipes without it ask by the names (train_recipe)
# recipes without GROUPED draw random batches (train_recipe), as they were measured
RESULTS = Path(__file__).resolve().parent / "results" / "student_recipe.json"
# name: (what it changes, Candidate fields, StudentConfig fields). "focal, label prompts" is distil's
# default; recipes without PROMPTS ask by the label names
RECIPES: dict[str, tuple[str, dict, dict]] = {
    "focal loss": (
        "focal loss a=0.75 g=2 throughout, labels by their names (the default before prompts)",
        {},
        FOCAL,
    ),
    "plain BCE": ("gliner's own loss, no focal weighting", {}, BCE),
    "weighted BCE": ("BCE with positives weighted a=0.75, no focal term (g=0)", {}, WEIGHTED),
    "focal g=1": ("focal loss a=0.75 with a milder g=1", {}, FOCAL | {"focal_loss_gamma": 1.0}),
    "BCE, half the negatives": ("plain BCE on a random half of the negative pairs", {}, BCE | HALF_NEGATIVES),
    "BCE, label prompts": ("plain BCE; labels given by their guideline titles", {}, BCE | PROMPTS),
    "focal, label prompts": (
        "distil's default: focal loss; labels asked by their guideline titles",
        {},
        FOCAL | PROMPTS,
    ),
    "focal, then BCE": ("focal loss for the first quarter of the steps, plain BCE after", {}, SWITCH),
    "BCE, encoder 1e-4": ("plain BCE, encoder learning rate doubled", {"learning_rate": 1e-4}, BCE),
    "BCE, 1600 steps cosine": ("plain BCE, 1600 steps, cosine decay", {}, BCE | LONG),
    "focal then BCE, 1600 cosine": ("focal, then BCE; 1600 steps, cosine decay", {}, SWITCH | LONG),
    "focal, encoder 1e-4": ("focal loss, encoder learning rate doubled", {"learning_rate": 1e-4}, FOCAL),
    "focal, heads 3e-3": ("focal loss, heads learning rate tripled", {"head_learning_rate": 3e-3}, FOCAL),
    "focal, label prompts, average of 3": (
        "focal loss, label prompts; the mean of the last 3 evaluated checkpoints where dev prefers it",
        {},
        FOCAL | PROMPTS | {"average_checkpoints": 3},
    ),
    "focal, then BCE, label prompts": (
        "focal loss for the first quarter, plain BCE after; labels given by their guideline titles",
        {},
        SWITCH | PROMPTS,
    ),
    "focal, then BCE, mpnet base": (
        'focal, then BCE, from all-mpnet-base-v2 (134M parameters, `base = "mpnet"`) instead of MiniLM',
        {"base": "mpnet"},
        SWITCH,
    ),
    # 440 steps at mpnet's ~2.1 samples/s on 2 cores: the 30-minute budget of the goal, evaluations included
    "focal, then BCE, mpnet base, 440 steps": (
        "focal, then BCE, from all-mpnet-base-v2; 440 steps, so that training fits 30 minutes",
        {"base": "mpnet"},
        SWITCH | {"max_steps": 440},
    ),
    "focal, then BCE, 440 steps": (
        "focal, then BCE, 440 steps: MiniLM at the mpnet row's steps",
        {},
        SWITCH | {"max_steps": 440},
    ),
    # half of mpnet's encoder frozen: ~3.4 samples/s against ~2.0 on 2 cores, so 600 steps fit 30 minutes
    "focal, then BCE, mpnet base, lower 6 layers frozen": (
        "focal, then BCE, from all-mpnet-base-v2 with its embeddings and lowest 6 of 12 layers frozen",
        {"base": "mpnet", "frozen_layers": 6},
        SWITCH,
    ),
    # ~1.4x mpnet's samples/s (3.68 against 2.61 on Intel, 40 steps each): 600 steps in ~22 minutes
    "focal, then BCE, mpnet base, length-grouped batches": (
        "focal, then BCE, from all-mpnet-base-v2; each batch drawn from texts of about the same length",
        {"base": "mpnet"},
        SWITCH | GROUPED,
    ),
    "focal, then BCE, length-grouped batches": (
        "focal, then BCE; each batch drawn from texts of about the same length",
        {},
        SWITCH | GROUPED,
    ),
    "focal, label prompts, length-grouped batches": (
        "distil's default recipe (focal loss, label prompts); batches of texts of about the same length",
        {},
        FOCAL | PROMPTS | GROUPED,
    ),
    "focal, label prompts, mpnet base": (
        "distil's default recipe (focal loss, label prompts), from all-mpnet-base-v2 instead of MiniLM",
        {"base": "mpnet"},
        FOCAL | PROMPTS,
    ),
}


def split_corpus(corpus: str, evaluation: int, pool: int):
    """Held out: the corpus's first `evaluation` documents; pool: the next `pool` (no repeats)."""
    read, guidelines_name = CORPORA[corpus]
    everything = list(read())
    held, seen, kept = everything[:evaluation], {i.document.id for i in everything[:evaluation]}, []
    for item in everything[evaluation:]:
        if len(kept) < pool and item.document.id not in seen:
            seen.add(item.document.id)
            kept.append(item)
    return held, kept, tuple(load_guidelines(guidelines_name).label_names)


def train_recipe(args, name: str) -> dict:
    """One recipe, trained in this process; its row."""
    from student.train import train_candidate

    what, candidate_fields, config_fields = RECIPES[name]
    held, pool, labels = split_corpus(args.corpus, args.evaluation, args.pool)
    # the settings each row was measured with before they became defaults: a recipe names them
    config_fields = {"label_prompts": "names", "group_by_length": False, **config_fields}
    gold = [[s for s in item.spans if s.label in labels] for item in held]
    held_out = HeldOut([item.document for item in held], gold)
    config = StudentConfig(
        **{"max_steps": args.steps, "eval_every": args.eval_every, "patience": 10_000, **config_fields}
    )

    def held_out_f1(model) -> dict:
        """Held-out F1 at every threshold of the grid: the curve reads it at the threshold dev chose."""
        low = predict(model, held_out.texts, labels, min(config.threshold_grid), config.max_words,
                      config.window_overlap)  # fmt: skip
        return {
            "held_out_f1": {
                str(t): round(thresholds.micro_f1(gold, low, t), 4) for t in config.threshold_grid
            }
        }

    with tempfile.TemporaryDirectory() as tmp, Store(f"sqlite:///{tmp}/pool.db") as store:
        store.add_labelled(pool, Split.POOL, Annotator(AnnotatorKind.HUMAN, f"gold:{args.corpus}"))
        data = build_training_set(store, labels, dev_fraction=config.dev_fraction)
        # as the flow does (flows/student_step.py): the model is asked "person", answers PER
        data.prompts = from_guidelines(load_guidelines(CORPORA[args.corpus][1]), config.label_prompts)
        started = time.perf_counter()
        candidate = Candidate(**{"base": "minilm", **candidate_fields})  # the offline base, online too
        student = train_candidate(data, candidate, config, Path(tmp) / "student", lambda _: None, held_out_f1)
        wall = time.perf_counter() - started
        from gliner import GLiNER

        best = GLiNER.from_pretrained(str(student.path), local_files_only=True)
        if args.keep:  # for exporting it later (its size and speed as ONNX)
            kept = args.keep / f"{args.corpus}-{name.replace(' ', '_').replace(',', '')}"
            shutil.copytree(student.path, kept, dirs_exist_ok=True)
        low = predict(
            best, held_out.texts, labels, min(config.threshold_grid), config.max_words, config.window_overlap
        )
    final = score(
        gold, [thresholds.kept(s, student.threshold, student.label_thresholds) for s in low], held_out.texts
    )
    shared = score(gold, [thresholds.kept(s, student.threshold) for s in low], held_out.texts)
    return {
        "recipe": name, "what": what, "corpus": args.corpus, "train": len(data.train), "dev": len(data.dev),
        "held_out": len(held), "steps": student.steps, "best_step": student.best_step,
        "averaged": student.averaged_checkpoints,
        "threshold": student.threshold, "label_thresholds": student.label_thresholds,
        "dev_f1": student.dev_f1, "F1": final.micro.f1, "F1_shared_threshold": shared.micro.f1,
        "selection": "swept",
        "P": final.micro.precision, "R": final.micro.recall, "interval": list(final.f1_interval or (0, 0)),
        "wall_s": round(wall, 1), "samples_per_s": student.samples_per_second,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "curve": student.log, "cpu": cpu_name(),
    }  # fmt: skip


def key(args, name: str) -> str:
    # "swept": checkpoints chosen by dev F1 at the best threshold (rows before: at 0.5)
    return f"{args.corpus}|{args.evaluation}|{args.pool}|{args.steps}|{name}|swept"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default="wikigold", choices=list(CORPORA))
    parser.add_argument("--evaluation", type=int, default=100)
    parser.add_argument("--pool", type=int, default=1000)
    parser.add_argument(
        "--steps", type=int, default=600, help="steps of every recipe that does not set its own"
    )
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--recipes", nargs="+", default=list(RECIPES), choices=list(RECIPES))
    parser.add_argument("--keep", type=Path, help="copy each trained student into this folder")
    parser.add_argument("--one", choices=list(RECIPES), help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--report", action="store_true", help="only write the section from the kept rows")
    args = parser.parse_args()
    if args.report:
        render(load_results(RESULTS), {name: what for name, (what, *_) in RECIPES.items()})
        return
    if args.one:
        print(json.dumps(train_recipe(args, args.one)))
        return
    for name in args.recipes:
        results = load_results(RESULTS)
        if key(args, name) in results:
            continue
        print(f"training: {name}", flush=True)
        argv = ["--corpus", args.corpus, "--evaluation", str(args.evaluation), "--pool", str(args.pool),
                "--steps", str(args.steps), "--eval-every", str(args.eval_every), "--one", name,
                *(["--keep", str(args.keep)] if args.keep else [])]  # fmt: skip
        child = subprocess.run(
            [sys.executable, "-m", "benchmarks.student_recipe", *argv],
            capture_output=True, text=True,
        )  # fmt: skip
        if child.returncode:
            print(f"{name} failed:\n{child.stderr[-2000:]}", flush=True)
            continue
        results[key(args, name)] = json.loads(child.stdout.strip().splitlines()[-1])
        save_results(RESULTS, results)
        row = results[key(args, name)]
        print(
            f"  held-out F1 {row['F1']:.3f} (best dev step {row['best_step']}, {row['wall_s']:.0f} s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
