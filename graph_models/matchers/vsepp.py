"""``vsepp``: VSE++ (Faghri et al., BMVC 2018), the bag-of-regions baseline.

Shapes: ``Bi`` images of ``R`` regions, ``Bt`` captions, ``D`` region features, ``d = dim``.

A linear map of each region, mean-pooled, against the caption vector of a bidirectional GRU
(the two directions averaged, as VSE-infinity does; VSE++'s own GRU is one-way); the score is
the cosine. A bag of regions: it cannot bind a colour to a shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.data import Batch
from torch_geometric.utils import to_dense_batch

from graph_models.encoders import TokenEncoder
from graph_models.matchers.base import MATCHERS, Encoded, Matcher, masked_mean
from pipeline.params import PositiveInt


@dataclass(frozen=True)
class VSEPPParams:
    dim: PositiveInt  # joint embedding size (VSE++: 1,024)
    word_dim: PositiveInt


@MATCHERS.register
class VSEPP(Matcher):
    """Mean of linearly projected regions against the GRU caption vector (cosine)."""

    name = "vsepp"
    Params = VSEPPParams
    score_is_global = True

    def __init__(self, vocab_size: int, feature_dim: int, params: VSEPPParams) -> None:
        super().__init__(vocab_size, feature_dim, params)
        self.embedding = nn.Embedding(vocab_size, params.word_dim, padding_idx=0)
        self.project = nn.Linear(feature_dim, params.dim)
        self.text = TokenEncoder(self.embedding, params.dim)

    def encode_images(self, regions: Batch) -> Encoded:
        x = regions.x.to(self.project.weight.dtype)  # float16 features are cast on the device
        nodes, mask = to_dense_batch(self.project(x), regions.batch, batch_size=regions.num_graphs)
        return Encoded(F.normalize(masked_mean(nodes, mask.unsqueeze(-1), 1), dim=-1),
                       F.normalize(nodes, dim=-1), mask)

    def encode_texts(self, texts: Batch) -> Encoded:
        _, vector = self.text(texts)
        return Encoded(F.normalize(vector, dim=-1))

    def score(self, images: Encoded, texts: Encoded) -> Tensor:
        return self.global_score(images, texts)

    def score_pairs(self, images: Encoded, texts: Encoded) -> Tensor:
        return (images.vector * texts.vector).sum(-1)
