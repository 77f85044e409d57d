"""graph_models.engine: a step's loop, the learning-rate schedule, resuming, validation."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch
from torch import nn

from graph_models.batches import Captions, PhraseBank, attach_negatives, caption_set, make_batch
from graph_models.checkpoint import load_checkpoint
from graph_models.config import TrainParams
from graph_models.engine import Processes, TrainingData, fit, train_epoch
from graph_models.regions import RegionStore

NEGATIVES = [{"caption_id": "c0", "tokens": "a blue circle".split(), "phrases": ["blue circle"],
              "objects": [{"lemma": "circle", "attributes": ["blue"], "count": None}], "relations": []},
             {"caption_id": "c1", "tokens": "a red triangle".split(), "phrases": ["red triangle"],
              "objects": [{"lemma": "triangle", "attributes": ["red"], "count": None}], "relations": []}]
CPU = Processes(0, 1, torch.device("cpu"))


@pytest.fixture
def captions(shapes) -> Captions:
    captions = caption_set(shapes.rows, shapes.words)
    attach_negatives(captions, NEGATIVES, shapes.words, lambda r: [{"phrase": p} for p in r["phrases"]])
    captions.image_phrases = {"img0": frozenset({"red circle"}), "img2": frozenset({"green triangle"})}
    return captions


def batch_of(shapes, captions: Captions, chunk: list[int], negatives_per_caption: int = 0):
    return make_batch(captions, chunk, shapes.images, None, negatives_per_caption, 0, np.random.default_rng(0))


def test_train_epoch_steps_and_finite_terms(shapes, captions: Captions, make_matcher, make_objective) -> None:
    objective = make_objective(make_matcher("fusion"), **{"global": {"weight": 0.5}, "generated": {"weight": 1.0}})
    batches = [batch_of(shapes, captions, [0, 2, 3], negatives_per_caption=1),
               batch_of(shapes, captions, [1, 4], negatives_per_caption=1)]
    before = objective.matcher.embedding.weight.detach().clone()
    optimizer = torch.optim.Adam(objective.parameters(), lr=1e-3)
    out = train_epoch(objective, iter(batches), optimizer, grad_clip=2.0, device=torch.device("cpu"), epoch=0)
    assert out["steps"] == 2
    assert {"ranking", "global", "generated", "loss", "pairs_per_second"} <= set(out)
    assert all(math.isfinite(v) for v in out.values())
    assert out["pairs_per_second"] > 0
    assert not torch.equal(objective.matcher.embedding.weight, before)  # the optimiser stepped
    assert objective.training


class NaNObjective(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, batch, epoch: int) -> dict[str, torch.Tensor]:  # noqa: ANN001
        return {"loss": torch.tensor(float("nan"), requires_grad=True)}


def test_train_epoch_refuses_a_nan_loss_naming_the_epoch(shapes, captions: Captions) -> None:
    stub = NaNObjective()
    optimizer = torch.optim.SGD(stub.parameters(), lr=0.1)
    batches = iter([batch_of(shapes, captions, [0, 2])] * 3)
    with pytest.raises(FloatingPointError, match=r"epoch 7: the loss is nan at step 1"):
        train_epoch(stub, batches, optimizer, grad_clip=1.0, device=torch.device("cpu"), epoch=7)


# --- fit ----------------------------------------------------------------------------------------

SETTINGS = TrainParams(device="cpu", seed=0, epochs=2, batch_size=3, learning_rate=1e-2, lr_decay_epochs=1,
                       grad_clip=2.0, min_word_count=1, shuffle_groups=1, negatives_per_caption=1, max_phrases=8,
                       train_split="train", val_split="train", eval_batch=4, threads=1, prefetch_batches=0)


@pytest.fixture
def data(tmp_path, shapes, captions, write_regions) -> TrainingData:
    rows = shapes.region_rows
    store = RegionStore(write_regions(tmp_path / "regions", [[rows["img0"], rows["img1"]], [rows["img2"]]]))
    return TrainingData(captions, caption_set(shapes.rows, shapes.words), store, PhraseBank(shapes.words))


def weights(objective: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in objective.state_dict().items()}


def train(make_matcher, make_objective, data: TrainingData, settings: TrainParams, path, fingerprint: str = "a"):
    objective = make_objective(make_matcher("fusion"), generated={"weight": 1.0}, phrase={"weight": 1.0})
    history = fit(objective, data, settings, CPU, path, fingerprint, "fusion")
    return objective, history


def test_fit_trains_each_epoch_validates_and_drops_the_learning_rate(tmp_path, make_matcher, make_objective,
                                                                     data: TrainingData) -> None:
    _, history = train(make_matcher, make_objective, data, SETTINGS, tmp_path / "last.pt")
    assert [h["epoch"] for h in history] == [1, 2]
    assert all({"loss", "ranking", "generated", "phrase", "val_rsum", "steps"} <= set(h) for h in history)
    assert all("seconds" not in h and "pairs_per_second" not in h for h in history)  # timings are not kept
    state = load_checkpoint(tmp_path / "last.pt")
    assert state["epoch"] == 2 and state["fingerprint"] == "a"
    assert state["scheduler"]["last_epoch"] == 2
    assert state["optimizer"]["param_groups"][0]["lr"] == pytest.approx(1e-3)  # tenfold down after epoch 1


def test_a_resumed_training_ends_where_an_uninterrupted_one_does(tmp_path, make_matcher, make_objective,
                                                                 data: TrainingData) -> None:
    """Three epochs straight, or one and then a resume for two more (the learning rate drops
    once, after the first: the scheduler's state must come back with the optimiser's, or it
    drops again)."""
    three = dataclasses.replace(SETTINGS, epochs=3)
    straight, history = train(make_matcher, make_objective, data, three, tmp_path / "a.pt")
    one = dataclasses.replace(SETTINGS, epochs=1)
    train(make_matcher, make_objective, data, one, tmp_path / "b.pt")
    resumed, resumed_history = train(make_matcher, make_objective, data, three, tmp_path / "b.pt")
    assert resumed_history == history
    for key, value in weights(straight).items():
        assert torch.equal(weights(resumed)[key], value), key


def test_a_checkpoint_of_another_fingerprint_is_not_resumed(tmp_path, make_matcher, make_objective,
                                                            data: TrainingData, caplog) -> None:
    one = dataclasses.replace(SETTINGS, epochs=1)
    train(make_matcher, make_objective, data, one, tmp_path / "last.pt", fingerprint="a")
    _, history = train(make_matcher, make_objective, data, SETTINGS, tmp_path / "last.pt", fingerprint="b")
    assert "other settings, data or code" in caplog.text and "resuming" not in caplog.text
    assert [h["epoch"] for h in history] == [1, 2]


def test_fit_with_a_loader_worker_trains_the_same_weights(tmp_path, make_matcher, make_objective,
                                                          data: TrainingData) -> None:
    torch.manual_seed(0)
    here, _ = train(make_matcher, make_objective, data, SETTINGS, tmp_path / "a.pt")
    worker, _ = train(make_matcher, make_objective, data, dataclasses.replace(SETTINGS, prefetch_batches=2),
                      tmp_path / "b.pt")
    for key, value in weights(here).items():
        assert torch.equal(weights(worker)[key], value), key
