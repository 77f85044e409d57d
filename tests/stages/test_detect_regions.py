"""detect_regions: shapes against the world's true boxes, precomputed TSV and npy, bad input."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import yaml
from PIL import Image

from pipeline.artifacts import read_table, write_artifact
from pipeline.schemas import IMAGES, REGIONS
from stages import detect_regions, ingest
from vision.regions.geometry import pairwise_iou

PARAMS = {"backend": "shapes", "feature_dtype": "float32", "graph_k": 0, "on_error": "record",
          "precomputed_format": "npy", "precomputed_split": "test", "images_per_task": 50, "rows_per_part": 3,
          "torchvision_weights": "", "detectron2_config": "", "detectron2_weights": "",
          "detectron2_allow_pickle": False, "device": "cpu", "top_k": 5, "score_threshold": 0.0, "nms_iou": 0.5}


def run(tmp_path: Path, *args: str, **overrides) -> int:
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"detect_regions": {**PARAMS, **overrides}}))
    return detect_regions.main(["--params", str(params), "--out", str(tmp_path / "regions"), "--metrics",
                                str(tmp_path / "m.json"), "--workers", "0", *args])


def features_of(row: dict) -> np.ndarray:
    return np.frombuffer(row["features"], row["feature_dtype"]).reshape(-1, row["feature_dim"])


CLASSIC = {"min_shapes": 2, "max_shapes": 4, "max_mentions": 0, "always_size": False, "heldout_pairs": 0}
HARDER = {"min_shapes": 4, "max_shapes": 8, "max_mentions": 3, "always_size": True, "heldout_pairs": 8}


@pytest.mark.parametrize("setting", [CLASSIC, HARDER], ids=["classic", "harder"])
def test_shapes_finds_the_worlds_true_boxes(tmp_path: Path, setting: dict) -> None:
    """The detector's recall of the true boxes (IoU >= 0.5), in the classic world and the harder one."""
    world = {"seed": 0, "num_images": 120, "image_size": 128, "captions_per_image": 5, "test_images": 20,
             "val_images": 10, "images_per_partition": 60, **setting}
    p = tmp_path / "ingest.yaml"
    p.write_text(yaml.safe_dump({"ingest": {"format": "synthetic", "split": "test", "on_error": "record",
                                            "captions_per_image": 5, "partition_rows": 1000, "world": world}}))
    assert ingest.main(["--params", str(p), "--out-captions", str(tmp_path / "c"), "--out-images",
                        str(tmp_path / "i"), "--out-image-dir", str(tmp_path / "png"), "--workers", "0"]) == 0
    assert run(tmp_path, "--images", str(tmp_path / "i"), "--image-root", str(tmp_path / "png")) == 0
    truth = {r["image_id"]: r for r in read_table(tmp_path / "i", IMAGES).to_pylist()}
    found = hit = 0
    for row in read_table(tmp_path / "regions", REGIONS).to_pylist():
        true = np.array([o["box"] for o in truth[row["image_id"]]["true_objects"]], np.float32)
        boxes = np.array(row["boxes"], np.float32).reshape(-1, 4)
        iou = pairwise_iou(np.concatenate([true, boxes]))[: len(true), len(true):]
        found += len(true)
        hit += int((iou.max(axis=1) >= 0.5).sum())
        assert features_of(row).shape == (len(boxes), 12)
        n = len(boxes)
        assert len(row["edge_src"]) == n * (n - 1) and len(row["edge_attr"][0]) == 7
    assert hit / found >= 0.98


