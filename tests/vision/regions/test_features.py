"""Features come back from the regions artifact exactly, as views or as one block per batch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from pipeline.artifacts import iter_batches, write_artifact
from pipeline.schemas import REGIONS
from vision.regions import batch_feature_block, batch_features


def rows(feats: list[np.ndarray], dtype: str = "float32") -> pa.Table:
    n = len(feats)
    return pa.Table.from_pylist([
        {"image_id": str(i), "split": "t", "width": 10, "height": 10, "boxes": [], "labels": [], "label_names": [],
         "scores": [], "feature_dim": f.shape[1] if f.size else 0, "feature_dtype": dtype,
         "features": f.astype(dtype).tobytes(), "edge_src": [], "edge_dst": [], "edge_attr": [], "backend": "t",
         "error": None} for i, f in enumerate(feats)], schema=REGIONS.arrow).slice(0, n)


def test_uniform_batches_decode_to_one_block(tmp_path: Path) -> None:
    feats = [np.arange(i, i + 12, dtype=np.float32).reshape(3, 4) for i in range(10)]
    write_artifact(tmp_path / "r", REGIONS, [rows(feats)])
    got = []
    for batch in iter_batches(tmp_path / "r", REGIONS, batch_rows=4):
        block = batch_feature_block(batch)
        assert block is not None and block.shape[1:] == (3, 4)
        got.extend(block)
    assert all(np.array_equal(a, b) for a, b in zip(got, feats, strict=True))


def test_ragged_batches_decode_row_by_row() -> None:
    feats = [np.ones((2, 3)), np.zeros((0, 3)), np.full((5, 3), 2.0)]
    table = rows(feats, "float16").slice(1)  # a sliced table: offsets do not start at zero
    assert batch_feature_block(table) is None
    views = batch_features(table)
    assert [v.shape for v in views] == [(0, 0), (5, 3)] and views[1].dtype == np.float16
    assert np.array_equal(views[1], np.full((5, 3), 2.0, np.float16))
