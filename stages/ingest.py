"""Stage ``ingest``: sources into the ``captions`` and ``images`` artifacts.

With ``ingest.format: synthetic`` (the default) it generates the built-in synthetic world
(:mod:`vision.world`): PNG images in ``--out-image-dir`` and their captions, with the true
scene graphs. Otherwise it reads a real dataset from ``--input`` (see :mod:`text.formats`).

Error policy (``ingest.on_error``): every problem found in the input (an empty caption, a
malformed line, a duplicate id, an image path that would leave the image root) is either
``fail``: the stage stops with one message naming the file, row and field, and writes
nothing; or ``record``: the row is kept with its ``error`` column set, counted in the
metrics and logged. No row is ever dropped silently. Later stages skip rows with an error.
The captions of a real dataset are normalised here, once (NFC, control and zero-width
characters removed, whitespace collapsed); one left empty or with no word is an error
(:mod:`text.formats`, :mod:`pipeline.text`).

Example::

    python -m stages.ingest --params params.yaml --out-captions data/captions \\
        --out-images data/images --out-image-dir data/world_images --metrics metrics/ingest.json
    python -m stages.ingest --params params.yaml --input ~/data/f30k_precomp \\
        --out-captions data/captions --out-images data/images     # with format: precomp
"""

from __future__ import annotations

import argparse
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import pyarrow as pa

from pipeline.artifacts import atomic_directory, split_rows, write_artifact, write_json
from pipeline.errors import InputError
from pipeline.parallel import dask_client, map_partitions
from pipeline.params import NonNegativeInt, PositiveInt, Range, load_section
from pipeline.schemas import CAPTIONS, IMAGES
from pipeline.stage import METRICS, Port, StageSpec, run_stage
from text import formats
from vision import world

log = logging.getLogger(__name__)

Format = Literal["synthetic", "karpathy", "precomp", "flickr_token", "coco_json"]


@dataclass(frozen=True)
class WorldParams:
    seed: NonNegativeInt
    num_images: PositiveInt
    image_size: Annotated[int, Range(ge=32)]
    min_shapes: PositiveInt
    max_shapes: PositiveInt
    captions_per_image: PositiveInt
    test_images: NonNegativeInt
    val_images: NonNegativeInt
    images_per_partition: PositiveInt
    # The harder setting (vision.world.WorldOptions); 0 / false / 0 is the classic world.
    max_mentions: NonNegativeInt  # captions mention 1 to N shapes, each with colour and size
    always_size: bool  # every noun phrase names its shape's size
    heldout_pairs: NonNegativeInt  # colour-shape pairs absent from train and val, in every test image


@dataclass(frozen=True)
class IngestParams:
    format: Format
    # Split name for formats without their own (precomp file prefix, or several: "train,dev,test"; coco_json,
    # flickr_token).
    split: str
    on_error: Literal["fail", "record"]
    # precomp: captions per image when ids are per image or absent.
    captions_per_image: PositiveInt
    partition_rows: PositiveInt
    world: WorldParams


# ---------------------------------------------------------------- synthetic world


def world_split(index: int, p: WorldParams) -> str:
    if index < p.test_images:
        return "test"
    if index < p.test_images + p.val_images:
        return "val"
    return "train"


