"""Ranking losses: VSE++'s hinge triplet loss, LSEH's semantic margins, AHRL; the global term.

Shapes:

- ``N``: matched pairs in a batch; pair ``i`` is (image ``i``, caption ``i``).
- ``sim``: (N, N) similarities ``s(i, j)``; row ``i`` is the image of pair ``i``, column ``j`` the
  caption of pair ``j``, so the diagonal holds the matched pairs.
- ``same_image``: (N, N) bool, True where pairs ``i`` and ``j`` show the same image (always on the
  diagonal). Those entries are not negatives and are masked in both directions.
- ``vectors``: (N, D) LSEH semantic caption vectors.

Ranking losses are summed over the batch, as in VSE++. Nothing here picks a device: every
tensor is made on the device of the inputs.

:class:`RankingLoss` is the run's ranking loss (``runs.NAME.losses.ranking``), always on; the
``global`` term (:class:`GlobalTerm`) applies it to the pooled vectors of a matcher whose score
is not already its global score, which trains the cheap score evaluation shortlists with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor

from graph_models.losses.base import LOSS_TERMS, LossTerm, Step
from graph_models.matchers.base import Matcher
from pipeline.params import Fraction, NonNegativeFloat, NonNegativeInt, PositiveFloat, PositiveInt


def _hinge_costs(sim: Tensor, same_image: Tensor, margin: float | Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Both hinge matrices of VSE++ with non-negatives zeroed, and the (N, N) negatives mask."""
    eye = torch.eye(sim.size(0), dtype=torch.bool, device=sim.device)
    negatives = ~(same_image | eye)
    positives = sim.diagonal()
    cost_caption = (margin + sim - positives[:, None]).clamp(min=0)  # image i is the query
    cost_image = (margin + sim - positives[None, :]).clamp(min=0)  # caption j is the query
    # the hinges are >= 0, so zero is a neutral value for both the sum and the max
    return cost_caption.masked_fill(~negatives, 0), cost_image.masked_fill(~negatives, 0), negatives


def ranking_loss(sim: Tensor, same_image: Tensor, margin: float | Tensor = 0.2, max_violation: bool = True) -> Tensor:
    r"""Hinge-based triplet ranking loss of VSE++ (Faghri et al., BMVC 2018).

    .. math::
        c_c(i, j) = [M_{ij} + s(i, j) - s(i, i)]_+ \qquad c_i(i, j) = [M_{ij} + s(i, j) - s(j, j)]_+

    summed over all negatives, or with ``max_violation`` over the hardest one of each query:
    :math:`\sum_i \max_j c_c(i, j) + \sum_j \max_i c_i(i, j)`. ``margin`` is a scalar or an
    (N, N) matrix indexed (image row, caption column) for both directions, as LSEH uses it (see
    :func:`semantic_margins`). Returns a scalar, summed over the batch.
    """
    cost_caption, cost_image, _ = _hinge_costs(sim, same_image, margin)
    if max_violation:
        return cost_caption.max(dim=1).values.sum() + cost_image.max(dim=0).values.sum()
    return cost_caption.sum() + cost_image.sum()


def semantic_similarity(vectors: Tensor) -> Tensor:
    r"""Row-normalised caption similarity of LSEH (Gong and Cosma, Pattern Recognition 2023).

    .. math:: \mathrm{Sem}(i, j) = \langle d_i, d_j \rangle / \max_k \langle d_i, d_k \rangle

    with ``k`` over the batch and ``vectors`` (N, D) the TF-IDF + SVD vectors of the N captions.
    A zero maximum counts as 1 (an all-zero caption vector gives a zero row); so does a negative
    one. The result (N, N) is not symmetric.
    """
    dots = vectors @ vectors.T
    row_max = dots.max(dim=1, keepdim=True).values
    return dots / torch.where(row_max > 0, row_max, torch.ones_like(row_max))


def semantic_margins(sem: Tensor, same_image: Tensor, alpha: float = 0.185, lam: float = 0.025) -> Tensor:
    r"""LSEH margin matrix :math:`M_{ij} = \alpha + \lambda\,\mathrm{Sem}(i, j)` for negatives, 0 elsewhere.

    In :func:`ranking_loss` row ``i`` is an image and column ``j`` a caption; the similarity used
    for :math:`M_{ij}` is between caption ``i`` (the matched caption of image ``i``) and caption
    ``j``, so pass the :func:`semantic_similarity` of the batch's captions in pair order.
    Published settings: alpha 0.185, lambda 0.025. Returns (N, N).
    """
    eye = torch.eye(sem.size(0), dtype=torch.bool, device=sem.device)
    return (alpha + lam * sem).masked_fill(same_image | eye, 0)


