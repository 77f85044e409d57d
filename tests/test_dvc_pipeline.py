"""``dvc repro`` of the demo graph in a scratch copy of the project: runs, then skips."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline import dvc_deps

pytestmark = pytest.mark.slow


def dvc(cwd: Path, *args: str) -> str:
    # dvc runs each stage's `python -m ...` through the shell: use this interpreter's bin first
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run([sys.executable, "-m", "dvc", *args], cwd=cwd, env=env, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


@pytest.fixture
def project(tmp_path: Path, repo_root: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in dvc_deps.PACKAGES:
        shutil.copytree(repo_root / name, tmp_path / name, ignore=ignore)
    for name in ("dvc.yaml", ".dvcignore"):
        shutil.copy(repo_root / name, tmp_path / name)
    params = yaml.safe_load((repo_root / "params.yaml").read_text())
    params["ingest"]["world"].update(num_images=12, test_images=4, val_images=2, images_per_partition=6)
    params["train"]["epochs"] = 1
    for run in params["runs"].values():
        run["model"].update(dim=16, word_dim=8, **({"layers": 1, "heads": 2} if "layers" in run["model"] else {}))
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    dvc(tmp_path, "init", "--no-scm", "-q")
    dvc(tmp_path, "config", "core.analytics", "false")
    return tmp_path


def test_repro_runs_every_stage_then_skips_what_did_not_change(project: Path) -> None:
    first = dvc(project, "repro")
    assert "Running stage 'ingest'" in first
    assert (project / "data" / "captions" / "part-00000.parquet").exists()
    assert len(list((project / "data" / "world_images").glob("*.png"))) == 12
    second = dvc(project, "repro")
    assert "Running stage" not in second and "didn't change, skipping" in second
    metrics = dvc(project, "metrics", "show")
    # one readable table: the evaluation's headline figures, not every stage's summary
    assert "metrics/evaluate/fusion.json" in metrics and "rsum" in metrics
    assert "captions.rows" not in metrics and "metrics/ingest.json" not in metrics
    # a params change re-runs the stage that reads it
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["ingest"]["world"]["seed"] = 1
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    assert "Running stage 'ingest'" in dvc(project, "repro")
