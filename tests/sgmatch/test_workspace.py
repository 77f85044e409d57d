"""``sgmatch init``: a workspace of its own for each caption format, the real captions, and DVC on it."""

from __future__ import annotations

import importlib
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

import stages
from pipeline.artifacts import read_table
from pipeline.schemas import CAPTIONS, REGIONS
from pipeline.stage import check_dvc_entry
from sgmatch.cli import main as cli
from sgmatch.workspace import TEXT_STAGES, Dataset, project_root, write_workspace

BIN = Path(sys.executable).parent
CAPS = ["a dog runs on the grass", "a brown dog on green grass", "two men ride red bikes",
        "a man rides a bike", "a cat sleeps on a sofa", "a grey cat on the couch"]


def karpathy(tmp: Path) -> Path:
    images = [{"filename": f"{i}.jpg", "filepath": "imgs", "split": split,
               "sentences": [{"raw": CAPS[2 * i]}, {"tokens": CAPS[2 * i + 1].split()}]}
              for i, split in enumerate(["train", "val", "test"])]
    path = tmp / "dataset_flickr30k.json"
    path.write_text(json.dumps({"images": images}))
    return path


def coco(tmp: Path) -> Path:
    path = tmp / "captions_val2014.json"
    path.write_text(json.dumps({"images": [{"id": 7, "file_name": "COCO_7.jpg", "width": 64, "height": 48}],
                                "annotations": [{"id": 70 + k, "image_id": 7, "caption": c}
                                                for k, c in enumerate(CAPS[:3])]}))
    return path


def flickr_token(tmp: Path) -> tuple[Path, dict[str, Path]]:
    path = tmp / "results_20130124.token"
    path.write_text("".join(f"{i // 2}.jpg#{i % 2}\t{c}\n" for i, c in enumerate(CAPS)))
    lists = {}
    for split, names in (("train", ["0.jpg", "1.jpg"]), ("test", ["2.jpg"])):
        lists[split] = tmp / f"{split}.txt"
        lists[split].write_text("\n".join(names) + "\n")
    return path, lists


def precomp(tmp: Path, split: str = "test", features: bool = False) -> Path:
    d = tmp / "f30k_precomp"
    d.mkdir()
    (d / f"{split}_caps.txt").write_text("\n".join(CAPS) + "\n")
    (d / f"{split}_ids.txt").write_text("10\n11\n12\n")  # one id per image, two captions each
    if features:
        rng = np.random.default_rng(0)
        np.save(d / f"{split}_ims.npy", rng.normal(size=(3, 4, 8)).astype(np.float32))
    return d


def datasets(tmp: Path) -> dict[str, tuple[Dataset, int]]:
    """Every format as a tiny file, with the number of captions ingest must find in it."""
    token, lists = flickr_token(tmp)
    return {
        "karpathy": (Dataset("karpathy", karpathy(tmp)), 6),
        "coco_json": (Dataset("coco_json", coco(tmp), split="val"), 3),
        "flickr_token": (Dataset("flickr_token", token, split_lists=lists), 6),
        "precomp": (Dataset("precomp", precomp(tmp), settings={"ingest.captions_per_image": 2}), 6),
    }


def run_entry(workspace: Path, entry: dict, monkeypatch: pytest.MonkeyPatch) -> int:
    """Run a dvc.yaml entry's command in this process, in the workspace (as dvc repro would)."""
    words = shlex.split(entry["cmd"])
    monkeypatch.chdir(workspace)
    return importlib.import_module(words[2]).main(words[3:])


