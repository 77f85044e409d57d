"""Each source format, read from tiny files written here, and each kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.errors import InputError
from stages import formats


def errors(rows: formats.SourceRows) -> list[tuple[str, str]]:
    return [(r["source"], r["error"]) for r in [*rows.images, *rows.captions] if r["error"]]


def test_karpathy_json(tmp_path: Path) -> None:
    path = tmp_path / "dataset_coco.json"
    path.write_text(json.dumps({"dataset": "coco", "images": [
        {"filepath": "val2014", "filename": "COCO_val2014_000000000042.jpg", "cocoid": 42,
         "split": "test", "sentences": [{"raw": "A dog runs.", "tokens": ["a", "dog", "runs"]},
                                        {"tokens": ["a", "cat"]}]},
        {"filepath": "", "filename": "77.jpg", "split": "train", "sentences": [{"raw": "  "}]},
    ]}))
    rows = formats.check_rows(formats.read_karpathy(path))
    assert [(r["image_id"], r["split"], r["path"]) for r in rows.images] == [
        ("42", "test", "val2014/COCO_val2014_000000000042.jpg"), ("77", "train", "77.jpg")]
    assert [(r["caption_id"], r["caption"]) for r in rows.captions] == [
        ("42#0", "A dog runs."), ("42#1", "a cat"), ("77#0", "")]
    assert errors(rows) == [(f"{path}:images[1].sentences[0]", "caption: empty caption")]


def test_precomp_with_ids_per_caption_and_id_mapping(tmp_path: Path) -> None:
    (tmp_path / "test_caps.txt").write_text("a b\nc d\ne f\ng h\n")
    (tmp_path / "test_ids.txt").write_text("7\n7\n9\n9\n")
    (tmp_path / "id_mapping.json").write_text(json.dumps({"7": "val2014/x.jpg"}))
    rows = formats.read_precomp(tmp_path, "test", captions_per_image=2)
    assert [(r["image_id"], r["path"]) for r in rows.images] == [("7", "val2014/x.jpg"), ("9", None)]
    assert [r["caption_id"] for r in rows.captions] == ["7#0", "7#1", "9#0", "9#1"]
    assert rows.captions[2]["source"] == f"{tmp_path / 'test_caps.txt'}:3"


def test_precomp_with_ids_per_image_or_none(tmp_path: Path) -> None:
    (tmp_path / "dev_caps.txt").write_text("a\nb\nc\nd\n")
    (tmp_path / "dev_ids.txt").write_text("100\n200\n")
    assert [r["image_id"] for r in formats.read_precomp(tmp_path, "dev", 2).captions] == [
        "100", "100", "200", "200"]
    (tmp_path / "dev_ids.txt").unlink()
    assert [r["image_id"] for r in formats.read_precomp(tmp_path, "dev", 2).images] == ["0", "1"]


def test_precomp_refuses_ids_that_do_not_fit(tmp_path: Path) -> None:
    (tmp_path / "test_caps.txt").write_text("a\nb\nc\n")
    (tmp_path / "test_ids.txt").write_text("1\n2\n")
    with pytest.raises(InputError, match=r"test_ids.txt: 2 ids for 3 captions"):
        formats.read_precomp(tmp_path, "test", 5)


def test_flickr_token_file_with_split_lists_and_bad_lines(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.txt"
    tokens.write_text(
        "1000.jpg#0\tA dog .\n1000.jpg#1\tA brown dog .\n\n2000.jpg#0 no tab here\n"
        "2000.jpg#1\t\n1000.jpg#1\tA repeated id .\n"
    )
    train = tmp_path / "train.txt"
    train.write_text("1000.jpg\n")
    rows = formats.check_rows(formats.read_flickr_token(tokens, "all", {"train": train}))
    assert [(r["image_id"], r["split"], r["path"]) for r in rows.images] == [
        ("1000", "train", "1000.jpg"), ("2000", "unlisted", "2000.jpg")]
    assert [r["caption_id"] for r in rows.captions] == ["1000#0", "1000#1", "line:4", "2000#1", "1000#1"]
    assert errors(rows) == [
        (f"{tokens}:4", "caption_id: expected IMAGE#N<TAB>caption"),
        (f"{tokens}:5", "caption: empty caption"),
        (f"{tokens}:6", f"caption_id: duplicate of the caption at {tokens}:2"),
    ]


def test_coco_captions_json(tmp_path: Path) -> None:
    path = tmp_path / "captions_val2014.json"
    path.write_text(json.dumps({
        "images": [{"id": 5, "file_name": "COCO_val2014_000000000005.jpg", "width": 640, "height": 480}],
        "annotations": [{"id": 11, "image_id": 5, "caption": "A plane."},
                        {"id": 12, "image_id": 5, "caption": "A jet in the sky."},
                        {"id": 13, "image_id": 6, "caption": "Orphan."}],
    }))
    rows = formats.read_coco_json(path, "val2014")
    assert rows.images[0]["width"] == 640 and rows.images[0]["split"] == "val2014"
    assert [(r["caption_id"], r["sent_index"]) for r in rows.captions] == [("11", 0), ("12", 1), ("13", 0)]
    assert errors(rows) == [(f"{path}:annotations[2]", "image_id: no image 6 in 'images'")]


@pytest.mark.parametrize("bad", ["../secret.jpg", "a/../../b.jpg", "/etc/passwd", "C:\\x.jpg"])
def test_image_paths_that_leave_the_root_are_refused(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "k.json"
    path.write_text(json.dumps({"images": [
        {"filepath": "", "filename": bad, "cocoid": 1, "split": "test", "sentences": []}]}))
    rows = formats.check_rows(formats.read_karpathy(path))
    (where, error), = errors(rows)
    assert where == f"{path}:images[0]" and error.startswith("path: ")
    assert formats.first_error(rows).field == "path"


def test_duplicate_image_ids_are_recorded(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"images": [{"id": 1, "file_name": "a.jpg"}, {"id": 1, "file_name": "b.jpg"}],
                                "annotations": []}))
    rows = formats.check_rows(formats.read_coco_json(path, "val"))
    assert errors(rows) == [(f"{path}:images[1]", f"image_id: duplicate of the image at {path}:images[0]")]


def test_unreadable_files_raise_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match=r"broken.json:1: not valid JSON"):
        formats.read_karpathy(bad)
    with pytest.raises(InputError, match="file not found"):
        formats.read_flickr_token(tmp_path / "missing.txt", "all", {})
    latin = tmp_path / "latin.txt"
    latin.write_bytes("x.jpg#0\tcaf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        formats.read_flickr_token(latin, "all", {})
