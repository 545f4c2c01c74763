"""`distil init`, `ingest`, `dump` and `guidelines`: the project and its corpus."""

from __future__ import annotations

import shutil
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from corpus.dataset_io import annotation_records, to_dataset, write_jsonl
from corpus.errors import InputError
from corpus.guideline_files import BUILTIN_DIR, builtin_names, load_guidelines
from corpus.ingest import IngestReport, detect_format, ingest_labelled, ingest_raw
from corpus.model import AnnotatorKind, Split
from corpus.store import Store
from flows.cli.common import ProjectOption, console, fail, progress_bar, settings_or_exit
from flows.settings import CONFIG_FILE, STATE_DIR, config_template

guidelines_app = typer.Typer(help="Check and render annotation guidelines.", no_args_is_help=True)


class LabelledFormatChoice(StrEnum):
    auto = "auto"
    conll = "conll"
    jsonl = "jsonl"
    markup = "markup"
    hf = "hf"
    gliner = "gliner"
    label_studio = "label-studio"
    argilla = "argilla"
    spacy = "spacy"


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        theirs, sep, ours = pair.partition("=")
        if not sep or not theirs.strip() or not ours.strip():
            fail(f"--map {pair!r}: expected THEIRS=OURS, e.g. --map person=PER")
        mapping[theirs.strip()] = ours.strip()
    return mapping


class GoldSplit(StrEnum):
    validation = "validation"
    test = "test"
    train = "train"  # human labels that may be trained on (stored in the pool)


def init(
    directory: Annotated[Path, typer.Argument(help="folder to set up")] = Path("."),
    guidelines: Annotated[
        str, typer.Option(metavar="NAME", help=f"built-in set to start from: {', '.join(builtin_names())}")
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


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="files or folders")],
    split: Annotated[
        GoldSplit | None,
        typer.Option(
            help="the files are human-labelled: validation/test are held out, train may be trained on"
        ),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option(metavar="UNIT", help="raw .txt: 'line' or 'file'; CoNLL: 'sentence' or 'document'"),
    ] = None,
    text_field: Annotated[
        str | None, typer.Option(metavar="FIELD", help="the text column/field (default: detected)")
    ] = None,
    scheme: Annotated[
        str, typer.Option(metavar="SCHEME", help="CoNLL tagging scheme: auto, bio, iob1, iobes")
    ] = "auto",
    max_chars: Annotated[
        int, typer.Option(min=1, metavar="CHARS", help="raw documents longer than this are cut into parts")
    ] = 100_000,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="human labels: correct texts already stored with other labels (old ones kept)"
        ),
    ] = False,
    file_format: Annotated[
        LabelledFormatChoice,
        typer.Option("--format", help="human labels: the file's format (default: detected)"),
    ] = LabelledFormatChoice.auto,
    hf_split: Annotated[
        str | None, typer.Option(metavar="NAME", help="a Hugging Face dataset's split to read")
    ] = None,
    label_map: Annotated[
        list[str] | None,
        typer.Option("--map", metavar="THEIRS=OURS", help="rename a label to the guidelines' (repeatable)"),
    ] = None,
    project: ProjectOption = None,
):
    """Add raw text to the pool, or human-labelled documents (--split) to a split."""
    settings = settings_or_exit(project)
    mapping = _mapping(label_map or [])
    # a name on the hub, or an Argilla dataset's name, is not a path
    hub = file_format in (LabelledFormatChoice.hf, LabelledFormatChoice.argilla)
    missing = [str(p) for p in paths if not p.exists() and not hub]
    if missing:
        fail(f"no such file or folder: {', '.join(missing)}")
    target = None if split is None else Split.POOL if split is GoldSplit.train else Split(split.value)

    def read(store, advance):
        if target is None:
            return ingest_raw(store, paths, unit=unit or "line", text_field=text_field, max_chars=max_chars,
                              progress=advance)  # fmt: skip
        options = _labelled_options(settings, scheme, unit, text_field, hf_split, replace)
        options |= {"label_map": mapping, "progress": advance}
        return _ingest_labelled_files(store, paths, target, file_format, options)

    _print_ingest(_stored(settings, read), labelled=split is not None)


def _stored(settings, read) -> IngestReport:
    """`read(store, advance)` into the project's store under a progress bar; bad input stores nothing
    from the file and ends the command in one line."""
    with Store(settings.store_url) as store, progress_bar() as progress:
        task = progress.add_task("ingesting", total=None)
        try:
            return read(store, lambda n: progress.advance(task, n))
        except InputError as error:
            fail(f"nothing from the file was stored:\n{error}")


def _labelled_options(settings, scheme, unit, text_field, hf_split, replace) -> dict:
    """How labelled files are read and checked: the guidelines' labels, the Argilla server."""
    labels = load_guidelines(settings.guidelines_ref).label_names
    return {"scheme": scheme, "unit": unit or "sentence", "text_field": text_field, "hf_split": hf_split,
            "replace": replace, "labels": labels, "argilla": _argilla(settings)}  # fmt: skip


def _argilla(settings) -> tuple[str | None, str | None]:
    """The Argilla server a dataset name is read from: the project's review settings."""
    key = settings.review.api_key
    return settings.review.api_url, key.get_secret_value() if key else None


def _ingest_labelled_files(store, paths, target: Split, file_format, options: dict) -> IngestReport:
    """Each file in its format (given, or detected and said), into `target`."""
    report = IngestReport()
    for path in paths:
        detected = file_format is LabelledFormatChoice.auto
        chosen = detect_format(path) if detected else file_format.value
        console.print(f"{path}: {chosen}{' (detected)' if detected else ''}", highlight=False)
        report.merge(ingest_labelled(store, path, target, format=chosen, **options))
    return report


def _print_ingest(report: IngestReport, labelled: bool) -> None:
    console.print(
        f"read {report.read}, added {report.added}, duplicates {report.duplicates}"
        + (f", entities {report.entities}" if labelled else "")
        + (f", moved to held-out {report.moved_to_held_out}" if report.moved_to_held_out else "")
        + (f", corrected {report.replaced} (old labels kept in history)" if report.replaced else "")
        + f", skipped {len(report.rejected)}"
    )
    for rejected in report.rejected[:50]:
        console.print(f"  skipped {rejected.location}: {rejected.reason}", highlight=False)
    if len(report.rejected) > 50:
        console.print(f"  ... and {len(report.rejected) - 50} more")


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
        str, typer.Option(metavar="AUDIENCE", help="'annotators' (markdown) or 'teacher' (prompt text)")
    ] = "annotators",
    project: ProjectOption = None,
):
    """Print the guidelines as annotators (Argilla) or the teacher (prompt) see them."""
    from corpus.guidelines_render import render_markdown, render_text

    guidelines = load_guidelines(path or settings_or_exit(project).guidelines_ref)
    print(render_markdown(guidelines) if audience == "annotators" else render_text(guidelines))
