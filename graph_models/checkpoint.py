"""Checkpoints, model files and the fingerprint that decides whether a checkpoint is resumed.

Both are plain dicts of tensors, numbers, strings and lists, so they load with
``torch.load(weights_only=True)``; both are written to a temporary sibling and renamed, so a
killed run never leaves half a file.

- A checkpoint (``last.pt``) holds the objective, the optimiser and the learning-rate
  scheduler's ``state_dict``, the epochs done, the history and the fingerprint.
- A model file (:data:`MODEL_FORMAT`) holds the matcher's weights, the record that builds the
  matcher again (:meth:`~graph_models.matchers.base.Matcher.config`), the word index and the
  run's name: what ``evaluate`` needs.
- :func:`fingerprint` is what a checkpoint must share with a run to be resumed: the settings
  (not epochs, device, threads or the loader), the word index, a digest of the source of the
  code that defines the model and the objective (:func:`code_digest`), and a digest of the input
  artifacts' files (:func:`inputs_digest`), so a changed model, loss or training set starts over
  instead of resuming weights trained by other code or on other data.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from graph_models.config import RunParams, TrainParams
from graph_models.matchers import Matcher, build_matcher
from graph_models.text_graphs import WordIndex
from pipeline.artifacts import atomic_write_file
from pipeline.errors import InputError

MODEL_FORMAT = "sgmatch-matcher-v2"
# what turns artifact rows into the tensors the model reads: part of the model's definition too
DATA_MODULES = ("graph_models.batching", "graph_models.text_graphs", "graph_models.regions", "graph_models.batches")


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """``torch.save`` to a temporary sibling, then rename: a killed run never leaves half a file."""
    atomic_write_file(path, lambda fh: torch.save(state, fh))


def load_checkpoint(path: Path, device: torch.device | str = "cpu") -> dict[str, Any]:
    return torch.load(path, map_location=device, weights_only=True)


def save_model(path: Path, run: str, matcher: Matcher, words: WordIndex, epochs: int) -> None:
    save_checkpoint(path, {"format": MODEL_FORMAT, "run": run, "config": matcher.config(), "words": words.words,
                           "matcher": matcher.state_dict(), "epochs": epochs})


def load_model(path: Path, device: torch.device | str) -> tuple[Matcher, WordIndex, dict[str, Any]]:
    """A model file: the matcher (weights loaded, on ``device``), its word index, its record."""
    if not Path(path).is_file():
        raise InputError(str(path), "", "model file not found")
    state = load_checkpoint(path, device)
    if state.get("format") != MODEL_FORMAT:
        raise InputError(str(path), "format", f"not a {MODEL_FORMAT} model file (found {state.get('format')!r}; "
                                              "a file of another format needs training again)")
    matcher = build_matcher(state["config"])
    matcher.load_state_dict(state["matcher"])
    return matcher.to(device), WordIndex(state["words"][2:]), state


LIBRARIES = {"torch", "torch_geometric", "builtins", "abc", "typing"}  # versioned on their own: not digested


def model_sources(objective: nn.Module) -> dict[str, Path]:
    """The source files that define ``objective``, by module name: the module of every class among
    its submodules and their base classes (a user's own matcher or term included), of its ranking
    loss, and the modules that make its batches; torch's and PyG's own are left out."""
    classes = {c for m in objective.modules() for c in type(m).__mro__}
    ranking = getattr(objective, "ranking", None)
    if ranking is not None:
        classes.add(type(ranking))
    modules = {c.__module__ for c in classes if c.__module__.split(".")[0] not in LIBRARIES} | set(DATA_MODULES)
    files = {name: inspect.getsourcefile(importlib.import_module(name)) for name in sorted(modules)}
    return {name: Path(f) for name, f in files.items() if f is not None}


def code_digest(objective: nn.Module) -> str:
    """SHA-256 of :func:`model_sources`, each named by its module (so the digest does not depend
    on where the package is installed)."""
    digest = hashlib.sha256()
    for name, file in model_sources(objective).items():
        digest.update(f"{name}\0".encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def inputs_digest(paths: list[Path]) -> str:
    """A digest of the files under ``paths`` (artifact directories or files): each one's name,
    size and modification time. Any rewrite of an input changes it, so a checkpoint trained on
    other data is never resumed (an input rewritten with the same bytes only costs a fresh start);
    reading gigabytes of region features to hash their bytes would cost more than it saves."""
    digest = hashlib.sha256()
    for path in paths:
        root = Path(path)
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for file in files:
            stat = file.stat()
            digest.update(f"{file.relative_to(root) if root.is_dir() else file.name}\0{stat.st_size}\0"
                          f"{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def fingerprint(train: TrainParams, run: RunParams, words: WordIndex, objective: nn.Module, data: str = "") -> str:
    """What a checkpoint must share with this run to be resumed (not epochs, device, threads or
    the loader's prefetch, which change no result); ``data`` is the inputs' :func:`inputs_digest`."""
    shared = replace(train, epochs=0, device="", threads=0, prefetch_batches=0)
    blob = json.dumps([asdict(shared), asdict(run), words.words, code_digest(objective), data], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
