"""Each stage is declared once (its ``STAGE``); the stage list, ``dvc.yaml`` and the README agree with it."""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path

import pytest
import yaml

import stages
from pipeline.schemas import ALL
from pipeline.stage import KINDS, check_dvc_entry


def test_the_stage_list_names_every_stage_module_once() -> None:
    modules = {m.name for m in pkgutil.iter_modules(stages.__path__)}
    assert sorted(stages.NAMES) == sorted(modules)
    for name in stages.NAMES:
        spec = stages.spec(name)
        assert spec.name == name
        assert all(p.holds in ALL or p.holds in KINDS for p in spec.ports()), name


def test_dvc_yaml_wires_each_stage_as_it_is_declared(repo_root: Path) -> None:
    dvc = yaml.safe_load((repo_root / "dvc.yaml").read_text())["stages"]
    assert set(dvc) == set(stages.NAMES)
    problems = [p for name in stages.NAMES for p in check_dvc_entry(stages.spec(name), dvc[name])]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("edit", "words"), [
    (lambda e: e["cmd"].replace("--text-graphs", "--text-graph"), "option --text-graph is not one"),
    (lambda e: e["cmd"].replace("--out data/negatives", ""), "required option --out is missing"),
    (lambda e: e["cmd"].replace("python -m stages.generate_negatives", "python -m stages.ingest"),
     "must start with 'python -m stages.generate_negatives'"),
])
def test_a_command_that_does_not_fit_the_declaration_is_named(repo_root: Path, edit, words: str) -> None:
    entry = dict(yaml.safe_load((repo_root / "dvc.yaml").read_text())["stages"]["generate_negatives"])
    entry["cmd"] = edit(entry)
    problems = check_dvc_entry(stages.spec("generate_negatives"), entry)
    assert any(words in p for p in problems), problems


def test_inputs_outputs_and_params_missing_from_the_entry_are_named(repo_root: Path) -> None:
    entry = dict(yaml.safe_load((repo_root / "dvc.yaml").read_text())["stages"]["generate_negatives"])
    entry["deps"] = [d for d in entry["deps"] if d != "data/text_graphs"]
    entry["outs"] = []
    entry["params"] = ["generate_negatives"]
    problems = check_dvc_entry(stages.spec("generate_negatives"), entry)
    assert any("input --text-graphs data/text_graphs is not among its deps" in p for p in problems)
    assert any("output --out data/negatives is not among its outs" in p for p in problems)
    assert any("but the stage reads ['generate_negatives', 'parse_captions']" in p for p in problems)


def test_the_readme_stage_table_lists_the_stages_in_order(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text()
    table = readme[readme.index("| stage | reads | writes | params |"):]
    rows = re.findall(r"^\| `([a-z_]+)`", table.split("\n\n")[0], flags=re.M)
    assert tuple(rows) == stages.NAMES


def test_dvc_metrics_show_lists_only_the_evaluations_headline_figures(repo_root: Path) -> None:
    """One readable table: every other stage's summary is a plain output (sgmatch summary prints it)."""
    dvc = yaml.safe_load((repo_root / "dvc.yaml").read_text())
    listed = {name: list(entry.get("do", entry).get("metrics", [])) for name, entry in dvc["stages"].items()}
    assert {name for name, metrics in listed.items() if metrics} == {"evaluate"}