def _softmax_top_k(cost: Tensor, negatives: Tensor, top_k: int, temperature: float) -> Tensor:
    """Sum over rows of the softmax-weighted top-K hinges of each row (query), negatives only."""
    k = min(top_k, cost.size(1))
    top_cost, index = cost.masked_fill(~negatives, float("-inf")).topk(k, dim=1)
    valid = negatives.gather(1, index)  # False where a row has fewer than k negatives
    top_cost = top_cost.masked_fill(~valid, 0)
    logits = (top_cost / temperature).masked_fill(~valid, float("-inf"))
    logits = logits.masked_fill(~valid.any(dim=1, keepdim=True), 0)  # a row with no negative: no NaN
    weights = torch.softmax(logits, dim=1) * valid
    # the weights only select and rank the hard negatives; gradient flows through the hinges alone
    return (weights.detach() * top_cost).sum()


def ahrl_loss(
    sim: Tensor,
    same_image: Tensor,
    margin: float | Tensor,
    sem: Tensor | None,
    top_k: int = 5,
    temperature: float = 0.1,
    level2_weight: float = 1.0,
    margin_shrink: float = 0.5,
) -> Tensor:
    r"""Adaptive hierarchical reinforcement loss, our reading of AMSPS (Chen et al. 2023).

    The paper's exact formula is not published; this is the reading the project implements.
    Adaptive margin, with ``sem`` the (N, N) :func:`semantic_similarity` of the captions:

    .. math:: m_{ij} = m\,(1 - \sigma\,\mathrm{clamp}(\mathrm{Sem}(i, j), 0, 1))

    (``sigma`` is ``margin_shrink``; plain ``m`` when ``sem`` is None), so captions close to the
    positive are pushed away less. Level 1 is the max-of-hinges :func:`ranking_loss` with
    :math:`m_{ij}`. Level 2 takes, for every query of both directions, its ``top_k`` largest
    hinges :math:`c_1..c_K` among its negatives (fewer if it has fewer) and adds
    :math:`\sum_k w_k c_k` with :math:`w = \mathrm{softmax}(c / \tau)` over those K, detached.
    Returns :math:`L_1 + w_2 L_2`, a scalar summed over the batch.
    """
    if sem is not None:
        margin = margin * (1 - margin_shrink * sem.clamp(0, 1))
    cost_caption, cost_image, negatives = _hinge_costs(sim, same_image, margin)
    level1 = cost_caption.max(dim=1).values.sum() + cost_image.max(dim=0).values.sum()
    level2 = _softmax_top_k(cost_caption, negatives, top_k, temperature) + _softmax_top_k(
        cost_image.T, negatives.T, top_k, temperature
    )
    return level1 + level2_weight * level2


@dataclass(frozen=True)
class RankingParams:
    kind: Literal["sum", "max"]  # VSE++ sum or max of hinges
    warmup_epochs: NonNegativeInt  # with max: epochs of sum of hinges first (max from scratch can collapse)
    margin: NonNegativeFloat
    semantic: Literal["none", "lseh", "ahrl"]  # LSEH's semantic margins, or AHRL's two-level loss
    lseh_alpha: NonNegativeFloat
    lseh_lambda: NonNegativeFloat
    ahrl_top_k: PositiveInt
    ahrl_temperature: PositiveFloat
    ahrl_weight: NonNegativeFloat  # w2: weight of AHRL's level-2 term
    ahrl_margin_shrink: Fraction


class RankingLoss:
    """The run's ranking loss for one step: ``bind`` it to the step's pairs, then call it on
    any (B, B) similarity of those pairs (the matcher's, the global one)."""

    def __init__(self, params: RankingParams) -> None:
        self.params = params

    def bind(self, image_of: Tensor, semantic: Tensor | None, epoch: int) -> Callable[[Tensor], Tensor]:
        """``image_of`` (B,) each caption's image, ``semantic`` (B, D) the captions' LSEH vectors
        or None; the semantic similarity and the same-image mask are computed once."""
        p = self.params
        same = image_of[:, None] == image_of[None, :]
        sem = semantic_similarity(semantic) if semantic is not None and p.semantic != "none" else None
        max_violation = p.kind == "max" and epoch >= p.warmup_epochs

        def rank(sim: Tensor) -> Tensor:
            if p.semantic == "ahrl":
                return ahrl_loss(sim, same, p.margin, sem, p.ahrl_top_k, p.ahrl_temperature, p.ahrl_weight,
                                 p.ahrl_margin_shrink)
            margin: float | Tensor = p.margin
            if p.semantic == "lseh" and sem is not None:
                margin = semantic_margins(sem, same, p.lseh_alpha, p.lseh_lambda)
            return ranking_loss(sim, same, margin, max_violation=max_violation)

        return rank


@dataclass(frozen=True)
class GlobalParams:
    weight: NonNegativeFloat  # 0: off


@LOSS_TERMS.register
class GlobalTerm(LossTerm):
    """The run's ranking loss on the matcher's global score (its pooled vectors' cosine)."""

    name = "global"
    Params = GlobalParams

    @classmethod
    def wanted(cls, params: GlobalParams, matcher: Matcher) -> bool:
        return params.weight > 0 and not matcher.score_is_global  # else it would repeat the ranking term

    def forward(self, step: Step) -> Tensor:
        sim = step.matcher.global_score(step.images, step.texts)[step.batch.image_of]
        return self.weight * step.rank(sim)
