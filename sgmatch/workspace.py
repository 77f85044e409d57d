"""``sgmatch init DIR``: a DVC workspace of its own for one dataset, outside the repository.

It writes ``DIR/dvc.yaml`` and ``DIR/params.yaml`` (and runs ``git init`` and ``dvc init``
there) so that ``cd DIR && dvc repro`` prepares the dataset without touching the project:

- the text side (ingest, parse_captions, extract_labels, generate_negatives,
  caption_semantics) from caption files alone;
- with region features (the bottom-up-attention TSV, or SCAN's precomp ``{split}_ims.npy``),
  or with the images and a torchvision detector's weights, also detect_regions, then train
  and evaluate for each chosen run.

Nothing here is written by hand per stage: each command is built from the stage's
declaration (its ``STAGE`` ports). An artifact is wired to ``data/NAME`` (NAME its schema),
a model to ``models/RUN.pt``, metrics to ``metrics/STAGE.json``; every input is among the
entry's ``deps``, every output among its ``outs``, ``metrics`` or ``plots``
(:func:`pipeline.stage.check_dvc_entry` is run on every entry before anything is written).
The stages' code deps are the project's files each stage imports
(:func:`pipeline.dvc_deps.suggested_deps`) by absolute path, with the dataset's own files:
a changed caption file or a changed stage re-runs what depends on it. ``params.yaml`` holds
the project's defaults for the stages it runs, with this dataset's settings over them.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

import stages
from pipeline import dvc_deps
from pipeline.errors import InputError
from pipeline.params import read_yaml
from pipeline.schemas import ALL
from pipeline.stage import Port, StageSpec, check_dvc_entry

TEXT_STAGES = ("ingest", "parse_captions", "extract_labels", "generate_negatives", "caption_semantics")
FORMATS = ("karpathy", "coco_json", "flickr_token", "precomp", "synthetic")
RUN_STAGES = ("train", "evaluate")  # one entry per run (dvc.yaml foreach)


@dataclass(frozen=True)
class Dataset:
    """What ``sgmatch init`` was told about the dataset (paths are made absolute)."""

    format: str
    captions: Path | None = None  # ingest --input: a JSON or token file, or a precomp directory
    split: str = "test"  # precomp: the splits to read ("train,dev,test"); coco_json: the file's; flickr_token: unlisted
    split_lists: Mapping[str, Path] = field(default_factory=dict)  # flickr_token: SPLIT -> image list
    features: Path | None = None  # detect_regions --input (precomputed)
    features_format: str = "npy"  # tsv | npy
    images: Path | None = None  # where the images' paths point (torchvision detector)
    detector_weights: Path | None = None  # torchvision Faster R-CNN state dict
    device: str = "cpu"
    runs: tuple[str, ...] = ("vsepp", "fusion")
    train_split: str = "train"
    val_split: str = "val"
    test_split: str = "test"
    settings: Mapping[str, Any] = field(default_factory=dict)  # --set KEY=VALUE, dotted keys

    @property
    def region_backend(self) -> str | None:
        """The detect_regions backend these inputs allow, or None (the text side alone)."""
        if self.format == "synthetic":
            return "shapes"
        if self.features is not None:
            return "precomputed"
        if self.images is not None and self.detector_weights is not None:
            return "torchvision"
        return None


def project_root() -> Path:
    """Where the project's packages are (``stages/`` and the others side by side)."""
    return Path(stages.__file__).resolve().parent.parent


def stage_names(data: Dataset) -> list[str]:
    """The stages the workspace can run, in the pipeline's order."""
    names = list(TEXT_STAGES)
    if data.region_backend is not None:
        names += ["detect_regions", *RUN_STAGES]
    return [n for n in stages.NAMES if n in names]


def _port_paths(spec: StageSpec, port: Port, data: Dataset, artifacts: set[str], run: str) -> list[str]:
    """The paths ``port`` of ``spec`` is given in the workspace ([]: left out, the port is optional)."""
    holds, name = port.holds, spec.name
    if holds in ALL:
        if port in spec.outputs or holds in artifacts:
            return [f"data/{holds}"]
        return []
    if holds == "metrics":
        return [f"metrics/{name}/{run}.json" if run else f"metrics/{name}.json"]
    if holds == "model":
        return [f"models/{run}.pt"]
    if holds == "directory":
        return [f"checkpoints/{run}"]
    if holds == "live":
        return [f"dvclive/{run}"]
    if holds == "plot":
        return [f"plots/{name}/{run}.{'png' if port.option == '--curves' else 'csv'}"]
    if holds == "image_dir":
        if data.format == "synthetic":
            return ["data/world_images"]
        if name == "detect_regions" and data.region_backend == "torchvision":
            return [str(data.images)]
        return []
    if port.option == "--details":
        return [f"metrics/{name}/details/{run}.json"]
    if holds == "file":
        if name == "ingest" and data.captions is not None:
            return [str(data.captions)]
        if name == "detect_regions" and data.region_backend == "precomputed":
            return [str(data.features)]
        return []
    raise ValueError(f"stage {name}: a port holding {holds!r} has no place in a workspace")


