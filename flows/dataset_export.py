"""The project's labelled corpus out, in the field's formats, with the project's splits kept
(pool -> train, validation, test) and a dataset card saying where each label came from."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date
from pathlib import Path

from corpus.conll import write_conll
from corpus.dataset_io import SOURCES, chosen_labels, write_jsonl
from corpus.gliner_json import write_gliner_json
from corpus.hf_dataset import SPLIT_NAMES, write_hf
from corpus.label_studio import write_label_studio
from corpus.model import Split
from corpus.spacy_docbin import write_docbin
from flows.project import Project

SUFFIX = {"conll": ".conll", "gliner": ".json", "jsonl": ".jsonl", "label-studio": ".json", "spacy": ".spacy"}


def export_dataset(project: Project, out: Path, fmt: str, sources: tuple[str, ...], licence: str) -> dict:
    """Write the chosen labels to `out` (a folder: one file per split, or a saved DatasetDict);
    returns documents per split. Written beside `out` and renamed into place."""
    chosen = chosen_labels(project.store, sources)
    if not chosen:
        raise ValueError(f"no documents have labels from {', '.join(sources)}: nothing to export")
    scratch = out.with_name(f".{out.name}.partial")
    shutil.rmtree(scratch, ignore_errors=True)
    card = dataset_card(project, chosen, fmt, licence)
    if fmt == "hf":
        counts = write_hf(((doc_id, item) for doc_id, item, _ in chosen), scratch, card)
    else:
        scratch.mkdir(parents=True)
        counts = {}
        for name, items in _by_split(chosen).items():
            counts[name] = _write_split(fmt, items, scratch / f"{name}{SUFFIX[fmt]}", project)
        (scratch / "README.md").write_text(card, encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    scratch.rename(out)
    return counts


def publish(folder: Path, repo: str, token: str) -> str:
    """The exported DatasetDict and its card, as the hub dataset `repo` (made if missing)."""
    from datasets import load_from_disk
    from huggingface_hub import HfApi

    load_from_disk(str(folder)).push_to_hub(repo, token=token)
    HfApi(token=token).upload_file(
        path_or_fileobj=str(folder / "README.md"), path_in_repo="README.md", repo_id=repo, repo_type="dataset"
    )
    return f"https://huggingface.co/datasets/{repo}"


def _by_split(chosen) -> dict[str, list]:
    groups: dict[str, list] = {}
    for doc_id, item, _ in chosen:
        groups.setdefault(SPLIT_NAMES[Split(item.document.split)], []).append((doc_id, item))
    return groups


def _write_split(fmt: str, items: list, path: Path, project: Project) -> int:
    documents = [item for _, item in items]
    if fmt == "conll":
        return write_conll(documents, path)
    if fmt == "gliner":
        return write_gliner_json(documents, path, list(project.guidelines.label_names))
    if fmt == "label-studio":
        return write_label_studio(items, path)
    if fmt == "spacy":
        return write_docbin(documents, path)
    records = (
        {
            "id": doc_id,
            "text": item.document.text,
            "spans": [{"start": s.start, "end": s.end, "label": s.label} for s in item.spans],
        }
        for doc_id, item in items
    )
    return write_jsonl(records, path)


def dataset_card(project: Project, chosen, fmt: str, licence: str) -> str:
    from huggingface_hub import DatasetCard, DatasetCardData

    guidelines = project.guidelines
    per_split: dict[str, Counter] = {}
    for _, item, source in chosen:
        counts = per_split.setdefault(SPLIT_NAMES[Split(item.document.split)], Counter())
        counts.update({"documents": 1, source: 1, "entities": len(item.spans)})
        counts.update(f"label {span.label}" for span in item.spans)
    people = sum(c["gold"] + c["reviewed"] for c in per_split.values())
    total = sum(c["documents"] for c in per_split.values())
    data = DatasetCardData(
        license=licence,
        task_categories=["token-classification"],
        tags=["ner", "distil"],
        pretty_name="distil NER corpus",
    )
    header = ["split", "documents", "entities", *SOURCES, *(f"label {x}" for x in guidelines.label_names)]
    rows = [
        f"| {name} | " + " | ".join(str(c[h]) for h in header[1:]) + " |" for name, c in per_split.items()
    ]
    labels = ", ".join(guidelines.label_names)
    body = f"""# distil NER corpus

Exported by `distil dataset export --format {fmt}` on {date.today().isoformat()}, labelled under the
annotation guidelines `{guidelines.name}` version `{guidelines.version}` (labels: {labels}).
Each document's labels come from the first source it has: reviewed (an annotator's answer in
review), gold (human labels imported into the project), teacher (the LLM). {people} of {total}
documents ({people / total:.0%}) carry labels given or checked by people.

| {" | ".join(header)} |
|{"---|" * len(header)}
{chr(10).join(rows)}

Splits: `train` is the project's pool (what students train on); `validation` and `test` are held
out. Licence: `{licence}` as given at export; the source texts' own terms still apply.
"""
    return str(DatasetCard(f"---\n{data.to_yaml()}\n---\n\n{body}"))