@pytest.mark.parametrize("fmt", ["karpathy", "coco_json", "flickr_token", "precomp"])
def test_each_caption_format_gets_a_text_side_workspace_whose_ingest_reads_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    data, n_captions = datasets(tmp_path)[fmt]
    ws = tmp_path / "ws"
    names = write_workspace(ws, data, git=False)
    assert names == list(TEXT_STAGES)  # no features: the text side alone
    dvc = yaml.safe_load((ws / "dvc.yaml").read_text())
    assert list(dvc["stages"]) == list(TEXT_STAGES)
    for name, entry in dvc["stages"].items():
        assert check_dvc_entry(stages.spec(name), entry) == []
        code = [d for d in entry["deps"] if d.startswith(str(project_root()))]
        assert code and all(Path(d).exists() for d in code), name  # the stage's code, by absolute path
    assert str(data.captions) in dvc["stages"]["ingest"]["deps"]
    params = yaml.safe_load((ws / "params.yaml").read_text())
    assert set(params) == {"ingest", "parse_captions", "extract_labels", "generate_negatives", "caption_semantics"}
    assert params["ingest"]["format"] == fmt
    assert (ws / ".dvc").is_dir()
    ignored = (ws / ".gitignore").read_text().split()
    assert "dvc_plots/" in ignored and not {"/metrics/", "/plots/", "/dvclive/"} & set(ignored)  # dvc exp keeps them
    assert run_entry(ws, dvc["stages"]["ingest"], monkeypatch) == 0
    captions = read_table(ws / "data/captions", CAPTIONS)
    assert captions.num_rows == n_captions
    assert all(e is None for e in captions.column("error").to_pylist())
    if fmt == "flickr_token":
        assert sorted(set(captions.column("split").to_pylist())) == ["test", "train"]


def test_features_add_regions_training_and_evaluation_for_each_run(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    d = precomp(tmp_path, split="train", features=True)
    for name in ("caps.txt", "ids.txt", "ims.npy"):  # a second split of the same folder
        shutil.copy(d / f"train_{name}", d / f"dev_{name}")
    (d / "dev_ids.txt").write_text("20\n21\n22\n")
    data = Dataset("precomp", d, split="train,dev", features=d, features_format="npy", runs=("vsepp", "fusion"),
                   train_split="train", val_split="dev", test_split="dev", device="cuda",
                   settings={"train.epochs": 3, "ingest.captions_per_image": 2})
    names = write_workspace(tmp_path / "ws", data, git=False)
    assert names == [*TEXT_STAGES, "detect_regions", "train", "evaluate"]
    dvc = yaml.safe_load((tmp_path / "ws/dvc.yaml").read_text())
    train = dvc["stages"]["train"]
    assert train["foreach"] == ["vsepp", "fusion"]
    assert "--live dvclive/${item}" in train["do"]["cmd"] and "--curves plots/train/${item}.png" in train["do"]["cmd"]
    assert {"dvclive/${item}/metrics.json": {"cache": False}} in train["do"]["outs"]
    # dvc metrics show lists the evaluation's few headline figures only; every figure is in details
    evaluate = dvc["stages"]["evaluate"]["do"]
    assert evaluate["metrics"] == [{"metrics/evaluate/${item}.json": {"cache": False}}]
    assert {"metrics/evaluate/details/${item}.json": {"cache": False}} in evaluate["outs"]
    assert "metrics" not in dvc["stages"]["generate_negatives"]
    assert [p for p in dvc["plots"] if "validation R-sum by epoch" in p]
    assert str(d) in dvc["stages"]["detect_regions"]["deps"]
    params = yaml.safe_load((tmp_path / "ws/params.yaml").read_text())
    assert params["detect_regions"]["backend"] == "precomputed"
    assert params["detect_regions"]["precomputed_split"] == params["ingest"]["split"] == "train,dev"
    assert list(params["runs"]) == ["vsepp", "fusion"]
    assert params["train"]["epochs"] == 3 and params["train"]["device"] == params["evaluate"]["device"] == "cuda"
    # both splits, captions and regions, from the one folder
    ws = tmp_path / "ws"
    assert run_entry(ws, dvc["stages"]["ingest"], monkeypatch) == 0
    splits = read_table(ws / "data/captions", CAPTIONS, columns=["split"]).column("split").to_pylist()
    assert splits.count("train") == splits.count("dev") == 6
    assert run_entry(ws, dvc["stages"]["detect_regions"], monkeypatch) == 0
    regions = read_table(ws / "data/regions", REGIONS, columns=["image_id", "split"]).to_pylist()
    assert sorted((r["split"], r["image_id"]) for r in regions) == [
        ("dev", "20"), ("dev", "21"), ("dev", "22"), ("train", "10"), ("train", "11"), ("train", "12")]


def test_images_and_detector_weights_choose_the_torchvision_backend(tmp_path: Path) -> None:
    images = tmp_path / "flickr30k-images"
    images.mkdir()
    weights = tmp_path / "fasterrcnn.pth"
    weights.write_bytes(b"not read here")
    data = Dataset("karpathy", karpathy(tmp_path), images=images, detector_weights=weights, runs=("vsepp",))
    write_workspace(tmp_path / "ws", data, git=False)
    dvc = yaml.safe_load((tmp_path / "ws/dvc.yaml").read_text())
    entry = dvc["stages"]["detect_regions"]
    assert f"--image-root {images}" in entry["cmd"] and "--images data/images" in entry["cmd"]
    assert str(weights) in entry["deps"]
    params = yaml.safe_load((tmp_path / "ws/params.yaml").read_text())
    assert params["detect_regions"]["torchvision_weights"] == str(weights)


@pytest.mark.parametrize(("argv", "words"), [
    (["--format", "karpathy", "--captions", "absent.json"], "absent.json': no such file or folder"),
    (["--format", "karpathy"], "reads its captions from a file"),
    (["--format", "synthetic", "--runs", "nope"], "--runs, field 'nope': no such run"),
    (["--format", "synthetic", "--set", "train.epochz=3"], "params.yaml has no key 'epochz'"),
    (["--format", "precomp", "--captions", "."], "no test_caps.txt in this precomp folder"),
])
def test_bad_init_options_are_named_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys,
                                                argv: list[str], words: str) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli(["init", "ws", "--no-git", *argv]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "ws/dvc.yaml").exists()


