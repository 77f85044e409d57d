"""Phrase-level supervision (SSAMT, Fan et al., ICMR 2022): the phrase head and its loss.

Shapes: ``U`` images of a step, ``R`` regions an image (padded), ``P`` phrases in the step's
pool, ``W = PHRASE_WORDS`` word ids a phrase, ``d`` the joint embedding size.

:class:`PhraseHead` scores every phrase of the pool against every image's region nodes;
:func:`phrase_loss` compares those logits with the images' label sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from graph_models.encoders import mean_word_embedding, reset_all
from graph_models.losses.base import LOSS_TERMS, LossTerm, Step
from graph_models.matchers.base import Encoded, Matcher, attend_and_score
from pipeline.params import NonNegativeFloat, PositiveFloat

PHRASE_LOSS_KINDS = ("bce", "hinge")


class PhraseHead(nn.Module):
    """Scores phrases against images (SSAMT's local scale): a phrase vector (its words' mean
    embedding through an MLP) attends over an image's region nodes and is scored by the
    cosine with what it attended to; ``logit = scale * cosine + bias``."""

    def __init__(self, embedding: nn.Embedding, dim: int, temperature: float) -> None:
        super().__init__()
        self.embedding = embedding  # the matcher's, shared
        self.project = nn.Sequential(nn.Linear(embedding.embedding_dim, dim), nn.ReLU(), nn.Linear(dim, dim))
        self.temperature = temperature
        self.scale = nn.Parameter(torch.tensor(10.0))
        self.bias = nn.Parameter(torch.tensor(-5.0))

    def reset_parameters(self) -> None:
        """The head's own weights (not the shared embedding)."""
        reset_all(self.project)
        with torch.no_grad():
            self.scale.fill_(10.0)
            self.bias.fill_(-5.0)

    def forward(self, phrases: Tensor, images: Encoded) -> Tensor:
        """(P, W) phrase word ids and U encoded images -> (U, P) logits."""
        nodes, mask = images.padded_nodes()
        p = F.normalize(self.project(mean_word_embedding(self.embedding, phrases)), dim=-1)
        sim = torch.einsum("pd,urd->upr", p, nodes)
        gram = nodes @ nodes.transpose(1, 2)
        score = attend_and_score(sim, mask[:, None, :], gram, self.temperature, dim=-1)
        return self.scale * score + self.bias


def _masked_mean(values: Tensor, mask: Tensor) -> Tensor:
    """Mean of ``values`` where ``mask``; zero (with a grad path) where the mask is empty."""
    return torch.where(mask, values, 0).sum() / mask.sum().clamp(min=1)


def phrase_loss(
    logits: Tensor, targets: Tensor, mask: Tensor | None = None, kind: str = "bce", margin: float = 0.2
) -> Tensor:
    r"""Local (phrase-level) loss of SSAMT (Fan et al., ICMR 2022).

    ``logits`` (U, P) score U images against a pool of P phrases; ``targets`` (U, P) bool is True
    where the phrase is in the image's label set; ``mask`` (U, P) bool, False entries ignored.

    - ``"bce"``: binary cross-entropy with logits, averaged over the positives and over the
      negatives separately, then summed (negatives far outnumber positives).
    - ``"hinge"``: per image, :math:`\mathrm{mean}_{p, q}[m + x_q - x_p]_+` over (positive p,
      negative q) pairs, then the mean over images with at least one of each. Uses U * P * P memory.

    No unmasked entry (or no usable image) gives a zero that keeps the graph.
    """
    if kind not in PHRASE_LOSS_KINDS:
        raise ValueError(f"unknown phrase loss kind {kind!r}; choose one of {', '.join(PHRASE_LOSS_KINDS)}")
    if mask is None:
        mask = torch.ones_like(targets, dtype=torch.bool)
    positives, negatives = targets & mask, ~targets & mask
    if kind == "bce":
        per_entry = F.binary_cross_entropy_with_logits(logits, targets.to(logits.dtype), reduction="none")
        return _masked_mean(per_entry, positives) + _masked_mean(per_entry, negatives)
    hinge = (margin + logits[:, None, :] - logits[:, :, None]).clamp(min=0)  # [u, p, q]
    pairs = positives[:, :, None] & negatives[:, None, :]
    count = pairs.sum(dim=(1, 2))
    per_image = torch.where(pairs, hinge, 0).sum(dim=(1, 2)) / count.clamp(min=1)
    return _masked_mean(per_image, count > 0)

@dataclass(frozen=True)
class PhraseParams:
    weight: NonNegativeFloat  # 0: off
    kind: Literal["bce", "hinge"]
    temperature: PositiveFloat  # the head's attention inverse temperature


@LOSS_TERMS.register
class PhraseTerm(LossTerm):
    """The step's phrase pool scored against its images; None for a step without phrases."""

    name = "phrase"
    Params = PhraseParams

    def __init__(self, params: PhraseParams, matcher: Matcher) -> None:
        super().__init__(params, matcher)
        self.head = PhraseHead(matcher.embedding, matcher.dim, params.temperature)

    def forward(self, step: Step) -> Tensor | None:
        batch = step.batch
        if batch.phrases is None or batch.phrase_targets is None:
            return None
        logits = self.head(batch.phrases, step.images)
        return self.weight * phrase_loss(logits, batch.phrase_targets, kind=self.params.kind)
