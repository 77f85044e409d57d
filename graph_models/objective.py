"""The training objective: a matcher, the run's ranking loss and the loss terms it switches on.

Shapes: ``B`` captions of ``U`` distinct images in a batch, ``d`` the embedding size.

``MatchingObjective.forward(batch, epoch)`` returns every loss term and their sum, so
DistributedDataParallel can wrap it whole (it only sees ``forward``). Each step it encodes the
images and the captions once and computes their (B, B) similarity; the ``ranking`` loss (VSE++,
with LSEH margins or AHRL as ``runs.NAME.losses.ranking`` says) is always on, and every
registered term (:data:`graph_models.losses.LOSS_TERMS`: ``global``, ``generated``, ``phrase``,
``adversarial``) whose section is present with a weight above 0 adds its weighted loss when the
step has what it needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn

from graph_models.batches import TrainBatch
from graph_models.encoders import reset_all
from graph_models.losses import LOSS_TERMS, RankingLoss, RankingParams, Step
from graph_models.matchers import Matcher


class MatchingObjective(nn.Module):
    """``matcher`` trained by ``ranking`` and the ``terms`` (term name -> its Params) that are on."""

    def __init__(self, matcher: Matcher, ranking: RankingParams, terms: Mapping[str, Any]) -> None:
        super().__init__()
        self.matcher = matcher
        self.ranking = RankingLoss(ranking)
        wanted = {name: params for name, params in terms.items() if LOSS_TERMS.get(name).wanted(params, matcher)}
        # built in registration order (their weights are drawn in that order, their losses summed in it)
        self.terms = nn.ModuleDict({name: LOSS_TERMS.get(name)(wanted[name], matcher)
                                    for name in LOSS_TERMS if name in wanted})

    def reset_parameters(self) -> None:
        reset_all([self.matcher, *self.terms.values()])

    def forward(self, batch: TrainBatch, epoch: int) -> dict[str, Tensor]:
        m = self.matcher
        images, texts = m.encode_images(batch.regions), m.encode_texts(batch.texts)
        sim = m.score(images, texts)[batch.image_of]  # (B, B): row i is the image of pair i
        rank = self.ranking.bind(batch.image_of, batch.semantic, epoch)
        out = {"ranking": rank(sim)}
        step = Step(m, batch, images, texts, sim, epoch, rank)
        for name, term in self.terms.items():
            value = term(step)
            if value is not None:
                out[name] = value
        out["loss"] = torch.stack(list(out.values())).sum()
        return out
