from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.artifacts import read_table, validate_artifact, write_artifact
from pipeline.errors import InputError
from pipeline.schemas import ALL, CAPTIONS, IMAGES, NAME_KEY, ArtifactSchema

CAPTION_ROW = {
    "caption_id": "a#0", "image_id": "a", "split": "test", "sent_index": 0,
    "caption": "A red circle.", "source": "x:1", "error": None,
    "true_facts": [{"subject": "circle", "predicate": "is", "object": "red"}],
}
IMAGE_ROW = {
    "image_id": "a", "split": "test", "path": "a.png", "width": 8, "height": 8,
    "source": "x", "error": None,
    "true_objects": [{"object_index": 0, "shape": "circle", "color": "red", "size": "small",
                      "box": [0.0, 0.0, 4.0, 4.0]}],
    "true_relations": [],
}


@pytest.mark.parametrize(("schema", "row"), [(CAPTIONS, CAPTION_ROW), (IMAGES, IMAGE_ROW)])
def test_round_trip_keeps_rows_types_and_metadata(tmp_path: Path, schema: ArtifactSchema, row) -> None:
    table = pa.Table.from_pylist([row, {**row, "error": "caption: empty caption"}], schema=schema.arrow)
    write_artifact(tmp_path / schema.name, schema, [table])
    back = read_table(tmp_path / schema.name, schema)
    assert back.to_pylist() == table.to_pylist()
    assert back.schema.metadata[NAME_KEY] == schema.name.encode()
    assert validate_artifact(tmp_path / schema.name, schema) == 2


def test_every_declared_schema_round_trips_empty(tmp_path: Path) -> None:
    for name, schema in ALL.items():
        write_artifact(tmp_path / name, schema, [])
        assert read_table(tmp_path / name, schema).num_rows == 0


def _write_raw(tmp_path: Path, table: pa.Table, name: str = "art") -> Path:
    d = tmp_path / name
    d.mkdir()
    pq.write_table(table, d / "part-00000.parquet")
    return d


def test_refuses_a_wrong_type_naming_file_column_and_types(tmp_path: Path) -> None:
    fields = [f if f.name != "sent_index" else pa.field("sent_index", pa.string()) for f in CAPTIONS.fields]
    bad = pa.schema(fields, metadata=CAPTIONS.arrow.metadata)
    d = _write_raw(tmp_path, bad.empty_table())
    with pytest.raises(InputError) as err:
        read_table(d, CAPTIONS)
    msg = str(err.value)
    assert "part-00000.parquet" in msg and "'sent_index'" in msg
    assert "expected type int32, found string" in msg


def test_refuses_missing_and_extra_columns(tmp_path: Path) -> None:
    meta = CAPTIONS.arrow.metadata
    missing = pa.schema([f for f in CAPTIONS.fields if f.name != "caption"], metadata=meta)
    with pytest.raises(InputError, match=r"'caption': column missing"):
        read_table(_write_raw(tmp_path, missing.empty_table()), CAPTIONS)
    extra = pa.schema([*CAPTIONS.fields, pa.field("junk", pa.int8())], metadata=meta)
    with pytest.raises(InputError, match=r"'junk': column not in captions v1"):
        read_table(_write_raw(tmp_path, extra.empty_table(), "extra"), CAPTIONS)


def test_refuses_another_artifact_or_version(tmp_path: Path) -> None:
    d = tmp_path / "images"
    write_artifact(d, IMAGES, [])
    with pytest.raises(InputError, match="is artifact 'images', expected 'captions'"):
        read_table(d, CAPTIONS)
    newer = ArtifactSchema(CAPTIONS.name, CAPTIONS.version + 1, CAPTIONS.fields, CAPTIONS.doc)
    write_artifact(tmp_path / "c", newer, [])
    with pytest.raises(InputError, match="captions version 2, this code reads 1"):
        read_table(tmp_path / "c", CAPTIONS)


def test_refuses_a_plain_parquet_file_and_a_missing_artifact(tmp_path: Path) -> None:
    d = _write_raw(tmp_path, pa.table({"a": [1]}))
    with pytest.raises(InputError, match="is artifact '\\(none\\)'"):
        read_table(d, CAPTIONS)
    with pytest.raises(InputError, match="artifact not found"):
        read_table(tmp_path / "nothing", CAPTIONS)
