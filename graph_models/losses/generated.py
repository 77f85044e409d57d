"""The generated hard-negative loss (SGFNS, Wang et al. 2025) and its term.

Shapes: ``B`` captions, ``M`` generated negatives in a step (each made from one caption and
scored on that caption's image).
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor

from graph_models.losses.base import LOSS_TERMS, LossTerm, Step
from pipeline.params import NonNegativeFloat


def generated_negative_loss(positive: Tensor, negative: Tensor, margin: float = 0.2) -> Tensor:
    r"""Loss on generated hard-negative captions, in the spirit of SGFNS (Wang et al. 2025).

    .. math:: L_{gen} = \mathrm{mean}_k\,[m_g + s(i, \mathrm{neg}_k) - s(i, i)]_+

    ``positive`` (M,) repeats s(image, caption) for each of its generated negatives and
    ``negative`` (M,) holds s(image, generated negative). The mean is over the M negatives; an
    empty batch gives a zero that keeps the graph.
    """
    hinge = (margin + negative - positive).clamp(min=0)
    return hinge.sum() if hinge.numel() == 0 else hinge.mean()


@dataclass(frozen=True)
class GeneratedParams:
    weight: NonNegativeFloat  # 0: off
    margin: NonNegativeFloat


@LOSS_TERMS.register
class GeneratedTerm(LossTerm):
    """Each caption against its generated negatives on its own image; None for a step without."""

    name = "generated"
    Params = GeneratedParams

    def forward(self, step: Step) -> Tensor | None:
        batch, m = step.batch, step.matcher
        if batch.negatives is None or batch.negative_of is None:
            return None
        owner = batch.negative_of
        negative = m.score_pairs(step.images.select(batch.image_of[owner]), m.encode_texts(batch.negatives))
        return self.weight * generated_negative_loss(step.sim.diagonal()[owner], negative, self.params.margin)