def test_init_never_overwrites_a_workspace_without_force(tmp_path: Path, capsys) -> None:
    args = ["init", str(tmp_path / "ws"), "--no-git", "--format", "karpathy", "--captions", str(karpathy(tmp_path))]
    assert cli(args) == 0
    assert "next: cd" in capsys.readouterr().out
    assert cli(args) == 2
    assert "already there (--force replaces it)" in capsys.readouterr().err
    assert cli([*args, "--force"]) == 0


@pytest.mark.shared_data
@pytest.mark.parametrize(("name", "argv", "n_captions"), [
    ("f30k", ["--format", "precomp", "--captions", "{D}/f30k", "--split", "test"], 5000),
    ("coco", ["--format", "precomp", "--captions", "{D}/coco", "--split", "testall"], 25000),
    ("flickr8k", ["--format", "flickr_token", "--captions", "{D}/flickr8k/Flickr8k.token.txt",
                  "--split-list", "train={D}/flickr8k/Flickr_8k.trainImages.txt",
                  "--split-list", "val={D}/flickr8k/Flickr_8k.devImages.txt",
                  "--split-list", "test={D}/flickr8k/Flickr_8k.testImages.txt"], 40460),
])
def test_the_real_captions_ingest_from_their_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       shared_data: Path, name: str, argv: list[str],
                                                       n_captions: int) -> None:
    real = [a.replace("{D}", str(shared_data)) for a in argv]
    ws = tmp_path / name
    assert cli(["init", str(ws), "--no-git", *real]) == 0
    dvc = yaml.safe_load((ws / "dvc.yaml").read_text())
    assert list(dvc["stages"]) == list(TEXT_STAGES)
    assert run_entry(ws, dvc["stages"]["ingest"], monkeypatch) == 0
    captions = read_table(ws / "data/captions", CAPTIONS, columns=["split", "error"])
    assert captions.num_rows == n_captions
    errors = sum(e is not None for e in captions.column("error").to_pylist())
    assert errors <= n_captions // 1000, f"{errors} captions recorded with errors"
    if name == "flickr8k":
        splits = captions.column("split").to_pylist()
        assert splits.count("train") == 30000 and splits.count("test") == 5000 and splits.count("val") == 5000


