"""``train`` and ``evaluate`` end to end on a tiny synthetic world made by the real stages.

The tests that train are ``slow`` (the world's stages and the trainings take ~15 s); the library
code they drive is tested fast in ``tests/graph_models``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from graph_models.checkpoint import MODEL_FORMAT
from sgmatch import compare
from stages import (
    caption_semantics,
    detect_regions,
    evaluate,
    extract_labels,
    generate_negatives,
    ingest,
    parse_captions,
    train,
)

REPO = Path(__file__).resolve().parents[2]


def tiny_params(repo_root: Path, path: Path, **train_overrides) -> Path:
    params = yaml.safe_load((repo_root / "params.yaml").read_text())
    params["ingest"]["world"].update(num_images=24, test_images=6, val_images=4, images_per_partition=12)
    params["train"].update({"epochs": 2, "batch_size": 32, **train_overrides})
    for run in params["runs"].values():
        run["model"].update(dim=32, word_dim=16, **({"layers": 1, "heads": 2} if "layers" in run["model"] else {}))
        run["losses"]["ranking"]["warmup_epochs"] = 1
    fusion = params["runs"]["fusion"]
    params["runs"]["fusion_lseh"] = {"model": fusion["model"],
                                     "losses": {**fusion["losses"], "ranking": {**fusion["losses"]["ranking"],
                                                                                "semantic": "lseh"},
                                                "adversarial": {"weight": 0.2, "warmup_epochs": 1}}}
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every upstream artifact of a 24-image world, made by the stages in this process."""
    d = tmp_path_factory.mktemp("world")
    p = str(tiny_params(REPO, d / "params.yaml"))
    steps = [
        (ingest, ["--out-captions", "captions", "--out-images", "images", "--out-image-dir", "pngs"]),
        (parse_captions, ["--captions", "captions", "--out", "text_graphs", "--workers", "0"]),
        (extract_labels, ["--text-graphs", "text_graphs", "--out-images", "labels", "--out-captions", "phrases",
                          "--out-vocab", "vocab"]),
        (generate_negatives, ["--text-graphs", "text_graphs", "--out", "negatives", "--workers", "0"]),
        (caption_semantics, ["--text-graphs", "text_graphs", "--out", "vectors"]),
        (detect_regions, ["--images", "images", "--image-root", "pngs", "--out", "regions", "--workers", "0"]),
    ]
    cwd = os.getcwd()
    os.chdir(d)
    try:
        for stage, argv in steps:
            assert stage.main(["--params", p, *argv]) == 0, stage.__name__
    finally:
        os.chdir(cwd)
    return d


def train_args(world: Path, out: Path, run: str = "fusion", params: Path | None = None) -> list[str]:
    return ["--params", str(params or world / "params.yaml"), "--run-name", run, "--text-graphs", str(world / "text_graphs"),
            "--regions", str(world / "regions"), "--negatives", str(world / "negatives"), "--labels",
            str(world / "labels"), "--caption-vectors", str(world / "vectors"), "--out", str(out / "model.pt"),
            "--checkpoint-dir", str(out / "ck"), "--plots", str(out / "plots.csv"), "--metrics", str(out / "train.json")]


def evaluate_args(world: Path, out: Path, params: Path | None = None) -> list[str]:
    return ["--params", str(params or world / "params.yaml"), "--model", str(out / "model.pt"), "--text-graphs",
            str(world / "text_graphs"), "--regions", str(world / "regions"), "--negatives", str(world / "negatives"),
            "--labels", str(world / "labels"), "--metrics", str(out / "headline.json"), "--details",
            str(out / "eval.json"), "--seed", "0"]


@pytest.mark.slow
@pytest.mark.parametrize("run", ["fusion", "vsepp", "fusion_lseh"])
def test_train_then_evaluate_writes_a_loadable_model_and_the_protocol(world: Path, tmp_path: Path, run: str) -> None:
    assert train.main(train_args(world, tmp_path, run)) == 0
    state = torch.load(tmp_path / "model.pt", weights_only=True)
    assert state["format"] == MODEL_FORMAT and state["run"] == run and state["epochs"] == 2
    plots = (tmp_path / "plots.csv").read_text().splitlines()
    assert plots[0].startswith("epoch,") and "val_rsum" in plots[0] and len(plots) == 3
    trained = json.loads((tmp_path / "train.json").read_text())
    assert trained["inputs"]["used"] == 14 * 5 and trained["epochs"] == 2
    if run == "fusion_lseh":  # the adversarial term is on after its warm-up epoch
        assert "adversarial" in plots[0]

    assert evaluate.main(evaluate_args(world, tmp_path)) == 0
    metrics = json.loads((tmp_path / "eval.json").read_text())
    assert metrics["images"] == 6 and metrics["captions"]["used"] == 30 and metrics["seed"] == 0
    assert set(metrics["retrieval"]["all"]) >= {"i2t_r1", "i2t_r5", "i2t_r10", "t2i_r1", "t2i_r5", "t2i_r10", "rsum"}
    assert metrics["compositional"]["all"]["count"] > 0
    assert metrics["hard_queries"]["captions"] == round(30 * 0.25) and 0 <= metrics["hard_queries"]["t2i_r10"] <= 100
    assert 0 <= metrics["modality_gap"]["probe_accuracy"] <= 1 and metrics["modality_gap"]["items"] == 12
    assert metrics["phrases"]["attributes"]["phrases"] > 0 and 0 < metrics["phrases"]["attributes"]["map"] <= 1
    headline = json.loads((tmp_path / "headline.json").read_text())
    assert headline["rsum"] == metrics["retrieval"]["all"]["rsum"] and all(
        not isinstance(v, dict) for v in headline.values())  # flat: one line of dvc metrics show
    table = compare.table(compare.load_rows([tmp_path / "eval.json"]))
    assert f"| {run} |" in table and "swap-att %" in table


