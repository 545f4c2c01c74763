"""Batches of similar length: gliner's Trainer with transformers' LengthGroupedSampler.

A batch is padded to its longest text, and GLiNER scores every span of every padded word: in
random batches of 8 of 360 wikigold sentences (median 21 words, longest 144) the encoder reads
1.67 tokens per token of text, grouped by word count 1.18 (tests/student/test_batching.py), and
a training step on 2 cores takes ~0.7x the time (BENCHMARKS.md "Student recipe"). The texts are
shuffled, cut into megabatches of up to 50 batches and sorted by length within each: the order
inside a megabatch is the randomness given up. Imported when training starts (it needs
transformers).
"""

from __future__ import annotations

from gliner.training import Trainer
from transformers.trainer_pt_utils import LengthGroupedSampler


def word_count(example: dict) -> int:
    """A gliner training example's length: its words (the label prompt is the same in every one)."""
    return len(example["tokenized_text"])


class LengthGroupedTrainer(Trainer):
    """gliner's Trainer, drawing each batch from texts of about the same length.

    transformers' own `group_by_length` reads lengths from `input_ids`, which gliner's examples
    (words and spans, tokenised in the collator) do not have: the lengths are given here."""

    def _get_train_sampler(self, train_dataset=None):
        dataset = train_dataset if train_dataset is not None else self.train_dataset
        return LengthGroupedSampler(
            self.args.train_batch_size * self.args.gradient_accumulation_steps,
            lengths=[word_count(example) for example in dataset],
        )
