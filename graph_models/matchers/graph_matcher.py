"""What ``sgm`` and ``fusion`` share: both graphs encoded by message passing.

Shapes: ``R`` regions and ``Nn`` text nodes over a batch, padded per item to ``(B, L, d)``.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn
from torch_geometric.data import Batch

from graph_models.encoders import RegionGraphEncoder, TextGraphEncoder
from graph_models.matchers.base import Encoded, Matcher, dense, pooled


class GraphMatcher(Matcher):
    """Text scene graph and region graph each through ``layers`` rounds of TransformerConv;
    encodings hold the unit node states, padded, and their mean as the pooled vector."""

    def __init__(self, vocab_size: int, feature_dim: int, params: Any) -> None:
        super().__init__(vocab_size, feature_dim, params)
        self.embedding = nn.Embedding(vocab_size, params.word_dim, padding_idx=0)
        self.text = TextGraphEncoder(self.embedding, params.dim, params.layers, params.heads)
        self.regions = RegionGraphEncoder(feature_dim, params.dim, params.layers, params.heads)

    def encode_images(self, regions: Batch) -> Encoded:
        h = self.regions(regions)
        nodes, mask = dense(h, regions.batch, regions.num_graphs)
        return Encoded(pooled(nodes, mask), nodes, mask, self.image_extra(regions, h))

    def encode_texts(self, texts: Batch) -> Encoded:
        h = self.text(texts)
        nodes, mask = dense(h, texts.batch, texts.num_graphs)
        return Encoded(pooled(nodes, mask), nodes, mask, self.text_extra(texts, h))

    def image_extra(self, regions: Batch, h: Tensor) -> dict[str, Tensor]:
        """Matcher-specific image encodings (leading dim: the images) beside the nodes."""
        return {}

    def text_extra(self, texts: Batch, h: Tensor) -> dict[str, Tensor]:
        """Matcher-specific caption encodings (leading dim: the captions) beside the nodes."""
        return {}
