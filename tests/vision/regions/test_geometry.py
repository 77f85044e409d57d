from __future__ import annotations

import math

import numpy as np
import pytest

from vision.regions.geometry import EDGE_FEATURES, pairwise_iou, spatial_graph


def test_edge_geometry_on_a_hand_made_case() -> None:
    # a 100 x 50 image; box 0 on the left, box 1 to its right and lower, box 2 overlapping box 0
    boxes = np.array([[0, 0, 20, 20], [60, 20, 80, 40], [10, 0, 30, 20]], np.float32)
    (src, dst), attr = spatial_graph(boxes, 100, 50, k=0)
    assert len(src) == 6 and set(zip(src.tolist(), dst.tolist(), strict=True)) == {
        (i, j) for i in range(3) for j in range(3) if i != j}
    e = dict(zip(EDGE_FEATURES, attr[list(zip(src, dst, strict=True)).index((0, 1))], strict=True))
    # centres (10, 10) -> (70, 30): offset (60, 20)
    assert e["dx"] == pytest.approx(0.6) and e["dy"] == pytest.approx(0.4)
    assert e["rho"] == pytest.approx(math.hypot(60, 20) / math.hypot(100, 50))
    assert (e["sin_theta"], e["cos_theta"]) == pytest.approx((20 / math.hypot(60, 20), 60 / math.hypot(60, 20)))
    assert e["iou"] == 0 and e["log_area_ratio"] == pytest.approx(0)
    overlap = dict(zip(EDGE_FEATURES, attr[list(zip(src, dst, strict=True)).index((0, 2))], strict=True))
    assert overlap["iou"] == pytest.approx(200 / 600)  # 10 x 20 shared of 400 + 400 - 200


def test_k_nearest_neighbours_and_degenerate_cases() -> None:
    boxes = np.array([[0, 0, 2, 2], [10, 0, 12, 2], [3, 0, 5, 2], [50, 0, 52, 2]], np.float32)
    (src, dst), attr = spatial_graph(boxes, 100, 100, k=1)
    assert dict(zip(src.tolist(), dst.tolist(), strict=True)) == {0: 2, 1: 2, 2: 0, 3: 1}
    assert attr.shape == (4, len(EDGE_FEATURES))
    (src, _), attr = spatial_graph(boxes[:1], 100, 100, k=0)
    assert src.size == 0 and attr.shape == (0, len(EDGE_FEATURES))
    assert pairwise_iou(np.array([[0, 0, 2, 2]], np.float32))[0, 0] == 1
