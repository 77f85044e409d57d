"""The training objective: a matcher plus the losses a run switches on, as one module.

Shapes: ``B`` captions in a batch, ``U`` their distinct images, ``M`` generated negatives,
``P`` phrases in the batch's phrase pool, ``d`` the embedding size.

``MatchingObjective.forward(batch, epoch)`` returns every loss term and their weighted sum, so
DistributedDataParallel can wrap it whole (it only sees ``forward``). The terms
(``graph_models.losses``; formulas in METHODS.md):

- ``ranking``: VSE++ hinge (sum or max of hinges) on the (B, B) similarity of the batch's pairs,
  captions of the same image masked; with ``semantic: lseh`` the margin is LSEH's semantic
  margin, with ``semantic: ahrl`` the loss is AHRL's two-level loss with adaptive margins;
- ``global``: the same ranking loss on the pooled vectors of a graph matcher, which trains the
  cheap score evaluation shortlists with;
- ``generated``: the caption against its generated hard negatives on its own image (SGFNS);
- ``phrase``: phrases of the batch scored against each image's regions, positives from the
  image's label set (SSAMT);
- ``adversarial``: a modality discriminator behind gradient reversal (Liu et al. 2019), on after
  ``adversarial_warmup_epochs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from graph_models import losses
from graph_models.data import RegionBatch, TextBatch
from graph_models.encoders import mean_word_embedding
from graph_models.matchers import Encoded, Matcher, attend_and_score
from pipeline.params import Fraction, NonNegativeFloat, NonNegativeInt, PositiveFloat, PositiveInt


@dataclass(frozen=True)
class LossParams:
    ranking: Literal["sum", "max"]  # VSE++ sum or max of hinges
    ranking_warmup_epochs: NonNegativeInt  # with max: epochs of sum of hinges first (max from scratch can collapse)
    margin: NonNegativeFloat
    semantic: Literal["none", "lseh", "ahrl"]
    lseh_alpha: NonNegativeFloat
    lseh_lambda: NonNegativeFloat
    ahrl_top_k: PositiveInt
    ahrl_temperature: PositiveFloat
    ahrl_weight: NonNegativeFloat  # w2: weight of AHRL's level-2 term
    ahrl_margin_shrink: Fraction
    global_weight: NonNegativeFloat  # ranking loss on pooled vectors (graph matchers: the shortlist score)
    generated_weight: NonNegativeFloat  # 0 turns the generated-negative loss off
    generated_margin: NonNegativeFloat
    phrase_weight: NonNegativeFloat  # 0 turns the phrase-level loss off
    phrase_loss: Literal["bce", "hinge"]
    adversarial_weight: NonNegativeFloat  # 0 turns the adversarial modality loss off
    adversarial_warmup_epochs: NonNegativeInt  # epochs of ranking alone before the adversarial term


@dataclass
class TrainBatch:
    """What one training step reads (built by :mod:`graph_models.training`)."""

    regions: RegionBatch  # the U distinct images
    texts: TextBatch  # the B captions
    image_of: Tensor  # (B,) row of each caption's image in ``regions``
    semantic: Tensor | None = None  # (B, S) LSEH caption vectors
    negatives: TextBatch | None = None  # M generated negatives
    negative_of: Tensor | None = None  # (M,) the caption (0..B-1) each negative was made from
    phrases: Tensor | None = None  # (P, PHRASE_WORDS) word ids of the phrase pool
    phrase_targets: Tensor | None = None  # (U, P) bool: phrase in the image's label set

    def to(self, device: torch.device | str) -> TrainBatch:
        def move(x):  # noqa: ANN001, ANN202
            return None if x is None else x.to(device)

        return TrainBatch(self.regions.to(device), self.texts.to(device), self.image_of.to(device),
                          move(self.semantic), move(self.negatives), move(self.negative_of), move(self.phrases),
                          move(self.phrase_targets))


class PhraseHead(nn.Module):
    """Scores phrases against images (SSAMT's local scale): a phrase vector (its words' mean
    embedding through an MLP) attends over an image's region nodes and is scored by the
    cosine with what it attended to; ``logit = scale * cosine + bias``."""

    def __init__(self, embedding: nn.Embedding, dim: int, temperature: float) -> None:
        super().__init__()
        self.embedding = embedding
        self.project = nn.Sequential(nn.Linear(embedding.embedding_dim, dim), nn.ReLU(), nn.Linear(dim, dim))
        self.temperature = temperature
        self.scale = nn.Parameter(torch.tensor(10.0))
        self.bias = nn.Parameter(torch.tensor(-5.0))

    def forward(self, phrases: Tensor, images: Encoded) -> Tensor:
        """(P, W) phrase word ids and U encoded images -> (U, P) logits."""
        assert images.nodes is not None and images.mask is not None
        p = F.normalize(self.project(mean_word_embedding(self.embedding, phrases)), dim=-1)
        sim = torch.einsum("pd,urd->upr", p, images.nodes)
        gram = images.nodes @ images.nodes.transpose(1, 2)
        score = attend_and_score(sim, images.mask[:, None, :], gram, self.temperature, dim=-1)
        return self.scale * score + self.bias


class MatchingObjective(nn.Module):
    def __init__(self, matcher: Matcher, params: LossParams, dim: int, temperature: float) -> None:
        super().__init__()
        self.matcher = matcher
        self.params = params
        self.phrase_head = PhraseHead(matcher.embedding, dim, temperature) if params.phrase_weight > 0 else None
        self.discriminator = losses.ModalityDiscriminator(dim) if params.adversarial_weight > 0 else None

    def _ranking(self, sim: Tensor, same: Tensor, sem: Tensor | None, epoch: int) -> Tensor:
        """The run's ranking loss; ``sem`` is the batch's LSEH similarity (None: none)."""
        p = self.params
        max_violation = p.ranking == "max" and epoch >= p.ranking_warmup_epochs
        if p.semantic == "ahrl":
            return losses.ahrl_loss(sim, same, p.margin, sem, p.ahrl_top_k, p.ahrl_temperature, p.ahrl_weight,
                                    p.ahrl_margin_shrink)
        margin: float | Tensor = p.margin
        if p.semantic == "lseh" and sem is not None:
            margin = losses.semantic_margins(sem, same, p.lseh_alpha, p.lseh_lambda)
        return losses.ranking_loss(sim, same, margin, max_violation=max_violation)

    def forward(self, batch: TrainBatch, epoch: int) -> dict[str, Tensor]:
        p, m = self.params, self.matcher
        images, texts = m.encode_images(batch.regions), m.encode_texts(batch.texts)
        same = batch.image_of[:, None] == batch.image_of[None, :]
        sim = m.score(images, texts)[batch.image_of]  # (B, B): row i is the image of pair i
        sem = (losses.semantic_similarity(batch.semantic)  # the captions' similarity: both ranking terms use it
               if batch.semantic is not None and p.semantic != "none" else None)
        out = {"ranking": self._ranking(sim, same, sem, epoch)}
        if p.global_weight > 0 and m.name != "vsepp":
            out["global"] = p.global_weight * self._ranking(
                m.global_score(images, texts)[batch.image_of], same, sem, epoch)
        if p.generated_weight > 0 and batch.negatives is not None and batch.negative_of is not None:
            owner = batch.negative_of
            negative = m.score_pairs(images.select(batch.image_of[owner]), m.encode_texts(batch.negatives))
            out["generated"] = p.generated_weight * losses.generated_negative_loss(
                sim.diagonal()[owner], negative, p.generated_margin)
        if self.phrase_head is not None and batch.phrases is not None and batch.phrase_targets is not None:
            logits = self.phrase_head(batch.phrases, images)
            out["phrase"] = p.phrase_weight * losses.phrase_loss(logits, batch.phrase_targets, kind=p.phrase_loss)
        if self.discriminator is not None and epoch >= p.adversarial_warmup_epochs:
            out["adversarial"] = p.adversarial_weight * losses.adversarial_loss(
                self.discriminator, images.vector[batch.image_of], texts.vector)
        out["loss"] = torch.stack(list(out.values())).sum()
        return out
