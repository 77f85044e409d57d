"""Matchers: an image (its region graph) and a caption (its tokens and scene graph) to a score.

Shapes: ``Bi`` images and ``Bt`` captions; ``R`` regions an image and ``L`` text nodes a
caption after padding (``to_dense_batch``); ``d`` the joint embedding size.

Every matcher encodes each side once (:meth:`Matcher.encode_images`, :meth:`Matcher.encode_texts`
return an :class:`Encoded`) and then scores encodings, so evaluation encodes 1,000 images and
5,000 captions once and scores every pair in chunks:

- ``score(images, texts)`` -> (Bi, Bt): every image against every caption;
- ``score_pairs(images, texts)`` -> (B,): image k against caption k (generated negatives);
- ``global_score`` -> (Bi, Bt): a cheap cosine of pooled vectors, for shortlisting.

The matchers (``build_matcher`` resolves the name):

- ``vsepp`` (VSE++, Faghri et al. 2018): a linear map of each region, mean-pooled, against the
  GRU caption vector; cosine. A bag of regions: it cannot bind a colour to a shape.
- ``sgm`` (SGM, Wang et al. 2020): object-level plus relation-level similarity,
  ``S = S_obj + rho * S_rel``: each text object takes its best region, each text relation
  (subject, predicate, object) its best spatial edge (two regions and their geometry).
- ``fusion`` (the flagship, METHODS.md 4): message passing over both graphs, then cross
  attention both ways: each text node attends over the image's regions and is scored against
  what it attended to, and each region attends over the caption's nodes; the two directions'
  node scores are pooled and averaged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.utils import to_dense_batch

from graph_models.data import RegionBatch, TextBatch
from graph_models.encoders import EDGE_GEOMETRY, RegionGraphEncoder, TextGraphEncoder, TokenEncoder

MATCHERS = ("vsepp", "sgm", "fusion")
NEG = -1e4  # a masked logit: exp() of it is 0 in float32, and no inf - inf NaN is possible


@dataclass
class Encoded:
    """One side's encodings: a pooled vector per item and, for graph matchers, padded nodes."""

    vector: Tensor  # (B, d), unit length
    nodes: Tensor | None = None  # (B, L, d), unit length
    mask: Tensor | None = None  # (B, L) bool, True for real nodes
    extra: dict[str, Tensor] = field(default_factory=dict)  # matcher-specific, leading dim B

    def __len__(self) -> int:
        return self.vector.shape[0]

    def select(self, index: Tensor | slice) -> Encoded:
        def pick(x: Tensor | None) -> Tensor | None:
            return None if x is None else x[index]

        return Encoded(self.vector[index], pick(self.nodes), pick(self.mask),
                       {k: v[index] for k, v in self.extra.items()})

    def to(self, device: torch.device | str) -> Encoded:
        def move(x: Tensor | None) -> Tensor | None:
            return None if x is None else x.to(device)

        return Encoded(self.vector.to(device), move(self.nodes), move(self.mask),
                       {k: v.to(device) for k, v in self.extra.items()})


def masked_mean(x: Tensor, mask: Tensor, dim: int) -> Tensor:
    m = mask.to(x.dtype)
    return (x * m).sum(dim) / m.sum(dim).clamp_min(1.0)


def dense(h: Tensor, batch: Tensor, size: int) -> tuple[Tensor, Tensor]:
    """(N, d) node states of ``size`` graphs -> (size, L, d) unit vectors and a (size, L) mask."""
    nodes, mask = to_dense_batch(F.normalize(h, dim=-1), batch, batch_size=size)
    return nodes, mask


def pooled(nodes: Tensor, mask: Tensor) -> Tensor:
    return F.normalize(masked_mean(nodes, mask.unsqueeze(-1), 1), dim=-1)


def pair_similarity(a: Tensor, b: Tensor, all_pairs: bool) -> Tensor:
    """Node-to-node cosines: a (Bi, R, d), b (Bt, L, d) -> (Bi, Bt, L, R) for all pairs, or
    (B, L, R) for aligned pairs (Bi = Bt = B)."""
    return torch.einsum("jld,ird->ijlr", b, a) if all_pairs else torch.einsum("bld,brd->blr", b, a)


