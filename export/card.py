"""The model card (README.md of a bundle), Hub-ready: YAML metadata through huggingface_hub's
ModelCardData (licence, library, base model, model-index with the held-out scores), then what
the model was trained on, how well it does, and where it should not be trusted."""

from __future__ import annotations

from huggingface_hub import EvalResult, ModelCard, ModelCardData

LICENSE = "apache-2.0"  # the default bases' and GLiNER's; the training data's own terms still apply


def render_card(meta: dict, metrics: dict) -> str:
    held_out = metrics.get("held_out") or {}
    body = (
        _use(meta)
        + _data(meta)
        + _training(meta)
        + _metrics(meta, held_out)
        + _formats(meta["gate"])
        + _speed(meta)
        + _limits(meta, held_out)
    )
    return str(ModelCard(f"---\n{card_data(meta, held_out).to_yaml()}\n---\n\n" + "\n".join(body)))


def card_data(meta: dict, held_out: dict) -> ModelCardData:
    micro = held_out.get("micro") or {}
    dataset = f"held-out validation set ({held_out.get('documents', 0)} human-labelled documents)"
    results = [
        EvalResult(
            task_type="token-classification",
            task_name="Named entity recognition",
            dataset_type=f"distil/{meta['guidelines']['name']}",
            dataset_name=dataset,
            metric_type=metric,
            metric_name=f"strict span {metric} (micro)",
            metric_value=round(micro[metric], 4),
        )
        for metric in ("f1", "precision", "recall")
        if metric in micro
    ]
    return ModelCardData(
        model_name=f"distil-{meta['model_id']}",
        license=LICENSE,
        library_name="gliner",
        base_model=meta["base"],
        language=meta.get("language") or ["en"],
        pipeline_tag="token-classification",
        tags=["gliner", "ner", "onnx", "distil", meta["format"]],
        eval_results=results or None,
    )


def _trained_from(meta: dict) -> str:
    counts = meta.get("training_counts") or {}
    teacher = counts.get("teacher", 0)
    if teacher and meta.get("teachers"):
        return f"distilled by distil from the LLM teacher {', '.join(f'`{t}`' for t in meta['teachers'])}"
    if teacher:
        return "distilled by distil from an LLM teacher"
    return "trained by distil on human labels only (no teacher labels)"


def _use(meta: dict) -> list[str]:
    guide = meta["guidelines"]
    labels = ", ".join(f"`{x}`" for x in meta["labels"])
    return [
        f"# distil student `{meta['model_id']}`",
        "",
        f"A GLiNER named-entity model for the labels {labels}, {_trained_from(meta)}, under the "
        f"annotation guidelines `{guide['name']}` (version `{guide['version']}`, snapshot in "
        f"`{guide['file']}`).",
        "",
        "## Use",
        "",
        "```python",
        "from distil_runtime import NerModel  # pip install distil-runtime: no torch",
        "",
        'model = NerModel.load("path/to/this/folder")',
        "entities = model.extract([text])  # labels and threshold from distil_bundle.json",
        "```",
        "",
        f"Or serve it: `distil-serve path/to/this/folder`. Texts longer than {meta['max_words']} words "
        "are read in overlapping windows, as in training. It also loads in gliner "
        '(`GLiNER.from_pretrained(folder, load_onnx_model=True, onnx_model_file="model.onnx")`, '
        f"threshold {meta['threshold']}), which truncates long texts and has no per-label thresholds"
        f"{_in_words(meta)}.",
        "",
        "**Intended use**: the labels above, as the guidelines define them, in text like the "
        "training corpus. **Out of scope**: other labels (accepted zero-shot, never measured), "
        "other languages and domains, and decisions about people made without human review.",
        "",
    ]


def _data(meta: dict) -> list[str]:
    counts = meta.get("training_counts") or {}
    human, teacher = counts.get("human", 0), counts.get("teacher", 0)
    trained_on = human + teacher
    review_share = human / trained_on if trained_on else 0.0
    teachers = f" ({', '.join(meta['teachers'])})" if teacher and meta.get("teachers") else ""
    return [
        "## Data",
        "",
        f"- Parent model: `{meta['base']}`",
        f"- Training set `{meta['training_set_hash']}`: {trained_on} documents, "
        f"{human} labelled or corrected by people ({review_share:.0%} human share), "
        f"{teacher} labelled by the teacher{teachers} ({1 - review_share if trained_on else 0:.0%}).",
        f"- Left out: {counts.get('below floor', 0)} below the teacher confidence floor, "
        f"{counts.get('waiting for review', 0)} waiting for review, {counts.get('excluded', 0)} discarded.",
        *_self_trained(counts),
        "",
    ]


