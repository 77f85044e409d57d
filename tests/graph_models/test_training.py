"""graph_models.training: epoch plans over row groups, batches, checkpoints and the epoch loop."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
import torch
from torch import nn
from torch.testing import assert_close

from graph_models.data import RegionStore
from graph_models.objective import LossParams, MatchingObjective
from graph_models.training import (
    Captions,
    PhraseBank,
    attach_negatives,
    caption_set,
    epoch_plan,
    load_checkpoint,
    make_batch,
    save_checkpoint,
    train_epoch,
)

# --- epoch_plan ---------------------------------------------------------------------------------


@pytest.fixture
def plan_world(tmp_path, shapes, write_regions) -> tuple[Captions, RegionStore]:
    """Six images in three row groups (two each), two captions an image: four captions a group."""
    image_ids = [f"im{k}" for k in range(6)]
    rows = [{**shapes.region_rows["img0"], "image_id": i} for i in image_ids]
    store = RegionStore(write_regions(tmp_path / "regions", [rows[0:2], rows[2:4], rows[4:6]]))
    captions = caption_set([{**shapes.rows[0], "caption_id": f"{i}-{k}", "image_id": i}
                            for i in image_ids for k in range(2)], shapes.vocab)
    return captions, store


def flat(plan: list[tuple[list[int], list[int]]]) -> list[int]:
    return [i for _, chunk in plan for i in chunk]


@pytest.mark.parametrize(("batch_size", "shuffle_groups", "batches"), [(2, 1, 6), (4, 1, 3), (2, 2, 6), (4, 3, 3)])
def test_epoch_plan_visits_every_caption_once(plan_world, batch_size: int, shuffle_groups: int, batches: int) -> None:
    captions, store = plan_world
    plan = epoch_plan(captions, store, batch_size, shuffle_groups, seed=0)
    assert len(plan) == batches
    assert sorted(flat(plan)) == list(range(12))
    for window, chunk in plan:
        assert 1 <= len(window) <= shuffle_groups
        assert {store.where[captions.image_ids[i]][0] for i in chunk} <= set(window)  # loaded with its window


def test_epoch_plan_drops_a_chunk_of_one_caption(plan_world) -> None:
    captions, store = plan_world
    plan = epoch_plan(captions, store, batch_size=3, shuffle_groups=1, seed=0)  # each group: 3 + 1 captions
    assert [len(chunk) for _, chunk in plan] == [3, 3, 3]
    assert len(set(flat(plan))) == 9


@pytest.mark.parametrize(("batch_size", "plan_length"), [(4, 2), (2, 6)])
def test_epoch_plan_length_is_a_multiple_of_the_world_size(plan_world, batch_size: int, plan_length: int) -> None:
    captions, store = plan_world
    plan = epoch_plan(captions, store, batch_size, shuffle_groups=1, seed=0, world_size=2)
    assert len(plan) == plan_length  # 3 batches of 4 are cut to 2; 6 batches of 2 stay
    assert len(plan) % 2 == 0


def test_epoch_plan_is_seeded(plan_world) -> None:
    captions, store = plan_world
    plans = {seed: epoch_plan(captions, store, 2, 2, seed=seed) for seed in (0, 1)}
    assert epoch_plan(captions, store, 2, 2, seed=0) == plans[0]
    assert flat(plans[0]) != flat(plans[1])


# --- make_batch ---------------------------------------------------------------------------------


def negative(caption_id: str, text: str, phrases: list[str]) -> dict:
    return {"caption_id": caption_id, "tokens": text.split(), "phrases": phrases,
            "objects": [{"lemma": text.split()[-1], "attributes": [], "count": None}], "relations": []}


NEGATIVES = [negative("c0", "a blue circle", ["blue circle"]), negative("c0", "a red square", ["red square"]),
             negative("c0", "a green circle", ["green circle"]), negative("c1", "a red triangle", ["red triangle"]),
             negative("not a caption", "a circle", ["circle"])]
IMAGE_PHRASES = {"img0": frozenset({"red circle", "blue square"}), "img2": frozenset({"green triangle", "red circle"})}


@pytest.fixture
def captions(shapes) -> Captions:
    captions = caption_set(shapes.rows, shapes.vocab)
    attach_negatives(captions, NEGATIVES, shapes.vocab, lambda r: [{"phrase": p} for p in r["phrases"]])
    captions.image_phrases = dict(IMAGE_PHRASES)
    return captions


def batch_of(shapes, captions: Captions, chunk: list[int], negatives_per_caption: int = 0, max_phrases: int = 0,
             seed: int = 0, phrases: PhraseBank | None = None):
    return make_batch(captions, chunk, shapes.images, phrases, negatives_per_caption, max_phrases,
                      np.random.default_rng(seed))


def test_attach_negatives_keeps_those_of_known_captions(captions: Captions) -> None:
    assert captions.negatives is not None and len(captions.negatives) == 4
    assert captions.negatives_of == [[0, 1, 2], [3], [], [], []]
    assert captions.negative_phrases == [["blue circle"], ["red square"], ["green circle"], ["red triangle"]]


def test_make_batch_maps_captions_to_their_images(shapes, captions: Captions) -> None:
    batch = batch_of(shapes, captions, [3, 0, 1, 4])
    assert batch.image_of.tolist() == [0, 1, 1, 0]  # images in order of appearance: img2, img0
    assert batch.regions.num_images == 2
    assert_close(batch.regions.x, torch.from_numpy(np.concatenate([shapes.images["img2"].features,
                                                                   shapes.images["img0"].features])))
    assert_close(batch.texts.tokens, captions.bank.batch([3, 0, 1, 4]).tokens)
    assert batch.negatives is None and batch.phrases is None and batch.semantic is None


def test_make_batch_takes_the_semantic_vectors_of_its_captions(shapes, captions: Captions) -> None:
    captions.semantic = np.arange(10, dtype=np.float32).reshape(5, 2)
    assert_close(batch_of(shapes, captions, [3, 0]).semantic, torch.tensor([[6.0, 7.0], [0.0, 1.0]]))


@pytest.mark.parametrize(("per_caption", "negative_of"), [(1, [0, 1]), (2, [0, 0, 1]), (9, [0, 0, 0, 1])])
def test_make_batch_picks_at_most_negatives_per_caption(shapes, captions: Captions, per_caption: int,
                                                        negative_of: list[int]) -> None:
    batch = batch_of(shapes, captions, [0, 1, 2], negatives_per_caption=per_caption)
    assert batch.negative_of.tolist() == negative_of
    assert batch.negatives.size == len(negative_of)
    own = {0: [0, 1, 2], 1: [3]}  # negatives_of of captions 0 and 1
    picked = []
    for k, pos in enumerate(negative_of):
        tokens = batch.negatives.tokens[k, : int(batch.negatives.lengths[k])]
        rows = [n for n in own[pos] if torch.equal(captions.negatives.batch([n]).tokens[0], tokens)]
        assert len(rows) == 1  # a negative of this caption
        picked.append(rows[0])
    assert len(set(picked)) == len(picked)  # without repeats


def test_make_batch_without_negatives_per_caption_has_none(shapes, captions: Captions) -> None:
    assert batch_of(shapes, captions, [0, 1], negatives_per_caption=0).negatives is None


def decode(bank: PhraseBank, phrases: torch.Tensor) -> list[str]:
    by_ids = {tuple(ids): p for p, ids in bank.cache.items()}
    return [by_ids[tuple(row)] for row in phrases.tolist()]


def test_make_batch_phrase_pool_and_targets(shapes, captions: Captions) -> None:
    bank = PhraseBank(shapes.vocab)
    batch = batch_of(shapes, captions, [3, 1], negatives_per_caption=1, max_phrases=10, phrases=bank)
    pool = decode(bank, batch.phrases)  # img2's and img0's phrases and c1's negative's
    assert pool == ["blue square", "green triangle", "red circle", "red triangle"]
    assert batch.phrase_targets.tolist() == [[False, True, True, False],  # img2
                                             [True, False, True, False]]  # img0
    assert batch.phrases.shape == (4, 6) and batch.phrase_targets.dtype == torch.bool


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_make_batch_caps_the_phrase_pool(shapes, captions: Captions, seed: int) -> None:
    bank = PhraseBank(shapes.vocab)
    batch = batch_of(shapes, captions, [3, 1], negatives_per_caption=1, max_phrases=2, phrases=bank, seed=seed)
    pool = decode(bank, batch.phrases)
    assert len(pool) == 2 and pool == sorted(pool)
    assert set(pool) <= {"blue square", "green triangle", "red circle", "red triangle"}
    assert batch.phrase_targets.tolist() == [[p in IMAGE_PHRASES[im] for p in pool] for im in ("img2", "img0")]


def test_make_batch_without_image_phrases_has_no_phrases(shapes, captions: Captions) -> None:
    captions.image_phrases = {}
    assert batch_of(shapes, captions, [0, 1], max_phrases=5, phrases=PhraseBank(shapes.vocab)).phrases is None


# --- checkpoints --------------------------------------------------------------------------------


def state() -> dict:
    torch.manual_seed(0)
    return {"objective": nn.Linear(3, 2).state_dict(), "epoch": 4, "run": "fusion", "vocab": ["<pad>", "<unk>", "red"],
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


def test_failed_save_leaves_the_previous_checkpoint(tmp_path, monkeypatch) -> None:
    path = tmp_path / "last.pt"
    save_checkpoint(path, state())
    before = path.read_bytes()

    def broken_save(obj, f, *args, **kwargs) -> None:  # noqa: ANN001
        with open(f, "wb") as fh:
            fh.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, {**state(), "epoch": 5})
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["last.pt"]
    monkeypatch.undo()
    assert load_checkpoint(path)["epoch"] == 4


# --- train_epoch --------------------------------------------------------------------------------


def loss_params(**changes) -> LossParams:
    base = {"ranking": "sum", "ranking_warmup_epochs": 0, "margin": 0.2, "semantic": "none", "lseh_alpha": 0.185,
            "lseh_lambda": 0.025, "ahrl_top_k": 5, "ahrl_temperature": 0.1, "ahrl_weight": 1.0,
            "ahrl_margin_shrink": 0.5, "global_weight": 0.0, "generated_weight": 0.0, "generated_margin": 0.2,
            "phrase_weight": 0.0, "phrase_loss": "bce", "adversarial_weight": 0.0, "adversarial_warmup_epochs": 0}
    return LossParams(**{**base, **changes})


def test_train_epoch_steps_and_finite_terms(shapes, captions: Captions, make_matcher) -> None:
    objective = MatchingObjective(make_matcher("fusion"), loss_params(global_weight=0.5, generated_weight=1.0),
                                  dim=16, temperature=5.0)
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
