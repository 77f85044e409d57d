"""Phrase-level labels of captions, in the manner of SSAMT (Fan et al., ICMR 2022).

A caption's phrases are read off its scene graph, each with its token span: entities (object
lemmas: "dog"), attribute pairs ("brown dog") and triples ("dog on couch"). An image's labels
are the union over its captions, each with the number of captions that mention it. The
vocabularies of each kind keep the frequent phrases of the training split and number them.

Shapes: a graph row is plain data as in the ``text_graphs`` artifact (``objects`` with ``lemma,
start, end, attributes``; ``relations`` with ``subject, predicate, object, start, end``); a phrase
is ``{"kind", "phrase", "start", "end"}`` and, once numbered, ``"id"`` (-1 outside the vocabulary).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from pipeline.schemas import CAPTION_PHRASES, IMAGE_LABELS, LABEL_VOCAB

KINDS = ("entity", "attribute", "triple")


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
class PhraseVocabulary:
    """The phrase vocabularies: for each kind (entity, attribute, triple), phrase -> integer id,
    and the ``label_vocab`` table that stores them with their counts."""

    ids: dict[str, dict[str, int]]  # kind -> phrase -> id
    table: pa.Table


def build_vocabulary(
    phrases: Iterable[tuple[str, str, list[dict[str, Any]]]], split: str, min_count: int, max_size: int
) -> PhraseVocabulary:
    """Count (image_id, split, phrases) per caption of ``split`` ("" for all); keep, for each kind,
    the phrases of at least ``min_count`` captions, at most ``max_size`` by frequency."""
    captions: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
    images: dict[str, dict[str, set[str]]] = {k: defaultdict(set) for k in KINDS}
    for image_id, caption_split, items in phrases:
        if split and caption_split != split:
            continue
        for kind, phrase in {(p["kind"], p["phrase"]) for p in items}:
            captions[kind][phrase] += 1
            images[kind][phrase].add(image_id)
    ids: dict[str, dict[str, int]] = {}
    rows: dict[str, list[Any]] = {"kind": [], "id": [], "phrase": [], "captions": [], "images": []}
    for kind in KINDS:
        ranked = sorted((p for p, n in captions[kind].items() if n >= min_count),
                        key=lambda p: (-captions[kind][p], p))[:max_size]
        ids[kind] = {p: i for i, p in enumerate(ranked)}
        for i, p in enumerate(ranked):
            for col, value in (("kind", kind), ("id", i), ("phrase", p), ("captions", captions[kind][p]),
                               ("images", len(images[kind][p]))):
                rows[col].append(value)
    return PhraseVocabulary(ids, LABEL_VOCAB.table(rows))


def label_tables(
    rows: Sequence[dict[str, Any]], phrases: Sequence[list[dict[str, Any]]], vocab: PhraseVocabulary
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
