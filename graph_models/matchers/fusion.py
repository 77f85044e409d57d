"""``fusion``: scene-graph fusion, the project's flagship matcher.

Shapes: ``Bi`` images of ``R`` regions, ``Bt`` captions of ``L`` text-graph nodes (padded),
``d = dim``; all pairs give (Bi, Bt, L, R) cosines, aligned pairs (B, L, R).

Message passing over both graphs (:class:`~graph_models.matchers.graph_matcher.GraphMatcher`),
then cross attention both ways, in the spirit of SGFNS (Wang et al., J. Supercomputing 2025)
and SCAN's attention (Lee et al., ECCV 2018). For caption nodes ``t_l`` and regions ``v_r``
(after message passing, unit length) with cosines ``s_lr``: text-to-image scores each node by
the cosine between ``t_l`` and ``sum_r softmax_r(lambda s_lr) v_r``; image-to-text scores each
region the same way over the nodes. ``S = (pool_l + pool_r) / 2`` with masked means.
The attended cosines come from the similarity and Gram matrices
(:func:`~graph_models.matchers.base.attend_and_score`), never a d-vector per pair.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor

from graph_models.matchers.base import MATCHERS, Encoded, attend_and_score, masked_mean, pair_similarity
from graph_models.matchers.graph_matcher import GraphMatcher
from pipeline.params import NonNegativeInt, PositiveFloat, PositiveInt


@dataclass(frozen=True)
class FusionParams:
    dim: PositiveInt  # joint embedding size
    word_dim: PositiveInt
    layers: NonNegativeInt  # message-passing rounds on each graph
    heads: PositiveInt
    temperature: PositiveFloat  # cross-attention inverse temperature (lambda)


@MATCHERS.register
class Fusion(GraphMatcher):
    """Cross-modal attention between text-graph nodes and region nodes, both directions."""

    name = "fusion"
    Params = FusionParams

    def __init__(self, vocab_size: int, feature_dim: int, params: FusionParams) -> None:
        super().__init__(vocab_size, feature_dim, params)
        self.temperature = params.temperature

    def _fused(self, images: Encoded, texts: Encoded, all_pairs: bool) -> Tensor:
        (v, vm), (t, tm) = images.padded_nodes(), texts.padded_nodes()
        sim = pair_similarity(v, t, all_pairs)  # (..., L, R)
        gram_v, gram_t = v @ v.transpose(1, 2), t @ t.transpose(1, 2)
        if all_pairs:
            vm4, tm4 = vm[:, None, None, :], tm[None, :, :, None]
            gram_v, gram_t = gram_v[:, None], gram_t[None]
            text_mask, region_mask = tm[None], vm[:, None]
        else:
            vm4, tm4 = vm[:, None, :], tm[:, :, None]
            text_mask, region_mask = tm, vm
        t2i = attend_and_score(sim, vm4, gram_v, self.temperature, dim=-1)  # (..., L)
        i2t = attend_and_score(sim, tm4, gram_t, self.temperature, dim=-2)  # (..., R)
        return (masked_mean(t2i, text_mask, -1) + masked_mean(i2t, region_mask, -1)) / 2

    def score(self, images: Encoded, texts: Encoded) -> Tensor:
        return self._fused(images, texts, all_pairs=True)

    def score_pairs(self, images: Encoded, texts: Encoded) -> Tensor:
        return self._fused(images, texts, all_pairs=False)
