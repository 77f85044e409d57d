"""The dataset adapter: artifact rows into the tensors and PyG-style batches the matchers read.

Shapes (one batch):

- ``B`` captions, ``U`` distinct images of those captions, ``T`` the longest caption in tokens;
- text graph: ``Nn`` nodes (objects, attributes, relations) over the batch, ``W`` words a node,
  ``E`` typed edges; ``Nr`` relation triples;
- regions: ``R`` region nodes over the batch, ``D`` the feature size, ``Er`` spatial edges.

A text scene graph (``text_graphs`` or ``negatives`` rows) becomes a small graph whose nodes
are the caption's objects, their attributes (and counts) and its relations; edges run
attribute <-> object and subject <-> relation <-> object, each direction with its own type
(:data:`EDGE_TYPES`). Captions are held in :class:`TextBank`, a columnar store (one flat array
a field plus offsets), so a million captions are a few arrays, not a million objects.

Regions are never read whole: :class:`RegionStore` indexes the ``regions`` artifact by row
group (128 images of bottom-up features is ~40 MB) and loads the groups a batch needs; training
shuffles within a window of row groups (a shuffle buffer), so memory is bounded by the window.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import torch
from torch import Tensor

from pipeline.artifacts import open_part, part_files
from pipeline.schemas import REGIONS
from stages.regions import batch_features

PAD, UNK = 0, 1
NODE_TYPES = ("object", "attribute", "relation")
EDGE_TYPES = ("attribute->object", "object->attribute", "subject->relation", "relation->subject",
              "relation->object", "object->relation")
NODE_WORDS = 4  # words kept per node (the last ones: the head of "traffic light" is "light")
PHRASE_WORDS = 6  # words kept per phrase ("man sit on top of bench")
BOX_FEATURES = 5  # x0, y0, x1, y1, area, normalised by the image size


class Vocabulary:
    """Words to ids; 0 pads, 1 is an unknown word. Built from the training split only."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = ["<pad>", "<unk>", *words]
        self.index = {w: i for i, w in enumerate(self.words)}

    @classmethod
    def build(cls, texts: Iterable[Sequence[str]], min_count: int) -> Vocabulary:
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
    """Every word a caption's graph and tokens use (for building the vocabulary)."""
    words = list(row["tokens"] or [])
    for o in row["objects"] or []:
        words += o["lemma"].split() + [w for a in o["attributes"] for w in a.split()]
        words += [o["count"]] if o["count"] else []
    for r in row["relations"] or []:
        words += r["predicate"].split()
    return words


@dataclass
class EncodedCaption:
    """One caption as arrays: its token ids and its scene graph."""

    tokens: np.ndarray  # (T,) int64
    node_words: np.ndarray  # (Nn, NODE_WORDS) int64
    node_type: np.ndarray  # (Nn,) int64, index into NODE_TYPES
    edges: np.ndarray  # (2, E) int64, node indices within the caption
    edge_type: np.ndarray  # (E,) int64, index into EDGE_TYPES
    triples: np.ndarray  # (Nr, 3) int64: subject node, relation node, object node


def encode_caption(row: dict[str, Any], vocab: Vocabulary) -> EncodedCaption:
    """A ``text_graphs`` (or ``negatives``) row as arrays. A caption without objects (a parse
    error, an empty graph) gets one object node made of its first words, so every caption has
    at least one node and one token."""
    tokens = vocab.ids(row["tokens"] or []) or [UNK]
    words: list[list[int]] = []
    types: list[int] = []
    edges: list[tuple[int, int, int]] = []  # (src, dst, type)
    objects = row["objects"] or []
    object_node: list[int] = []
    for o in objects:
        object_node.append(len(words))
        words.append(vocab.ids(o["lemma"].split(), NODE_WORDS))
        types.append(0)
        for attr in [*o["attributes"], *([o["count"]] if o["count"] else [])]:
            a = len(words)
            words.append(vocab.ids(attr.split(), NODE_WORDS))
            types.append(1)
            edges += [(a, object_node[-1], 0), (object_node[-1], a, 1)]
    triples = []
    for r in row["relations"] or []:
        s, o, p = object_node[r["subject"]], object_node[r["object"]], len(words)
        words.append(vocab.ids(r["predicate"].split(), NODE_WORDS))
        types.append(2)
        edges += [(s, p, 2), (p, s, 3), (p, o, 4), (o, p, 5)]
        triples.append((s, p, o))
    if not words:
        words.append((tokens[:NODE_WORDS] + [PAD] * NODE_WORDS)[:NODE_WORDS])
        types.append(0)
    e = np.array(edges, dtype=np.int64).reshape(-1, 3)
    return EncodedCaption(np.array(tokens, np.int64), np.array(words, np.int64), np.array(types, np.int64),
                          e[:, :2].T.copy(), e[:, 2].copy(), np.array(triples, np.int64).reshape(-1, 3))


