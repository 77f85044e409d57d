"""The ``features`` column of a ``regions`` artifact as numpy arrays, without copying its bytes.

A row holds ``num_regions x feature_dim`` values of ``feature_dtype``, row-major, in one binary
cell (:data:`pipeline.schemas.REGIONS`); these views let readers (training, the benchmarks) use
the decoded row group in place.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa


def batch_features(batch: pa.RecordBatch | pa.Table) -> list[np.ndarray]:
    """The ``features`` of a regions batch as arrays (num_regions, feature_dim), without copying
    the bytes: views into Arrow's buffer."""
    column = batch.column("features")
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    dims = batch.column("feature_dim").to_pylist()
    dtypes = batch.column("feature_dtype").to_pylist()
    out: list[np.ndarray] = []
    k = 0
    for chunk in chunks:
        _, offsets_buf, data = chunk.buffers()
        offsets = np.frombuffer(offsets_buf, np.int64, count=len(chunk) + 1, offset=chunk.offset * 8)
        for i in range(len(chunk)):
            dtype = np.dtype(dtypes[k])
            n = int(offsets[i + 1] - offsets[i]) // dtype.itemsize
            view = np.frombuffer(data, dtype, count=n, offset=int(offsets[i])) if n else np.zeros(0, dtype)
            out.append(view.reshape(-1, dims[k]) if dims[k] else view.reshape(0, 0))
            k += 1
    return out


def batch_feature_block(batch: pa.RecordBatch | pa.Table) -> np.ndarray | None:
    """When every row of the batch has the same number of regions, dimension and dtype (as
    precomputed features do), all its features as one (rows, regions, dim) view; else None."""
    column = batch.column("features")
    if isinstance(column, pa.ChunkedArray):
        if column.num_chunks != 1:
            return None
        column = column.chunk(0)
    dims, dtypes = set(batch.column("feature_dim").to_pylist()), set(batch.column("feature_dtype").to_pylist())
    if len(dims) != 1 or len(dtypes) != 1 or len(column) == 0:
        return None
    dim, dtype = dims.pop(), np.dtype(dtypes.pop())
    _, offsets_buf, data = column.buffers()
    offsets = np.frombuffer(offsets_buf, np.int64, count=len(column) + 1, offset=column.offset * 8)
    sizes = np.diff(offsets)
    if not dim or (sizes != sizes[0]).any() or sizes[0] % (dim * dtype.itemsize):
        return None
    regions = int(sizes[0]) // (dim * dtype.itemsize)
    return np.frombuffer(data, dtype, count=len(column) * regions * dim, offset=int(offsets[0])).reshape(
        len(column), regions, dim)
