"""Training losses for image-text matching (METHODS.md sections 1-6).

Shapes used below:

- ``N``: matched pairs in a batch; pair ``i`` is (image ``i``, caption ``i``).
- ``sim``: (N, N) similarities ``s(i, j)``; row ``i`` is the image of pair ``i``, column ``j`` the
  caption of pair ``j``, so the diagonal holds the matched pairs.
- ``same_image``: (N, N) bool, True where pairs ``i`` and ``j`` show the same image (always on the
  diagonal). Those entries are not negatives and are masked in both directions.
- ``D``: width of the LSEH semantic caption vectors; ``B``: embeddings per modality fed to the
  modality discriminator; ``M``: generated negatives in a batch; ``U`` images scored against a
  pool of ``P`` phrases.

Ranking losses are summed over the batch, as in VSE++; the other losses are means, as each
docstring says. Nothing here picks a device: every tensor is made on the device of the inputs.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

PHRASE_LOSS_KINDS = ("bce", "hinge")


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

    The paper's exact formula is not published; this is the design of METHODS.md section 3.
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


def generated_negative_loss(positive: Tensor, negative: Tensor, margin: float = 0.2) -> Tensor:
    r"""Loss on generated hard-negative captions, in the spirit of SGFNS (Wang et al. 2025).

    .. math:: L_{gen} = \mathrm{mean}_k\,[m_g + s(i, \mathrm{neg}_k) - s(i, i)]_+

    ``positive`` (M,) repeats s(image, caption) for each of its generated negatives and
    ``negative`` (M,) holds s(image, generated negative). The mean is over the M negatives; an
    empty batch gives a zero that keeps the graph.
    """
    hinge = (margin + negative - positive).clamp(min=0)
    return hinge.sum() if hinge.numel() == 0 else hinge.mean()


class GradientReversal(torch.autograd.Function):
    """Identity forward; the backward pass multiplies the gradient by ``-coeff`` (Ganin and Lempitsky 2015)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, coeff: float) -> Tensor:
        ctx.coeff = coeff
        return x.view_as(x)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None]:
        return -ctx.coeff * grad_output, None


def grad_reverse(x: Tensor, coeff: float = 1.0) -> Tensor:
    """Apply :class:`GradientReversal` to ``x``."""
    return GradientReversal.apply(x, coeff)


class ModalityDiscriminator(nn.Module):
    """MLP that tells image embeddings (label 0) from text embeddings (label 1), as in ACMR (Wang et al. 2017).

    ``dim -> hidden -> hidden // 2 -> 1`` with ReLU and dropout; maps (B, dim) to logits (B,).
    Dropout makes training steps random; call ``eval()`` for deterministic logits.
    """

    def __init__(self, dim: int, hidden: int = 256, *, dropout: float = 0.1) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(dim, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden // 2),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden // 2, 1),
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for layer in self.net:
            if isinstance(layer, nn.Linear):
                layer.reset_parameters()

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).squeeze(-1)


def adversarial_loss(
    discriminator: ModalityDiscriminator, image_emb: Tensor, text_emb: Tensor, coeff: float = 1.0
) -> Tensor:
    r"""Modality-adversarial loss (Liu et al., ACM TOMM 2019; design of ACMR, Wang et al. 2017).

    .. math:: L_{adv} = \mathrm{mean}\,\mathrm{BCE}(D(\mathrm{GRL}(v)), 0) \cup \mathrm{BCE}(D(\mathrm{GRL}(t)), 1)

    over the 2B items. Minimising it trains the discriminator to tell the modalities apart, while
    the gradient-reversal layer hands the embeddings ``-coeff`` times that gradient, pushing them
    towards modality-invariance. ``image_emb`` and ``text_emb`` are (B, dim); returns a scalar.
    """
    logits = discriminator(torch.cat([grad_reverse(image_emb, coeff), grad_reverse(text_emb, coeff)]))
    labels = torch.cat([logits.new_zeros(image_emb.size(0)), logits.new_ones(text_emb.size(0))])
    return F.binary_cross_entropy_with_logits(logits, labels)


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
