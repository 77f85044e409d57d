"""Stage ``extract_labels``: phrase-level labels from the text scene graphs (SSAMT-style).

For every caption its phrases with token spans: entities (object lemmas: "dog"), attribute
pairs ("brown dog") and triples ("dog on couch"). For every image the union over its
captions, each with the number of captions that mention it. Vocabularies of each kind are
counted on the captions of ``vocab_split`` (the training split: test labels never shape the
vocabulary), keep phrases seen in at least ``min_count`` captions, at most ``max_size`` of
them by frequency, and give them integer ids; a phrase outside the vocabulary has id -1.

Example::

    python -m stages.extract_labels --params params.yaml --text-graphs data/text_graphs \\
        --out-images data/image_labels --out-captions data/caption_phrases \\
        --out-vocab data/label_vocab --metrics metrics/extract_labels.json
"""

from __future__ import annotations

import argparse
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.artifacts import read_table, write_artifact, write_json
from pipeline.params import PositiveInt, load_section
from pipeline.schemas import CAPTION_PHRASES, IMAGE_LABELS, LABEL_VOCAB, TEXT_GRAPHS
from pipeline.stage import run_stage, stage_parser

log = logging.getLogger(__name__)

KINDS = ("entity", "attribute", "triple")
COLUMNS = ["caption_id", "image_id", "split", "objects", "relations", "error"]


@dataclass(frozen=True)
class LabelParams:
    vocab_split: str  # the split whose captions build the vocabularies; "" for all
    min_count: PositiveInt  # captions a phrase must appear in to enter a vocabulary
    max_size: PositiveInt  # phrases kept per kind, most frequent first


def caption_phrases(row: dict[str, Any]) -> list[dict[str, Any]]:
    """A caption's entities, attribute pairs and triples with their token spans."""
    objects, out = row["objects"], []
    for o in objects:
        out.append({"kind": "entity", "phrase": o["lemma"], "start": o["start"], "end": o["end"]})
        for a in o["attributes"]:
            out.append({"kind": "attribute", "phrase": f"{a} {o['lemma']}", "start": o["start"], "end": o["end"]})
    for r in row["relations"]:
        s, o = objects[r["subject"]], objects[r["object"]]
        out.append({"kind": "triple", "phrase": f"{s['lemma']} {r['predicate']} {o['lemma']}",
                    "start": min(s["start"], r["start"], o["start"]), "end": max(s["end"], r["end"], o["end"])})
    return out


@dataclass
class Vocabulary:
    ids: dict[str, dict[str, int]]  # kind -> phrase -> id
    table: pa.Table


def build_vocabulary(
    phrases: Iterable[tuple[str, str, list[dict[str, Any]]]], params: LabelParams
) -> Vocabulary:
    """Count (image_id, split, phrases) per caption; keep the frequent phrases of each kind."""
    captions: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
    images: dict[str, dict[str, set[str]]] = {k: defaultdict(set) for k in KINDS}
    for image_id, split, items in phrases:
        if params.vocab_split and split != params.vocab_split:
            continue
        for kind, phrase in {(p["kind"], p["phrase"]) for p in items}:
            captions[kind][phrase] += 1
            images[kind][phrase].add(image_id)
    ids: dict[str, dict[str, int]] = {}
    rows: dict[str, list[Any]] = {"kind": [], "id": [], "phrase": [], "captions": [], "images": []}
    for kind in KINDS:
        ranked = sorted((p for p, n in captions[kind].items() if n >= params.min_count),
                        key=lambda p: (-captions[kind][p], p))[: params.max_size]
        ids[kind] = {p: i for i, p in enumerate(ranked)}
        for i, p in enumerate(ranked):
            for col, value in (("kind", kind), ("id", i), ("phrase", p), ("captions", captions[kind][p]),
                               ("images", len(images[kind][p]))):
                rows[col].append(value)
    return Vocabulary(ids, LABEL_VOCAB.table(rows))


