"""The ``shapes`` backend: a classical detector for the built-in synthetic world.

The background is the most common colour of the image border; every other colour is
segmented into connected components (scipy), and each component large enough is a region.
Its feature carries colour, shape and size: mean RGB, fill ratio (area over box area), the
share of the area in the top half and in the left half, the box's aspect, its width, height
and area relative to the image, and its centre. Its label names the nearest palette colour and
the shape a few of those descriptors suggest ("red circle").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from vision.world import COLORS

FEATURES = ("r", "g", "b", "fill", "top_share", "left_share", "aspect", "width", "height", "area", "cx", "cy")
SHAPE_NAMES = ("circle", "square", "triangle", "diamond", "star", "cross")
LABEL_NAMES = tuple(f"{c} {s}" for c in COLORS for s in SHAPE_NAMES)


@dataclass
class Detection:
    boxes: np.ndarray  # (N, 4) float32, x0 y0 x1 y1 (x1, y1 exclusive)
    labels: np.ndarray  # (N,) int32 into LABEL_NAMES
    scores: np.ndarray  # (N,) float32
    features: np.ndarray  # (N, len(FEATURES)) float32


def _background(img: np.ndarray) -> np.ndarray:
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    colours, counts = np.unique(border.reshape(-1, 3), axis=0, return_counts=True)
    return colours[np.argmax(counts)]


def _shape_of(fill: float, top: float, mask: np.ndarray) -> tuple[str, float]:
    """A guess from simple descriptors (measured on the world's shapes), with a confidence."""
    h, w = mask.shape
    if fill > 0.93:
        return "square", 0.95
    if top < 0.38:
        return "triangle", 0.9
    if fill < 0.47:
        return "star", 0.85
    if fill < 0.58:
        return "diamond", 0.85
    # a circle covers the point a fifth of the way in from a corner; a cross does not
    return ("circle", 0.9) if mask[h // 5, w // 5] else ("cross", 0.85)


def detect(img: np.ndarray, min_pixels: int = 6) -> Detection:
    """Regions of an (H, W, 3) uint8 image."""
    height, width = img.shape[:2]
    bg = _background(img)
    foreground = np.any(img != bg, axis=2)
    colours = np.unique(img[foreground].reshape(-1, 3), axis=0) if foreground.any() else np.zeros((0, 3), np.uint8)
    palette = np.array(list(COLORS.values()), dtype=np.float64)
    boxes, labels, scores, feats = [], [], [], []
    for colour in colours:
        mask = np.all(img == colour, axis=2)
        components, n = ndimage.label(mask)
        for sl, idx in zip(ndimage.find_objects(components), range(1, n + 1), strict=True):
            part = components[sl] == idx
            area = int(part.sum())
            if area < min_pixels:
                continue
            y0, y1, x0, x1 = sl[0].start, sl[0].stop, sl[1].start, sl[1].stop
            h, w = y1 - y0, x1 - x0
            # a hole left by a shape drawn inside counts as the region's own area
            solid = ndimage.binary_fill_holes(part)
            fill = float(solid.sum()) / (h * w)
            rows = solid.sum(axis=1)
            cols = solid.sum(axis=0)
            top = float(rows[: h // 2].sum() + (rows[h // 2] / 2 if h % 2 else 0)) / max(float(solid.sum()), 1)
            left = float(cols[: w // 2].sum() + (cols[w // 2] / 2 if w % 2 else 0)) / max(float(solid.sum()), 1)
            shape, conf = _shape_of(fill, top, solid)
            colour_name = int(np.argmin(((palette - colour) ** 2).sum(axis=1)))
            boxes.append([x0, y0, x1, y1])
            labels.append(colour_name * len(SHAPE_NAMES) + SHAPE_NAMES.index(shape))
            scores.append(conf)
            feats.append([*(colour / 255.0), fill, top, left, w / h, w / width, h / height,
                          float(solid.sum()) / (width * height), (x0 + x1) / 2 / width, (y0 + y1) / 2 / height])
    return Detection(np.array(boxes, np.float32).reshape(-1, 4), np.array(labels, np.int32),
                     np.array(scores, np.float32), np.array(feats, np.float32).reshape(-1, len(FEATURES)))
