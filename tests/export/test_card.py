"""The model card's training section: what an engineer promoting the model needs to know."""

from __future__ import annotations

from export.card import _data, _training

TRAINING = {"steps": 400, "best_step": 400, "batch_size": 8, "learning_rate": 5e-5,
            "head_learning_rate": 1e-3, "max_width": 12, "seconds": 300, "device": "cpu"}  # fmt: skip


def test_labels_kept_from_the_base_are_named_with_what_covers_them():
    meta = {"threshold": 0.4, "training": {**TRAINING, "kept_labels": ["PER", "ORG"], "kept_spans": 57}}
    kept = [line for line in _training(meta) if "keep_labels" in line]
    assert len(kept) == 1
    assert "PER, ORG" in kept[0] and "57 of the base's own spans" in kept[0]
    assert "cover only the labels above" in kept[0]  # nobody reads the scores as covering PER and ORG


def test_a_student_that_kept_nothing_says_nothing_about_it():
    for training in (TRAINING, {**TRAINING, "kept_labels": [], "kept_spans": 0}):
        lines = _training({"threshold": 0.4, "training": training})
        assert not any("keep_labels" in line for line in lines)
        assert any("400 steps at batch 8" in line for line in lines)


def test_frozen_layers_are_said_only_where_some_were():
    frozen = "\n".join(_training({"threshold": 0.4, "training": {**TRAINING, "frozen_layers": 6}}))
    assert "embeddings and lowest 6 layers frozen (`frozen_layers`)" in frozen
    for training in (TRAINING, {**TRAINING, "frozen_layers": 0}):
        assert "frozen" not in "\n".join(_training({"threshold": 0.4, "training": training}))


def test_label_prompts_are_listed_with_what_a_gliner_user_must_pass():
    meta = {"threshold": 0.4, "training": {**TRAINING, "label_prompts": {"PER": "person", "LOC": "location"}}}
    lines = [line for line in _training(meta) if "Label prompts" in line]
    assert len(lines) == 1
    assert '`PER` as "person", `LOC` as "location"' in lines[0]
    assert "in gliner, pass these words as the labels" in lines[0]
    assert not any("Label prompts" in line for line in _training({"threshold": 0.4, "training": TRAINING}))


def test_a_gliner_user_is_told_to_ask_in_the_prompts_words_where_there_are_any():
    from export.card import _use

    meta = {"model_id": "m", "labels": ["PER"], "threshold": 0.4, "max_words": 256,
            "guidelines": {"name": "general", "version": "v", "file": "guidelines.md"},
            "training_counts": {"human": 1}}  # fmt: skip
    told = "ask it for the labels in the words listed under Training"
    with_words = {**meta, "training": {**TRAINING, "label_prompts": {"PER": "person"}}}
    assert any(told in line for line in _use(with_words))
    assert not any(told in line for line in _use({**meta, "training": TRAINING}))


def test_documents_the_student_labelled_itself_are_counted_only_where_there_were_some():
    meta = {"base": "minilm", "training_set_hash": "h", "training_counts": {"teacher": 48, "self-trained": 9}}
    said = [line for line in _data(meta) if "Self-trained" in line]
    assert len(said) == 1 and said[0].startswith("- Self-trained: 9 of the documents left without labels")
    meta["training_counts"] = {"teacher": 48}
    assert not any("Self-trained" in line for line in _data(meta))
