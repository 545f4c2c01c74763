"""The `distil` command line."""

from __future__ import annotations

import shutil
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.engine import make_url

from corpus.dataset_io import annotation_records, to_dataset, write_jsonl
from corpus.errors import InputError
from corpus.guidelines import BUILTIN_DIR, builtin_names, load_guidelines
from corpus.ingest import IngestReport, ingest_labelled, ingest_raw
from corpus.model import AnnotatorKind, Split
from corpus.store import Store
from flows.cli_common import ProjectOption, bounds, console, fail, progress_bar, settings_or_exit
from flows.cli_models import export, models_app
from flows.cli_review import review_app
from flows.settings import CONFIG_FILE, STATE_DIR, config_template, load_settings, with_overrides
from student.config import StudentConfig
from teacher.config import TeacherConfig

app = typer.Typer(
    help="distil: turn a large language model into a small, fast NER model.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
guidelines_app = typer.Typer(help="Check and render annotation guidelines.", no_args_is_help=True)
app.add_typer(guidelines_app, name="guidelines")
app.add_typer(review_app, name="review")
app.add_typer(models_app, name="models")


@app.callback()
def _options(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="details on stderr too (they always go to the log file)")
    ] = False,
):
    """distil: turn a large language model into a small, fast NER model. Every failure is one
    line; its details are in the log file that line names."""


class GoldSplit(StrEnum):
    validation = "validation"
    test = "test"
    train = "train"  # human labels that may be trained on (stored in the pool)


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="folder to set up")] = Path("."),
    guidelines: Annotated[
        str, typer.Option(help=f"built-in set to start from: {', '.join(builtin_names())}")
    ] = ("general"),
):
    """Scaffold a project: distil.toml and an editable copy of a guidelines set."""
    if guidelines not in builtin_names():
        fail(f"no built-in guidelines {guidelines!r}; choose one of {', '.join(builtin_names())}")
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / CONFIG_FILE
    guidelines_file = directory / "guidelines" / f"{guidelines}.md"
    written = []
    for path, write in (
        (config, lambda p: p.write_text(config_template(f"guidelines/{guidelines}.md"), encoding="utf-8")),
        (guidelines_file, lambda p: shutil.copyfile(BUILTIN_DIR / f"{guidelines}.md", p)),
    ):
        if path.exists():
            console.print(f"kept existing {path}")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path)
        written.append(path)
    (directory / STATE_DIR).mkdir(exist_ok=True)
    for path in written:
        console.print(f"wrote {path}")
    console.print(f"Edit {guidelines_file} for your labels, then: distil ingest <files> -p {directory}")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="files or folders")],
    split: Annotated[
        GoldSplit | None,
        typer.Option(
            help="the files are human-labelled: validation/test are held out, train may be trained on"
        ),
    ] = None,
    unit: Annotated[
        str | None, typer.Option(help="raw .txt: 'line' or 'file'; CoNLL: 'sentence' or 'document'")
    ] = None,
    text_field: Annotated[str | None, typer.Option(help="the text column/field (default: detected)")] = None,
    scheme: Annotated[str, typer.Option(help="CoNLL tagging scheme: auto, bio, iob1, iobes")] = "auto",
    max_chars: Annotated[
        int, typer.Option(min=1, help="raw documents longer than this are cut into parts")
    ] = 100_000,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="human labels: correct texts already stored with other labels (old ones kept)"
        ),
    ] = False,
    project: ProjectOption = None,
):
    """Add raw text to the pool, or human-labelled documents (--split) to a split."""
    settings = settings_or_exit(project)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        fail(f"no such file or folder: {', '.join(missing)}")
    labels = load_guidelines(settings.guidelines_ref).label_names if split else None
    with Store(settings.store_url) as store, progress_bar() as progress:
        task = progress.add_task("ingesting", total=None)
        advance = lambda n: progress.advance(task, n)  # noqa: E731
        try:
            if split is None:
                report = ingest_raw(
                    store,
                    paths,
                    unit=unit or "line",
                    text_field=text_field,
                    max_chars=max_chars,
                    progress=advance,
                )
            else:
                target = Split.POOL if split is GoldSplit.train else Split(split.value)
                report = IngestReport()
                for path in paths:
                    one = ingest_labelled(
                        store,
                        path,
                        target,
                        progress=advance,
                        scheme=scheme,
                        unit=unit or "sentence",
                        text_field=text_field,
                        labels=labels,
                        replace=replace,
                    )
                    report.merge(one)
        except InputError as error:
            fail(f"nothing from the file was stored:\n{error}")
    console.print(
        f"read {report.read}, added {report.added}, duplicates {report.duplicates}"
        + (f", entities {report.entities}" if split else "")
        + (f", moved to held-out {report.moved_to_held_out}" if report.moved_to_held_out else "")
        + (f", corrected {report.replaced} (old labels kept in history)" if report.replaced else "")
        + f", skipped {len(report.rejected)}"
    )
    for rejected in report.rejected[:50]:
        console.print(f"  skipped {rejected.location}: {rejected.reason}", highlight=False)
    if len(report.rejected) > 50:
        console.print(f"  ... and {len(report.rejected) - 50} more")