def attend_and_score(sim: Tensor, key_mask: Tensor, key_gram: Tensor, temperature: float, dim: int) -> Tensor:
    """Each query attends over its keys and is scored by the cosine with what it attended to.

    ``sim`` holds query-key cosines with the keys along ``dim`` (-1 or -2); ``key_mask`` broadcasts
    to ``sim``; ``key_gram`` is the keys' Gram matrix (K, K) with its batch dims. With attention
    ``a = softmax(temperature * sim)`` over the keys, the attended vector is ``sum_k a_k v_k``,
    and its cosine with the (unit) query is ``sum_k a_k sim_k / sqrt(a^T G a)``: computed from
    ``sim`` and the Gram matrix, never materialising the attended d-vectors of every pair.
    """
    a = torch.softmax(torch.where(key_mask, temperature * sim, NEG), dim=dim)
    numerator = (a * sim).sum(dim)
    if dim == -1:  # keys last: (..., Q, K) @ (..., K, K)
        norm_sq = ((a @ key_gram) * a).sum(-1)
    else:  # keys second to last: (..., K, K) @ (..., K, Q)
        norm_sq = ((key_gram @ a) * a).sum(-2)
    return numerator / norm_sq.clamp_min(1e-8).sqrt()


class Matcher(nn.Module):
    """What every matcher offers; see the module docstring."""

    name: str = ""
    embedding: nn.Embedding  # the word embedding (the phrase head shares it)

    def encode_images(self, regions: RegionBatch) -> Encoded:
        raise NotImplementedError

    def encode_texts(self, texts: TextBatch) -> Encoded:
        raise NotImplementedError

    def score(self, images: Encoded, texts: Encoded) -> Tensor:
        raise NotImplementedError

    def score_pairs(self, images: Encoded, texts: Encoded) -> Tensor:
        raise NotImplementedError

    def global_score(self, images: Encoded, texts: Encoded) -> Tensor:
        return images.vector @ texts.vector.T


class VSEPP(Matcher):
    """VSE++: mean of linearly projected regions against the GRU caption vector (cosine)."""

    name = "vsepp"

    def __init__(self, vocab_size: int, feature_dim: int, dim: int, word_dim: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, word_dim, padding_idx=0)
        self.project = nn.Linear(feature_dim, dim)
        self.text = TokenEncoder(self.embedding, dim)

    def encode_images(self, regions: RegionBatch) -> Encoded:
        nodes, mask = to_dense_batch(self.project(regions.x), regions.node_batch, batch_size=regions.num_images)
        return Encoded(F.normalize(masked_mean(nodes, mask.unsqueeze(-1), 1), dim=-1),
                       F.normalize(nodes, dim=-1), mask)

    def encode_texts(self, texts: TextBatch) -> Encoded:
        _, vector = self.text(texts)
        return Encoded(F.normalize(vector, dim=-1))

    def score(self, images: Encoded, texts: Encoded) -> Tensor:
        return self.global_score(images, texts)

    def score_pairs(self, images: Encoded, texts: Encoded) -> Tensor:
        return (images.vector * texts.vector).sum(-1)


class GraphMatcher(Matcher):
    """Shared by ``sgm`` and ``fusion``: both graphs encoded by message passing."""

    def __init__(self, vocab_size: int, feature_dim: int, dim: int, word_dim: int, layers: int, heads: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, word_dim, padding_idx=0)
        self.text = TextGraphEncoder(self.embedding, dim, layers, heads)
        self.regions = RegionGraphEncoder(feature_dim, dim, layers, heads)

    def encode_images(self, regions: RegionBatch) -> Encoded:
        h = self.regions(regions)
        nodes, mask = dense(h, regions.node_batch, regions.num_images)
        return Encoded(pooled(nodes, mask), nodes, mask, self.image_extra(regions, h))

    def encode_texts(self, texts: TextBatch) -> Encoded:
        h = self.text(texts)
        nodes, mask = dense(h, texts.node_batch, texts.size)
        return Encoded(pooled(nodes, mask), nodes, mask, self.text_extra(texts, h))

    def image_extra(self, regions: RegionBatch, h: Tensor) -> dict[str, Tensor]:
        return {}

    def text_extra(self, texts: TextBatch, h: Tensor) -> dict[str, Tensor]:
        return {}


