"""Train only the encoder's upper layers: cheaper steps for a larger base on CPU.

With the embeddings and the lowest N transformer layers frozen, the backward pass stops at layer
N and the optimiser skips their weights (mpnet's word embeddings alone are 23M parameters), so a
step costs less. The GLiNER heads and the upper layers learn as before. What is frozen is what
the encoder shares across layers too (MPNet's relative position bias): a gradient for it would
have to pass back through every layer. Measured (BENCHMARKS.md "Student recipe"): mpnet with 6
of 12 frozen ran 1.7x the samples/s on wikigold but learnt less (0.492 against 0.729 at 600
steps), so nothing is frozen by default.
"""

from __future__ import annotations


class FreezeError(ValueError):
    """`frozen_layers` asks for what this base cannot give."""


def freeze_lower_layers(model, layers: int) -> tuple[int, int]:
    """Freeze everything of `model`'s encoder below its layer `layers` (0: nothing). Returns
    (trainable, total) parameters of the whole model."""
    if layers:
        encoder = _transformer(model)
        stack = encoder.encoder.layer
        if layers > len(stack):
            raise FreezeError(
                f"frozen_layers = {layers}, but this base's encoder has {len(stack)} layers; "
                f"at most {len(stack)} can be frozen"
            )
        kept = {id(p) for layer in stack[layers:] for p in layer.parameters()}
        for parameter in encoder.parameters():
            if id(parameter) not in kept:
                parameter.requires_grad_(False)
    parameters = list(model.model.parameters())
    return sum(p.numel() for p in parameters if p.requires_grad), sum(p.numel() for p in parameters)


def _transformer(model):
    """The Hugging Face encoder inside a GLiNER model (BERT, MPNet, DeBERTa: `.encoder.layer`)."""
    wrapper = getattr(getattr(model.model, "token_rep_layer", None), "bert_layer", None)
    encoder = getattr(wrapper, "model", None)
    if encoder is None or not hasattr(getattr(encoder, "encoder", None), "layer"):
        raise FreezeError(
            f"frozen_layers needs an encoder with a stack of layers; this base's is "
            f"{type(encoder).__name__}. Set frozen_layers = 0 for it"
        )
    return encoder
