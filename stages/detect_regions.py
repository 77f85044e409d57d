"""Stage ``detect_regions``: region boxes, labels, scores, features and the spatial graph.

Backends (``detect_regions.backend``):

- ``shapes``: finds the shapes of the built-in synthetic world in the pixels
  (:mod:`vision.regions.shapes`); reads the ``images`` artifact and ``--image-root``.
- ``precomputed``: bottom-up-attention features as distributed, from ``--input``: a TSV file
  or a SCAN precomp directory (:mod:`vision.regions.precomputed`). Read and written in
  slices, so COCO's 36 GB of features never sit in memory.
- ``torchvision``: Faster R-CNN from a local weights file, features pooled from the box head
  (:mod:`vision.regions.torchvision_backend`; the ``torchvision`` extra).
- ``detectron2``: a detectron2 model from local config and weights files, when detectron2 is
  importable (:mod:`vision.regions.detectron2_backend`); otherwise the stage says how to get it.

Every image gets one row, except those ingest recorded with an error: they are never opened
(their paths are not to be trusted) and are counted in the metrics (``skipped_ingest_errors``).
Pictures are opened through :func:`pipeline.images.open_image`, never outside ``--image-root``
(symlinks resolved when the file is opened). The spatial graph links each region to its
``graph_k`` nearest (0: all pairs) with the geometry of :mod:`vision.regions.geometry`.
Features are stored as ``feature_dtype``. Bad input (a missing or corrupt picture, a path
that leads outside the root, boxes outside the image, NaN or wrong-length features, a bad
base64 field) follows ``on_error``: ``record`` keeps the image's
row with the reason in ``error`` and no regions, ``fail`` stops at the first one.

Example::

    python -m stages.detect_regions --params params.yaml --images data/images \\
        --image-root data/world_images --out data/regions --metrics metrics/detect_regions.json
"""

from __future__ import annotations

import argparse
import itertools
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
from PIL import Image, UnidentifiedImageError

from pipeline.artifacts import atomic_directory, read_table, write_artifact, write_json, write_part
from pipeline.errors import InputError
from pipeline.images import open_image
from pipeline.parallel import dask_client, map_partitions
from pipeline.params import Fraction, NonNegativeInt, PositiveInt, load_section
from pipeline.schemas import IMAGES, REGIONS
from pipeline.stage import METRICS, Port, StageSpec, run_stage
from vision.regions import precomputed, shapes
from vision.regions.detectron2_backend import PickleRefused
from vision.regions.geometry import spatial_graph
from vision.regions.torchvision_backend import COCO_NAMES, MissingDependency

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegionParams:
    backend: Literal["shapes", "precomputed", "torchvision", "detectron2"]
    feature_dtype: Literal["float16", "float32"]
    graph_k: NonNegativeInt  # neighbours per region in the spatial graph; 0 links all pairs
    on_error: Literal["record", "fail"]
    precomputed_format: Literal["tsv", "npy"]
    precomputed_split: str  # npy: the file prefix ({split}_ims.npy), or several: train,dev,test
    images_per_task: PositiveInt
    rows_per_part: PositiveInt
    torchvision_weights: str  # Faster R-CNN state dict; "" runs with random weights (for testing the path)
    detectron2_config: str  # detectron2: the model's config file (.yaml)
    detectron2_weights: str  # detectron2: its weights file (.pth; .pkl only with detectron2_allow_pickle)
    detectron2_allow_pickle: bool  # true lets detectron2 unpickle .pkl weights, which runs code the file holds
    device: str  # cpu | cuda | cuda:1 ...
    top_k: PositiveInt  # regions kept per image (detectors)
    score_threshold: Fraction
    nms_iou: Fraction


def region_row(image_id: str, split: str | None, width: int | None, height: int | None, boxes: np.ndarray | None,
               features: np.ndarray | None, labels: Sequence[int], label_names: Sequence[str],
               scores: Sequence[float], params: RegionParams, backend: str, error: str | None) -> dict[str, Any]:
    """One row of the regions artifact (the graph computed here)."""
    if error is not None or features is None:
        return {"image_id": image_id, "split": split, "width": width, "height": height, "boxes": [], "labels": [],
                "label_names": [], "scores": [], "feature_dim": 0, "feature_dtype": params.feature_dtype,
                "features": b"", "edge_src": [], "edge_dst": [], "edge_attr": [], "backend": backend, "error": error}
    src = dst = np.zeros(0, np.int32)
    attr = np.zeros((0, 7), np.float32)
    if boxes is not None and width and height:
        (src, dst), attr = spatial_graph(boxes, width, height, params.graph_k)
    return {"image_id": image_id, "split": split, "width": width, "height": height,
            "boxes": boxes.tolist() if boxes is not None else [], "labels": list(labels),
            "label_names": list(label_names), "scores": list(scores), "feature_dim": int(features.shape[1]),
            "feature_dtype": params.feature_dtype, "features": features.astype(params.feature_dtype).tobytes(),
            "edge_src": src.tolist(), "edge_dst": dst.tolist(), "edge_attr": attr.tolist(), "backend": backend,
            "error": None}


