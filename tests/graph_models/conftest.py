"""Tiny hand-built inputs for the graph_models tests: a world of coloured shapes.

Images (``regions`` rows; D = 6 features, one-hot colour red/green/blue then one-hot shape
circle/square/triangle; boxes in pixels of a 100 x 50 image):

- ``img0``: a red circle (left) and a blue square (right), an edge each way;
- ``img1``: the same boxes and edges with the colours swapped: a blue circle and a red square;
- ``img2``: two green triangles above a red circle, three edges.

Captions (``text_graphs`` rows), text-graph nodes in brackets:

- ``c0`` (img0) "a red circle left of a blue square" [5]
- ``c1`` (img0) "a blue square right of a red circle" [5]
- ``c2`` (img1) "a blue circle left of a red square" [5]
- ``c3`` (img2) "two green triangles above a red circle" [6: the count is an attribute node]
- ``c4`` (img2) "a green triangle" [2, no relation]
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from graph_models.matchers import MATCHERS, Matcher
from graph_models.regions import ImageRegions, image_regions
from graph_models.text_graphs import WordIndex, graph_words
from pipeline.artifacts import write_artifact
from pipeline.schemas import REGION_EDGE_FEATURES, REGIONS

COLOURS = ("red", "green", "blue")
SHAPES = ("circle", "square", "triangle")
FEATURE_DIM = len(COLOURS) + len(SHAPES)
WIDTH, HEIGHT = 100, 50
LEFT, RIGHT = (10.0, 10.0, 40.0, 40.0), (60.0, 10.0, 90.0, 40.0)
TOP_LEFT, TOP_RIGHT, BOTTOM = (10.0, 0.0, 30.0, 20.0), (60.0, 0.0, 80.0, 20.0), (35.0, 30.0, 65.0, 50.0)

Region = tuple[str, str, tuple[float, float, float, float]]  # colour, shape, box


def obj(lemma: str, *attributes: str, count: str | None = None) -> dict[str, Any]:
    return {"lemma": lemma, "attributes": list(attributes), "count": count}


def rel(subject: int, predicate: str, object_: int) -> dict[str, Any]:
    return {"subject": subject, "object": object_, "predicate": predicate}


def caption(caption_id: str, image_id: str, text: str, objects: list[dict[str, Any]],
            relations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"caption_id": caption_id, "image_id": image_id, "tokens": text.split(), "objects": objects,
            "relations": relations}


def features_of(regions: Sequence[Region]) -> np.ndarray:
    x = np.zeros((len(regions), FEATURE_DIM), np.float32)
    for k, (colour, shape, _) in enumerate(regions):
        x[k, COLOURS.index(colour)] = 1.0
        x[k, len(COLOURS) + SHAPES.index(shape)] = 1.0
    return x


def edge_geometry(a: Sequence[float], b: Sequence[float]) -> list[float]:
    """Deterministic numbers standing in for the REGION_EDGE_FEATURES of the edge a -> b."""
    dx, dy = ((b[0] + b[2]) - (a[0] + a[2])) / 2 / WIDTH, ((b[1] + b[3]) - (a[1] + a[3])) / 2 / HEIGHT
    wa, ha, wb, hb = a[2] - a[0], a[3] - a[1], b[2] - b[0], b[3] - b[1]
    values = [dx, dy, math.hypot(dx, dy), math.atan2(dy, dx), 0.0, wb / wa, hb / ha]
    return values[: len(REGION_EDGE_FEATURES)]


def region_row(image_id: str, regions: Sequence[Region], edges: Sequence[tuple[int, int]], split: str = "train",
               feature_dtype: str = "float32", features: np.ndarray | None = None) -> dict[str, Any]:
    """One ``regions`` artifact row; no regions makes an error row (as a failed detection does)."""
    if not regions and features is None:
        return {"image_id": image_id, "split": split, "width": WIDTH, "height": HEIGHT, "boxes": [], "labels": [],
                "label_names": [], "scores": [], "feature_dim": 0, "feature_dtype": feature_dtype, "features": b"",
                "edge_src": [], "edge_dst": [], "edge_attr": [], "backend": "test", "error": "no detection"}
    x = features_of(regions) if features is None else features
    boxes = [list(box) for _, _, box in regions]
    return {"image_id": image_id, "split": split, "width": WIDTH, "height": HEIGHT, "boxes": boxes,
            "labels": [SHAPES.index(s) for _, s, _ in regions], "label_names": [s for _, s, _ in regions],
            "scores": [0.9] * len(regions), "feature_dim": x.shape[1], "feature_dtype": feature_dtype,
            "features": x.astype(feature_dtype).tobytes(), "edge_src": [s for s, _ in edges],
            "edge_dst": [d for _, d in edges], "edge_attr": [edge_geometry(boxes[s], boxes[d]) for s, d in edges],
            "backend": "test", "error": None}


def regions_of(row: dict[str, Any]) -> ImageRegions:
    """The adapter's view of a regions row (what RegionStore.load gives for it)."""
    x = np.frombuffer(row["features"], row["feature_dtype"]).reshape(-1, row["feature_dim"] or FEATURE_DIM)
    return image_regions(row, x, FEATURE_DIM)


