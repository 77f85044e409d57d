"""``sgm``: SGM (Wang et al., WACV 2020), object-level plus relation-level similarity.

Shapes: ``Bi`` images of ``R`` regions and ``Er`` spatial edges, ``Bt`` captions of ``L``
nodes and ``Nr`` relation triples (padded per item), ``d = dim``.

``S = S_obj + rho * S_rel``. ``S_obj``: mean over the caption's object nodes of the best region
cosine. ``S_rel``: mean over its (subject, predicate, object) triples of the best cosine with a
spatial edge, where a triple is ``MLP([t_s, t_p, t_o])`` and an edge ``MLP([v_i, v_j,
geometry])``; 0 for a caption without relations or an image without edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch_geometric.data import Batch
from torch_geometric.utils import to_dense_batch

from graph_models.encoders import reset_all
from graph_models.matchers.base import MATCHERS, NEG, Encoded, dense, masked_mean, pair_similarity
from graph_models.matchers.graph_matcher import GraphMatcher
from graph_models.regions import EDGE_GEOMETRY
from graph_models.text_graphs import NodeType
from pipeline.params import NonNegativeFloat, NonNegativeInt, PositiveInt


@dataclass(frozen=True)
class SGMParams:
    dim: PositiveInt  # joint embedding size
    word_dim: PositiveInt
    layers: NonNegativeInt  # message-passing rounds on each graph
    heads: PositiveInt
    rho: NonNegativeFloat  # weight of the relation-level similarity


@MATCHERS.register
class SGM(GraphMatcher):
    """Best-match object and relation similarities over both graphs."""

    name = "sgm"
    Params = SGMParams

    def __init__(self, vocab_size: int, feature_dim: int, params: SGMParams) -> None:
        super().__init__(vocab_size, feature_dim, params)
        dim = params.dim
        self.rho = params.rho
        self.triple = nn.Sequential(nn.Linear(3 * dim, dim), nn.ReLU(), nn.Linear(dim, dim))
        self.edge = nn.Sequential(nn.Linear(2 * dim + EDGE_GEOMETRY, dim), nn.ReLU(), nn.Linear(dim, dim))

    def reset_parameters(self) -> None:
        super().reset_parameters()
        reset_all([*self.triple, *self.edge])

    def image_extra(self, regions: Batch, h: Tensor) -> dict[str, Tensor]:
        src, dst = regions.edge_index
        e = self.edge(torch.cat([h[src], h[dst], regions.edge_attr], dim=-1))
        edges, mask = dense(e, regions.batch[src], regions.num_graphs)
        return {"edges": edges, "edge_mask": mask}

    def text_extra(self, texts: Batch, h: Tensor) -> dict[str, Tensor]:
        s, p, o = texts.triples.unbind(-1)
        size = texts.num_graphs
        triples, mask = dense(self.triple(torch.cat([h[s], h[p], h[o]], dim=-1)), texts.triples_batch, size)
        objects, _ = to_dense_batch(texts.node_type == NodeType.OBJECT, texts.batch, batch_size=size)
        return {"triples": triples, "triple_mask": mask, "object_mask": objects}

    def _sgm(self, images: Encoded, texts: Encoded, all_pairs: bool) -> Tensor:
        (v, vm), (t, _) = images.padded_nodes(), texts.padded_nodes()
        x = texts.extra
        s_obj = self._best_match(v, vm, t, x["object_mask"], all_pairs)
        s_rel = self._best_match(images.extra["edges"], images.extra["edge_mask"], x["triples"], x["triple_mask"],
                                 all_pairs)
        return s_obj + self.rho * s_rel

    @staticmethod
    def _best_match(keys: Tensor, key_mask: Tensor, queries: Tensor, query_mask: Tensor, all_pairs: bool) -> Tensor:
        if keys.shape[1] == 0 or queries.shape[1] == 0:
            size = (keys.shape[0], queries.shape[0]) if all_pairs else (keys.shape[0],)
            return keys.new_zeros(size)
        sim = pair_similarity(keys, queries, all_pairs)  # (..., Lq, K)
        km = key_mask[:, None, None, :] if all_pairs else key_mask[:, None, :]
        qm = query_mask[None] if all_pairs else query_mask
        best = torch.where(km, sim, NEG).amax(-1)
        best = torch.where(km.any(-1), best, 0.0)  # an image without edges matches no relation
        return masked_mean(best, qm, -1)

    def score(self, images: Encoded, texts: Encoded) -> Tensor:
        return self._sgm(images, texts, all_pairs=True)

    def score_pairs(self, images: Encoded, texts: Encoded) -> Tensor:
        return self._sgm(images, texts, all_pairs=False)