@pytest.mark.slow
def test_a_rerun_resumes_its_checkpoint_and_other_settings_start_over(world: Path, tmp_path: Path, capsys) -> None:
    one = tiny_params(REPO, tmp_path / "one.yaml", epochs=1)
    assert train.main(train_args(world, tmp_path, "vsepp", one)) == 0
    capsys.readouterr()
    two = tiny_params(REPO, tmp_path / "two.yaml", epochs=2)
    assert train.main(train_args(world, tmp_path, "vsepp", two)) == 0
    log = capsys.readouterr().err
    assert "resuming vsepp from epoch 1" in log and "epoch 1:" not in log and "epoch 2:" in log
    assert len((tmp_path / "plots.csv").read_text().splitlines()) == 3  # epochs 1 and 2
    other = tiny_params(REPO, tmp_path / "other.yaml", epochs=2, learning_rate=0.001)
    assert train.main(train_args(world, tmp_path, "vsepp", other)) == 0
    log = capsys.readouterr().err
    assert "other settings" in log and "resuming" not in log and "epoch 1:" in log


@pytest.mark.slow
def test_shortlist_reports_what_it_costs(world: Path, tmp_path: Path) -> None:
    assert train.main(train_args(world, tmp_path, "fusion")) == 0
    params = yaml.safe_load((world / "params.yaml").read_text())
    params["evaluate"].update(shortlist=3, shortlist_cost=True)
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(params))
    assert evaluate.main(evaluate_args(world, tmp_path, tmp_path / "p.yaml")) == 0
    metrics = json.loads((tmp_path / "eval.json").read_text())
    short = metrics["shortlist"]
    assert short["k"] == 3 and "rsum_cost" in short
    assert short["rsum_cost"] == pytest.approx(metrics["retrieval"]["all"]["rsum"] - short["retrieval"]["all"]["rsum"],
                                               abs=0.01)


def test_bad_runs_and_absent_models_exit_2_with_one_clear_line(tmp_path: Path, capsys) -> None:
    tiny_params(REPO, tmp_path / "params.yaml")  # no artifact is read before these are refused
    assert train.main(train_args(tmp_path, tmp_path, "nope")) == 2
    err = capsys.readouterr().err
    assert "runs.nope" in err and "fusion" in err
    params = yaml.safe_load((tmp_path / "params.yaml").read_text())
    params["runs"]["fusion"]["model"]["matcher"] = "fusoin"
    params["runs"]["vsepp"]["losses"]["phrases"] = {"weight": 1.0}
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(params))
    assert train.main(train_args(tmp_path, tmp_path, "fusion", tmp_path / "bad.yaml")) == 2
    assert "runs.fusion.model.matcher" in (err := capsys.readouterr().err) and "'fusoin' is not a matcher" in err
    assert train.main(train_args(tmp_path, tmp_path, "vsepp", tmp_path / "bad.yaml")) == 2
    assert "runs.vsepp.losses.phrases" in (err := capsys.readouterr().err) and "generated, phrase" in err
    assert evaluate.main(evaluate_args(tmp_path, tmp_path / "absent")) == 2
    assert "model file not found" in capsys.readouterr().err


@pytest.mark.slow
def test_a_loss_without_its_input_exits_2_naming_it(world: Path, tmp_path: Path, capsys) -> None:
    args = train_args(world, tmp_path, "fusion")
    args[args.index("--labels"):args.index("--labels") + 2] = []
    assert train.main(args) == 2
    assert "--labels" in capsys.readouterr().err


@pytest.mark.slow
def test_torchrun_trains_with_two_processes_on_gloo(world: Path, tmp_path: Path) -> None:
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    assert torchrun, "torchrun is installed with torch"
    proc = subprocess.run([torchrun, "--standalone", "--nproc_per_node", "2", "-m", "stages.train",
                           *train_args(world, tmp_path, "fusion")], cwd=REPO, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "2 process(es)" in proc.stderr
    state = torch.load(tmp_path / "model.pt", weights_only=True)
    assert state["epochs"] == 2
    assert evaluate.main(evaluate_args(world, tmp_path)) == 0
