"""Images as region graphs: the ``regions`` artifact read by row group, batches as PyG ``Batch``es.

Shapes: ``R`` regions (nodes) of an image or a batch, ``D`` features a region, ``Er`` spatial
edges, ``G = len(REGION_EDGE_FEATURES)`` geometry values an edge (``pipeline.schemas``: dx, dy,
rho, sin_theta, cos_theta, iou, log_area_ratio), ``BOX_FEATURES`` box values a region.

A batch of images is a ``torch_geometric.data.Batch`` of region graphs: ``x`` (R, D) features
in the artifact's dtype (float16 features stay float16 until the encoder casts them on the
device: half the bytes to build, move and copy to a GPU), ``boxes`` (R, BOX_FEATURES) box
geometry normalised by the image size, ``edge_index`` (2, Er), ``edge_attr`` (Er, G), ``batch``
(R,) and ``num_graphs``.

Region features are never read whole: :class:`RegionStore` indexes the ``regions`` artifact by
row group (128 images of bottom-up features is ~40 MB) and loads the groups a batch needs into
:class:`ImageRegions`, numpy views of the decoded row group (the columnar storage underneath);
:func:`collate_regions` turns those into a ``Batch`` directly, equal to ``Batch.from_data_list``
of :meth:`ImageRegions.graph` (tested) and faster (``python -m benchmarks.bench_batches``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import torch
from torch_geometric.data import Batch, Data

from graph_models.batching import assemble_batch
from pipeline.artifacts import open_part, part_files
from pipeline.features import batch_features
from pipeline.schemas import REGION_EDGE_FEATURES, REGIONS

BOX_FEATURES = 5  # x0, y0, x1, y1, area, normalised by the image size
EDGE_GEOMETRY = len(REGION_EDGE_FEATURES)


@dataclass
class ImageRegions:
    """One image's regions as arrays (views into a loaded row group where possible)."""

    features: np.ndarray  # (R, D), the artifact's dtype
    boxes: np.ndarray  # (R, BOX_FEATURES) float32
    edges: np.ndarray  # (2, Er) int64
    edge_attr: np.ndarray  # (Er, EDGE_GEOMETRY) float32

    def graph(self) -> Data:
        """The image as a PyG ``Data``."""
        return Data(x=torch.from_numpy(self.features.copy()), boxes=torch.from_numpy(self.boxes.copy()),
                    edge_index=torch.from_numpy(self.edges.copy()), edge_attr=torch.from_numpy(self.edge_attr.copy()))


def image_regions(row: dict[str, Any], features: np.ndarray, feature_dim: int) -> ImageRegions:
    """An image's regions; an image without regions (an error row) gets one zero region."""
    if len(features) == 0:
        return ImageRegions(np.zeros((1, feature_dim), np.float32), np.zeros((1, BOX_FEATURES), np.float32),
                            np.zeros((2, 0), np.int64), np.zeros((0, EDGE_GEOMETRY), np.float32))
    boxes = np.asarray(row["boxes"], np.float32).reshape(-1, 4)
    w, h = float(row["width"] or 1), float(row["height"] or 1)
    geo = np.zeros((len(features), BOX_FEATURES), np.float32)
    if len(boxes) == len(features):
        geo[:, :4] = boxes / np.array([w, h, w, h], np.float32)
        geo[:, 4] = (geo[:, 2] - geo[:, 0]) * (geo[:, 3] - geo[:, 1])
    edges = np.stack([np.asarray(row["edge_src"], np.int64), np.asarray(row["edge_dst"], np.int64)])
    attr = np.asarray(row["edge_attr"], np.float32).reshape(-1, EDGE_GEOMETRY)
    return ImageRegions(features, geo, edges.reshape(2, -1), attr)


def collate_regions(images: Sequence[ImageRegions]) -> Batch:
    """Region graphs of several images as one Batch (``Batch.from_data_list`` of their graphs)."""
    sizes = np.array([len(im.features) for im in images], np.int64)
    edges = np.array([im.edges.shape[1] for im in images], np.int64)
    attrs = {
        "x": (np.concatenate([im.features for im in images]), sizes),
        "boxes": (np.concatenate([im.boxes for im in images]), sizes),
        "edge_index": (np.concatenate([im.edges for im in images], axis=1), edges),
        "edge_attr": (np.concatenate([im.edge_attr for im in images]), edges),
    }
    return assemble_batch(Data, sizes, attrs, node_index_keys=("edge_index",))


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

    def order_of(self, image_id: str) -> tuple[int, int]:
        """Where an image is stored, (row group, row); (-1, -1) for an image the store lacks."""
        return self.where.get(image_id, (-1, -1))

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