class Fusion(GraphMatcher):
    """Cross-modal attention between text-graph nodes and region nodes, both directions.

    For caption nodes ``t_l`` and regions ``v_r`` (after message passing, unit length) with
    cosines ``s_lr``: text-to-image scores each node by the cosine between ``t_l`` and
    ``sum_r softmax_r(lambda s_lr) v_r``; image-to-text scores each region the same way over
    the nodes. ``S = (pool_l + pool_r) / 2`` with masked means.
    """

    name = "fusion"

    def __init__(self, vocab_size: int, feature_dim: int, dim: int, word_dim: int, layers: int, heads: int,
                 temperature: float) -> None:
        super().__init__(vocab_size, feature_dim, dim, word_dim, layers, heads)
        self.temperature = temperature

    def _fused(self, images: Encoded, texts: Encoded, all_pairs: bool) -> Tensor:
        v, vm, t, tm = images.nodes, images.mask, texts.nodes, texts.mask
        assert v is not None and vm is not None and t is not None and tm is not None
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


class SGM(GraphMatcher):
    """Object-level plus relation-level similarity: ``S = S_obj + rho * S_rel``.

    ``S_obj``: mean over the caption's object nodes of the best region cosine. ``S_rel``: mean
    over its (subject, predicate, object) triples of the best cosine with a spatial edge, where a
    triple is ``MLP([t_s, t_p, t_o])`` and an edge ``MLP([v_i, v_j, geometry])``; 0 for a caption
    without relations.
    """

    name = "sgm"

    def __init__(self, vocab_size: int, feature_dim: int, dim: int, word_dim: int, layers: int, heads: int,
                 rho: float) -> None:
        super().__init__(vocab_size, feature_dim, dim, word_dim, layers, heads)
        self.rho = rho
        self.triple = nn.Sequential(nn.Linear(3 * dim, dim), nn.ReLU(), nn.Linear(dim, dim))
        self.edge = nn.Sequential(nn.Linear(2 * dim + EDGE_GEOMETRY, dim), nn.ReLU(), nn.Linear(dim, dim))

    def image_extra(self, regions: RegionBatch, h: Tensor) -> dict[str, Tensor]:
        src, dst = regions.edge_index
        e = self.edge(torch.cat([h[src], h[dst], regions.edge_attr], dim=-1))
        edges, mask = dense(e, regions.node_batch[src], regions.num_images)
        return {"edges": edges, "edge_mask": mask}

    def text_extra(self, texts: TextBatch, h: Tensor) -> dict[str, Tensor]:
        s, p, o = texts.triples.unbind(-1)
        triples, mask = dense(self.triple(torch.cat([h[s], h[p], h[o]], dim=-1)), texts.triple_batch, texts.size)
        objects, _ = to_dense_batch(texts.node_type == 0, texts.node_batch, batch_size=texts.size)
        return {"triples": triples, "triple_mask": mask, "object_mask": objects}

    def _sgm(self, images: Encoded, texts: Encoded, all_pairs: bool) -> Tensor:
        assert images.nodes is not None and images.mask is not None and texts.nodes is not None
        x = texts.extra
        s_obj = self._best_match(images.nodes, images.mask, texts.nodes, x["object_mask"], all_pairs)
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


def build_matcher(name: Literal["vsepp", "sgm", "fusion"] | str, vocab_size: int, feature_dim: int, dim: int,
                  word_dim: int, layers: int, heads: int, temperature: float, rho: float) -> Matcher:
    """The matcher called ``name``; an unknown name is refused with the valid choices."""
    if name == "vsepp":
        return VSEPP(vocab_size, feature_dim, dim, word_dim)
    if name == "sgm":
        return SGM(vocab_size, feature_dim, dim, word_dim, layers, heads, rho)
    if name == "fusion":
        return Fusion(vocab_size, feature_dim, dim, word_dim, layers, heads, temperature)
    raise ValueError(f"unknown matcher {name!r}; choose one of {', '.join(MATCHERS)}")
