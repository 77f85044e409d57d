"""``sgmatch ablation`` (``make ablation``): every loss against one base, over seeds, on the harder world.

The ablation is the demo's pipeline run again under its own directory (``ablation.dir``) with
its own settings: ``params.yaml`` with ``ablation.overrides`` merged into its sections (the
harder synthetic world, the epochs), written to ``DIR/params.yaml``, and one copy a seed with
``train.seed`` set (``DIR/params/seedS.yaml``). The stages' commands are the ones ``dvc.yaml``
gives (paths live there only): the upstream stages once, ``train`` and ``evaluate`` for every
run of ``ablation.runs`` and every seed of ``ablation.seeds``, with ``data/`` paths moved under
``DIR/data`` and the others (models, checkpoints, plots, metrics) under ``DIR/seedS``.

It resumes and skips what is done: each step writes a stamp (``DIR/stamps/STEP.json``) holding
a digest of what the step depends on (its command, the params sections it reads, the code files
``dvc.yaml`` lists as its deps, the stamps of the steps that made its inputs); a step whose stamp
matches and whose outputs exist is skipped, and a training killed midway resumes from its
checkpoint (the train stage's own resume). Trainings and evaluations run ``--jobs`` at a time.

At the end it prints ``sgmatch compare`` over every evaluation (mean ± std over the seeds, paired
differences against ``ablation.base``), the shapes detector's recall of the true boxes, and the
time each step took, and writes ``DIR/ablation.md`` and ``DIR/ablation.png``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shlex
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

import stages
from pipeline.errors import InputError
from pipeline.params import read_yaml
from pipeline.stage import entry_paths

UPSTREAM = ("ingest", "parse_captions", "extract_labels", "generate_negatives", "caption_semantics", "detect_regions")
PER_RUN = ("train", "evaluate")
SEED_DIRS = ("models/", "checkpoints/", "plots/", "metrics/", "dvclive/")  # train and evaluate outputs: one copy a seed


def merge(base: Any, override: Any) -> Any:
    """``override`` merged into ``base`` (mappings key by key, anything else replaced); copies."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = copy.deepcopy(base)
        for k, v in override.items():
            out[k] = merge(base.get(k), v)
        return out
    return copy.deepcopy(override)


@dataclass
class Step:
    """One command of the ablation: its name, words, the paths it makes, its stamp's digest."""

    name: str
    words: list[str]
    outputs: list[str]
    digest: str = ""
    after: list[str] = field(default_factory=list)  # steps whose outputs it reads


def _files(path: Path) -> Iterable[Path]:
    if path.is_dir():
        yield from sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    elif path.is_file():
        yield path


def code_digest(root: Path, deps: Sequence[str]) -> str:
    """A digest of the code files among ``deps`` (paths under the repository that are not data)."""
    h = hashlib.sha256()
    for dep in sorted(deps):
        if dep.startswith(("data/", "models/")):
            continue
        for f in _files(root / dep):
            h.update(str(f.relative_to(root)).encode())
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


