"""What every matcher offers, and the pieces the matchers share.

Shapes: ``Bi`` images and ``Bt`` captions; ``R`` regions an image and ``L`` text nodes a
caption after padding (``to_dense_batch``); ``d`` the joint embedding size.

A matcher encodes each side once (:meth:`Matcher.encode_images` of a region ``Batch``,
:meth:`Matcher.encode_texts` of a caption ``Batch``, each an :class:`Encoded`) and then scores
encodings, so evaluation encodes 1,000 images and 5,000 captions once and scores every pair in
chunks:

- ``score(images, texts)`` -> (Bi, Bt): every image against every caption;
- ``score_pairs(images, texts)`` -> (B,): image k against caption k (generated negatives);
- ``global_score`` -> (Bi, Bt): a cheap cosine of pooled vectors, for shortlisting.

A matcher also says what it is to the code around it: ``dim`` (its joint embedding size, which
the phrase head and the modality discriminator take), ``embedding`` (its word embedding, which
the phrase head shares) and ``score_is_global`` (True when ``score`` is the global score, so a
separate global ranking term would repeat the ranking term). Its settings are its ``Params``
dataclass (a ``runs.NAME.model`` section of ``params.yaml`` less ``matcher``), and
:meth:`Matcher.from_config` builds it from the record a model file keeps.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.data import Batch
from torch_geometric.utils import to_dense_batch

from graph_models.encoders import reset_all
from graph_models.registry import Registry

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

    def padded_nodes(self) -> tuple[Tensor, Tensor]:
        """``nodes`` and ``mask``, for the code that needs them (a vector-only encoding refuses)."""
        if self.nodes is None or self.mask is None:
            raise ValueError("these encodings have no nodes (a matcher that pools everything)")
        return self.nodes, self.mask


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
    """The interface; see the module docstring. Subclasses set ``name`` and ``Params``."""

    name: ClassVar[str] = ""
    Params: ClassVar[type]  # a frozen dataclass of the matcher's settings; it has ``dim``
    score_is_global: ClassVar[bool] = False
    embedding: nn.Embedding

    def __init__(self, vocab_size: int, feature_dim: int, params: Any) -> None:
        super().__init__()
        self.vocab_size, self.feature_dim, self.params = vocab_size, feature_dim, params
        self.dim: int = params.dim

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Matcher:
        """The matcher of a model file's record (:meth:`config`), weights freshly drawn."""
        return cls(config["vocab_size"], config["feature_dim"], cls.Params(**config["params"]))

    def config(self) -> dict[str, Any]:
        """The record a model file keeps to build this matcher again."""
        return {"name": self.name, "vocab_size": self.vocab_size, "feature_dim": self.feature_dim,
                "params": asdict(self.params)}

    def reset_parameters(self) -> None:
        """Draw every weight again, as the constructor did (children first, in order)."""
        reset_all(self.children())

    def encode_images(self, regions: Batch) -> Encoded:
        raise NotImplementedError

    def encode_texts(self, texts: Batch) -> Encoded:
        raise NotImplementedError

    def score(self, images: Encoded, texts: Encoded) -> Tensor:
        raise NotImplementedError

    def score_pairs(self, images: Encoded, texts: Encoded) -> Tensor:
        raise NotImplementedError

    def global_score(self, images: Encoded, texts: Encoded) -> Tensor:
        return images.vector @ texts.vector.T


MATCHERS: Registry[Matcher] = Registry("matcher")  # filled by each matcher's module: @MATCHERS.register