def test_precomputed_npy_is_exact_and_streams_by_part(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    ims = rng.standard_normal((5, 4, 8)).astype(np.float32)
    boxes = np.tile(np.array([[0, 0, 10, 10], [5, 5, 20, 20], [0, 10, 30, 40], [2, 2, 4, 4]], np.float32), (5, 1, 1))
    d = tmp_path / "precomp"
    d.mkdir()
    np.save(d / "test_ims.npy", ims)
    np.save(d / "test_boxes.npy", boxes)
    np.save(d / "test_img_sizes.npy", np.array([[40, 50]] * 5))
    (d / "test_ids.txt").write_text("".join(f"{i}\n" * 5 for i in (11, 12, 13, 14, 15)))
    assert run(tmp_path, "--input", str(d), backend="precomputed") == 0
    rows = read_table(tmp_path / "regions", REGIONS).to_pylist()
    assert [r["image_id"] for r in rows] == ["11", "12", "13", "14", "15"]
    assert all(np.array_equal(features_of(r), ims[k]) for k, r in enumerate(rows))
    assert (rows[0]["width"], rows[0]["height"]) == (40, 50) and len(rows[0]["edge_src"]) == 12
    assert len(list((tmp_path / "regions").glob("part-*.parquet"))) == 2  # rows_per_part: 3
    assert run(tmp_path, "--input", str(d), backend="precomputed", feature_dtype="float16") == 0
    half = read_table(tmp_path / "regions", REGIONS).to_pylist()[0]
    assert np.allclose(features_of(half), ims[0], atol=1e-2)


def b64(a: np.ndarray) -> str:
    return base64.b64encode(np.asarray(a, np.float32).tobytes()).decode()


def test_precomputed_tsv_and_each_bad_row_is_recorded_not_dropped(tmp_path: Path) -> None:
    good = np.arange(2 * 3, dtype=np.float32).reshape(2, 3)
    box = np.array([[0, 0, 5, 5], [1, 1, 9, 9]], np.float32)
    lines = [
        ["1", "10", "10", "2", b64(box), b64(good)],
        ["2", "10", "10", "2", b64(box), "not*base64"],
        ["3", "10", "10", "2", b64(box[:1]), b64(good)],  # one box for two
        ["4", "10", "10", "2", b64(box), b64(np.arange(5))],  # wrong-length features
        ["5", "10", "10", "2", b64(box), b64(np.array([[np.nan, 0, 0], [0, 0, 0]]))],
        ["6", "4", "4", "2", b64(box), b64(good)],  # boxes outside a 4 x 4 image
        ["7", "10", "10"],  # truncated row
    ]
    tsv = tmp_path / "feats.tsv"
    tsv.write_text("".join("\t".join(x) + "\n" for x in lines))
    assert run(tmp_path, "--input", str(tsv), backend="precomputed", precomputed_format="tsv") == 0
    rows = {r["image_id"]: r for r in read_table(tmp_path / "regions", REGIONS).to_pylist()}
    assert len(rows) == 7 and rows["1"]["error"] is None and np.array_equal(features_of(rows["1"]), good)
    assert rows["2"]["error"].startswith("row: bad number or base64")
    assert rows["3"]["error"].startswith("boxes: 4 values for 2 boxes")
    assert rows["4"]["error"].startswith("features: 5 values")
    assert rows["5"]["error"] == "features: NaN or infinite values"
    assert rows["6"]["error"].startswith("boxes: outside the 4x4 image")
    assert rows["7"]["error"].startswith("row: 3 fields")
    assert all(r["features"] == b"" for k, r in rows.items() if k != "1")
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["errors"] == 6
    assert run(tmp_path, "--input", str(tsv), backend="precomputed", precomputed_format="tsv", on_error="fail") == 2


def test_missing_and_corrupt_pictures(tmp_path: Path, capsys) -> None:
    root = tmp_path / "png"
    root.mkdir()
    Image.new("RGB", (32, 32), (70, 70, 70)).save(root / "ok.png")
    (root / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    rows = {"image_id": ["ok", "bad", "gone"], "split": ["test"] * 3, "path": ["ok.png", "bad.png", "gone.png"],
            "width": [32] * 3, "height": [32] * 3, "source": ["t"] * 3, "error": [None] * 3,
            "true_objects": [None] * 3, "true_relations": [None] * 3}
    write_artifact(tmp_path / "images", IMAGES, [pa.table(rows, schema=IMAGES.arrow)])
    assert run(tmp_path, "--images", str(tmp_path / "images"), "--image-root", str(root)) == 0
    got = {r["image_id"]: r["error"] for r in read_table(tmp_path / "regions", REGIONS).to_pylist()}
    assert got["ok"] is None and got["bad"].startswith("image: unreadable") and got["gone"].startswith("image: missing")
    assert run(tmp_path, "--images", str(tmp_path / "images"), "--image-root", str(root), on_error="fail") == 2
    assert "bad.png" in capsys.readouterr().err


def test_detectron2_without_detectron2_says_how_to_install_it(tmp_path: Path, capsys) -> None:
    try:
        import detectron2  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("detectron2 is installed here")
    assert run(tmp_path, backend="detectron2") == 2
    err = capsys.readouterr().err
    assert "'detect_regions.backend'" in err and "detectron2 is not installed" in err and "Dockerfile.cuda" in err


def _one_image(tmp_path: Path) -> Path:
    root = tmp_path / "png"
    root.mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (64, 80, 3), dtype=np.uint8)).save(root / "a.png")
    rows = {"image_id": ["a"], "split": ["test"], "path": ["a.png"], "width": [80], "height": [64], "source": ["t"],
            "error": [None], "true_objects": [None], "true_relations": [None]}
    write_artifact(tmp_path / "images", IMAGES, [pa.table(rows, schema=IMAGES.arrow)])
    return root


