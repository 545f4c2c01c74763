"""The model card (README.md of a bundle): what the model was trained on, how well it does, and
where it should not be trusted."""

from __future__ import annotations


def render_card(meta: dict, metrics: dict) -> str:
    held_out = metrics.get("held_out") or {}
    lines = _use(meta) + _data(meta) + _metrics(meta, held_out) + _formats(meta["gate"]) + _limits(held_out)
    return "\n".join(lines)


def _use(meta: dict) -> list[str]:
    guide = meta["guidelines"]
    return [
        f"# distil student `{meta['model_id']}`",
        "",
        f"A GLiNER named-entity model for the labels {', '.join(f'`{x}`' for x in meta['labels'])}, "
        f"distilled by distil from an LLM teacher under "
        f"the annotation guidelines `{guide['name']}` (version `{guide['version']}`, "
        f"snapshot in `{guide['file']}`).",
        "",
        "## Use",
        "",
        "```python",
        "from gliner import GLiNER",
        "",
        'model = GLiNER.from_pretrained("path/to/this/folder", load_onnx_model=True,',
        '                               onnx_model_file="model.onnx")',
        f"entities = model.inference([text], {meta['labels']!r}, threshold={meta['threshold']},",
        "                            flat_ner=True)",
        "```",
        "",
        f"Needs only `gliner` and `onnxruntime`. Texts longer than {meta['max_words']} words must be cut "
        "into overlapping windows (distil's predictor does this); GLiNER alone truncates them.",
        "",
    ]


def _data(meta: dict) -> list[str]:
    counts = meta.get("training_counts") or {}
    trained_on = counts.get("human", 0) + counts.get("teacher", 0)
    review_share = counts.get("human", 0) / trained_on if trained_on else 0.0
    return [
        "## Data",
        "",
        f"- Parent model: `{meta['base']}`",
        f"- Training set `{meta['training_set_hash']}`: {trained_on} documents, "
        f"{counts.get('human', 0)} labelled or corrected by people ({review_share:.0%} review share), "
        f"{counts.get('teacher', 0)} labelled by the teacher"
        + (f" ({', '.join(meta['teachers'])})" if meta.get("teachers") else "")
        + ".",
        f"- Left out: {counts.get('below floor', 0)} below the teacher confidence floor, "
        f"{counts.get('waiting for review', 0)} waiting for review, {counts.get('excluded', 0)} discarded.",
        "",
    ]


def _metrics(meta: dict, held_out: dict) -> list[str]:
    micro = held_out.get("micro") or {}
    low, high = held_out.get("f1_interval") or (None, None)
    lines = [
        "## Metrics",
        "",
        f"Strict entity-level span F1 on the held-out, human-labelled validation set "
        f"({held_out.get('documents', 0)} documents), at threshold {meta['threshold']}:",
        "",
    ]
    if micro:
        interval = f" (95% bootstrap interval {low:.3f} to {high:.3f})" if low is not None else ""
        lines += [
            f"- micro F1 **{micro['f1']:.3f}**{interval}, precision {micro['precision']:.3f}, "
            f"recall {micro['recall']:.3f}",
            "",
            "| label | precision | recall | F1 | support |",
            "|---|---|---|---|---|",
        ]
        for label, prf in sorted((held_out.get("per_label") or {}).items()):
            lines.append(
                f"| {label} | {prf['precision']:.3f} | {prf['recall']:.3f} | {prf['f1']:.3f} | "
                f"{prf['tp'] + prf['fn']} |"
            )
        lines.append("")
    return lines


def _formats(gate: dict) -> list[str]:
    lines = ["Formats (same documents):", "", "| format | F1 | size |", "|---|---|---|"]
    for result in gate["results"]:
        shipped = " (shipped)" if result["format"] == gate["shipped"] else ""
        lines.append(
            f"| {result['format']}{shipped} | {result['f1']:.4f} | {result['size_bytes'] / 1e6:.1f} MB |"
        )
    return lines + ["", f"Quantization: {gate['reason']}.", ""]


def _limits(held_out: dict) -> list[str]:
    return [
        "## Limits",
        "",
        "- Trained largely on labels from an LLM teacher: it inherits the teacher's systematic errors "
        "where reviewers did not correct them.",
        f"- Scored on {held_out.get('documents', 0)} validation documents; the interval above says how "
        "much that number can move. Text unlike the training corpus (domain, language, length) "
        "may score lower.",
        "- Labels outside the list above were never trained; GLiNER will still accept them, "
        "zero-shot and unmeasured.",
        "",
    ]
