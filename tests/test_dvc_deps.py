"""dvc.yaml's code deps are exactly what each stage imports, so `dvc repro` never reuses a stale output."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from pipeline import dvc_deps


def test_every_stage_depends_on_exactly_the_files_it_imports(repo_root: Path) -> None:
    problems = dvc_deps.check_stage_deps(repo_root)
    assert not problems, "\n".join(problems) + "\n(python -m pipeline.dvc_deps prints each stage's deps)"


def test_the_stages_that_once_missed_deps_now_see_them(repo_root: Path) -> None:
    # the imports issue 10 found missing from dvc.yaml, through other modules
    assert "text/scene_graph/parser.py" in dvc_deps.module_files(repo_root, "stages.generate_negatives")
    assert "vision/world.py" in dvc_deps.module_files(repo_root, "stages.detect_regions")
    assert "text/phrases.py" in dvc_deps.module_files(repo_root, "stages.train")
    for stage in ("stages.train", "stages.evaluate"):
        files = dvc_deps.module_files(repo_root, stage)
        assert {"pipeline/features.py", "graph_models/objective.py"} <= files
        assert "sgmatch/cli.py" not in files  # a CLI edit re-runs no training


@pytest.fixture
def copy(tmp_path: Path, repo_root: Path) -> Path:
    for name in dvc_deps.PACKAGES:
        shutil.copytree(repo_root / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(repo_root / "dvc.yaml", tmp_path / "dvc.yaml")
    return tmp_path


def _edit_deps(root: Path, stage: str, edit) -> None:
    data = yaml.safe_load((root / "dvc.yaml").read_text())
    body = data["stages"][stage]
    body = body.get("do", body)
    body["deps"] = edit(body["deps"])
    (root / "dvc.yaml").write_text(yaml.safe_dump(data, sort_keys=False))


def test_a_missing_dep_is_named(copy: Path) -> None:
    _edit_deps(copy, "detect_regions", lambda deps: [d for d in deps if d != "vision"] + ["vision/regions"])
    assert dvc_deps.check_stage_deps(copy) == [
        "dvc.yaml stage detect_regions (stages.detect_regions) misses deps it imports: vision/__init__.py, "
        "vision/world.py"]


def test_a_dep_on_a_directory_counts_every_file_below_it(copy: Path) -> None:
    _edit_deps(copy, "ingest", lambda deps: [d for d in deps if not d.startswith("pipeline/")] + ["pipeline"])
    (problem,) = dvc_deps.check_stage_deps(copy)
    assert problem.startswith("dvc.yaml stage ingest (stages.ingest) depends on files it does not import: ")
    assert "pipeline/dvc_deps.py" in problem and "pipeline/artifacts.py" not in problem


def test_a_new_import_and_a_data_file_beside_a_module_are_followed(copy: Path) -> None:
    (copy / "stages" / "extra.py").write_text(
        "from pathlib import Path\nTABLE = Path(__file__).with_name('extra.json')\n")
    (copy / "stages" / "extra.json").write_text("{}")
    ingest = copy / "stages" / "ingest.py"
    ingest.write_text(ingest.read_text() + "\n\ndef _later() -> None:\n    from stages import extra  # noqa: F401\n")
    (problem,) = dvc_deps.check_stage_deps(copy)
    assert problem.endswith("misses deps it imports: stages/extra.json, stages/extra.py")


def test_a_use_of_file_it_cannot_follow_is_refused(copy: Path) -> None:
    (copy / "vision" / "world.py").write_text("import os\nHERE = os.path.dirname(__file__)\n")
    with pytest.raises(ValueError, match=r"world.py:2: uses __file__"):
        dvc_deps.module_files(copy, "stages.ingest")