def _require_detector(params: RegionParams) -> None:
    if params.backend == "detectron2":
        from vision.regions import detectron2_backend

        detectron2_backend.require(params.detectron2_config, params.detectron2_weights,
                                   params.detectron2_allow_pickle)
    else:
        from vision.regions import torchvision_backend

        torchvision_backend.require(params.torchvision_weights)


@lru_cache(maxsize=1)
def _detector(params: RegionParams) -> Any:
    """The detector of this process (dask workers load it once)."""
    if params.backend == "detectron2":
        from vision.regions.detectron2_backend import Detectron2Detector

        return Detectron2Detector(params.detectron2_config, params.detectron2_weights, params.device, params.top_k,
                                  params.score_threshold, params.detectron2_allow_pickle)
    from vision.regions.torchvision_backend import TorchvisionDetector

    return TorchvisionDetector(params.torchvision_weights, params.device, params.top_k, params.score_threshold,
                               params.nms_iou)


def detect_images(images: Sequence[dict[str, Any]], image_root: str, params: RegionParams, tmp: str,
                  part: int) -> dict[str, int]:
    """Detect the regions of some images (shapes or torchvision) and write their part; returns error counts."""
    rows, errors = [], Counter()
    for im in images:
        try:
            pixels = read_pixels(Path(image_root), im)
        except InputError as exc:
            errors[exc.field] += 1
            if params.on_error == "fail":
                raise
            rows.append(region_row(im["image_id"], im["split"], im["width"], im["height"], None, None, [], [], [],
                                   params, params.backend, f"{exc.field}: {exc.problem}"))
            continue
        det = shapes.detect(pixels) if params.backend == "shapes" else _detector(params).detect(pixels)
        height, width = pixels.shape[:2]
        rows.append(region_row(im["image_id"], im["split"], width, height, det.boxes, det.features,
                               det.labels.tolist(), [_label_name(params.backend, int(k)) for k in det.labels],
                               det.scores.tolist(), params, params.backend, None))
    write_part(Path(tmp), part, pa.Table.from_pylist(rows, schema=REGIONS.arrow), REGIONS)
    return dict(errors)


def read_pixels(image_root: Path, image: dict[str, Any]) -> np.ndarray:
    """The (H, W, 3) pixels of an ``images`` row, opened below ``image_root`` only
    (:func:`pipeline.images.open_image`); a file that is no readable picture is an InputError."""
    with open_image(image_root, image) as fh:
        try:
            with Image.open(fh) as pic:
                return np.asarray(pic.convert("RGB"))
        except UnidentifiedImageError:
            problem = "not a picture format PIL reads"
        except Image.DecompressionBombError as exc:
            problem = f"too many pixels to decode safely ({exc})"
        except (OSError, SyntaxError, ValueError) as exc:
            problem = f"truncated or corrupt ({exc})"
    raise InputError(str(image_root / image["path"]), "image", f"unreadable {image['path']!r}: {problem}")


def precomputed_rows(records: Iterator[precomputed.Record], params: RegionParams, split: str | None) -> Iterator[dict]:
    for rec in records:
        if rec.error and params.on_error == "fail":
            raise InputError(rec.image_id, rec.error.split(":")[0], rec.error.split(": ", 1)[1])
        n = 0 if rec.features is None else len(rec.features)
        yield region_row(rec.image_id, split, rec.width, rec.height, rec.boxes, rec.features,
                         [-1] * n, [""] * n, [1.0] * n, params, "precomputed", rec.error)


