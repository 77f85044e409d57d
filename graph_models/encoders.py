"""Encoders: a caption's tokens, its text scene graph, and an image's region graph.

Shapes: ``B`` captions, ``T`` tokens, ``Nn`` text-graph nodes and ``E`` edges over a batch,
``R`` regions and ``Er`` spatial edges over a batch, ``D`` region features, ``d`` the joint
embedding size (``dim``). Inputs are PyG batches: captions of
:mod:`graph_models.text_graphs`, regions of :mod:`graph_models.regions`.

- :class:`TokenEncoder`: learned word embeddings and a bidirectional GRU, the baselines'
  caption encoder (VSE++, SCAN): token states (B, T, d) and a caption vector (B, d).
- :class:`TextGraphEncoder`: nodes are objects, attributes and relations (their words'
  mean embedding plus a node-type embedding); ``layers`` rounds of
  :class:`torch_geometric.nn.TransformerConv` over the typed scene-graph edges, so an
  object node learns its attributes and the relations it takes part in, and in which role.
- :class:`RegionGraphEncoder`: region features and box geometry projected to ``d``, then
  ``layers`` rounds of ``TransformerConv`` over the spatial graph with the edge geometry
  (relative position, GSMN polar coordinates, IoU, size ratio) as edge features.

Graph encoders are residual: ``h <- LayerNorm(h + ReLU(conv(h)))``.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from torch_geometric.data import Batch
from torch_geometric.nn import TransformerConv

from graph_models.regions import BOX_FEATURES, EDGE_GEOMETRY
from graph_models.text_graphs import PAD, EdgeType, NodeType, padded_tokens


def reset_all(modules: Iterable[nn.Module]) -> None:
    """``reset_parameters()`` of each module that has it (a parameter-free one has nothing to draw)."""
    for module in modules:
        reset = getattr(module, "reset_parameters", None)
        if reset is not None:
            reset()


def mean_word_embedding(embedding: nn.Embedding, words: Tensor) -> Tensor:
    """(N, W) word ids with PAD -> (N, word_dim) mean of the non-pad words' embeddings."""
    mask = (words != PAD).unsqueeze(-1).to(embedding.weight.dtype)
    return (embedding(words) * mask).sum(1) / mask.sum(1).clamp_min(1.0)


class GraphLayers(nn.Module):
    """``layers`` residual TransformerConv rounds with edge features (shared by both graphs)."""

    def __init__(self, dim: int, layers: int, heads: int, edge_dim: int) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim {dim} is not divisible by heads {heads}")
        self.convs = nn.ModuleList(
            TransformerConv(dim, dim // heads, heads=heads, edge_dim=edge_dim) for _ in range(layers)
        )
        self.norms = nn.ModuleList(nn.LayerNorm(dim) for _ in range(layers))

    def reset_parameters(self) -> None:
        reset_all([*self.convs, *self.norms])

    def forward(self, h: Tensor, edge_index: Tensor, edge_attr: Tensor) -> Tensor:
        for conv, norm in zip(self.convs, self.norms, strict=True):
            h = norm(h + torch.relu(conv(h, edge_index, edge_attr)))
        return h


class TokenEncoder(nn.Module):
    """Embedding + bidirectional GRU; the two directions are averaged (as VSE-infinity does)."""

    def __init__(self, embedding: nn.Embedding, dim: int) -> None:
        super().__init__()
        self.embedding = embedding
        self.gru = nn.GRU(embedding.embedding_dim, dim, batch_first=True, bidirectional=True)

    def reset_parameters(self) -> None:
        """The GRU only: the embedding belongs to the matcher that shares it."""
        self.gru.reset_parameters()

    def forward(self, texts: Batch) -> tuple[Tensor, Tensor]:
        """Token states (B, T, d) and the caption vector (B, d): the final states of both directions."""
        tokens, lengths = padded_tokens(texts)
        packed = pack_padded_sequence(self.embedding(tokens), lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, last = self.gru(packed)
        states, _ = pad_packed_sequence(out, batch_first=True, total_length=tokens.shape[1])
        half = states.shape[-1] // 2
        return (states[..., :half] + states[..., half:]) / 2, (last[0] + last[1]) / 2


class TextGraphEncoder(nn.Module):
    """Node states (Nn, d) of a batch of text scene graphs."""

    def __init__(self, embedding: nn.Embedding, dim: int, layers: int, heads: int) -> None:
        super().__init__()
        self.embedding = embedding
        self.project = nn.Linear(embedding.embedding_dim, dim)
        self.node_type = nn.Embedding(len(NodeType), dim)
        self.edge_type = nn.Embedding(len(EdgeType), dim)
        self.layers = GraphLayers(dim, layers, heads, edge_dim=dim)

    def reset_parameters(self) -> None:
        """Everything but the shared word embedding."""
        reset_all([self.project, self.node_type, self.edge_type, self.layers])

    def forward(self, texts: Batch) -> Tensor:
        h = self.project(mean_word_embedding(self.embedding, texts.x)) + self.node_type(texts.node_type)
        return self.layers(h, texts.edge_index, self.edge_type(texts.edge_type))


class RegionGraphEncoder(nn.Module):
    """Region node states (R, d) over the spatial graph."""

    def __init__(self, feature_dim: int, dim: int, layers: int, heads: int) -> None:
        super().__init__()
        self.project = nn.Linear(feature_dim + BOX_FEATURES, dim)
        self.layers = GraphLayers(dim, layers, heads, edge_dim=EDGE_GEOMETRY)

    def reset_parameters(self) -> None:
        reset_all([self.project, self.layers])

    def forward(self, regions: Batch) -> Tensor:
        x = regions.x.to(self.project.weight.dtype)  # float16 features are cast on the device
        h = self.project(torch.cat([x, regions.boxes], dim=-1))
        return self.layers(h, regions.edge_index, regions.edge_attr)
