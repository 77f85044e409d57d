"""Phrase-level labels: per caption phrases with spans, per image unions, vocabularies by split."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from pipeline.artifacts import read_table, write_artifact
from pipeline.schemas import CAPTION_PHRASES, IMAGE_LABELS, LABEL_VOCAB, TEXT_GRAPHS
from stages import extract_labels


def obj(lemma: str, start: int, attrs=()) -> dict:
    return {"name": lemma, "lemma": lemma, "label": lemma, "head": start, "start": start, "end": start + 1,
            "attributes": list(attrs), "count": None}


def row(cid: str, image: str, split: str, objects: list, relations=(), error=None) -> dict:
    return {"caption_id": cid, "image_id": image, "split": split, "caption": cid, "tokens": [], "offsets": [],
            "objects": objects, "relations": [{"subject": s, "predicate": p, "object": o, "start": 1, "end": 2,
                                               "via": "preposition"} for s, p, o in relations],
            "facts": [], "backend": "spacy", "backend_version": "x", "error": error}


ROWS = [
    row("a#0", "a", "train", [obj("dog", 1, ["brown"]), obj("couch", 4)], [(0, "on", 1)]),
    row("a#1", "a", "train", [obj("dog", 1)], []),
    row("b#0", "b", "train", [obj("dog", 1, ["brown"]), obj("grass", 4)], [(0, "on", 1)]),
    row("c#0", "c", "test", [obj("cat", 1, ["brown"]), obj("couch", 4)], [(0, "on", 1)]),
    row("c#1", "c", "test", [], error="caption: empty caption"),
]


def run(tmp_path: Path, min_count: int = 2, vocab_split: str = "train") -> dict:
    write_artifact(tmp_path / "tg", TEXT_GRAPHS, [TEXT_GRAPHS.table({k: [r[k] for r in ROWS] for k in ROWS[0]})])
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"extract_labels": {"vocab_split": vocab_split, "min_count": min_count,
                                                         "max_size": 100}}))
    assert extract_labels.main(["--params", str(params), "--text-graphs", str(tmp_path / "tg"),
                                "--out-images", str(tmp_path / "img"), "--out-captions", str(tmp_path / "cap"),
                                "--out-vocab", str(tmp_path / "voc"), "--metrics", str(tmp_path / "m.json"),
                                "--log-level", "WARNING"]) == 0
    return json.loads((tmp_path / "m.json").read_text())


def test_vocabularies_come_from_the_training_split_only(tmp_path: Path) -> None:
    metrics = run(tmp_path)
    vocab = read_table(tmp_path / "voc", LABEL_VOCAB).to_pylist()
    kept = {(v["kind"], v["phrase"]): (v["id"], v["captions"], v["images"]) for v in vocab}
    # dog: 3 train captions over 2 images; "brown dog" 2; couch only once in train (min_count 2)
    assert kept == {("entity", "dog"): (0, 3, 2), ("attribute", "brown dog"): (0, 2, 2)}
    assert metrics["vocabulary_size"] == {"entity": 1, "attribute": 1, "triple": 0}
    assert metrics["coverage"]["entity"] == round(3 / 7, 4)  # 3 of the 7 entity mentions are "dog"


def test_image_unions_and_caption_spans(tmp_path: Path) -> None:
    run(tmp_path, min_count=1)
    images = {r["image_id"]: r for r in read_table(tmp_path / "img", IMAGE_LABELS).to_pylist()}
    a = images["a"]
    assert a["captions"] == 2
    assert [(e["phrase"], e["captions"]) for e in a["entities"]] == [("dog", 2), ("couch", 1)]
    assert [t["phrase"] for t in a["triples"]] == ["dog on couch"]
    caps = {r["caption_id"]: r for r in read_table(tmp_path / "cap", CAPTION_PHRASES).to_pylist()}
    triple = next(p for p in caps["a#0"]["phrases"] if p["kind"] == "triple")
    assert (triple["phrase"], triple["start"], triple["end"]) == ("dog on couch", 1, 5)
    assert caps["c#1"]["phrases"] == []
    cat = next(p for p in caps["c#0"]["phrases"] if p["phrase"] == "cat")
    assert cat["id"] == -1  # test-split words never enter the vocabulary