@dataclass
class TextBatch:
    """Captions of one batch, padded tokens plus their graphs in PyG's batched layout."""

    tokens: Tensor  # (B, T) int64, PAD after each caption's end
    lengths: Tensor  # (B,) int64
    node_words: Tensor  # (Nn, NODE_WORDS)
    node_type: Tensor  # (Nn,)
    node_batch: Tensor  # (Nn,) caption of each node
    edge_index: Tensor  # (2, E) into the batch's nodes
    edge_type: Tensor  # (E,)
    triples: Tensor  # (Nr, 3) into the batch's nodes
    triple_batch: Tensor  # (Nr,) caption of each triple

    @property
    def size(self) -> int:
        return int(self.lengths.numel())

    def to(self, device: torch.device | str) -> TextBatch:
        return TextBatch(**{f.name: getattr(self, f.name).to(device) for f in fields(self)})


class TextBank:
    """Many encoded captions in flat arrays with offsets; ``batch(indices)`` builds a TextBatch."""

    def __init__(self, captions: Sequence[EncodedCaption]) -> None:
        self._offsets: dict[str, np.ndarray] = {}
        self._flat: dict[str, np.ndarray] = {}
        for name, axis in (("tokens", 0), ("node_words", 0), ("node_type", 0), ("edges", 1), ("edge_type", 0),
                           ("triples", 0)):
            parts = [getattr(c, name) for c in captions]
            sizes = np.array([p.shape[axis] for p in parts], dtype=np.int64)
            self._offsets[name] = np.concatenate([[0], np.cumsum(sizes)])
            empty = np.zeros((2, 0) if name == "edges" else (0, *_tail(name)), np.int64)
            self._flat[name] = np.concatenate(parts, axis=axis) if parts else empty

    def __len__(self) -> int:
        return len(self._offsets["tokens"]) - 1

    def _get(self, name: str, i: int) -> np.ndarray:
        lo, hi = self._offsets[name][i], self._offsets[name][i + 1]
        return self._flat[name][:, lo:hi] if name == "edges" else self._flat[name][lo:hi]

    def batch(self, indices: Sequence[int]) -> TextBatch:
        tokens = [self._get("tokens", i) for i in indices]
        lengths = np.array([len(t) for t in tokens], np.int64)
        padded = np.zeros((len(tokens), int(lengths.max(initial=1))), np.int64)
        for row, t in enumerate(tokens):
            padded[row, : len(t)] = t
        node_words, node_type, node_batch, edge_index, edge_type, triples, triple_batch = [], [], [], [], [], [], []
        base = 0
        for row, i in enumerate(indices):
            words = self._get("node_words", i)
            node_words.append(words)
            node_type.append(self._get("node_type", i))
            node_batch.append(np.full(len(words), row, np.int64))
            edge_index.append(self._get("edges", i) + base)
            edge_type.append(self._get("edge_type", i))
            tri = self._get("triples", i)
            triples.append(tri + base)
            triple_batch.append(np.full(len(tri), row, np.int64))
            base += len(words)
        t = torch.from_numpy
        return TextBatch(t(padded), t(lengths), t(np.concatenate(node_words)), t(np.concatenate(node_type)),
                         t(np.concatenate(node_batch)), t(np.concatenate(edge_index, axis=1)),
                         t(np.concatenate(edge_type)), t(np.concatenate(triples)), t(np.concatenate(triple_batch)))


def _tail(name: str) -> tuple[int, ...]:
    return {"node_words": (NODE_WORDS,), "triples": (3,)}.get(name, ())


@dataclass
class RegionBatch:
    """The region graphs of U images in PyG's batched layout."""

    x: Tensor  # (R, D) float32 region features
    boxes: Tensor  # (R, BOX_FEATURES) normalised box geometry
    node_batch: Tensor  # (R,) image of each region
    edge_index: Tensor  # (2, Er) into the batch's regions
    edge_attr: Tensor  # (Er, 7) stages.regions.geometry.EDGE_FEATURES
    num_images: int

    def to(self, device: torch.device | str) -> RegionBatch:
        return RegionBatch(self.x.to(device), self.boxes.to(device), self.node_batch.to(device),
                           self.edge_index.to(device), self.edge_attr.to(device), self.num_images)


@dataclass
class ImageRegions:
    """One image's regions as arrays (views into a loaded row group where possible)."""

    features: np.ndarray  # (n, D)
    boxes: np.ndarray  # (n, BOX_FEATURES)
    edges: np.ndarray  # (2, Er)
    edge_attr: np.ndarray  # (Er, 7)