def stage_entry(name: str, data: Dataset, artifacts: set[str], root: Path) -> dict[str, Any]:
    """The ``dvc.yaml`` entry of stage ``name`` (``foreach`` the runs for train and evaluate)."""
    spec = stages.spec(name)
    run = "${item}" if name in RUN_STAGES else ""
    words = ["python", "-m", spec.module, "--params", "params.yaml"]
    deps: list[str] = []
    outs: list[Any] = []
    metrics: list[Any] = []
    plots: list[Any] = []
    for port in spec.ports():
        paths = _port_paths(spec, port, data, artifacts, run)
        if not paths:
            if port.required:
                raise ValueError(f"stage {name}: nothing in the workspace for its required {port.option}")
            continue
        words += [port.option, *paths]
        for path in paths:
            if port in spec.inputs:
                deps.append(path)
            elif port.holds == "metrics":  # one readable dvc metrics table: the evaluation's, else the parse's
                headline = "evaluate" if data.region_backend is not None else "parse_captions"
                (metrics if name == headline else outs).append({path: {"cache": False}})
            elif port.option == "--details":
                outs.append({path: {"cache": False}})
            elif port.holds == "live":
                outs.append({f"{path}/metrics.json": {"cache": False}})
                plots.append({f"{path}/plots": {"cache": False}})
            elif port.holds == "plot":
                plots.append({path: {"cache": False, **({} if path.endswith(".png") else
                                                        {"x": "epoch", "y": "val_rsum"})}})
            elif port.holds == "directory":
                outs.append({path: {"persist": True, "cache": False}})  # resume a killed training
            else:
                outs.append(path)
    if name == "train":
        words[5:5] = ["--run-name", run]
    if name == "ingest":
        words += [w for split, path in sorted(data.split_lists.items()) for w in ("--split-list", f"{split}={path}")]
        deps += [str(p) for _, p in sorted(data.split_lists.items())]
    if name == "detect_regions" and data.detector_weights is not None and data.region_backend == "torchvision":
        deps.append(str(data.detector_weights))
    deps += [str(root / d) for d in dvc_deps.suggested_deps(root, spec.module)]
    params: list[str] = list(spec.params)
    if name == "train":
        params = ["train", "runs.${item}"]
    body: dict[str, Any] = {"cmd": " ".join(words), "deps": deps, "params": params}
    for key, value in (("outs", outs), ("plots", plots), ("metrics", metrics)):
        if value:
            body[key] = value
    problems = check_dvc_entry(spec, body)
    if problems:
        raise ValueError("; ".join(problems))
    return {"foreach": list(data.runs), "do": body} if run else body


def workspace_dvc_yaml(data: Dataset, root: Path) -> dict[str, Any]:
    """The workspace's whole ``dvc.yaml``."""
    artifacts: set[str] = set()
    entries: dict[str, Any] = {}
    for name in stage_names(data):
        entries[name] = stage_entry(name, data, artifacts, root)
        artifacts |= {p.holds for p in stages.spec(name).outputs if p.holds in ALL}
    out: dict[str, Any] = {"stages": entries}
    if "train" in entries:
        out["plots"] = [
            {f"{title} by epoch": {"x": "epoch", "y": {f"plots/train/{r}.csv": column for r in data.runs}}}
            for title, column in (("validation R-sum", "val_rsum"), ("training loss", "loss"))
        ]
    return out


