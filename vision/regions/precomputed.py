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

from pipeline.errors import InputError
from pipeline.text import read_lines, read_text

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


def _tsv_rows(path: Path) -> Iterator[list[str]]:
    """The tab-separated fields of each line (no quoting: base64 needs none), file errors named."""
    csv.field_size_limit(sys.maxsize)
    lines = 0  # read so far, for the error's line number
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                lines += 1
                yield row
    except FileNotFoundError:
        raise InputError(str(path), "", "file not found") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}:{lines + 1}", "", f"not UTF-8 text ({exc.reason})") from None
    except (OSError, csv.Error) as exc:
        raise InputError(f"{path}:{lines + 1}", "", f"not a readable TSV file ({exc})") from None


def read_tsv(path: Path, feature_dim: int | None = None) -> Iterator[Record]:
    for line_no, row in enumerate(_tsv_rows(path), start=1):
        where = f"{path}:{line_no}"
        if len(row) != len(TSV_FIELDS):
            yield Record(row[0] if row else f"line:{line_no}", None, None, None, None,
                         f"row: {len(row)} fields, expected {len(TSV_FIELDS)} ({where})")
            continue
        image_id, w, h, n, boxes_b64, feats_b64 = row
        try:
            width, height, num = int(float(w)), int(float(h)), int(n)
            if not (0 < width < 2**31 and 0 < height < 2**31 and 0 <= num < 2**31):
                raise ValueError(f"size {width}x{height} or {num} boxes out of range")
            boxes = np.frombuffer(base64.b64decode(boxes_b64, validate=True), np.float32)
            feats = np.frombuffer(base64.b64decode(feats_b64, validate=True), np.float32)
        except (ValueError, OverflowError, binascii.Error) as exc:
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
        ids = [line.strip() for line in read_lines(ids_file) if line.strip()]
        distinct = list(dict.fromkeys(ids))
        if len(ids) == rows:  # one feature row per caption: keep the first of each image
            stride = len(ids) // max(len(distinct), 1)
            return distinct, stride if stride * len(distinct) == rows else 1
        if len(distinct) == rows:
            return distinct, 1
    if mapping.exists():
        try:
            data = json.loads(read_text(mapping))
        except (json.JSONDecodeError, RecursionError) as exc:
            raise InputError(str(mapping), "", f"not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise InputError(str(mapping), "", "expected an object of image id to path")
        keys = list(data)
        if len(keys) == rows:
            return keys, 1
    return [str(i) for i in range(rows)], 1


def load_array(path: Path, shape: tuple[int | str, ...], required: bool = True) -> np.ndarray | None:
    """A numeric ``.npy`` file, memory-mapped, whose shape matches ``shape`` (a name stands for
    any size); None when it is absent and not ``required``. An object array is refused without
    being loaded: loading it would unpickle it, which runs code."""
    if not path.exists() and not required:
        return None
    try:
        with open(path, "rb") as fh:
            magic = fh.read(6)
    except FileNotFoundError:
        raise InputError(str(path), "", "file not found") from None
    except OSError as exc:
        raise InputError(str(path), "", f"cannot be read ({exc.strerror})") from None
    if magic != b"\x93NUMPY":
        raise InputError(str(path), "", "not a .npy file (no NumPy header)")
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        objects = "object" in str(exc).lower() or "pickle" in str(exc).lower()
        raise InputError(str(path), "", "holds Python objects (refused: loading them would run code)" if objects
                         else f"not a readable .npy array ({exc})") from None
    if array.dtype.kind not in "biuf":
        raise InputError(str(path), "", f"expected a numeric array, found dtype {array.dtype}")
    if array.ndim != len(shape) or any(isinstance(d, int) and d != n for d, n in zip(shape, array.shape, strict=False)):
        want = "(" + ", ".join(str(d) for d in shape) + ")"
        raise InputError(str(path), "", f"expected shape {want}, found {array.shape}")
    return array


def read_precomp(directory: Path, split: str, chunk: int = 256) -> Iterator[Record]:
    ims = load_array(directory / f"{split}_ims.npy", ("images", "regions", "dim"))
    assert ims is not None
    n, regions = ims.shape[:2]
    boxes = load_array(directory / f"{split}_boxes.npy", (n, regions, 4), required=False)
    sizes = load_array(directory / f"{split}_img_sizes.npy", (n, 2), required=False)
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
