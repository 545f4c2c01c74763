"""GLiNER's markerV0 span head in factored form, for export: the same scores, ~7x fewer
multiply-adds in the head.

Profiled at batch 1 (ONNX Runtime, FP32), the span head took 42% of the model's time, as much
as the whole encoder: gliner scores span (s, e) against label prompt q as

    (W2 · relu(W1 · relu([a_s; b_e]) + c1) + c2) · q      a = project_start(h), b = project_end(h)

and runs both layers once per span, 12 spans per word. Two identities move that work:
- W1 = [W1a W1b], so W1 · relu([a_s; b_e]) = W1a · relu(a_s) + W1b · relu(b_e): computed once per
  word and gathered per span;
- the last layer folds into the prompts: (W2 · z + c2) · q = [z; 1] · [W2ᵀ q; c2 · q], so a span
  costs one dot product per label instead of a 1536 x 384 matrix product.
The graph keeps gliner's inputs and output (logits), so gliner and distil_runtime both load it.
"""

from __future__ import annotations

import torch
from torch import nn


class FactoredSpans(nn.Module):
    """SpanMarkerV0 returning [z; 1] per span (z: the hidden layer of its output MLP)."""

    def __init__(self, marker: nn.Module):
        super().__init__()
        first = marker.out_project[0]  # Linear(2D, 4D); then ReLU, Dropout, Linear(4D, D)
        width, hidden = first.in_features // 2, first.out_features
        self.max_width = marker.max_width
        self.project_start, self.project_end = marker.project_start, marker.project_end
        # one more hidden unit, 0 from the start and 1 from the end: after relu it is the constant 1
        # of [z; 1], built by the same matrix products instead of a copy of every span
        self.from_start = nn.Linear(width, hidden + 1, bias=False)
        self.from_end = nn.Linear(width, hidden + 1)
        with torch.no_grad():
            self.from_start.weight.zero_()
            self.from_start.weight[:hidden].copy_(first.weight[:, :width])
            self.from_end.weight.zero_()
            self.from_end.weight[:hidden].copy_(first.weight[:, width:])
            self.from_end.bias.copy_(torch.cat([first.bias, torch.ones(1)]))

    def forward(self, h: torch.Tensor, span_idx: torch.Tensor) -> torch.Tensor:
        starts = self.from_start(self.project_start(h).relu())  # per word, not per span
        ends = self.from_end(self.project_end(h).relu())
        spans = (_gather(starts, span_idx[:, :, 0]) + _gather(ends, span_idx[:, :, 1])).relu()
        return spans.view(h.size(0), span_idx.size(1) // self.max_width, self.max_width, -1)


class FoldedPrompts(nn.Module):
    """The prompt projection followed by [W2ᵀ q; c2 · q]: what [z; 1] is scored against."""

    def __init__(self, prompt_rep: nn.Module, last: nn.Linear):
        super().__init__()
        self.prompt_rep, self.last = prompt_rep, last

    def forward(self, prompts: torch.Tensor) -> torch.Tensor:
        q = self.prompt_rep(prompts)
        return torch.cat([q @ self.last.weight, (q @ self.last.bias).unsqueeze(-1)], dim=-1)


def _gather(rows: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """rows[b, index[b, n]] as (B, N, F), through one flat row lookup (an ONNX Gather): gliner's
    torch.gather needs the index expanded to the rows' width, a copy as large as the result."""
    batch, length, features = rows.shape
    offsets = torch.arange(batch, device=index.device).unsqueeze(1) * length
    flat = rows.reshape(batch * length, features).index_select(0, (index + offsets).reshape(-1))
    return flat.view(batch, -1, features)


def factorable(core: nn.Module) -> bool:
    """A uni-encoder span model whose head is gliner's plain markerV0 (the distil student's)."""
    from gliner.modeling.base import UniEncoderSpanModel
    from gliner.modeling.span_rep import SpanMarkerV0

    marker = getattr(getattr(core, "span_rep_layer", None), "span_rep_layer", None)
    return type(core) is UniEncoderSpanModel and type(marker) is SpanMarkerV0


def factor(core: nn.Module) -> tuple[nn.Module, nn.Module]:
    """Swap the factored head into `core` in place; returns the originals, for `restore`."""
    originals = (core.span_rep_layer.span_rep_layer, core.prompt_rep_layer)
    marker, prompts = originals
    core.span_rep_layer.span_rep_layer = FactoredSpans(marker).eval()
    core.prompt_rep_layer = FoldedPrompts(prompts, marker.out_project[3]).eval()
    return originals


def restore(core: nn.Module, originals: tuple[nn.Module, nn.Module]) -> None:
    core.span_rep_layer.span_rep_layer, core.prompt_rep_layer = originals
