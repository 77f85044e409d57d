"""The spatial graph between an image's regions, with the geometry of each edge.

Shapes: ``boxes`` is (N, 4) as ``x0, y0, x1, y1`` in pixels; an edge ``i -> j`` carries
:data:`EDGE_FEATURES` computed from box ``i`` to box ``j``, normalised by the image size:

- ``dx, dy``: the offset of box j's centre from box i's, over the image width and height;
- ``rho, sin_theta, cos_theta``: the same offset in polar coordinates (as GSMN), ``rho`` over
  the image diagonal;
- ``iou``: intersection over union of the two boxes;
- ``log_area_ratio``: log of box j's area over box i's.

Edges link each region to its ``k`` nearest regions by centre distance (``k = 0``: all pairs).
"""

from __future__ import annotations

import numpy as np

from pipeline.schemas import REGION_EDGE_FEATURES as EDGE_FEATURES  # declared with the regions schema


def pairwise_iou(boxes: np.ndarray) -> np.ndarray:
    """(N, N) intersection over union."""
    b = boxes.astype(np.float64)
    area = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)
    x0 = np.maximum(b[:, None, 0], b[None, :, 0])
    y0 = np.maximum(b[:, None, 1], b[None, :, 1])
    x1 = np.minimum(b[:, None, 2], b[None, :, 2])
    y1 = np.minimum(b[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    union = area[:, None] + area[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def spatial_graph(boxes: np.ndarray, width: float, height: float, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``edge_index`` (2, E) int32 and ``edge_attr`` (E, 7) float32 for regions ``boxes``."""
    n = len(boxes)
    if n < 2:
        return np.zeros((2, 0), np.int32), np.zeros((0, len(EDGE_FEATURES)), np.float32)
    b = boxes.astype(np.float64)
    centre = np.stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2], axis=1)
    offset = centre[None, :, :] - centre[:, None, :]  # [i, j] = centre_j - centre_i
    dist = np.hypot(offset[..., 0], offset[..., 1])
    if k and k < n - 1:
        order = np.argsort(np.where(np.eye(n, dtype=bool), np.inf, dist), axis=1, kind="stable")[:, :k]
        src = np.repeat(np.arange(n), k)
        dst = order.reshape(-1)
    else:
        src, dst = np.nonzero(~np.eye(n, dtype=bool))
    dx = offset[src, dst, 0] / width
    dy = offset[src, dst, 1] / height
    rho = dist[src, dst] / np.hypot(width, height)
    theta = np.arctan2(offset[src, dst, 1], offset[src, dst, 0])
    area = np.clip(b[:, 2] - b[:, 0], 1e-6, None) * np.clip(b[:, 3] - b[:, 1], 1e-6, None)
    attr = np.stack([dx, dy, rho, np.sin(theta), np.cos(theta), pairwise_iou(b)[src, dst],
                     np.log(area[dst] / area[src])], axis=1)
    return np.stack([src, dst]).astype(np.int32), attr.astype(np.float32)
