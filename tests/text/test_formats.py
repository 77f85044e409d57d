"""Each source format, read from tiny files written here, and each kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.errors import InputError
from text import formats


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


LINE_BREAKERS = ["\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def test_precomp_keeps_one_caption_a_line_whatever_is_inside_it(tmp_path: Path) -> None:
    caps = "".join(f"a dog{b}on a sofa {k}\r\n" for k, b in enumerate(LINE_BREAKERS)) + "last one\n"
    (tmp_path / "test_caps.txt").write_text(caps, encoding="utf-8", newline="")
    rows = formats.read_precomp(tmp_path, "test", captions_per_image=5)  # no ids file: position decides the image
    assert len(rows.captions) == len(LINE_BREAKERS) + 1
    assert [r["caption"] for r in rows.captions[:2]] == ["a dog on a sofa 0", "a dog on a sofa 1"]
    assert rows.captions[-1]["caption"] == "last one" and rows.captions[-1]["image_id"] == "1"
    assert rows.captions[-1]["source"] == f"{tmp_path / 'test_caps.txt'}:10"
    (tmp_path / "test_ids.txt").write_text("7\u2028\n" * 10, encoding="utf-8")  # ids are lines too
    assert len(formats.read_precomp(tmp_path, "test", 5).images) == 1


@pytest.mark.parametrize("breaker", LINE_BREAKERS)
def test_a_token_file_line_is_never_cut(tmp_path: Path, breaker: str) -> None:
    tokens = tmp_path / "tokens.txt"
    tokens.write_text(f"1.jpg#0\ta dog{breaker}on a sofa\r\n1.jpg#1\tA cat .\n", encoding="utf-8", newline="")
    listed = tmp_path / "train.txt"
    listed.write_text(f"1.jpg\r\n2.jpg{breaker}\n", encoding="utf-8", newline="")
    rows = formats.check_rows(formats.read_flickr_token(tokens, "all", {"train": listed}))
    assert [(r["caption_id"], r["caption"], r["source"]) for r in rows.captions] == [
        ("1#0", "a dog on a sofa", f"{tokens}:1"), ("1#1", "A cat .", f"{tokens}:2")]
    assert rows.images[0]["split"] == "train" and errors(rows) == []


def _coco(tmp_path: Path, images, annotations) -> Path:
    path = tmp_path / "captions.json"
    path.write_text(json.dumps({"images": images, "annotations": annotations}))
    return path


def test_json_values_of_the_wrong_kind_are_recorded_on_their_row(tmp_path: Path) -> None:
    path = _coco(tmp_path, [{"id": 1, "file_name": "a.jpg"}, {"id": 2, "file_name": 7}, {"id": [3]},
                            {"id": 4, "file_name": "d.jpg", "width": "wide"}],
                 [{"id": 10, "image_id": 1, "caption": 5}, {"id": 11, "image_id": 1, "caption": ["a", "dog"]},
                  {"id": 12, "image_id": {"x": 1}, "caption": "a dog"}, {"id": 13, "image_id": 1, "caption": None}])
    rows = formats.check_rows(formats.read_coco_json(path, "val"))
    assert errors(rows) == [
        (f"{path}:images[1]", "file_name: expected a string, found a number (7)"),
        (f"{path}:images[2]", "id: expected a number or a string, found a list"),
        (f"{path}:images[3]", "width: expected a positive integer, found a string"),
        (f"{path}:annotations[0]", "caption: expected a string, found a number (5)"),
        (f"{path}:annotations[1]", "caption: expected a string, found a list"),
        (f"{path}:annotations[2]", "image_id: missing image_id or id (a number or a string)"),
        (f"{path}:annotations[3]", "caption: empty caption"),
    ]
    karpathy = tmp_path / "k.json"
    karpathy.write_text(json.dumps({"images": [
        {"filename": 5, "split": "test", "sentences": []},
        {"filename": "b.jpg", "cocoid": 2, "split": ["test"], "sentences": []},
        {"filename": "c.jpg", "cocoid": 3, "split": "test", "sentences": [{"raw": 7}, {"tokens": [1, 2]}, "x"]},
        "not an image"]}))
    rows = formats.check_rows(formats.read_karpathy(karpathy))
    assert errors(rows) == [
        (f"{karpathy}:images[0]", "filename: expected a string, found a number (5)"),
        (f"{karpathy}:images[1]", "split: expected a string, found a list"),
        (f"{karpathy}:images[3]", "filename: the image is a string, expected an object"),
        (f"{karpathy}:images[2].sentences[0]", "caption: expected a string, found a number (7)"),
        (f"{karpathy}:images[2].sentences[1]", "caption: expected a string, found a list"),
        (f"{karpathy}:images[2].sentences[2]", "caption: the sentence is a string, expected an object with 'raw' "
                                               "or 'tokens'"),
    ]


@pytest.mark.parametrize(
    ("reader", "data", "words"),
    [(formats.read_karpathy, {"images": "abc"}, "'images': expected an object with an 'images' list, found a string"),
     (formats.read_coco_json, {"images": "abc", "annotations": []}, "'images': expected a list, found a string"),
     (formats.read_coco_json, [1, 2], "'annotations': expected an object with an 'annotations' list, found a list")],
)
def test_a_json_file_of_the_wrong_shape_is_refused_naming_the_key(tmp_path: Path, reader, data, words) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=words):
        reader(path, "val") if reader is formats.read_coco_json else reader(path)


def test_unreadable_json_files_are_named(tmp_path: Path) -> None:
    path = tmp_path / "latin.json"
    path.write_bytes('{"images": [], "annotations": [{"caption": "caf\xe9"}]}'.encode("latin-1"))
    with pytest.raises(InputError, match=r"latin.json:1: not UTF-8 text"):
        formats.read_coco_json(path, "val")
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="nested too deeply"):
        formats.read_karpathy(path)
    path.write_text('{"images": [{"id": ' + "9" * 5000 + "}], \"annotations\": []}")
    with pytest.raises(InputError, match="not readable JSON"):
        formats.read_coco_json(path, "val")


def test_lone_surrogates_and_control_characters_are_recorded_and_stay_storable(tmp_path: Path) -> None:
    path = _coco(tmp_path, [{"id": 1, "file_name": "a\u0000.jpg"}, {"id": "2\ud800", "file_name": "b.jpg"},
                            {"id": 3, "file_name": "c\ud83d.jpg"}],
                 [{"id": 10, "image_id": 1, "caption": "a \ud800 dog"},
                  {"id": "11\x07", "image_id": 1, "caption": "x"}])
    rows = formats.check_rows(formats.read_coco_json(path, "val"))
    assert errors(rows) == [
        (f"{path}:images[0]", "path: control character U+0000 in the path"),
        (f"{path}:images[1]", "image_id: not valid Unicode (lone surrogate U+D800)"),
        (f"{path}:images[2]", "path: not valid Unicode (lone surrogate U+D83D)"),
        (f"{path}:annotations[0]", "caption: not valid Unicode (lone surrogate U+D800)"),
        (f"{path}:annotations[1]", "caption_id: control character U+0007"),
    ]
    every_string = [v for r in [*rows.images, *rows.captions] for v in r.values() if isinstance(v, str)]
    assert all(s.encode("utf-8") for s in every_string)  # nothing left that Parquet cannot write
    assert rows.captions[0]["caption"] == "a \ufffd dog"


@pytest.mark.parametrize(
    ("raw", "stored", "error"),
    [("  A\u00a0dog \u200bon a\tsofa.  ", "A dog on a sofa.", None),
     ("dog\x00", "dog", None),
     ("\u200b\u200c\u200d", "", "caption: empty caption"),
     ("\x00\x01", "", "caption: empty caption"),
     ("!!! ... ???", "!!! ... ???", "caption: no words"),
     ("12345 678", "12345 678", "caption: no words"),
     ("\U0001f600\U0001f600", "\U0001f600\U0001f600", "caption: no words")],
)
def test_captions_are_normalised_once_at_ingest_and_junk_is_named(tmp_path: Path, raw, stored, error) -> None:
    rows = formats.read_coco_json(_coco(tmp_path, [{"id": 1, "file_name": "a.jpg"}],
                                        [{"id": 1, "image_id": 1, "caption": raw}]), "val")
    assert (rows.captions[0]["caption"], rows.captions[0]["error"]) == (stored, error)
