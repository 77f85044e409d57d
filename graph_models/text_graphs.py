"""Captions as typed PyTorch Geometric graphs: the words, the node and edge types, the batches.

Shapes (one caption, then a batch of ``B``):

- ``T`` tokens; ``N`` nodes (objects, attributes and counts, relations), ``W = NODE_WORDS``
  word ids a node; ``E`` typed edges; ``Nr`` relation triples (subject, relation, object nodes).

A caption's scene graph (a ``text_graphs`` or ``negatives`` row) is a :class:`CaptionGraph`, a
``torch_geometric.data.Data`` in PyG's *typed homogeneous* layout: ``x`` (N, W) word ids,
``node_type`` (N,) of :class:`NodeType`, ``edge_index`` (2, E), ``edge_type`` (E,) of
:class:`EdgeType`, plus ``triples`` (Nr, 3) and ``tokens`` (T,). It is the layout
``HeteroData.to_homogeneous()`` produces and PyG's typed layers (``RGCNConv``, ``HEATConv``,
``TransformerConv`` with an edge-type embedding, as here) read; :func:`to_hetero` gives the same
graph as a ``HeteroData`` with the node types and ``(source, relation, target)`` edge types of
:data:`HETERO_EDGE_TYPES`. The homogeneous layout keeps a caption's nodes in reading order
(an object, its attributes, the next object, ..., then the relations), which the matchers'
attention sums over.

Edges run attribute <-> object and subject <-> relation <-> object, each direction its own type.
A batch is a ``torch_geometric.data.Batch`` of caption graphs (``batch``, ``ptr``,
``tokens_batch``, ``triples_batch``), built by :meth:`TextBank.batch` from a columnar store
(one flat array a field plus offsets, so a million captions are a few arrays, not a million
objects); it equals ``Batch.from_data_list`` of :meth:`TextBank.graph` (tested), only faster.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torch_geometric.data import Batch, Data, HeteroData

from graph_models.batching import assemble_batch, gather

PAD, UNK = 0, 1  # word ids: padding, a word the training split did not have
NODE_WORDS = 4  # words kept per node (the last ones: the head of "traffic light" is "light")
PHRASE_WORDS = 6  # words kept per phrase ("man sit on top of bench")


class NodeType(IntEnum):
    OBJECT = 0
    ATTRIBUTE = 1  # an attribute ("red") or a count ("two") of an object
    RELATION = 2  # a predicate ("left of") between a subject and an object


class EdgeType(IntEnum):
    ATTRIBUTE_TO_OBJECT = 0
    OBJECT_TO_ATTRIBUTE = 1
    SUBJECT_TO_RELATION = 2
    RELATION_TO_SUBJECT = 3
    RELATION_TO_OBJECT = 4
    OBJECT_TO_RELATION = 5


# Each edge type as HeteroData names it: (source node type, relation, target node type).
HETERO_EDGE_TYPES: dict[EdgeType, tuple[str, str, str]] = {
    EdgeType.ATTRIBUTE_TO_OBJECT: ("attribute", "describes", "object"),
    EdgeType.OBJECT_TO_ATTRIBUTE: ("object", "has", "attribute"),
    EdgeType.SUBJECT_TO_RELATION: ("object", "subject_of", "relation"),
    EdgeType.RELATION_TO_SUBJECT: ("relation", "has_subject", "object"),
    EdgeType.RELATION_TO_OBJECT: ("relation", "has_object", "object"),
    EdgeType.OBJECT_TO_RELATION: ("object", "object_of", "relation"),
}


class WordIndex:
    """Words to embedding rows: 0 pads, 1 is an unknown word. Built from the training split only."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = ["<pad>", "<unk>", *words]
        self.index = {w: i for i, w in enumerate(self.words)}

    @classmethod
    def build(cls, texts: Iterable[Sequence[str]], min_count: int) -> WordIndex:
        counts = Counter(w.lower() for words in texts for w in words)
        return cls(sorted(w for w, n in counts.items() if n >= min_count))

    def __len__(self) -> int:
        return len(self.words)

    def ids(self, words: Sequence[str], length: int | None = None) -> list[int]:
        """Ids of ``words``; with ``length``, the last ``length`` of them padded to it."""
        out = [self.index.get(w.lower(), UNK) for w in words]
        if length is not None:
            out = out[-length:] + [PAD] * max(0, length - len(out))
        return out