def scene_rows(scene: world.Scene, split: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The image row and caption rows of one synthetic scene (pure)."""
    image = {
        "image_id": scene.image_id, "split": split, "path": f"{scene.image_id}.png",
        "width": scene.size, "height": scene.size, "source": f"synthetic:{scene.image_id}",
        "error": None,
        "true_objects": [
            {"object_index": i, "shape": s.shape, "color": s.color, "size": s.size,
             "box": [float(v) for v in s.box]}
            for i, s in enumerate(scene.shapes)
        ],
        "true_relations": [
            {"subject_index": r.subject, "predicate": r.predicate, "object_index": r.object}
            for r in scene.relations
        ],
    }
    captions = [
        {"caption_id": f"{scene.image_id}#{k}", "image_id": scene.image_id, "split": split,
         "sent_index": k, "caption": c.text, "source": f"synthetic:{scene.image_id}#{k}",
         "error": None,
         "true_facts": [{"subject": s, "predicate": p, "object": o} for s, p, o in c.facts]}
        for k, c in enumerate(scene.captions)
    ]
    return image, captions


def world_partition(
    bounds: tuple[int, int], params: WorldParams, image_dir: str
) -> tuple[pa.Table, pa.Table]:
    """Generate images ``bounds[0] .. bounds[1]-1``: save their PNGs, return their rows."""
    images, captions = [], []
    heldout = world.heldout_pairs(params.seed, params.heldout_pairs)
    for index in range(*bounds):
        options = world.WorldOptions(params.max_mentions, params.always_size, heldout, world_split(index, params))
        scene = world.make_scene(params.seed, index, params.image_size, params.min_shapes,
                                 params.max_shapes, params.captions_per_image, options)
        world.render(scene).save(Path(image_dir) / f"{scene.image_id}.png", optimize=False)
        image, caps = scene_rows(scene, world_split(index, params))
        images.append(image)
        captions += caps
    return _table(IMAGES, images), _table(CAPTIONS, captions)


def _table(schema: Any, rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema.arrow)


def partition_bounds(total: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(start + size, total)) for start in range(0, total, size)]


# ---------------------------------------------------------------- real datasets


def read_source(params: IngestParams, source: Path, split_lists: dict[str, Path]) -> formats.SourceRows:
    """Read a real dataset into rows, with every problem recorded on its row."""
    if params.format == "karpathy":
        rows = formats.read_karpathy(source)
    elif params.format == "precomp":  # several splits of one folder: "train,dev,test"
        rows = formats.SourceRows()
        for split in params.split.split(","):
            part = formats.read_precomp(source, split.strip(), params.captions_per_image)
            rows.images += part.images
            rows.captions += part.captions
    elif params.format == "flickr_token":
        rows = formats.read_flickr_token(source, params.split, split_lists)
    elif params.format == "coco_json":
        rows = formats.read_coco_json(source, params.split)
    else:
        raise ValueError(f"not a file format: {params.format}")
    return formats.check_rows(rows)


def rows_to_tables(rows: formats.SourceRows, partition_rows: int) -> tuple[list[pa.Table], list[pa.Table]]:
    """Tables of the two artifacts, cut into partitions of at most ``partition_rows`` rows."""
    for r in rows.images:
        r.update(true_objects=None, true_relations=None)
    for r in rows.captions:
        r["true_facts"] = None
    return (split_rows(_table(IMAGES, rows.images), partition_rows),
            split_rows(_table(CAPTIONS, rows.captions), partition_rows))


def summarize(images: Sequence[pa.Table], captions: Sequence[pa.Table]) -> dict[str, Any]:
    """Counts for the metrics file: rows, rows by split, errors by field."""
    out: dict[str, Any] = {}
    for name, tables in (("images", images), ("captions", captions)):
        splits: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        for t in tables:
            splits.update(t.column("split").to_pylist())
            errors.update(e.partition(":")[0] for e in t.column("error").to_pylist() if e)
        out[name] = {"rows": sum(t.num_rows for t in tables), "by_split": dict(sorted(splits.items())),
                     "errors": sum(errors.values()), "errors_by_field": dict(sorted(errors.items()))}
    return out


# ---------------------------------------------------------------- main


def _split_lists(values: Sequence[str]) -> dict[str, Path]:
    out = {}
    for v in values:
        name, eq, path = v.partition("=")
        if not eq or not name or not path:
            raise InputError("--split-list", "", f"expected SPLIT=PATH, got {v!r}")
        out[name] = Path(path)
    return out


def _run(args: argparse.Namespace) -> None:
    params = load_section(args.params, "ingest", IngestParams)
    if params.format == "synthetic":
        if args.out_image_dir is None:
            raise InputError("command line", "--out-image-dir", "the synthetic world needs it")
        p = params.world
        bounds = partition_bounds(p.num_images, p.images_per_partition)
        with atomic_directory(args.out_image_dir) as image_dir, \
                dask_client(args.dask_address, args.workers) as client:
            parts = map_partitions(world_partition, bounds, client, "synthetic world",
                                   params=p, image_dir=str(image_dir))
        images = [img for img, _ in parts]
        captions = [cap for _, cap in parts]
    else:
        if args.input is None:
            raise InputError("command line", "--input", f"format {params.format} reads from --input")
        rows = read_source(params, args.input, _split_lists(args.split_list))
        problem = formats.first_error(rows)
        if problem is not None and params.on_error == "fail":
            raise problem
        images, captions = rows_to_tables(rows, params.partition_rows)
    summary = summarize(images, captions)
    for name in ("images", "captions"):
        if summary[name]["errors"]:
            log.warning("%s: %d rows recorded with errors %s (on_error: record)", name,
                        summary[name]["errors"], summary[name]["errors_by_field"])
    write_artifact(args.out_images, IMAGES, images)
    write_artifact(args.out_captions, CAPTIONS, captions)
    if args.metrics:
        write_json(args.metrics, summary)
    log.info("ingest: %d images, %d captions", summary["images"]["rows"], summary["captions"]["rows"])


STAGE = StageSpec(
    name="ingest",
    summary="sources (the synthetic world or a real dataset) into captions and images",
    inputs=(Port("--input", "file", "source file (or precomp directory) of a real dataset", required=False),),
    outputs=(Port("--out-captions", "captions", "the captions artifact"),
             Port("--out-images", "images", "the images artifact"),
             Port("--out-image-dir", "image_dir", "synthetic: where the PNGs go", required=False),
             METRICS),
    params=("ingest",),
    dask=True,
    options=(("--split-list", {"action": "append", "default": [], "metavar": "SPLIT=PATH",
                               "help": "flickr_token: a file listing the images of one split (repeatable)"}),),
)


def main(argv: Sequence[str] | None = None) -> int:
    return run_stage(_run, STAGE.parser(__doc__), argv)


if __name__ == "__main__":
    raise SystemExit(main())