def _set(tree: dict[str, Any], dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    node = tree
    for key in keys[:-1]:
        if not isinstance(node.get(key), dict):
            raise InputError("--set", dotted, f"{key!r} is not a section of params.yaml")
        node = node[key]
    if keys[-1] not in node:
        raise InputError("--set", dotted, f"params.yaml has no key {keys[-1]!r} there")
    node[keys[-1]] = value


def workspace_params(data: Dataset, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The workspace's ``params.yaml``: the project's defaults for the stages it runs, this dataset's
    settings over them, then the user's ``--set`` values."""
    names = stage_names(data)
    sections = list(dict.fromkeys(s for n in names for s in stages.spec(n).params))
    missing = [s for s in sections if s not in defaults]
    if missing:
        raise InputError("params.yaml", missing[0], "the project's defaults have no such section")
    params = {s: copy.deepcopy(defaults[s]) for s in sections}
    ingest = params["ingest"]
    ingest["format"] = data.format
    ingest["split"] = data.split
    for section in ("extract_labels", "caption_semantics"):
        key = "vocab_split" if section == "extract_labels" else "fit_split"
        params[section][key] = data.train_split
    params["generate_negatives"]["fit_split"] = data.train_split
    params["parse_captions"]["device"] = data.device
    if "detect_regions" in params:
        regions = params["detect_regions"]
        regions["backend"] = data.region_backend
        regions["device"] = data.device
        if data.region_backend == "precomputed":
            regions["precomputed_format"] = data.features_format
            regions["precomputed_split"] = data.split
        if data.region_backend == "torchvision":
            regions["torchvision_weights"] = str(data.detector_weights)
    if "train" in params:
        unknown = [r for r in data.runs if r not in params["runs"]]
        if unknown:
            raise InputError("--runs", unknown[0], f"no such run; the project's runs: {', '.join(params['runs'])}")
        params["runs"] = {r: params["runs"][r] for r in data.runs}
        params["train"].update(device=data.device, train_split=data.train_split, val_split=data.val_split)
        params["evaluate"].update(device=data.device, split=data.test_split)
    for key, value in data.settings.items():
        _set(params, key, value)
    return params


def _check_inputs(data: Dataset) -> None:
    if data.format not in FORMATS:
        raise InputError("--format", data.format, f"expected one of {', '.join(FORMATS)}")
    if data.format != "synthetic" and data.captions is None:
        raise InputError("--captions", "", f"format {data.format} reads its captions from a file or folder")
    given = [("--captions", data.captions), ("--features", data.features), ("--images", data.images),
             ("--detector-weights", data.detector_weights), *((f"--split-list {s}", p)
                                                              for s, p in data.split_lists.items())]
    for option, path in given:
        if path is not None and not path.exists():
            raise InputError(option, str(path), "no such file or folder")
    for split in data.split.split(",") if data.format == "precomp" else ():
        if not (data.captions / f"{split.strip()}_caps.txt").is_file():  # type: ignore[operator]
            raise InputError("--captions", str(data.captions), f"no {split.strip()}_caps.txt in this precomp folder")
    if (data.images is None) != (data.detector_weights is None) and data.features is None:
        raise InputError("--detector-weights" if data.images else "--images", "",
                         "the torchvision detector needs both the images folder and its weights file")


HEADER = {
    "dvc.yaml": "# Written by `sgmatch init` for this dataset; `dvc repro` runs it. Regenerate rather than edit:\n"
                "# each command is built from its stage's declaration (python -m stages.NAME --help).\n",
    "params.yaml": "# Written by `sgmatch init`: the project's defaults with this dataset's settings over them.\n"
                   "# Edit freely, or try a value with `dvc exp run -S SECTION.KEY=VALUE`.\n",
}
# Metrics, plots and DVCLive's files are DVC outputs outside its cache (``cache: false``): git keeps them,
# so that ``dvc exp run`` stores each experiment's figures (an ignored metrics file is lost to ``dvc exp show``).
# DVC ignores its cached outputs (data/, models/) itself; checkpoints are large and only for resuming.
GITIGNORE = "/checkpoints/\ndvc_plots/\n"


def write_workspace(directory: Path, data: Dataset, force: bool = False, git: bool = True,
                    defaults: Mapping[str, Any] | None = None) -> list[str]:
    """Write the workspace into ``directory``; returns the stages it runs. Refuses to overwrite
    a ``dvc.yaml`` unless ``force``. ``git``: ``git init`` it (``dvc exp`` needs git) when it is
    not inside a git work tree already; ``dvc init`` it in any case."""
    _check_inputs(data)
    root = project_root()
    if defaults is None:
        source = root / "params.yaml"
        if not source.is_file():
            raise InputError(str(source), "", "the project's params.yaml (its defaults) is not beside its packages: "
                             "install sgmatch from its source folder (pip install -e .)")
        defaults = read_yaml(source)
    dvc_yaml = workspace_dvc_yaml(data, root)
    params = workspace_params(data, defaults)
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / "dvc.yaml").exists() and not force:
        raise InputError(str(directory / "dvc.yaml"), "", "already there (--force replaces it)")
    for name, content in (("dvc.yaml", dvc_yaml), ("params.yaml", params)):
        text = HEADER[name] + yaml.safe_dump(content, sort_keys=False, width=120, allow_unicode=True)
        (directory / name).write_text(text, encoding="utf-8")
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text(GITIGNORE, encoding="utf-8")
    _init_repos(directory, git)
    return list(dvc_yaml["stages"])


def _run(words: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(words), cwd=cwd, capture_output=True, text=True, check=False)


def _init_repos(directory: Path, git: bool) -> None:
    inside_git = shutil.which("git") is not None and _run(["git", "rev-parse", "--show-toplevel"], directory)
    top = Path(inside_git.stdout.strip()).resolve() if inside_git and inside_git.returncode == 0 else None
    if git and top is None and shutil.which("git") is not None:
        if _run(["git", "init", "-q"], directory).returncode == 0:
            top = directory.resolve()
    if (directory / ".dvc").is_dir():
        return
    beside = Path(sys.executable).with_name("dvc")  # the environment sgmatch runs in, if not on PATH
    dvc = shutil.which("dvc") or (str(beside) if beside.is_file() else None)
    if dvc is None:
        raise InputError(str(directory), "", "dvc is not on PATH: activate the environment sgmatch is installed in")
    words = [dvc, "init", "-q"]
    if top is None:
        words.append("--no-scm")
    elif top != directory.resolve():
        words.append("--subdir")
    done = _run(words, directory)
    if done.returncode != 0:
        raise InputError(str(directory), "", f"dvc init failed: {done.stderr.strip() or done.stdout.strip()}")
