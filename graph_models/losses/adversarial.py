"""Modality-adversarial learning (Liu et al., ACM TOMM 2019; ACMR, Wang et al. 2017) and its term.

Shapes: ``B`` embeddings a modality (a step's captions, and their images in pair order),
``dim`` the joint embedding size.

A :class:`ModalityDiscriminator` tells image embeddings from text embeddings behind a
gradient-reversal layer (Ganin and Lempitsky 2015), so minimising its loss trains it while the
reversed gradient pushes the embeddings towards modality invariance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from graph_models.losses.base import LOSS_TERMS, LossTerm, Step
from graph_models.matchers.base import Matcher
from pipeline.params import NonNegativeFloat, NonNegativeInt


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



@dataclass(frozen=True)
class AdversarialParams:
    weight: NonNegativeFloat  # 0: off
    warmup_epochs: NonNegativeInt  # epochs of the other terms alone before this one


@LOSS_TERMS.register
class AdversarialTerm(LossTerm):
    """The discriminator's loss on the step's image and caption vectors, after the warm-up."""

    name = "adversarial"
    Params = AdversarialParams

    def __init__(self, params: AdversarialParams, matcher: Matcher) -> None:
        super().__init__(params, matcher)
        self.discriminator = ModalityDiscriminator(matcher.dim)

    def forward(self, step: Step) -> Tensor | None:
        if step.epoch < self.params.warmup_epochs:
            return None
        images = step.images.vector[step.batch.image_of]
        return self.weight * adversarial_loss(self.discriminator, images, step.texts.vector)