def _run(args: argparse.Namespace) -> None:
    params = load_section(args.params, "detect_regions", RegionParams)
    if params.backend in ("torchvision", "detectron2"):
        try:  # fail here, once, on a missing package or file; the model is built where it runs
            _require_detector(params)
        except (MissingDependency, FileNotFoundError, PickleRefused) as exc:
            key = "backend" if isinstance(exc, MissingDependency) else (
                "torchvision_weights" if params.backend == "torchvision" else
                "detectron2_weights" if isinstance(exc, PickleRefused) or "weights" in str(exc) else
                "detectron2_config")
            raise InputError(f"{args.params} [detect_regions]", f"detect_regions.{key}", str(exc)) from None
    errors: Counter[str] = Counter()
    skipped = 0
    if params.backend == "precomputed":
        if args.input is None:
            raise InputError("command line", "--input", "the precomputed backend reads a TSV file or precomp dir")
        if params.precomputed_format == "tsv":
            rows = precomputed_rows(precomputed.read_tsv(args.input), params, None)
        else:  # one split, or several of one folder ("train,dev,test"): one artifact
            rows = itertools.chain.from_iterable(
                precomputed_rows(precomputed.read_precomp(args.input, split.strip()), params, split.strip())
                for split in params.precomputed_split.split(","))
        rows_written = write_artifact(args.out, REGIONS, _tables(rows, params.rows_per_part, errors))
    else:
        if args.images is None or args.image_root is None:
            raise InputError("command line", "--images/--image-root", f"the {params.backend} backend reads both")
        images = read_table(args.images, IMAGES, columns=["image_id", "split", "path", "width", "height",
                                                           "error"]).to_pylist()
        # Images ingest refused are never opened (their paths are not to be trusted): counted, no row.
        skipped = sum(im["error"] is not None for im in images)
        images = [im for im in images if im["error"] is None]
        chunks = [images[i:i + params.images_per_task] for i in range(0, len(images), params.images_per_task)]
        with atomic_directory(args.out) as tmp:  # workers write their parts into it
            with dask_client(args.dask_address, args.workers) as client:
                counts = map_partitions(_detect_task, list(enumerate(chunks)), client, "detect regions",
                                        image_root=str(args.image_root), params=params, tmp=str(tmp))
            if not chunks:
                write_part(tmp, 0, REGIONS.empty(), REGIONS)
        for c in counts:
            errors.update(c)
        rows_written = len(images)
    summary = {"images": rows_written, "errors": sum(errors.values()), "errors_by_field": dict(sorted(errors.items())),
               "skipped_ingest_errors": skipped, "backend": params.backend}
    if errors:
        log.warning("detect_regions: %d images recorded with errors %s", summary["errors"], dict(errors))
    if skipped:
        log.warning("detect_regions: %d images skipped: ingest recorded them with an error", skipped)
    if args.metrics:
        write_json(args.metrics, summary)
    log.info("detect_regions: %s", summary)


def _tables(rows: Iterator[dict[str, Any]], size: int, errors: Counter[str]) -> Iterator[pa.Table]:
    """Rows in tables of ``size``, counting the errors they carry as they pass."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        if row["error"]:
            errors[row["error"].split(":")[0]] += 1
        batch.append(row)
        if len(batch) == size:
            yield pa.Table.from_pylist(batch, schema=REGIONS.arrow)
            batch = []
    if batch:
        yield pa.Table.from_pylist(batch, schema=REGIONS.arrow)


def _label_name(backend: str, k: int) -> str:
    if backend == "shapes":
        return shapes.LABEL_NAMES[k]
    if backend == "torchvision":
        return COCO_NAMES[k]
    return str(k)  # detectron2: class ids of the model's own dataset


def _detect_task(item: tuple[int, Sequence[dict[str, Any]]], image_root: str, params: RegionParams,
                 tmp: str) -> dict[str, int]:
    part, images = item
    return detect_images(images, image_root, params, tmp, part)


STAGE = StageSpec(
    name="detect_regions",
    summary="region boxes, labels, features and the spatial graph (shapes, precomputed, torchvision, detectron2)",
    inputs=(Port("--images", "images", "shapes, torchvision, detectron2: the images artifact", required=False),
            Port("--image-root", "image_dir", "where the images' paths point", required=False),
            Port("--input", "file", "precomputed: a TSV file or a SCAN precomp directory", required=False)),
    outputs=(Port("--out", "regions", "the regions artifact"), METRICS),
    params=("detect_regions",),
    dask=True,
)


def main(argv: Sequence[str] | None = None) -> int:
    return run_stage(_run, STAGE.parser(__doc__), argv)


if __name__ == "__main__":
    raise SystemExit(main())