class Plan:
    """The steps of an ablation, built from ``dvc.yaml`` and ``params.yaml`` of ``root``."""

    def __init__(self, root: Path, params_path: Path, seeds: Sequence[int] | None = None,
                 runs: Sequence[str] | None = None, epochs: int | None = None) -> None:
        self.root = root
        params = read_yaml(params_path)
        if "ablation" not in params:
            raise InputError(str(params_path), "ablation", "section 'ablation' is missing")
        settings = params["ablation"]
        for key in ("dir", "seeds", "runs", "base", "overrides"):
            if key not in settings:
                raise InputError(f"{params_path} [ablation]", f"ablation.{key}", "missing key")
        self.dir = Path(settings["dir"])
        self.seeds = list(seeds if seeds is not None else settings["seeds"])
        self.runs = list(runs if runs is not None else settings["runs"])
        self.base = str(settings["base"])
        unknown = [r for r in self.runs if r not in (params.get("runs") or {})]
        if unknown:
            raise InputError(f"{params_path} [ablation]", "ablation.runs", f"no run {unknown[0]!r} in runs")
        merged = merge({k: v for k, v in params.items() if k != "ablation"}, settings["overrides"] or {})
        if epochs is not None:
            merged["train"]["epochs"] = epochs
        self.params = merged
        self.entries = (read_yaml(root / "dvc.yaml").get("stages") or {})
        self.steps: dict[str, Step] = {}
        self._build()

    # ------------------------------------------------------------ paths

    def params_file(self, seed: int | None) -> Path:
        return self.dir / ("params.yaml" if seed is None else f"params/seed{seed}.yaml")

    def _move(self, word: str, seed: int | None) -> str:
        if word.startswith("data/"):
            return str(self.dir / word)
        if seed is not None and word.startswith(SEED_DIRS):
            return str(self.dir / f"seed{seed}" / word)
        if word.startswith(SEED_DIRS):
            return str(self.dir / word)
        return word

    def _command(self, name: str, item: str | None, seed: int | None) -> tuple[list[str], list[str], list[str]]:
        """The stage's command from dvc.yaml (words, outputs, deps), paths moved, ``${item}`` filled."""
        entry = self.entries.get(name)
        if entry is None:
            raise InputError(str(self.root / "dvc.yaml"), f"stages.{name}", "missing stage")
        body = entry.get("do", entry)

        def fill(text: str) -> str:
            return text.replace("${item}", item) if item is not None else text

        words = [fill(w) for w in shlex.split(str(body["cmd"]))]
        words = [str(self.params_file(seed)) if w == "params.yaml" else self._move(w, seed) for w in words]

        outputs = [self._move(fill(p), seed) for key in ("outs", "metrics", "plots") for p in entry_paths(body, key)]
        return words, outputs, [fill(p) for p in entry_paths(body, "deps")]

    # ------------------------------------------------------------ steps

    def _digest(self, name: str, words: list[str], deps: list[str], after: list[str], seed: int | None,
                item: str | None) -> str:
        spec = stages.spec(name)
        params = self.params if seed is None else merge(self.params, {"train": {"seed": seed}})
        sections = {s: params.get(s) for s in spec.params}
        if "runs" in sections and item is not None:
            sections = {**sections, "runs": {item: (params.get("runs") or {}).get(item)}}
        payload = {"words": words, "params": sections, "code": code_digest(self.root, deps),
                   "after": [self.steps[a].digest for a in after]}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()

    def _add(self, key: str, name: str, item: str | None = None, seed: int | None = None,
             extra: Sequence[str] = ()) -> None:
        words, outputs, deps = self._command(name, item, seed)
        words += list(extra)
        made = {o: k for k, s in self.steps.items() for o in s.outputs}
        after = sorted({made[w] for w in words if w in made})
        step = Step(key, words, outputs, after=after)
        step.digest = self._digest(name, words, deps, after, seed, item)
        self.steps[key] = step

    def _build(self) -> None:
        for name in UPSTREAM:
            self._add(name, name)
        for seed in self.seeds:
            for run in self.runs:
                self._add(f"train/{run}/seed{seed}", "train", run, seed)
                self._add(f"evaluate/{run}/seed{seed}", "evaluate", run, seed, ["--seed", str(seed)])

    def details(self) -> list[Path]:
        """The details files of every evaluation, run by run, seed by seed."""
        out = []
        for run in self.runs:
            for seed in self.seeds:
                step = self.steps[f"evaluate/{run}/seed{seed}"]
                out += [Path(o) for o in step.outputs if "/details/" in o]
        return out

    # ------------------------------------------------------------ running

    def stamp(self, step: Step) -> Path:
        return self.dir / "stamps" / f"{step.name.replace('/', '__')}.json"

    def done(self, step: Step) -> bool:
        path = self.stamp(step)
        if not path.is_file() or not all(Path(o).exists() for o in step.outputs):
            return False
        return json.loads(path.read_text()).get("digest") == step.digest

    def write_params(self) -> None:
        for seed in [None, *self.seeds]:
            path = self.params_file(seed)
            path.parent.mkdir(parents=True, exist_ok=True)
            params = self.params if seed is None else merge(self.params, {"train": {"seed": seed}})
            text = "# written by sgmatch ablation from params.yaml and its ablation section; edits are overwritten\n"
            text += yaml.safe_dump(params, sort_keys=False)
            if not path.is_file() or path.read_text() != text:
                path.write_text(text)


def run_step(plan: Plan, step: Step, log_dir: Path) -> float:
    """Run one step (its output to ``log_dir``), stamp it, return its seconds; a failure raises."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{step.name.replace('/', '__')}.log"
    words = [sys.executable if w == "python" else w for w in step.words]
    started = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        code = subprocess.call(words, cwd=plan.root, stdout=out, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - started
    if code != 0:
        raise RuntimeError(f"{step.name} failed (exit {code}); its output: {log}")
    stamp = plan.stamp(step)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps({"digest": step.digest, "seconds": round(seconds, 1), "command": step.words}))
    return seconds


def execute(plan: Plan, jobs: int, echo: Any = print) -> dict[str, float]:
    """Every step not done: the upstream ones in order, then trainings and evaluations ``jobs`` at a
    time (an evaluation after its training). Returns the seconds of the steps that ran."""
    plan.write_params()
    timings: dict[str, float] = {}
    logs = plan.dir / "logs"

    def one(step: Step) -> None:
        if plan.done(step):
            echo(f"  skip {step.name} (done)")
            return
        echo(f"  run  {step.name}")
        timings[step.name] = run_step(plan, step, logs)
        echo(f"  done {step.name} in {timings[step.name]:.0f} s")

    for name in UPSTREAM:
        one(plan.steps[name])

    def pair(run: str, seed: int) -> None:
        one(plan.steps[f"train/{run}/seed{seed}"])
        one(plan.steps[f"evaluate/{run}/seed{seed}"])

    work = [(run, seed) for seed in plan.seeds for run in plan.runs]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for future in [pool.submit(pair, run, seed) for run, seed in work]:
            future.result()
    return timings


def detector_recall(images_dir: Path, regions_dir: Path, iou: float = 0.5) -> dict[str, float]:
    """Share of the world's true shapes that a detected region covers with IoU >= ``iou``."""
    import numpy as np

    from pipeline.artifacts import read_table
    from pipeline.schemas import IMAGES, REGIONS
    from vision.regions.geometry import pairwise_iou

    truth = {r["image_id"]: r["true_objects"] or [] for r in
             read_table(images_dir, IMAGES, ["image_id", "true_objects"]).to_pylist()}
    found = hit = regions = 0
    for row in read_table(regions_dir, REGIONS, ["image_id", "boxes"]).to_pylist():
        true = np.array([o["box"] for o in truth.get(row["image_id"], [])], np.float32).reshape(-1, 4)
        boxes = np.array(row["boxes"] or [], np.float32).reshape(-1, 4)
        found += len(true)
        regions += len(boxes)
        if len(true) and len(boxes):
            overlap = pairwise_iou(np.concatenate([true, boxes]))[: len(true), len(true):]
            hit += int((overlap.max(axis=1) >= iou).sum())
    return {"recall": hit / found if found else float("nan"), "true_shapes": found, "regions": regions}