def _dvc(ws: Path, *words: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    done = subprocess.run([str(BIN / "dvc"), *words], cwd=ws, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.mark.slow
@pytest.mark.shared_data
def test_dvc_repro_prepares_real_flickr30k_captions_in_their_own_workspace(tmp_path: Path, shared_data: Path) -> None:
    """The first 300 Flickr30K test captions (copied to a temporary folder), the text side by dvc repro."""
    src = tmp_path / "f30k"
    src.mkdir()
    for name in ("test_caps.txt", "test_ids.txt"):
        lines = (shared_data / "f30k" / name).read_text().splitlines()
        (src / name).write_text("\n".join(lines[:300 if name == "test_caps.txt" else 60]) + "\n")
    ws = tmp_path / "ws"
    assert cli(["init", str(ws), "--no-git", "--format", "precomp", "--captions", str(src),
                "--train-split", "test", "--set", "parse_captions.mode=rules"]) == 0
    _dvc(ws, "repro")
    for artifact in ("captions", "text_graphs", "image_labels", "negatives", "caption_vectors"):
        assert any((ws / "data" / artifact).glob("*.parquet")), artifact
    assert "up to date" in _dvc(ws, "status").stdout
    shown = json.loads(_dvc(ws, "metrics", "show", "--json").stdout)
    (workspace,) = shown.values()  # the one revision: the workspace (no git here)
    # one readable table: the parse's few figures (the text side has no evaluation)
    assert list(workspace["data"]) == ["metrics/parse_captions.json"]
    assert workspace["data"]["metrics/parse_captions.json"]["data"]["captions"] == 300


@pytest.mark.slow
def test_dvc_exp_run_records_a_training_experiment_through_dvclive(tmp_path: Path) -> None:
    """A tiny synthetic workspace: dvc repro, then dvc exp run -S train.epochs=2; dvc exp show lists it."""
    ws = tmp_path / "ws"
    world = {"num_images": 40, "test_images": 10, "val_images": 10, "images_per_partition": 40}
    assert cli(["init", str(ws), "--format", "synthetic", "--runs", "vsepp",
                *[a for k, v in world.items() for a in ("--set", f"ingest.world.{k}={v}")],
                "--set", "train.epochs=1", "--set", "train.batch_size=16", "--set", "parse_captions.mode=rules",
                "--set", "runs.vsepp.model.dim=32", "--set", "runs.vsepp.model.word_dim=16"]) == 0
    if shutil.which("git") is None:
        pytest.skip("git is absent: dvc exp needs it")
    _dvc(ws, "repro")
    history = (ws / "plots/train/vsepp.csv").read_text().splitlines()
    assert len(history) == 2 and history[0].startswith("epoch,")
    assert (ws / "plots/train/vsepp.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    subprocess.run(["git", "add", "-A"], cwd=ws, check=True, capture_output=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "baseline"], cwd=ws,
                   check=True, capture_output=True)
    _dvc(ws, "exp", "run", "-S", "train.epochs=2", "--name", "two-epochs")
    shown = json.loads(_dvc(ws, "exp", "show", "--json").stdout)
    exps = [e for commit in shown for e in (commit.get("experiments") or [])]
    names = [e.get("name") for e in exps]
    assert "two-epochs" in names, shown
    run = next(e for e in exps if e["name"] == "two-epochs")["revs"][0]["data"]
    assert run["params"]["params.yaml"]["data"]["train"]["epochs"] == 2
    headline = run["metrics"]["metrics/evaluate/vsepp.json"]["data"]  # stored with the experiment: git keeps it
    assert "rsum" in headline and "swap_att_acc" in headline
    live = json.loads((ws / "dvclive/vsepp/metrics.json").read_text())
    assert live["step"] == 2 and "loss" in live and "val_rsum" in live
    assert len((ws / "dvclive/vsepp/plots/metrics/loss.tsv").read_text().splitlines()) == 3  # header, 2 epochs
