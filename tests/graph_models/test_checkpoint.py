"""graph_models.checkpoint: atomic checkpoints, the model file, and the resume fingerprint."""

from __future__ import annotations

import dataclasses
import importlib
import os
import textwrap

import pytest
import torch
from torch import nn
from torch.testing import assert_close

from graph_models.checkpoint import (
    MODEL_FORMAT,
    fingerprint,
    inputs_digest,
    load_checkpoint,
    load_model,
    model_sources,
    save_checkpoint,
    save_model,
)
from graph_models.config import RunParams, TrainParams
from graph_models.matchers.fusion import FusionParams
from graph_models.text_graphs import WordIndex
from pipeline.errors import InputError

# --- checkpoints --------------------------------------------------------------------------------


def state() -> dict:
    torch.manual_seed(0)
    return {"objective": nn.Linear(3, 2).state_dict(), "epoch": 4, "run": "fusion", "words": ["<pad>", "<unk>", "red"],
            "history": [{"epoch": 1, "loss": 0.5}], "fingerprint": "abc"}


def test_checkpoint_round_trip_loads_with_weights_only(tmp_path) -> None:
    path = tmp_path / "checkpoints" / "last.pt"
    save_checkpoint(path, state())
    loaded = load_checkpoint(path)
    expected = state()
    assert {k: v for k, v in loaded.items() if k != "objective"} == {k: v for k, v in expected.items()
                                                                     if k != "objective"}
    assert list(loaded["objective"]) == ["weight", "bias"]
    for name, tensor in expected["objective"].items():
        assert_close(loaded["objective"][name], tensor)
    assert os.listdir(path.parent) == ["last.pt"]  # no temporary file left


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_failed_save_leaves_the_previous_checkpoint(tmp_path, monkeypatch) -> None:
    path = tmp_path / "last.pt"
    save_checkpoint(path, state())
    before = path.read_bytes()

    def broken_save(obj, f, *args, **kwargs) -> None:  # noqa: ANN001
        f.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, {**state(), "epoch": 5})
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["last.pt"]
    assert path.stat().st_mode & 0o777 == 0o666 & ~_umask()  # the permissions any new file gets
    monkeypatch.undo()
    assert load_checkpoint(path)["epoch"] == 4




# --- model files --------------------------------------------------------------------------------


def test_a_model_file_gives_back_the_matcher_and_its_words(tmp_path, shapes, make_matcher) -> None:
    m = make_matcher("fusion")
    save_model(tmp_path / "model.pt", "fusion", m, shapes.words, epochs=3)
    loaded, words, record = load_model(tmp_path / "model.pt", "cpu")
    assert type(loaded) is type(m) and record["format"] == MODEL_FORMAT and record["epochs"] == 3
    assert words.words == shapes.words.words
    for key, value in m.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key


def test_a_model_file_of_another_format_is_refused(tmp_path) -> None:
    save_checkpoint(tmp_path / "old.pt", {"format": "sgmatch-matcher-v1", "config": {}})
    with pytest.raises(InputError, match="not a sgmatch-matcher-v2 model file"):
        load_model(tmp_path / "old.pt", "cpu")


# --- the resume fingerprint ---------------------------------------------------------------------

TRAIN = TrainParams(device="cpu", seed=0, epochs=2, batch_size=4, learning_rate=1e-3, lr_decay_epochs=0,
                    grad_clip=2.0, min_word_count=1, shuffle_groups=1, negatives_per_caption=1, max_phrases=8,
                    train_split="train", val_split="", eval_batch=8, threads=1, prefetch_batches=0)


def run_of(make_objective, matcher) -> tuple[RunParams, nn.Module]:
    objective = make_objective(matcher, phrase={"weight": 1.0})
    return RunParams(matcher.name, matcher.params, objective.ranking.params,
                     {name: term.params for name, term in objective.terms.items()}), objective


def test_the_fingerprint_ignores_epochs_device_threads_and_prefetch(shapes, make_matcher, make_objective) -> None:
    run, objective = run_of(make_objective, make_matcher("fusion"))
    base = fingerprint(TRAIN, run, shapes.words, objective)
    other = dataclasses.replace(TRAIN, epochs=9, device="cuda", threads=4, prefetch_batches=3)
    assert fingerprint(other, run, shapes.words, objective) == base
    assert fingerprint(dataclasses.replace(TRAIN, learning_rate=0.01), run, shapes.words, objective) != base
    assert fingerprint(TRAIN, run, WordIndex(["red"]), objective) != base


def test_a_rewritten_input_artifact_changes_the_fingerprint(tmp_path, shapes, make_matcher, make_objective) -> None:
    """New negatives (or any input) rewritten by their stage: the finished checkpoint is not resumed."""
    run, objective = run_of(make_objective, make_matcher("fusion"))
    negatives = tmp_path / "negatives"
    negatives.mkdir()
    (negatives / "part-00000.parquet").write_bytes(b"old")
    before = fingerprint(TRAIN, run, shapes.words, objective, inputs_digest([negatives]))
    assert fingerprint(TRAIN, run, shapes.words, objective, inputs_digest([negatives])) == before  # a resume
    os.utime(negatives / "part-00000.parquet", ns=(1, 1))  # the same name and size, written again
    assert fingerprint(TRAIN, run, shapes.words, objective, inputs_digest([negatives])) != before
    (negatives / "part-00001.parquet").write_bytes(b"more")
    assert inputs_digest([negatives]) != inputs_digest([negatives / "part-00000.parquet"])


def test_the_model_code_digested_is_the_matchers_the_losses_and_the_data_modules(make_matcher,
                                                                                make_objective) -> None:
    _, objective = run_of(make_objective, make_matcher("fusion"))
    names = set(model_sources(objective))
    assert {f"graph_models.{m}" for m in ("matchers.fusion", "matchers.graph_matcher", "matchers.base", "encoders",
                                          "objective", "losses.ranking", "losses.phrase", "losses.base",
                                          "text_graphs", "regions", "batches")} <= names
    # not part of this objective
    assert "graph_models.matchers.sgm" not in names and "graph_models.losses.adversarial" not in names


def test_a_change_to_the_code_of_the_model_changes_the_fingerprint(tmp_path, monkeypatch, shapes,
                                                                   make_objective) -> None:
    """A checkpoint of a matcher whose code changed (same settings, same data) is not resumed."""
    source = tmp_path / "user_matcher.py"

    def write(factor: int) -> type:
        source.write_text(textwrap.dedent(f"""
            from graph_models.matchers.fusion import Fusion

            class Scaled(Fusion):
                def score(self, images, texts):
                    return {factor} * super().score(images, texts)
            """))
        os.utime(source, (1, factor))  # a new mtime, so the import system reads the file again
        importlib.invalidate_caches()
        module = importlib.reload(importlib.import_module("user_matcher"))
        return module.Scaled

    monkeypatch.syspath_prepend(str(tmp_path))
    prints = []
    for factor in (2, 2, 3):
        torch.manual_seed(0)
        matcher = write(factor)(len(shapes.words), 6, FusionParams(dim=16, word_dim=8, layers=1, heads=2,
                                                                   temperature=5.0))
        run, objective = run_of(make_objective, matcher)
        prints.append(fingerprint(TRAIN, run, shapes.words, objective))
    assert prints[0] == prints[1] != prints[2]