@app.command()
def status(project: ProjectOption = None):
    """Counts per stage: documents per split, annotations per annotator, spans."""
    settings = settings_or_exit(project)
    with Store(settings.store_url) as store:
        counts = store.counts()
    table = Table(title="distil status", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    for split, n in counts["documents"].items():
        table.add_row(f"documents: {split}", str(n))
    for kind, n in sorted(counts["annotations"].items()):
        table.add_row(f"annotations: {kind}", str(n))
    for kind, n in sorted(counts["spans"].items()):
        table.add_row(f"spans: {kind}", str(n))
    console.print(table)
    console.print(f"store: {make_url(settings.store_url).render_as_string(hide_password=True)}")
    try:
        guidelines = load_guidelines(settings.guidelines_ref)
        labels = ", ".join(guidelines.label_names)
        console.print(f"guidelines: {guidelines.name} version {guidelines.version} ({labels})")
    except (InputError, FileNotFoundError) as error:
        console.print(f"[red]guidelines: {escape(str(error))}[/]")


@app.command()
def dump(
    out: Annotated[Path, typer.Argument(help="a .jsonl file, or a folder for a Hugging Face dataset")],
    kind: Annotated[
        AnnotatorKind | None, typer.Option(help="only annotations by this kind of annotator")
    ] = None,
    split: Annotated[Split | None, typer.Option(help="only documents of this split")] = None,
    project: ProjectOption = None,
):
    """Write annotations out as JSON Lines (*.jsonl) or a `datasets.Dataset` folder."""
    settings = settings_or_exit(project)
    with Store(settings.store_url) as store:
        records = annotation_records(store, kind=kind, split=split)
        if out.suffix == ".jsonl":
            count = write_jsonl(records, out)
        else:
            dataset = to_dataset(records)
            dataset.save_to_disk(str(out))
            count = len(dataset)
    console.print(f"wrote {count} annotations to {out}")


@app.command()
def annotate(
    limit: Annotated[
        int | None, typer.Option(min=1, help="annotate at most this many pool documents")
    ] = None,
    estimate: Annotated[
        bool, typer.Option("--estimate", help="only estimate tokens and cost; call nothing")
    ] = False,
    samples: Annotated[
        int | None,
        typer.Option(**bounds(TeacherConfig, "samples"), help="self-consistency samples per document"),
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(**bounds(TeacherConfig, "concurrency"), help="calls in flight at once")
    ] = None,
    split: Annotated[
        Split, typer.Option(help="pool (training data), or validation/test to score the teacher on")
    ] = Split.POOL,
    project: ProjectOption = None,
):
    """Label the pool with the teacher LLM (the configured endpoint, or the local one)."""
    from flows.annotate import annotate as run_annotation
    from flows.annotate import estimate_annotation
    from teacher.breaker import TeacherHalted

    settings = settings_or_exit(project)
    settings.teacher = with_overrides(settings.teacher, samples=samples, concurrency=concurrency)
    if estimate:
        e = estimate_annotation(settings, limit, split)
        source = "this model's past calls" if e.calibrated else "a prior (no past calls for this model yet)"
        console.print(
            f"{e.documents} documents, {e.cached} already annotated (free), {e.calls} calls: "
            f"~{e.tokens_in:,} tokens in, ~{e.tokens_out:,} tokens out (output estimated from {source}), "
            f"~${e.cost_usd:.4f}"
        )
        return
    try:
        with progress_bar() as progress:
            task = progress.add_task("annotating", total=limit)
            summary = run_annotation(
                settings,
                limit,
                progress=console.print,
                on_document=lambda: progress.advance(task),
                split=split,
            )
    except TeacherHalted as halted:
        done = halted.summary
        if done is not None and done.annotated + done.failed + done.cached:
            _print_run_summary(done)
        raise
    _print_run_summary(summary)
    if summary.failed:
        fail(
            f"{summary.failure_line()}; they are kept with their reason, and `distil annotate` retries them",
            1,
        )


def _print_run_summary(summary) -> None:
    table = Table(title="teacher run")
    table.add_column("what")
    table.add_column("value", justify="right")
    for name, value in summary.report_rows():
        table.add_row(name, value)
    console.print(table)
    for doc_id, reason in summary.failures[:20]:
        console.print(f"  failed {doc_id[:12]}: {reason}", highlight=False)


@app.command()
def train(
    max_steps: Annotated[
        int | None, typer.Option(**bounds(StudentConfig, "max_steps"), help="training steps per candidate")
    ] = None,
    project: ProjectOption = None,
):
    """Fine-tune GLiNER student candidates on reviewed + accepted teacher labels; keep the best on dev F1."""
    from flows.train import train as run_training

    settings = settings_or_exit(project)
    settings.student = with_overrides(settings.student, max_steps=max_steps)
    trained = run_training(settings, progress=console.print)
    table = Table(title="student candidates (best first)")
    for column in ("base", "lr", "floor", "dev F1", "untrained", "threshold", "steps", "samples/s", "device"):
        table.add_column(column)
    for s in trained:
        table.add_row(
            s.base,
            str(s.candidate["learning_rate"]),
            str(s.candidate["teacher_floor"]),
            f"{s.dev_f1:.3f}",
            f"{s.untrained_dev_f1:.3f}",
            str(s.threshold),
            str(s.steps),
            str(s.samples_per_second),
            s.device,
        )
    console.print(table)
    console.print(f"winner: {trained[0].path} (training set {trained[0].training_set_hash})")


@app.command()
def evaluate(
    model: Annotated[Path | None, typer.Argument(help="a student folder (default: the latest)")] = None,
    split: Annotated[Split, typer.Option(help="held-out split to score on")] = Split.VALIDATION,
    project: ProjectOption = None,
):
    """Score the student, the teacher's labels and the base model on held-out human labels."""
    from flows.train import evaluate as run_evaluation
    from flows.train import latest_student

    settings = settings_or_exit(project)
    model = model or latest_student(settings)
    if model is None:
        fail("no trained student yet: run `distil train` first")
    try:
        evaluation = run_evaluation(settings, model, split)
    except ValueError as error:
        fail(str(error))
    table = Table(title=f"strict span F1 on {evaluation.documents} held-out {split} documents")
    for column in ("labels from", "precision", "recall", "F1", "95% interval"):
        table.add_column(column)
    for name, scores in evaluation.results.items():
        if scores is None:
            table.add_row(name, "-", "-", "-", "not annotated")
            continue
        low, high = scores.f1_interval
        table.add_row(
            name,
            f"{scores.micro.precision:.3f}",
            f"{scores.micro.recall:.3f}",
            f"{scores.micro.f1:.3f}",
            f"{low:.3f}-{high:.3f}",
        )
    console.print(table)
    console.print(f"report: {evaluation.report}")


app.command()(export)  # defined in cli_models.py; registered here to keep the stage order in --help


@app.command()
def demo(
    directory: Annotated[Path, typer.Argument(help="where the demo project goes")] = Path("distil-demo"),
):
    """The whole pipeline on distil's own demo corpus, embedded defaults only (no server, key or GPU)."""
    from flows.cli_run import run_demo_command

    run_demo_command(directory)


@app.command()
def distill(
    inputs: Annotated[list[Path] | None, typer.Argument(help="raw files to add to the pool first")] = None,
    validation: Annotated[
        list[Path] | None, typer.Option(help="human-labelled files to hold out for validation")
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="annotate at most this many pool documents")
    ] = None,
    promote: Annotated[bool, typer.Option(help="promote the model if it passes the gate")] = True,
    project: ProjectOption = None,
):
    """Run every stage as Prefect flows: annotate, review sync, train, evaluate, export, promote.
    Work already done is skipped; a failed run resumes where it stopped."""
    from flows.cli_run import run_distill_command

    run_distill_command(settings_or_exit(project), inputs, validation, limit, promote)


