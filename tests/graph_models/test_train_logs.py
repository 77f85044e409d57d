"""Training's per-epoch logs beside the CSV: DVCLive's directory and the PNG curves."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from graph_models.engine import LiveLog, write_curves

HISTORY = [{"epoch": 1, "loss": 2.5, "ranking": 2.0, "phrase": 0.5, "val_r1": 10.0, "val_rsum": 60.0},
           {"epoch": 2, "loss": 1.5, "ranking": 1.2, "phrase": 0.3, "val_r1": 20.0, "val_rsum": 90.0},
           {"epoch": 3, "loss": 1.0, "ranking": 0.8, "phrase": 0.2, "val_r1": 30.0, "val_rsum": 120.0}]


def files(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): p.read_text() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_dvclive_holds_every_epoch_by_its_number_and_the_last_as_metrics(tmp_path: Path) -> None:
    LiveLog(tmp_path / "live").log(HISTORY)
    metrics = json.loads((tmp_path / "live/metrics.json").read_text())
    assert metrics == {"loss": 1.0, "ranking": 0.8, "phrase": 0.2, "val_r1": 30.0, "val_rsum": 120.0, "step": 3}
    rows = (tmp_path / "live/plots/metrics/val_rsum.tsv").read_text().splitlines()
    assert rows == ["step\tval_rsum", "1\t60.0", "2\t90.0", "3\t120.0"]
    assert not (tmp_path / "dvc.yaml").exists() and not (tmp_path / "live/dvc.yaml").exists()  # never edits dvc.yaml


def test_a_resumed_training_logs_the_same_files_as_one_straight_through(tmp_path: Path) -> None:
    straight = LiveLog(tmp_path / "straight")
    for n in range(1, 4):
        straight.log(HISTORY[:n])
    resumed = LiveLog(tmp_path / "resumed")
    resumed.log(HISTORY[:1])
    LiveLog(tmp_path / "resumed").log(HISTORY)  # a new process after a kill: the whole history again
    assert files(tmp_path / "straight") == files(tmp_path / "resumed")


def test_the_curves_are_a_png_drawn_the_same_each_time(tmp_path: Path) -> None:
    write_curves(tmp_path / "a/fusion.png", HISTORY)
    write_curves(tmp_path / "b/fusion.png", HISTORY)
    with Image.open(tmp_path / "a/fusion.png") as im:
        assert im.format == "PNG" and im.size == (1000, 380)
        assert len(set(im.convert("L").getdata())) > 10  # something is drawn
    assert (tmp_path / "a/fusion.png").read_bytes() == (tmp_path / "b/fusion.png").read_bytes()


def test_dvclive_logs_in_a_git_repository_without_a_commit(tmp_path: Path, monkeypatch) -> None:
    """A new ``sgmatch init`` workspace: git and dvc initialised, nothing committed yet."""
    import shutil
    import subprocess

    if shutil.which("git") is None:
        import pytest

        pytest.skip("git is absent")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".dvc").mkdir()
    monkeypatch.chdir(tmp_path)
    LiveLog(Path("dvclive/vsepp")).log(HISTORY)
    assert json.loads(Path("dvclive/vsepp/metrics.json").read_text())["step"] == 3
