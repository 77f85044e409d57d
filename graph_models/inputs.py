"""What training and evaluation read from the artifacts, in one place.

Captions come from ``text_graphs`` (rows with an error or whose image has no row in
``regions`` are skipped and counted), generated negatives from ``negatives`` (verified ones),
phrase labels from ``image_labels`` and LSEH vectors from ``caption_vectors``. The text side of
a split is small (a few hundred bytes a caption) and is read whole; region features are not
(:class:`graph_models.regions.RegionStore`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from graph_models.regions import RegionStore
from pipeline.artifacts import read_table
from pipeline.schemas import CAPTION_VECTORS, IMAGE_LABELS, NEGATIVES, TEXT_GRAPHS

log = logging.getLogger(__name__)

GRAPH_COLUMNS = ["caption_id", "image_id", "split", "tokens", "objects", "relations", "error"]
NEGATIVE_COLUMNS = ["caption_id", "split", "negative", "type", "verified", "tokens", "objects", "relations"]


def read_graphs(text_graphs: Sequence[Path]) -> pa.Table:
    """The caption columns of one or several ``text_graphs`` artifacts, as one Arrow table."""
    return pa.concat_tables([read_table(d, TEXT_GRAPHS, GRAPH_COLUMNS) for d in text_graphs])


def _of_split(table: pa.Table, split: str) -> pa.Table:
    """The rows of ``split``, filtered in Arrow before any becomes a Python dict."""
    return table.filter(pc.equal(table["split"], split))


def split_captions(graphs: pa.Table, split: str, store: RegionStore) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The usable caption rows of ``split`` (of :func:`read_graphs`) and counts of the skipped ones."""
    rows = _of_split(graphs, split).to_pylist()
    errors = sum(r["error"] is not None for r in rows)
    no_image = sum(r["error"] is None and r["image_id"] not in store for r in rows)
    usable = [r for r in rows if r["error"] is None and r["image_id"] in store]
    if no_image:
        log.warning("%d %s captions have no image in the regions artifact: skipped", no_image, split)
    return usable, {"captions": len(rows), "used": len(usable), "errors": errors, "without_regions": no_image}


def verified_negatives(path: Path, split: str) -> list[dict[str, Any]]:
    table = _of_split(read_table(path, NEGATIVES, NEGATIVE_COLUMNS), split)
    return table.filter(table["verified"]).to_pylist()


def image_phrases(path: Path, split: str) -> dict[str, frozenset[str]]:
    """Each image's label set: its entities, attribute pairs and triples."""
    table = _of_split(read_table(path, IMAGE_LABELS, ["image_id", "split", "entities", "attributes", "triples"]),
                      split)
    return {r["image_id"]: frozenset(x["phrase"] for k in ("entities", "attributes", "triples") for x in r[k])
            for r in table.to_pylist()}


def caption_vectors(path: Path, caption_ids: list[str]) -> np.ndarray:
    """(captions, S) float32 in the order of ``caption_ids``; a caption without one gets zeros."""
    table = read_table(path, CAPTION_VECTORS, ["caption_id", "vector"])
    index = {c: i for i, c in enumerate(table.column("caption_id").to_pylist())}
    vectors = table.column("vector").combine_chunks()
    dim = len(vectors[0]) if len(vectors) else 0
    flat = vectors.flatten().to_numpy(zero_copy_only=False).reshape(-1, dim) if dim else np.zeros((0, 0))
    out = np.zeros((len(caption_ids), dim), np.float32)
    found = [(k, index[c]) for k, c in enumerate(caption_ids) if c in index]
    if found:
        rows, src = np.array(found).T
        out[rows] = flat[src]
    if len(found) < len(caption_ids):
        log.warning("%d captions have no semantic vector: zeros", len(caption_ids) - len(found))
    return out


def image_phrase_labels(path: Path, split: str, kinds: Sequence[str] = ("entities", "attributes")
                        ) -> dict[str, dict[str, frozenset[str]]]:
    """Each image's label phrases of some kinds (``entities``, ``attributes``, ``triples``), kept
    apart by kind: ``{image_id: {kind: phrases}}`` (evaluation scores each kind on its own)."""
    table = _of_split(read_table(path, IMAGE_LABELS, ["image_id", "split", *kinds]), split)
    return {r["image_id"]: {k: frozenset(x["phrase"] for x in r[k]) for k in kinds} for r in table.to_pylist()}
