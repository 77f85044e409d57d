"""The artifacts open in the tools people reach for: pandas, DuckDB and Hugging Face ``datasets``
each read a ``text_graphs`` and a ``negatives`` artifact with their schemas intact (nested lists
of structs included), offline."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pytest

from pipeline.artifacts import part_files, read_table, write_artifact
from pipeline.schemas import NEGATIVES, TEXT_GRAPHS
from stages.generate_negatives import NegativeParams, fit, negatives_for
from text.scene_graph.parser import CaptionParser, ParseParams

PARSE = ParseParams(backend="spacy", spacy_model="en_core_web_sm", stanza_dir="", mode="rules", weights="",
                    device="cpu", lexicon="factual", batch_size=16, max_chars=1000, texts_per_task=100,
                    partition_rows=100)
NEG = NegativeParams(types=("swap-att", "replace-att"), per_caption=1, max_rounds=2, candidates_per_type=4,
                     min_plausibility=-100.0, fit_split="train", lm_order=3, seed=0, captions_per_task=10,
                     partition_rows=10)
TEXTS = ["A green circle above a yellow square.", "A yellow square.", "A blue circle.", "A red square.",
         "A red circle to the left of a blue square."]


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, pa.Table]]:
    """A text_graphs and a negatives artifact as the stages write them (two parts each)."""
    root = tmp_path_factory.mktemp("artifacts")
    parsed = CaptionParser(PARSE.parser_config()).parse(TEXTS)
    rows = [{"caption_id": f"c{k}", "image_id": f"i{k}", "split": "train" if k < 4 else "test", "caption": text,
             "error": None, "backend": "spacy", "backend_version": "3.8", **p.graph.to_dict()}
            for k, (text, p) in enumerate(zip(TEXTS, parsed, strict=True))]
    graphs = pa.Table.from_pylist(rows, schema=TEXT_GRAPHS.arrow)
    negatives = negatives_for(rows[3:], replace(NEG), PARSE.parser_config(), fit(rows, NEG))
    assert negatives.num_rows >= 2 and pc_any_relation(negatives)
    write_artifact(root / "text_graphs", TEXT_GRAPHS, [graphs.slice(0, 3), graphs.slice(3)])
    write_artifact(root / "negatives", NEGATIVES, [negatives.slice(0, 1), negatives.slice(1)])
    return {"text_graphs": (root / "text_graphs", graphs), "negatives": (root / "negatives", negatives)}


def pc_any_relation(table: pa.Table) -> bool:
    return any(table.column("relations").to_pylist())


def shape(t: pa.DataType) -> object:
    """A type's columns, nesting and primitive types: what a reader must keep (not the name a
    writer gives a list's items, ``item`` or ``element``, nor nullability)."""
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return ("list", shape(t.value_type))
    if pa.types.is_struct(t):
        return ("struct", tuple((t.field(i).name, shape(t.field(i).type)) for i in range(t.num_fields)))
    if pa.types.is_large_string(t):
        return "string"
    return str(t)


def assert_schema_intact(schema: pa.Schema, name: str) -> None:
    want = schema_of(name).arrow
    assert schema.names == want.names
    for field in want:
        assert shape(schema.field(field.name).type) == shape(field.type), field.name


def schema_of(name: str):
    return {"text_graphs": TEXT_GRAPHS, "negatives": NEGATIVES}[name]


def files(path: Path, name: str) -> list[str]:
    return [str(p) for p in part_files(path, schema_of(name))]


@pytest.mark.parametrize("name", ["text_graphs", "negatives"])
def test_pandas_reads_the_artifact_with_its_nested_columns(artifacts, name: str) -> None:
    import pandas as pd

    path, table = artifacts[name]
    frame = pd.concat([pd.read_parquet(f, engine="pyarrow", dtype_backend="pyarrow") for f in files(path, name)],
                      ignore_index=True)
    assert list(frame.columns) == schema_of(name).arrow.names
    back = pa.Table.from_pandas(frame, preserve_index=False)
    assert_schema_intact(back.schema, name)
    assert back.to_pylist() == table.to_pylist()


@pytest.mark.parametrize("name", ["text_graphs", "negatives"])
def test_duckdb_queries_the_artifact_and_keeps_its_types(artifacts, name: str) -> None:
    import duckdb

    path, table = artifacts[name]
    con = duckdb.connect()
    got = con.execute(f"SELECT * FROM read_parquet({files(path, name)!r})").to_arrow_table()
    assert_schema_intact(got.schema, name)
    assert got.to_pylist() == table.to_pylist()
    # a query over a nested column: objects per caption
    n = con.execute(f"SELECT sum(len(objects)) FROM read_parquet({files(path, name)!r})").fetchone()[0]
    assert n == sum(len(o) for o in table.column("objects").to_pylist())


@pytest.mark.parametrize("name", ["text_graphs", "negatives"])
def test_hugging_face_datasets_loads_the_artifact_offline(artifacts, name: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    import datasets

    path, table = artifacts[name]
    ds = datasets.load_dataset("parquet", data_files=files(path, name), split="train",
                               cache_dir=str(tmp_path / "cache"))
    assert ds.column_names == schema_of(name).arrow.names
    assert_schema_intact(ds.data.table.schema, name)
    assert ds.to_list() == table.to_pylist()
    assert os.environ["HF_DATASETS_OFFLINE"] == "1"


def test_the_project_reads_back_what_the_other_tools_read(artifacts) -> None:
    for name, (path, table) in artifacts.items():
        assert read_table(path, schema_of(name)).to_pylist() == table.to_pylist()
