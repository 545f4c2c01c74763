"""An example for every command, shown at the foot of its `--help` (kept here, in one place, so
a new command without one fails its test rather than ships bare)."""

from __future__ import annotations

import typer

EXAMPLES: dict[str, list[str]] = {
    "init": ["distil init my-project --guidelines general"],
    "ingest": [
        "distil ingest notes/ -p my-project   # raw text, for the teacher",
        "distil ingest dev.conll --split validation   # held-out gold",
        "distil ingest team-ner --format argilla --split validation   # labelled in Argilla",
    ],
    "status": ["distil status -p my-project", "distil status --json   # the same, for scripts"],
    "dump": [
        "distil dump reviewed.jsonl --kind human",
        "distil dump corpus/ --split validation   # a datasets folder",
    ],
    "annotate": [
        "distil annotate --estimate   # tokens and cost, no call",
        "distil annotate --limit 200",
    ],
    "train": ["distil train --max-steps 600"],
    "evaluate": ["distil evaluate --split test"],
    "report": ["distil report   # the latest student's report.html", "distil report --split test"],
    "export": [
        "distil export   # the latest student",
        "distil export 20261122T1015 --budget 1.0",
    ],
    "serve": ["distil serve -p my-project --port 8000"],
    "demo": ["distil demo   # the whole pipeline, embedded defaults"],
    "distill": ["distil distill notes/ --validation dev.conll --limit 500"],
    "doctor": ["distil doctor -p my-project"],
    "guidelines check": ["distil guidelines check guidelines.md"],
    "guidelines render": ["distil guidelines render general --audience teacher"],
    "review push": ["distil review push -p my-project"],
    "review pull": ["distil review pull -p my-project"],
    "review requeue": ["distil review requeue -p my-project"],
    "review status": ["distil review status -p my-project"],
    "models list": ["distil models list"],
    "models show": ["distil models show 20261122T1015"],
    "models promote": [
        "distil models promote 20261122T1015",
        'distil models promote 2026 --force --reason "A/B test"',
    ],
    "dataset export": [
        "distil dataset export corpus/ --format hf --license cc-by-4.0",
        "distil dataset export out/ --format conll --source reviewed --source gold",
        "distil dataset export corpus/ --format hf --push-to-hub my-team/ner-corpus   # HF_TOKEN set",
    ],
    "models rollback": ['distil models rollback --reason "regression on invoices"'],
}


def epilog(name: str) -> str:
    """The example block for command `name` (its path under distil, e.g. "models promote")."""
    lines = EXAMPLES[name]
    return ("Example:" if len(lines) == 1 else "Examples:") + "\n\n" + "\n\n".join(f"  {x}" for x in lines)


def add_examples(app: typer.Typer, prefix: str = "") -> None:
    """Give every command registered on `app` (and on its sub-apps) its example."""
    for info in app.registered_commands:
        name = info.name or info.callback.__name__.replace("_", "-")
        info.epilog = epilog(f"{prefix}{name}")
    for group in app.registered_groups:
        add_examples(group.typer_instance, f"{prefix}{group.name} ")
