"""The ingest stage end to end: params in, artifacts and metrics out, by its error policy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pipeline.artifacts import read_table
from pipeline.schemas import CAPTIONS, IMAGES
from stages import ingest

WORLD = {"seed": 0, "num_images": 9, "image_size": 96, "min_shapes": 2, "max_shapes": 4,
         "captions_per_image": 5, "test_images": 3, "val_images": 2, "images_per_partition": 4,
         "max_mentions": 0, "always_size": False, "heldout_pairs": 0}


def params(tmp_path: Path, **overrides) -> Path:
    section = {"format": "synthetic", "split": "test", "on_error": "record", "captions_per_image": 5,
               "partition_rows": 3, "world": dict(WORLD)}
    section.update(overrides)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump({"ingest": section}))
    return path


def run(tmp_path: Path, p: Path, *extra: str) -> int:
    return ingest.main(["--params", str(p), "--out-captions", str(tmp_path / "captions"),
                        "--out-images", str(tmp_path / "images"), "--metrics",
                        str(tmp_path / "metrics.json"), "--workers", "0", *extra])


def test_synthetic_world_artifacts(tmp_path: Path) -> None:
    assert run(tmp_path, params(tmp_path), "--out-image-dir", str(tmp_path / "png")) == 0
    images = read_table(tmp_path / "images", IMAGES).to_pylist()
    captions = read_table(tmp_path / "captions", CAPTIONS).to_pylist()
    assert [i["split"] for i in images] == ["test"] * 3 + ["val"] * 2 + ["train"] * 4
    assert len(captions) == 45 and all(c["true_facts"] for c in captions)
    assert sorted(p.name for p in (tmp_path / "png").iterdir()) == [i["path"] for i in images]
    assert len(list((tmp_path / "images").iterdir())) == 3  # partitions of 4 images
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["captions"]["rows"] == 45 and metrics["images"]["by_split"]["val"] == 2


def test_synthetic_output_does_not_depend_on_partitioning(tmp_path: Path) -> None:
    run(tmp_path / "a", params(tmp_path), "--out-image-dir", str(tmp_path / "a" / "png"))
    p = params(tmp_path, world={**WORLD, "images_per_partition": 2})
    run(tmp_path / "b", p, "--out-image-dir", str(tmp_path / "b" / "png"))
    for name, schema in (("captions", CAPTIONS), ("images", IMAGES)):
        assert read_table(tmp_path / "a" / name, schema).equals(read_table(tmp_path / "b" / name, schema))
    for png in (tmp_path / "a" / "png").iterdir():
        assert png.read_bytes() == (tmp_path / "b" / "png" / png.name).read_bytes()


def _token_file(tmp_path: Path) -> Path:
    path = tmp_path / "tokens.txt"
    path.write_text("1.jpg#0\tA dog .\n1.jpg#1\t \n2.jpg#0\tA cat .\n")
    return path


def test_record_policy_keeps_bad_rows_with_their_error(tmp_path: Path, capsys) -> None:
    p = params(tmp_path, format="flickr_token", split="all")
    assert run(tmp_path, p, "--input", str(_token_file(tmp_path))) == 0
    captions = read_table(tmp_path / "captions", CAPTIONS).to_pylist()
    assert [c["error"] for c in captions] == [None, "caption: empty caption", None]
    assert json.loads((tmp_path / "metrics.json").read_text())["captions"]["errors_by_field"] == {"caption": 1}
    assert "1 rows recorded with errors" in capsys.readouterr().err


def test_fail_policy_stops_naming_file_row_and_field_and_writes_nothing(tmp_path: Path, capsys) -> None:
    p = params(tmp_path, format="flickr_token", split="all", on_error="fail")
    token = _token_file(tmp_path)
    assert run(tmp_path, p, "--input", str(token)) == 2
    assert f"{token}:2, field 'caption': empty caption" in capsys.readouterr().err
    assert not (tmp_path / "captions").exists() and not (tmp_path / "images").exists()


def test_real_format_partitions_and_missing_input(tmp_path: Path, capsys) -> None:
    (tmp_path / "test_caps.txt").write_text("".join(f"caption {i}\n" for i in range(10)))
    p = params(tmp_path, format="precomp")
    assert run(tmp_path, p, "--input", str(tmp_path)) == 0
    assert len(list((tmp_path / "captions").iterdir())) == 4  # partition_rows: 3
    assert run(tmp_path, p) == 2 and "'--input'" in capsys.readouterr().err


@pytest.mark.shared_data
def test_real_flickr8k_token_file_with_its_split_lists(tmp_path: Path, shared_data: Path) -> None:
    d = shared_data / "flickr8k"
    p = params(tmp_path, format="flickr_token", split="all", partition_rows=50000)
    lists = [f"--split-list={s}={d / f'Flickr_8k.{s}Images.txt'}" for s in ("train", "dev", "test")]
    assert run(tmp_path, p, "--input", str(d / "Flickr8k.token.txt"), *lists) == 0
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["captions"]["rows"] == 40460 and m["images"]["rows"] == 8092
    assert m["images"]["by_split"]["test"] == 1000 and m["images"]["by_split"]["dev"] == 1000
    assert m["captions"]["errors"] == 0


@pytest.mark.shared_data
@pytest.mark.parametrize(("folder", "split", "images", "captions"),
                         [("f30k", "test", 1000, 5000), ("f30k", "dev", 1014, 5070),
                          ("coco", "testall", 5000, 25000)])
def test_real_precomp_caption_files(tmp_path: Path, shared_data: Path, folder, split, images, captions) -> None:
    p = params(tmp_path, format="precomp", split=split, partition_rows=50000)
    assert run(tmp_path, p, "--input", str(shared_data / folder)) == 0
    table = read_table(tmp_path / "captions", CAPTIONS)
    assert table.num_rows == captions
    assert read_table(tmp_path / "images", IMAGES).num_rows == images
    per_image = table.group_by("image_id").aggregate([("caption_id", "count")])
    assert set(per_image.column("caption_id_count").to_pylist()) == {5}


def test_captions_are_normalised_and_junk_recorded_as_no_words(tmp_path: Path, capsys) -> None:
    token = tmp_path / "tokens.txt"
    token.write_text("1.jpg#0\tA\u200b dog\x00  on a\u2028sofa .\r\n1.jpg#1\t\u200b\u200c\u200d\n1.jpg#2\t... !!!\n"
                     "2.jpg#0\t1234 5678\n2.jpg#1\t\u202eA cat\u202c .\n", encoding="utf-8", newline="")
    assert run(tmp_path, params(tmp_path, format="flickr_token", split="all"), "--input", str(token)) == 0
    captions = read_table(tmp_path / "captions", CAPTIONS).to_pylist()
    assert [(c["caption"], c["error"]) for c in captions] == [
        ("A dog on a sofa .", None), ("", "caption: empty caption"), ("... !!!", "caption: no words"),
        ("1234 5678", "caption: no words"), ("A cat .", None)]
    assert json.loads((tmp_path / "metrics.json").read_text())["captions"]["errors_by_field"] == {"caption": 3}
    p = params(tmp_path, format="flickr_token", split="all", on_error="fail")
    token.write_text("1.jpg#0\tA dog .\n1.jpg#1\t?!\n")
    assert run(tmp_path / "fail", p, "--input", str(token)) == 2
    assert f"{token}:2, field 'caption': no words" in capsys.readouterr().err