def image_regions(row: dict[str, Any], features: np.ndarray, feature_dim: int) -> ImageRegions:
    """An image's regions; an image without regions (an error row) gets one zero region."""
    if len(features) == 0:
        return ImageRegions(np.zeros((1, feature_dim), np.float32), np.zeros((1, BOX_FEATURES), np.float32),
                            np.zeros((2, 0), np.int64), np.zeros((0, 7), np.float32))
    boxes = np.asarray(row["boxes"], np.float32).reshape(-1, 4)
    w, h = float(row["width"] or 1), float(row["height"] or 1)
    geo = np.zeros((len(features), BOX_FEATURES), np.float32)
    if len(boxes) == len(features):
        geo[:, :4] = boxes / np.array([w, h, w, h], np.float32)
        geo[:, 4] = (geo[:, 2] - geo[:, 0]) * (geo[:, 3] - geo[:, 1])
    edges = np.stack([np.asarray(row["edge_src"], np.int64), np.asarray(row["edge_dst"], np.int64)])
    attr = np.asarray(row["edge_attr"], np.float32).reshape(-1, 7)
    return ImageRegions(features, geo, edges.reshape(2, -1), attr)


def collate_regions(images: Sequence[ImageRegions]) -> RegionBatch:
    sizes = [len(im.features) for im in images]
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    x = torch.from_numpy(np.concatenate([im.features for im in images]).astype(np.float32, copy=False))
    return RegionBatch(
        x=x,
        boxes=torch.from_numpy(np.concatenate([im.boxes for im in images])),
        node_batch=torch.from_numpy(np.repeat(np.arange(len(images)), sizes)),
        edge_index=torch.from_numpy(np.concatenate([im.edges + o for im, o in zip(images, offsets, strict=True)],
                                                   axis=1)),
        edge_attr=torch.from_numpy(np.concatenate([im.edge_attr for im in images])),
        num_images=len(images),
    )


@dataclass(frozen=True)
class GroupRef:
    path: Path
    group: int
    image_ids: tuple[str, ...]
    splits: tuple[str | None, ...]


REGION_COLUMNS = ["image_id", "width", "height", "boxes", "feature_dim", "feature_dtype", "features", "edge_src",
                  "edge_dst", "edge_attr"]


class RegionStore:
    """Random access to a ``regions`` artifact by row group, never the whole artifact at once.

    The index (image id -> row group) is built from the id and split columns only. ``load``
    reads the row groups holding the asked images; ``windows`` yields groups of row groups for
    a shuffle buffer.
    """

    def __init__(self, directories: Path | Sequence[Path]) -> None:
        """One ``regions`` artifact or several (the SCAN layout comes as one file per split)."""
        self.groups: list[GroupRef] = []
        self.where: dict[str, tuple[int, int]] = {}  # image id -> (group, row in group)
        self.feature_dim = 0
        dirs = [directories] if isinstance(directories, (str, Path)) else list(directories)
        for path in (p for d in dirs for p in part_files(d, REGIONS)):
            pf = open_part(path, REGIONS)
            for g in range(pf.num_row_groups):
                t = pf.read_row_group(g, columns=["image_id", "split", "feature_dim"])
                ids = t.column("image_id").to_pylist()
                for row, image_id in enumerate(ids):
                    self.where[image_id] = (len(self.groups), row)
                self.feature_dim = max([self.feature_dim, *[d or 0 for d in t.column("feature_dim").to_pylist()]])
                self.groups.append(GroupRef(path, g, tuple(ids), tuple(t.column("split").to_pylist())))

    def __contains__(self, image_id: str) -> bool:
        return image_id in self.where

    def load_groups(self, groups: Iterable[int]) -> dict[str, ImageRegions]:
        """Every image of the given row groups (features are views into the read buffers)."""
        out: dict[str, ImageRegions] = {}
        for g in groups:
            ref = self.groups[g]
            table: pa.Table = open_part(ref.path, REGIONS, memory_map=True).read_row_group(ref.group,
                                                                                          columns=REGION_COLUMNS)
            feats = batch_features(table)
            meta = table.drop_columns(["features"]).to_pylist()
            for row, f in zip(meta, feats, strict=True):
                out[row["image_id"]] = image_regions(row, f, self.feature_dim)
        return out

    def load(self, image_ids: Iterable[str]) -> dict[str, ImageRegions]:
        ids = list(image_ids)
        missing = [i for i in ids if i not in self.where]
        if missing:
            raise KeyError(f"images without a row in the regions artifact: {missing[:5]}")
        loaded = self.load_groups(sorted({self.where[i][0] for i in ids}))
        return {i: loaded[i] for i in ids}

    def windows(self, image_ids: set[str], window: int, rng: np.random.Generator) -> Iterator[list[int]]:
        """The row groups holding ``image_ids`` in a random order, ``window`` at a time."""
        groups = sorted({self.where[i][0] for i in image_ids if i in self.where})
        order = [groups[k] for k in rng.permutation(len(groups))]
        window = max(1, window)
        for start in range(0, len(order), window):
            yield order[start:start + window]