@app.command()
def doctor(project: ProjectOption = None):
    """Check this machine and project: the teacher (a real completion), model files (sha256), the
    store, Argilla and Prefect when configured, disk space. Exits 1 when something is wrong."""
    from flows.doctor import run_checks

    in_project = ((project or Path(".")) / CONFIG_FILE).is_file()
    settings = settings_or_exit(project) if in_project else load_settings()  # the machine alone
    problems = 0
    for check in run_checks(settings, in_project):
        mark = {True: "[green]ok[/]", False: "[bold red]PROBLEM[/]", None: "[dim]-[/]"}[check.ok]
        console.print(f"{mark} {check.name}: {escape(check.detail)}", highlight=False)
        problems += check.ok is False
    if problems:
        fail(f"{problems} problem(s) found; each line above says the fix", 1)
    console.print("all checks passed")


@guidelines_app.command("check")
def guidelines_check(
    path: Annotated[str | None, typer.Argument(help="a guidelines file or built-in name")] = None,
    project: ProjectOption = None,
):
    """Validate a guidelines file; every problem is reported with its line."""
    ref = path or settings_or_exit(project).guidelines_ref
    try:
        guidelines = load_guidelines(ref)
    except InputError as error:
        fail(f"guidelines are not valid:\n{error}")
    except FileNotFoundError as error:
        fail(str(error))
    examples = sum(len(label.examples) + len(label.counter_examples) for label in guidelines.labels)
    console.print(
        f"{guidelines.name}: {len(guidelines.labels)} labels ({', '.join(guidelines.label_names)}), "
        f"{examples} examples, version {guidelines.version}"
    )


@guidelines_app.command("render")
def guidelines_render(
    path: Annotated[str | None, typer.Argument(help="a guidelines file or built-in name")] = None,
    audience: Annotated[
        str, typer.Option(help="'annotators' (markdown) or 'teacher' (prompt text)")
    ] = "annotators",
    project: ProjectOption = None,
):
    """Print the guidelines as annotators (Argilla) or the teacher (prompt) see them."""
    from corpus.guidelines_render import render_markdown, render_text

    guidelines = load_guidelines(path or settings_or_exit(project).guidelines_ref)
    print(render_markdown(guidelines) if audience == "annotators" else render_text(guidelines))