def _self_trained(counts: dict) -> list[str]:
    """Documents labelled by the student itself (`self_training`): not people's, not the teacher's."""
    added = counts.get("self-trained", 0)
    if not added:
        return []
    return [
        f"- Self-trained: {added} of the documents left without labels, labelled by an earlier student of "
        "this run where it was sure of every entity it found (`self_training`), trained on too."
    ]


def _training(meta: dict) -> list[str]:
    settings = meta.get("training") or {}
    if not settings:
        return []
    return [
        "## Training",
        "",
        f"- {settings['steps']} steps at batch {settings['batch_size']} (best checkpoint at step "
        f"{settings['best_step']}, chosen on a dev split of the training data), encoder learning "
        f"rate {settings['learning_rate']}, span and label heads {settings['head_learning_rate']}, "
        f"spans up to {settings['max_width']} words, threshold {_thresholds(meta)} (chosen on dev)"
        f"{_frozen(settings)}.",
        *_prompts(settings),
        *_kept(settings),
        f"- {settings['seconds']} s on {settings['device']}.",
        "",
    ]


def _in_words(meta: dict) -> str:
    """What a gliner user must do differently for a student trained with label prompts."""
    if not (meta.get("training") or {}).get("label_prompts"):
        return ""
    return "; ask it for the labels in the words listed under Training (gliner does not map them)"


def _prompts(settings: dict) -> list[str]:
    """The words each label is asked with: what a gliner user must pass instead of the names."""
    prompts = settings.get("label_prompts") or {}
    if not prompts:
        return []
    asked = ", ".join(f'`{label}` as "{words}"' for label, words in prompts.items())
    return [
        f"- Label prompts (the guidelines' titles): {asked}. distil_runtime and distil-serve ask in these "
        "words and answer with the label names; in gliner, pass these words as the labels."
    ]


def _frozen(settings: dict) -> str:
    frozen = settings.get("frozen_layers") or 0
    return f"; the encoder's embeddings and lowest {frozen} layers frozen (`frozen_layers`)" if frozen else ""


def _kept(settings: dict) -> list[str]:
    """The base's labels kept by rehearsal: the model still answers them, unscored here."""
    kept = settings.get("kept_labels") or []
    if not kept:
        return []
    return [
        f"- Labels kept from the base (`keep_labels`): {', '.join(kept)}, trained on "
        f"{settings.get('kept_spans', 0)} of the base's own spans. The model still answers these labels; "
        "this card's scores, the threshold and the bundle's labels cover only the labels above."
    ]


def _speed(meta: dict) -> list[str]:
    latency = meta.get("latency") or {}
    if not latency:
        return []
    return [
        "## Speed",
        "",
        f"{latency['ms_per_text_median']:.1f} ms per text (median; 90th percentile "
        f"{latency['ms_per_text_p90']:.1f} ms) one text at a time with distil_runtime, {meta['format']}, "
        f"measured at export on {latency['texts']} validation texts on {latency['cpu']} "
        f"({latency['cores']} cores). Batches of texts are faster per text.",
        "",
    ]


def _metrics(meta: dict, held_out: dict) -> list[str]:
    micro = held_out.get("micro") or {}
    low, high = held_out.get("f1_interval") or (None, None)
    lines = [
        "## Metrics",
        "",
        f"Strict entity-level span F1 on the held-out, human-labelled validation set "
        f"({held_out.get('documents', 0)} documents), at threshold {_thresholds(meta)}:",
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


def _limits(meta: dict, held_out: dict) -> list[str]:
    teacher = (meta.get("training_counts") or {}).get("teacher", 0)
    inherited = (
        ["- Trained partly on labels from an LLM teacher: it inherits the teacher's systematic errors "
         "where reviewers did not correct them."]
        if teacher
        else []
    )  # fmt: skip
    return [
        "## Limits",
        "",
        *inherited,
        f"- Scored on {held_out.get('documents', 0)} validation documents; the interval above says how "
        "much that number can move. Text unlike the training corpus (domain, language, length) "
        "may score lower.",
        "- Labels outside the list above were never trained; GLiNER will still accept them, "
        "zero-shot and unmeasured.",
        "",
    ]


def _thresholds(meta: dict) -> str:
    """`0.4`, or `0.4 (MISC 0.6)` where a label has its own."""
    own = ", ".join(f"{label} {t}" for label, t in sorted((meta.get("label_thresholds") or {}).items()))
    return f"{meta['threshold']}" + (f" ({own})" if own else "")