@pytest.mark.slow
def test_torchvision_faster_rcnn_runs_end_to_end_with_random_weights(tmp_path: Path) -> None:
    pytest.importorskip("torchvision", reason="the torchvision extra is not installed")
    root = _one_image(tmp_path)
    assert run(tmp_path, "--images", str(tmp_path / "images"), "--image-root", str(root), backend="torchvision") == 0
    (row,) = read_table(tmp_path / "regions", REGIONS).to_pylist()
    assert row["error"] is None and row["backend"] == "torchvision"
    n = len(row["boxes"])
    assert 1 <= n <= 5 and row["feature_dim"] == 1024 and features_of(row).shape == (n, 1024)
    assert len(row["label_names"]) == n and len(row["scores"]) == n
    boxes = np.array(row["boxes"])
    assert (boxes[:, 0] >= 0).all() and (boxes[:, 2] <= 80).all() and (boxes[:, 3] <= 64).all()


def test_torchvision_refuses_a_weights_path_that_does_not_exist(tmp_path: Path, capsys) -> None:
    pytest.importorskip("torchvision", reason="the torchvision extra is not installed")
    root = _one_image(tmp_path)
    code = run(tmp_path, "--images", str(tmp_path / "images"), "--image-root", str(root), backend="torchvision",
               torchvision_weights=str(tmp_path / "nope.pth"))
    assert code == 2 and "weights file not found" in capsys.readouterr().err


def _images(tmp_path: Path, paths: list, errors: list) -> Path:
    n = len(paths)
    rows = {"image_id": [f"i{k}" for k in range(n)], "split": ["test"] * n, "path": paths, "width": [32] * n,
            "height": [32] * n, "source": ["t"] * n, "error": errors, "true_objects": [None] * n,
            "true_relations": [None] * n}
    write_artifact(tmp_path / "images", IMAGES, [pa.table(rows, schema=IMAGES.arrow)])
    return tmp_path / "images"


def test_pictures_outside_the_root_and_rows_with_errors_are_never_opened(tmp_path: Path, capsys) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    Image.new("RGB", (32, 32), (200, 0, 0)).save(outside / "secret.png")
    root = tmp_path / "png"
    root.mkdir()
    Image.new("RGB", (32, 32), (70, 70, 70)).save(root / "ok.png")
    (root / "link.png").symlink_to(outside / "secret.png")
    (root / "dir").symlink_to(outside, target_is_directory=True)
    images = _images(tmp_path, ["ok.png", "link.png", "dir/secret.png", "../outside/secret.png", "ok\x00.png",
                                "ok.png"],
                     [None, None, None, None, None, "path: '../../etc/passwd' leaves the image root"])
    assert run(tmp_path, "--images", str(images), "--image-root", str(root)) == 0
    got = {r["image_id"]: r["error"] for r in read_table(tmp_path / "regions", REGIONS).to_pylist()}
    assert got == {"i0": None, "i1": "path: 'link.png' leads outside the image root",
                   "i2": "path: 'dir/secret.png' leads outside the image root",
                   "i3": "path: '../outside/secret.png' leaves the image root",
                   "i4": "path: control character U+0000 in the path"}  # i5: ingest refused it, never opened
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["errors_by_field"] == {"path": 4} and metrics["skipped_ingest_errors"] == 1
    assert metrics["images"] == 5
    assert run(tmp_path, "--images", str(images), "--image-root", str(root), on_error="fail") == 2
    err = capsys.readouterr().err
    assert "field 'path': 'link.png' leads outside the image root" in err and str(outside) not in err


def test_detectron2_refuses_pickled_weights_unless_opted_in(tmp_path: Path, capsys) -> None:
    weights = tmp_path / "model_final.pkl"
    weights.write_bytes(b"not even read")
    assert run(tmp_path, backend="detectron2", detectron2_weights=str(weights)) == 2
    err = capsys.readouterr().err
    assert "'detect_regions.detectron2_weights'" in err and "unpickles .pkl weights, which runs any code" in err
    assert "detectron2_allow_pickle: true" in err
    code = run(tmp_path, backend="detectron2", detectron2_weights=str(weights), detectron2_allow_pickle=True)
    assert code == 2 and "unpickles" not in capsys.readouterr().err  # past the refusal (detectron2 is absent here)


@pytest.mark.parametrize(
    ("name", "array", "words"),
    [("test_ims.npy", np.array([[[1, "a"]]], dtype=object), "holds Python objects (refused"),
     ("test_ims.npy", np.zeros((2, 3), np.float32), "expected shape (images, regions, dim), found (2, 3)"),
     ("test_ims.npy", np.array([[["a"]]]), "expected a numeric array"),
     ("test_boxes.npy", np.zeros((1, 4, 4), np.float32), "expected shape (2, 4, 4), found (1, 4, 4)")],
)
def test_bad_npy_files_are_named(tmp_path: Path, capsys, name: str, array: np.ndarray, words: str) -> None:
    d = tmp_path / "precomp"
    d.mkdir()
    np.save(d / "test_ims.npy", np.zeros((2, 4, 8), np.float32))
    np.save(d / name, array, allow_pickle=True)
    assert run(tmp_path, "--input", str(d), backend="precomputed") == 2
    assert f"{d / name}: {words}" in capsys.readouterr().err
