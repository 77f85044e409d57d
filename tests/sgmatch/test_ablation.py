"""``sgmatch ablation``: its steps come from dvc.yaml with the paths moved, and a done step is skipped."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from sgmatch import ablation


def write_params(tmp_path: Path, repo_root: Path, **world: object) -> Path:
    params = yaml.safe_load((repo_root / "params.yaml").read_text())
    params["ablation"].update(dir=str(tmp_path / "abl"), seeds=[0, 1], runs=["vsepp", "fusion_base"])
    params["ablation"]["overrides"]["ingest"]["world"].update(world)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    return path


def test_steps_are_dvc_yamls_commands_with_data_shared_and_outputs_per_seed(tmp_path: Path, repo_root: Path) -> None:
    plan = ablation.Plan(repo_root, write_params(tmp_path, repo_root))
    abl = tmp_path / "abl"
    assert list(plan.steps)[:6] == list(ablation.UPSTREAM)
    assert len(plan.steps) == 6 + 2 * 2 * 2
    train = plan.steps["train/fusion_base/seed1"].words
    assert train[:3] == ["python", "-m", "stages.train"]
    assert str(abl / "params/seed1.yaml") in train and str(abl / "data/regions") in train
    assert str(abl / "seed1/models/fusion_base.pt") in train and "fusion_base" in train
    assert not [w for w in train if w.startswith(("dvclive/", "plots/", "checkpoints/"))]  # nothing shared by seeds
    assert str(abl / "seed1/dvclive/fusion_base") in train
    evaluate = plan.steps["evaluate/fusion_base/seed1"]
    assert evaluate.words[-2:] == ["--seed", "1"]
    assert set(evaluate.after) == {"parse_captions", "extract_labels", "generate_negatives", "detect_regions",
                                   "train/fusion_base/seed1"}
    assert str(abl / "seed1/metrics/evaluate/details/fusion_base.json") in evaluate.outputs
    assert plan.details()[0] == abl / "seed0/metrics/evaluate/details/vsepp.json"
    plan.write_params()
    seeded = yaml.safe_load((abl / "params/seed1.yaml").read_text())
    assert seeded["train"]["seed"] == 1 and seeded["ingest"]["world"]["max_mentions"] == 3
    assert "ablation" not in seeded


def test_a_changed_setting_reruns_the_steps_downstream_of_it_only(tmp_path: Path, repo_root: Path) -> None:
    a = ablation.Plan(repo_root, write_params(tmp_path, repo_root))
    b = ablation.Plan(repo_root, write_params(tmp_path, repo_root, heldout_pairs=4))
    changed = {k for k in a.steps if a.steps[k].digest != b.steps[k].digest}
    assert changed == set(a.steps)  # the world feeds everything
    c = ablation.Plan(repo_root, write_params(tmp_path, repo_root), epochs=1)
    changed = {k for k in a.steps if a.steps[k].digest != c.steps[k].digest}
    assert changed == {k for k in a.steps if k.startswith(("train/", "evaluate/"))}
    assert a.steps["train/vsepp/seed0"].digest != a.steps["train/vsepp/seed1"].digest


def test_a_stamped_step_is_done_only_while_its_digest_matches_and_its_outputs_exist(tmp_path: Path,
                                                                                   repo_root: Path) -> None:
    plan = ablation.Plan(repo_root, write_params(tmp_path, repo_root))
    step = plan.steps["caption_semantics"]
    assert not plan.done(step)
    stamp = plan.stamp(step)
    stamp.parent.mkdir(parents=True)
    stamp.write_text(json.dumps({"digest": step.digest}))
    assert not plan.done(step)  # its outputs are not there
    for out in step.outputs:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text("{}")
    assert plan.done(step)
    stamp.write_text(json.dumps({"digest": "other"}))
    assert not plan.done(step)
