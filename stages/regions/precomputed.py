"""The ``precomputed`` backend: bottom-up-attention features as the field distributes them.

- TSV (``image_id, image_w, image_h, num_boxes, boxes, features``; boxes and features base64
  float32), one image a line, read line by line.
- SCAN precomp: ``{split}_ims.npy`` of shape (N, R, D), memory-mapped and read in slices;
  optional ``{split}_boxes.npy`` (N, R, 4) and ``{split}_img_sizes.npy`` (N, 2: width, height);
  image ids from ``id_mapping.json`` order, else the distinct ids of ``{split}_ids.txt`` in
  order, else the row number. (Flickr30K's files repeat each image 5 times in some
  releases: rows are read with a stride when the id file says so.)

Each yields :class:`Record` objects one image at a time; a bad one carries an error and no
regions.
"""

from __future__ import annotations

import base64
import binascii
import csv
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TSV_FIELDS = ("image_id", "image_w", "image_h", "num_boxes", "boxes", "features")


@dataclass
class Record:
    image_id: str
    width: int | None
    height: int | None
    boxes: np.ndarray | None  # (R, 4) float32, or None when the source has none
    features: np.ndarray | None  # (R, D) float32
    error: str | None = None


def check(rec: Record) -> Record:
    """Refuse NaN or infinite features and boxes outside the image (an error, not a crash)."""
    if rec.error or rec.features is None:
        return rec
    if not np.isfinite(rec.features).all():
        rec.error = "features: NaN or infinite values"
    elif rec.boxes is not None and rec.width and rec.height:
        b = rec.boxes
        tol = 1.0
        if ((b[:, 0] < -tol) | (b[:, 1] < -tol) | (b[:, 2] > rec.width + tol) | (b[:, 3] > rec.height + tol)
                | (b[:, 2] < b[:, 0]) | (b[:, 3] < b[:, 1])).any():
            rec.error = f"boxes: outside the {rec.width}x{rec.height} image or inverted"
    if rec.error:
        rec.boxes = rec.features = None
    return rec


def read_tsv(path: Path, feature_dim: int | None = None) -> Iterator[Record]:
    csv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8", newline="") as fh:
        for line_no, row in enumerate(csv.reader(fh, delimiter="\t"), start=1):
            where = f"{path}:{line_no}"
            if len(row) != len(TSV_FIELDS):
                yield Record(row[0] if row else f"line:{line_no}", None, None, None, None,
                             f"row: {len(row)} fields, expected {len(TSV_FIELDS)} ({where})")
                continue
            image_id, w, h, n, boxes_b64, feats_b64 = row
            try:
                width, height, num = int(float(w)), int(float(h)), int(n)
                boxes = np.frombuffer(base64.b64decode(boxes_b64, validate=True), np.float32)
                feats = np.frombuffer(base64.b64decode(feats_b64, validate=True), np.float32)
            except (ValueError, binascii.Error) as exc:
                yield Record(image_id, None, None, None, None, f"row: bad number or base64 ({exc}) ({where})")
                continue
            if boxes.size != num * 4:
                yield Record(image_id, width, height, None, None,
                             f"boxes: {boxes.size} values for {num} boxes ({where})")
                continue
            if num == 0 or feats.size % num or (feature_dim and feats.size != num * feature_dim):
                yield Record(image_id, width, height, None, None,
                             f"features: {feats.size} values do not fit {num} boxes ({where})")
                continue
            yield check(Record(image_id, width, height, boxes.reshape(num, 4).copy(),
                               feats.reshape(num, -1)))


def precomp_ids(directory: Path, split: str, rows: int) -> tuple[list[str], int]:
    """Image ids of the rows of ``{split}_ims.npy``, and the stride between distinct images."""
    mapping = directory / "id_mapping.json"
    ids_file = directory / f"{split}_ids.txt"
    if ids_file.exists():
        ids = [line.strip() for line in ids_file.read_text(encoding="utf-8").splitlines() if line.strip()]
        distinct = list(dict.fromkeys(ids))
        if len(ids) == rows:  # one feature row per caption: keep the first of each image
            stride = len(ids) // max(len(distinct), 1)
            return distinct, stride if stride * len(distinct) == rows else 1
        if len(distinct) == rows:
            return distinct, 1
    if mapping.exists():
        keys = list(json.loads(mapping.read_text(encoding="utf-8")))
        if len(keys) == rows:
            return keys, 1
    return [str(i) for i in range(rows)], 1


def read_precomp(directory: Path, split: str, chunk: int = 256) -> Iterator[Record]:
    ims_path = directory / f"{split}_ims.npy"
    ims = np.load(ims_path, mmap_mode="r")
    if ims.ndim != 3:
        raise ValueError(f"{ims_path}: expected shape (images, regions, dim), found {ims.shape}")
    boxes = np.load(directory / f"{split}_boxes.npy", mmap_mode="r") if (directory / f"{split}_boxes.npy").exists() else None
    sizes = (np.load(directory / f"{split}_img_sizes.npy", mmap_mode="r")
             if (directory / f"{split}_img_sizes.npy").exists() else None)
    ids, stride = precomp_ids(directory, split, len(ims))
    for start in range(0, len(ids), chunk):
        rows = np.arange(start, min(start + chunk, len(ids))) * stride
        block = np.asarray(ims[rows[0]: rows[-1] + 1: stride], dtype=np.float32)
        bblock = np.asarray(boxes[rows[0]: rows[-1] + 1: stride], dtype=np.float32) if boxes is not None else None
        for k, row in enumerate(rows):
            w = h = None
            if sizes is not None:
                w, h = int(sizes[row][0]), int(sizes[row][1])
            yield check(Record(ids[start + k], w, h, bblock[k] if bblock is not None else None, block[k]))