IMAGES: dict[str, tuple[list[Region], list[tuple[int, int]]]] = {
    "img0": ([("red", "circle", LEFT), ("blue", "square", RIGHT)], [(0, 1), (1, 0)]),
    "img1": ([("blue", "circle", LEFT), ("red", "square", RIGHT)], [(0, 1), (1, 0)]),
    "img2": ([("green", "triangle", TOP_LEFT), ("green", "triangle", TOP_RIGHT), ("red", "circle", BOTTOM)],
             [(0, 2), (1, 2), (2, 0)]),
}

CAPTIONS = [
    caption("c0", "img0", "a red circle left of a blue square", [obj("circle", "red"), obj("square", "blue")],
            [rel(0, "left of", 1)]),
    caption("c1", "img0", "a blue square right of a red circle", [obj("square", "blue"), obj("circle", "red")],
            [rel(0, "right of", 1)]),
    caption("c2", "img1", "a blue circle left of a red square", [obj("circle", "blue"), obj("square", "red")],
            [rel(0, "left of", 1)]),
    caption("c3", "img2", "two green triangles above a red circle",
            [obj("triangle", "green", count="two"), obj("circle", "red")], [rel(0, "above", 1)]),
    caption("c4", "img2", "a green triangle", [obj("triangle", "green")], []),
]


@dataclass
class Shapes:
    rows: list[dict[str, Any]]  # text_graphs rows c0..c4
    words: WordIndex
    region_rows: dict[str, dict[str, Any]]  # image id -> regions row
    images: dict[str, ImageRegions]  # image id -> the adapter's arrays
    feature_dim: int = FEATURE_DIM


@pytest.fixture
def shapes() -> Shapes:
    rows = [dict(r) for r in CAPTIONS]
    region_rows = {im: region_row(im, *spec) for im, spec in IMAGES.items()}
    return Shapes(rows, WordIndex.build((graph_words(r) for r in rows), min_count=1), region_rows,
                  {im: regions_of(r) for im, r in region_rows.items()})


def _write_regions(directory: Path, parts: Sequence[Sequence[dict[str, Any]]]) -> Path:
    """A ``regions`` artifact with one part (one row group) per item of ``parts``."""
    tables = [REGIONS.table({name: [r[name] for r in rows] for name in REGIONS.column_names}) for rows in parts]
    write_artifact(directory, REGIONS, tables)
    return directory


@pytest.fixture
def write_regions() -> Callable[[Path, Sequence[Sequence[dict[str, Any]]]], Path]:
    return _write_regions


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Iterator[None]:
    """Tiny tensors gain nothing from intra-op threads, and on a busy machine OpenMP's
    contention makes a 5-node TransformerConv step hundreds of times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


MATCHER_SIZES = {"dim": 16, "word_dim": 8, "layers": 2, "heads": 2, "temperature": 5.0, "rho": 1.0}


def matcher_params(name: str, **overrides: Any) -> Any:
    """The Params of matcher ``name`` at the tiny sizes (each matcher takes the fields it declares)."""
    cls = MATCHERS.get(name).Params
    values = {**MATCHER_SIZES, **overrides}
    return cls(**{f.name: values[f.name] for f in dataclasses.fields(cls)})


@pytest.fixture
def make_matcher(shapes: Shapes) -> Callable[..., Matcher]:
    """``make_matcher(name, **overrides)``: a tiny matcher for the shapes world, seeded."""

    def make(name: str, **overrides: Any) -> Matcher:
        torch.manual_seed(0)
        return MATCHERS.get(name)(len(shapes.words), FEATURE_DIM, matcher_params(name, **overrides))

    return make


RANKING_DEFAULTS = {"kind": "sum", "warmup_epochs": 0, "margin": 0.2, "semantic": "none", "lseh_alpha": 0.185,
                    "lseh_lambda": 0.025, "ahrl_top_k": 5, "ahrl_temperature": 0.1, "ahrl_weight": 1.0,
                    "ahrl_margin_shrink": 0.5}
TERM_DEFAULTS = {"global": {"weight": 0.0}, "generated": {"weight": 0.0, "margin": 0.2},
                 "phrase": {"weight": 0.0, "kind": "bce", "temperature": MATCHER_SIZES["temperature"]},
                 "adversarial": {"weight": 0.0, "warmup_epochs": 0}}


def objective_of(matcher: Matcher, ranking: dict[str, Any] | None = None, **terms: dict[str, Any]) -> Any:
    """A MatchingObjective: ``ranking`` changes of RANKING_DEFAULTS, ``terms[name]`` changes of
    TERM_DEFAULTS[name] (every term is given; a weight of 0 leaves it off)."""
    from graph_models.losses import LOSS_TERMS, RankingParams
    from graph_models.objective import MatchingObjective

    params = {name: LOSS_TERMS.get(name).Params(**{**TERM_DEFAULTS[name], **terms.get(name, {})})
              for name in TERM_DEFAULTS}
    return MatchingObjective(matcher, RankingParams(**{**RANKING_DEFAULTS, **(ranking or {})}), params)


@pytest.fixture
def make_objective() -> Callable[..., Any]:
    return objective_of