def label_tables(
    rows: Sequence[dict[str, Any]], phrases: Sequence[list[dict[str, Any]]], vocab: Vocabulary
) -> tuple[pa.Table, pa.Table, dict[str, Any]]:
    """The caption_phrases and image_labels tables, and the share of phrases each vocabulary keeps."""
    caption_rows: dict[str, list[Any]] = {"caption_id": [], "image_id": [], "split": [], "phrases": []}
    per_image: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: {k: Counter() for k in KINDS})
    image_split: dict[str, str] = {}
    image_captions: Counter[str] = Counter()
    kept: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for row, items in zip(rows, phrases, strict=True):
        for p in items:
            p["id"] = vocab.ids[p["kind"]].get(p["phrase"], -1)
            seen[p["kind"]] += 1
            kept[p["kind"]] += p["id"] >= 0
        caption_rows["caption_id"].append(row["caption_id"])
        caption_rows["image_id"].append(row["image_id"])
        caption_rows["split"].append(row["split"])
        caption_rows["phrases"].append(items)
        image_split.setdefault(row["image_id"], row["split"])
        image_captions[row["image_id"]] += 1
        for kind, phrase in {(p["kind"], p["phrase"]) for p in items}:
            per_image[row["image_id"]][kind][phrase] += 1
    image_rows: dict[str, list[Any]] = {"image_id": [], "split": [], "captions": [], "entities": [],
                                        "attributes": [], "triples": []}
    for image_id in image_split:
        image_rows["image_id"].append(image_id)
        image_rows["split"].append(image_split[image_id])
        image_rows["captions"].append(image_captions[image_id])
        for kind, col in (("entity", "entities"), ("attribute", "attributes"), ("triple", "triples")):
            counts = per_image[image_id][kind]
            image_rows[col].append([{"phrase": p, "id": vocab.ids[kind].get(p, -1), "captions": n}
                                    for p, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))])
    coverage = {k: round(kept[k] / seen[k], 4) if seen[k] else None for k in KINDS}
    return CAPTION_PHRASES.table(caption_rows), IMAGE_LABELS.table(image_rows), coverage


def _run(args: argparse.Namespace) -> None:
    params = load_section(args.params, "extract_labels", LabelParams)
    rows = read_table(args.text_graphs, TEXT_GRAPHS, COLUMNS).to_pylist()
    if params.vocab_split and not any(r["split"] == params.vocab_split for r in rows):
        log.warning("no caption of split %r: the vocabularies are built on all captions", params.vocab_split)
        params = LabelParams("", params.min_count, params.max_size)
    phrases = [caption_phrases(r) if r["error"] is None else [] for r in rows]
    vocab = build_vocabulary(((r["image_id"], r["split"], p) for r, p in zip(rows, phrases, strict=True)), params)
    captions, images, coverage = label_tables(rows, phrases, vocab)
    write_artifact(args.out_vocab, LABEL_VOCAB, [vocab.table])
    write_artifact(args.out_captions, CAPTION_PHRASES, [captions])
    write_artifact(args.out_images, IMAGE_LABELS, [images])
    summary = {"vocabulary_size": {k: len(vocab.ids[k]) for k in KINDS}, "coverage": coverage,
               "vocabulary_split": params.vocab_split or "all", "images": images.num_rows,
               "captions": captions.num_rows}
    if args.metrics:
        write_json(args.metrics, summary)
    log.info("extract_labels: %s", summary)


def build_parser() -> argparse.ArgumentParser:
    parser = stage_parser("extract_labels", __doc__)
    parser.add_argument("--text-graphs", type=Path, required=True)
    parser.add_argument("--out-images", type=Path, required=True, help="image_labels artifact")
    parser.add_argument("--out-captions", type=Path, required=True, help="caption_phrases artifact")
    parser.add_argument("--out-vocab", type=Path, required=True, help="label_vocab artifact")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return run_stage(_run, build_parser(), argv)


if __name__ == "__main__":
    raise SystemExit(main())