def graph_words(row: dict[str, Any]) -> list[str]:
    """Every word a caption's graph and tokens use (for building the word index)."""
    words = list(row["tokens"] or [])
    for o in row["objects"] or []:
        words += o["lemma"].split() + [w for a in o["attributes"] for w in a.split()]
        words += [o["count"]] if o["count"] else []
    for r in row["relations"] or []:
        words += r["predicate"].split()
    return words


class CaptionGraph(Data):
    """One caption: ``x`` (N, W) node word ids, ``node_type`` (N,), ``edge_index`` (2, E),
    ``edge_type`` (E,), ``triples`` (Nr, 3) node indices, ``tokens`` (T,) word ids."""

    NODE_INDEX_KEYS = ("edge_index", "triples")  # hold node indices: shifted when batched

    def __inc__(self, key: str, value: Any, *args: Any, **kwargs: Any) -> Any:
        if key == "triples":
            return self.num_nodes
        return super().__inc__(key, value, *args, **kwargs)


@dataclass
class EncodedCaption:
    """One caption as numpy arrays (what :class:`TextBank` stores), the fields of CaptionGraph."""

    tokens: np.ndarray  # (T,) int64
    x: np.ndarray  # (N, NODE_WORDS) int64
    node_type: np.ndarray  # (N,) int64, a NodeType
    edge_index: np.ndarray  # (2, E) int64, node indices within the caption
    edge_type: np.ndarray  # (E,) int64, an EdgeType
    triples: np.ndarray  # (Nr, 3) int64: subject node, relation node, object node


def encode_caption(row: dict[str, Any], words: WordIndex) -> EncodedCaption:
    """A ``text_graphs`` (or ``negatives``) row as arrays. A caption without objects (a parse
    error, an empty graph) gets one object node made of its first words, so every caption has
    at least one node and one token."""
    tokens = words.ids(row["tokens"] or []) or [UNK]
    node_words: list[list[int]] = []
    types: list[NodeType] = []
    edges: list[tuple[int, int, EdgeType]] = []  # (source, target, type)
    object_node: list[int] = []
    for o in row["objects"] or []:
        obj = len(node_words)
        object_node.append(obj)
        node_words.append(words.ids(o["lemma"].split(), NODE_WORDS))
        types.append(NodeType.OBJECT)
        for attr in [*o["attributes"], *([o["count"]] if o["count"] else [])]:
            a = len(node_words)
            node_words.append(words.ids(attr.split(), NODE_WORDS))
            types.append(NodeType.ATTRIBUTE)
            edges += [(a, obj, EdgeType.ATTRIBUTE_TO_OBJECT), (obj, a, EdgeType.OBJECT_TO_ATTRIBUTE)]
    triples = []
    for r in row["relations"] or []:
        s, o, p = object_node[r["subject"]], object_node[r["object"]], len(node_words)
        node_words.append(words.ids(r["predicate"].split(), NODE_WORDS))
        types.append(NodeType.RELATION)
        edges += [(s, p, EdgeType.SUBJECT_TO_RELATION), (p, s, EdgeType.RELATION_TO_SUBJECT),
                  (p, o, EdgeType.RELATION_TO_OBJECT), (o, p, EdgeType.OBJECT_TO_RELATION)]
        triples.append((s, p, o))
    if not node_words:
        node_words.append((tokens[:NODE_WORDS] + [PAD] * NODE_WORDS)[:NODE_WORDS])
        types.append(NodeType.OBJECT)
    e = np.array(edges, dtype=np.int64).reshape(-1, 3)
    return EncodedCaption(np.array(tokens, np.int64), np.array(node_words, np.int64), np.array(types, np.int64),
                          e[:, :2].T.copy(), e[:, 2].copy(), np.array(triples, np.int64).reshape(-1, 3))


