"""Caption semantic vectors (LSEH): preprocessing, fit split, clamped dimension, the stage end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from pipeline.artifacts import read_table, validate_artifact, write_artifact
from pipeline.schemas import CAPTION_VECTORS, TEXT_GRAPHS
from stages import caption_semantics
from stages.caption_semantics import SemanticsParams, caption_vectors, preprocess

PARAMS = SemanticsParams(fit_split="train", dim=400, seed=0, min_df=1)


def row(cid: str, caption: str, split: str = "train", error: str | None = None) -> dict:
    return {"caption_id": cid, "image_id": cid.split("#")[0], "split": split, "caption": caption, "error": error}


DOGS = ["A brown dog runs on the green grass.", "Two dogs are running across the grass.",
        "A small dog plays on the grass in a park.", "The dog is lying on green grass."]
TRAINS = ["A red train waits at the station.", "The train is stopped at a busy station.",
          "A long train arrives at the old station.", "Passengers board a train at the station."]
CORPUS = [row(f"d{i}#0", c) for i, c in enumerate(DOGS)] + [row(f"t{i}#0", c) for i, c in enumerate(TRAINS)]


def vectors_of(table) -> np.ndarray:
    return np.array(table.column("vector").to_pylist(), dtype=np.float32)


def cosine(v: np.ndarray) -> np.ndarray:
    unit = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    return unit @ unit.T


@pytest.mark.parametrize(("text", "expected"), [
    ("Two dogs, running!", "dog run"),  # "two" is one of scikit-learn's stop words
    ("A man's dog is running on the grass.", "man s dog run grass"),
    ("Trains wait at the STATIONS", "train wait station"),
    ("3D-printed X-ray", "d print x ray"),  # letters only: digits and hyphens become spaces
    ("", ""),
    ("... !!", ""),
])
def test_preprocess_keeps_stemmed_content_words(text: str, expected: str) -> None:
    assert preprocess(text) == expected


def test_same_topic_captions_are_closer_than_cross_topic_ones() -> None:
    table, summary = caption_vectors(CORPUS, PARAMS)
    sims = cosine(vectors_of(table))
    topic = np.array([0] * len(DOGS) + [1] * len(TRAINS))
    same = topic[:, None] == topic[None, :]
    off_diagonal = ~np.eye(len(CORPUS), dtype=bool)
    assert sims[same & off_diagonal].mean() > sims[~same].mean() + 0.2
    assert summary["captions"] == summary["fit_captions"] == 8 and summary["errors"] == 0


def test_dim_is_clamped_on_a_small_vocabulary_and_reported() -> None:
    table, summary = caption_vectors(CORPUS, PARAMS)
    # 8 fitting captions bound the rank below the vocabulary size minus one
    assert summary["vocabulary_size"] > 8 and summary["dim"] == 8
    assert table.column("vector").type == CAPTION_VECTORS.arrow.field("vector").type
    assert {len(v) for v in table.column("vector").to_pylist()} == {8}
    _, tiny = caption_vectors([row("a#0", "dog grass"), row("a#1", "dog park"), row("b#0", "train station"),
                               row("b#1", "train"), row("c#0", "dog train")], PARAMS)
    assert (tiny["vocabulary_size"], tiny["fit_captions"], tiny["dim"]) == (5, 5, 4)  # terms - 1
    assert 0.0 < tiny["explained_variance"] <= 1.0


def test_a_word_unseen_in_the_fit_split_contributes_nothing() -> None:
    rows = CORPUS + [row("x#0", "A dog on the grass near a zebra.", "test"),
                     row("x#1", "A dog on the grass near a giraffe.", "test")]
    table, summary = caption_vectors(rows, PARAMS)
    v = vectors_of(table)
    assert summary["fit_captions"] == 8 and summary["fit_split"] == "train"
    np.testing.assert_array_equal(v[-2], v[-1])
    assert np.abs(v[-1]).sum() > 0
    # fitted on every caption, the unseen words enter the vocabulary and the two differ
    table_all, summary_all = caption_vectors(rows, SemanticsParams("", 400, 0, 1))
    assert summary_all["fit_captions"] == 10 and summary_all["fit_split"] == "all"
    assert not np.array_equal(vectors_of(table_all)[-2], vectors_of(table_all)[-1])


def test_a_missing_fit_split_falls_back_to_all_captions(caplog: pytest.LogCaptureFixture) -> None:
    _, summary = caption_vectors(CORPUS, SemanticsParams("val", 400, 0, 1))
    assert summary["fit_captions"] == 8 and summary["fit_split"] == "all"
    assert "no caption of split 'val'" in caplog.text


def test_deterministic_and_error_rows_get_zero_vectors() -> None:
    rows = CORPUS + [row("e#0", "A dog on the grass.", error="caption: too long")]
    first, summary = caption_vectors(rows, PARAMS)
    second, _ = caption_vectors(rows, PARAMS)
    assert first.equals(second)
    v = vectors_of(first)
    assert v.dtype == np.float32 and not v[-1].any() and v[:-1].any(axis=1).all()
    assert summary["errors"] == 1 and summary["captions"] == 9 and summary["fit_captions"] == 8


def test_stage_main_writes_the_artifact_and_metrics(tmp_path: Path) -> None:
    rows = CORPUS + [row("x#0", "A dog at the station.", "test"), row("e#0", "", "test", "caption: empty caption")]
    columns = {name: [] for name in TEXT_GRAPHS.column_names}
    for r in rows:
        for name in columns:
            columns[name].append(r.get(name, [] if name in ("tokens", "offsets", "objects", "relations", "facts")
                                       else None))
    write_artifact(tmp_path / "tg", TEXT_GRAPHS, [TEXT_GRAPHS.table(columns)])
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"caption_semantics": {"fit_split": "train", "dim": 400, "seed": 0,
                                                            "min_df": 1}}))
    assert caption_semantics.main(["--params", str(params), "--text-graphs", str(tmp_path / "tg"),
                                   "--out", str(tmp_path / "cv"), "--metrics", str(tmp_path / "m.json"),
                                   "--log-level", "WARNING"]) == 0
    assert validate_artifact(tmp_path / "cv", CAPTION_VECTORS) == 10
    out = read_table(tmp_path / "cv", CAPTION_VECTORS).to_pylist()
    assert [r["caption_id"] for r in out] == [r["caption_id"] for r in rows]
    assert out[-1]["split"] == "test" and out[-1]["vector"] == [0.0] * 8
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics == {**metrics, "captions": 10, "fit_captions": 8, "errors": 1, "dim": 8, "fit_split": "train"}


def test_stage_main_refuses_a_corpus_without_words(tmp_path: Path) -> None:
    columns = {name: [None] for name in TEXT_GRAPHS.column_names}
    columns.update(caption_id=["a#0"], split=["train"], caption=["the of and"])
    write_artifact(tmp_path / "tg", TEXT_GRAPHS, [TEXT_GRAPHS.table(columns)])
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"caption_semantics": {"fit_split": "train", "dim": 4, "seed": 0,
                                                            "min_df": 1}}))
    assert caption_semantics.main(["--params", str(params), "--text-graphs", str(tmp_path / "tg"),
                                   "--out", str(tmp_path / "cv"), "--log-level", "CRITICAL"]) == 2
    assert not (tmp_path / "cv").exists()


@pytest.mark.shared_data
def test_flickr30k_test_captions_of_one_image_are_closest(shared_data: Path) -> None:
    lines = (shared_data / "f30k" / "test_caps.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5000
    # five captions per image, in order: lines 5k..5k+4 describe image k
    rows = [row(f"{i // 5}#{i % 5}", c) for i, c in enumerate(lines)]
    table, summary = caption_vectors(rows, PARAMS)
    v = vectors_of(table)
    assert v.shape == (5000, 400) and np.isfinite(v).all()
    assert summary["dim"] == 400 and summary["vocabulary_size"] > 2000
    sims = cosine(v)
    image = np.arange(5000) // 5
    same = image[:, None] == image[None, :]
    within = sims[same & ~np.eye(5000, dtype=bool)].mean()
    across = sims[~same].mean()
    assert within > across + 0.1