_FIELDS = {"tokens": 0, "x": 0, "node_type": 0, "edge_index": 1, "edge_type": 0, "triples": 0}  # name -> item axis
_EMPTY = {"tokens": (0,), "x": (0, NODE_WORDS), "node_type": (0,), "edge_index": (2, 0), "edge_type": (0,),
          "triples": (0, 3)}
FOLLOW_BATCH = ("tokens", "triples")  # the batch gives tokens_batch and triples_batch beside them


class TextBank:
    """Many encoded captions in flat arrays with offsets; ``batch(indices)`` gives a PyG Batch."""

    def __init__(self, captions: Sequence[EncodedCaption]) -> None:
        self._offsets: dict[str, np.ndarray] = {}
        self._flat: dict[str, np.ndarray] = {}
        for name, axis in _FIELDS.items():
            parts = [getattr(c, name) for c in captions]
            sizes = np.array([p.shape[axis] for p in parts], dtype=np.int64)
            self._offsets[name] = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
            self._flat[name] = np.concatenate(parts, axis=axis) if parts else np.zeros(_EMPTY[name], np.int64)

    def __len__(self) -> int:
        return len(self._offsets["tokens"]) - 1

    def graph(self, i: int) -> CaptionGraph:
        """Caption ``i`` as a CaptionGraph."""
        fields = {}
        for name, axis in _FIELDS.items():
            lo, hi = self._offsets[name][i], self._offsets[name][i + 1]
            part = self._flat[name][:, lo:hi] if axis else self._flat[name][lo:hi]
            fields[name] = torch.from_numpy(part.copy())
        return CaptionGraph(**fields)

    def batch(self, indices: Sequence[int]) -> Batch:
        """Captions ``indices`` as one Batch, as ``Batch.from_data_list([graph(i) ...],
        follow_batch=FOLLOW_BATCH)`` would make it."""
        index = np.asarray(indices, dtype=np.int64)
        attrs = {name: gather(self._flat[name], self._offsets[name], index, axis) for name, axis in _FIELDS.items()}
        return assemble_batch(CaptionGraph, attrs["x"][1], attrs, CaptionGraph.NODE_INDEX_KEYS, FOLLOW_BATCH)


def padded_tokens(texts: Batch) -> tuple[Tensor, Tensor]:
    """(B, T) token ids, PAD after each caption's end, and the (B,) lengths."""
    lengths = torch.bincount(texts.tokens_batch, minlength=texts.num_graphs)
    padded = texts.tokens.new_full((texts.num_graphs, int(lengths.max())), PAD)
    position = torch.arange(len(texts.tokens), device=texts.tokens.device) - texts.tokens_ptr[texts.tokens_batch]
    padded[texts.tokens_batch, position] = texts.tokens
    return padded, lengths


def to_hetero(graph: CaptionGraph) -> HeteroData:
    """The caption as a HeteroData: node stores ``object``, ``attribute``, ``relation`` (``x``
    their word ids, ``node_index`` their place in the caption graph) and one edge store per
    :data:`HETERO_EDGE_TYPES` entry, with indices into its node types."""
    out = HeteroData()
    local = torch.empty_like(graph.node_type)
    for t in NodeType:
        members = (graph.node_type == t).nonzero().view(-1)
        local[members] = torch.arange(len(members))
        out[t.name.lower()].x = graph.x[members]
        out[t.name.lower()].node_index = members
    for edge_type, name in HETERO_EDGE_TYPES.items():
        chosen = graph.edge_index[:, graph.edge_type == edge_type]
        out[name].edge_index = local[chosen]
    return out
