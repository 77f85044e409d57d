"""graph_models.objective: which loss terms a run switches on, the ranking warm-up, and a sanity descent."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from torch.testing import assert_close

from graph_models import losses
from graph_models.batches import Captions, PhraseBank, TrainBatch, attach_negatives, caption_set, make_batch, to_device
from graph_models.objective import MatchingObjective

NEGATIVES = [  # generated negatives: the caption with its colours (or its count) changed
    {"caption_id": "c0", "tokens": "a blue circle left of a red square".split(), "phrases": ["blue circle"],
     "objects": [{"lemma": "circle", "attributes": ["blue"], "count": None},
                 {"lemma": "square", "attributes": ["red"], "count": None}],
     "relations": [{"subject": 0, "object": 1, "predicate": "left of"}]},
    {"caption_id": "c3", "tokens": "one green triangle above a red circle".split(), "phrases": ["one triangle"],
     "objects": [{"lemma": "triangle", "attributes": ["green"], "count": "one"},
                 {"lemma": "circle", "attributes": ["red"], "count": None}],
     "relations": [{"subject": 0, "object": 1, "predicate": "above"}]},
]
IMAGE_PHRASES = {"img0": frozenset({"red circle", "blue square"}), "img1": frozenset({"blue circle", "red square"}),
                 "img2": frozenset({"green triangle", "red circle"})}


LEGACY = {  # a flat name -> (term, field): the table below reads as the run's switches
    "global_weight": ("global", "weight"), "generated_weight": ("generated", "weight"),
    "generated_margin": ("generated", "margin"), "phrase_weight": ("phrase", "weight"),
    "phrase_loss": ("phrase", "kind"), "adversarial_weight": ("adversarial", "weight"),
    "adversarial_warmup_epochs": ("adversarial", "warmup_epochs"), "ranking": ("ranking", "kind"),
    "ranking_warmup_epochs": ("ranking", "warmup_epochs"), "margin": ("ranking", "margin"),
    "semantic": ("ranking", "semantic")}


def captions_of(shapes) -> Captions:
    captions = caption_set(shapes.rows, shapes.words)
    attach_negatives(captions, NEGATIVES, shapes.words, lambda r: [{"phrase": p} for p in r["phrases"]])
    captions.image_phrases = dict(IMAGE_PHRASES)
    return captions


def train_batch(shapes, chunk=(0, 2, 3, 4), negatives: bool = True, phrases: bool = True) -> TrainBatch:
    return make_batch(captions_of(shapes), list(chunk), shapes.images, PhraseBank(shapes.words) if phrases else None,
                      negatives_per_caption=1 if negatives else 0, max_phrases=16, rng=np.random.default_rng(0))


def objective(make_matcher, make_objective, name: str, **changes: Any) -> MatchingObjective:
    sections: dict[str, dict[str, Any]] = {}
    for key, value in changes.items():
        term, field = LEGACY[key]
        sections.setdefault(term, {})[field] = value
    ranking = sections.pop("ranking", {})
    return make_objective(make_matcher(name), ranking, **sections)


def test_train_batch_holds_what_make_batch_gave(shapes) -> None:
    batch = train_batch(shapes)
    assert batch.image_of.tolist() == [0, 1, 2, 2]  # img0, img1, img2
    assert batch.negatives is not None and batch.negative_of.tolist() == [0, 2]  # c0's and c3's negatives
    assert batch.phrases is not None and batch.phrase_targets.shape == (3, batch.phrases.shape[0])
    moved = to_device(train_batch(shapes, negatives=False, phrases=False), "cpu")
    assert moved.negatives is None and moved.phrases is None and moved.semantic is None


ADVERSARIAL_AFTER_2 = {"adversarial_weight": 0.1, "adversarial_warmup_epochs": 2}
CASES = [  # matcher, LossParams changes, negatives and phrases in the batch, epoch, the terms expected
    ("fusion", {}, True, True, 0, {"ranking"}),
    ("fusion", {"global_weight": 0.5}, False, False, 0, {"ranking", "global"}),
    ("vsepp", {"global_weight": 0.5}, False, False, 0, {"ranking"}),  # vsepp's score is its global score
    ("sgm", {"generated_weight": 1.0}, True, False, 0, {"ranking", "generated"}),
    ("sgm", {"generated_weight": 1.0}, False, False, 0, {"ranking"}),
    ("sgm", {"generated_weight": 0.0}, True, False, 0, {"ranking"}),
    ("fusion", {"phrase_weight": 1.0}, False, True, 0, {"ranking", "phrase"}),
    ("fusion", {"phrase_weight": 1.0}, False, False, 0, {"ranking"}),
    ("vsepp", {"phrase_weight": 1.0, "phrase_loss": "hinge"}, False, True, 0, {"ranking", "phrase"}),
    ("fusion", ADVERSARIAL_AFTER_2, False, False, 1, {"ranking"}),
    ("fusion", ADVERSARIAL_AFTER_2, False, False, 2, {"ranking", "adversarial"}),
    ("fusion", {"global_weight": 1.0, "generated_weight": 1.0, "phrase_weight": 1.0, "adversarial_weight": 0.1},
     True, True, 0, {"ranking", "global", "generated", "phrase", "adversarial"}),
]


@pytest.mark.parametrize(("name", "changes", "negatives", "phrases", "epoch", "expected"), CASES)
def test_forward_returns_the_switched_on_terms_and_their_sum(shapes, make_matcher, make_objective, name: str,
                                                             changes: dict,
                                                             negatives: bool, phrases: bool, epoch: int,
                                                             expected: set[str]) -> None:
    batch = train_batch(shapes, negatives=negatives, phrases=phrases)
    out = objective(make_matcher, make_objective, name, **changes)(batch, epoch)
    assert set(out) == expected | {"loss"}
    assert all(v.shape == () and torch.isfinite(v) for v in out.values())
    assert_close(out["loss"], torch.stack([v for k, v in out.items() if k != "loss"]).sum())
    assert out["loss"].requires_grad


@pytest.mark.parametrize("term", ["global", "generated", "phrase"])
def test_terms_are_weighted(shapes, make_matcher, make_objective, term: str) -> None:
    batch = train_batch(shapes)
    one = objective(make_matcher, make_objective, "sgm", **{f"{term}_weight": 1.0})(batch, 0)[term]
    three = objective(make_matcher, make_objective, "sgm", **{f"{term}_weight": 3.0})(batch, 0)[term]
    assert one > 0
    assert_close(three, 3 * one)


def test_generated_term_is_the_hinge_of_each_negative_against_its_caption(shapes, make_matcher, make_objective) -> None:
    obj = objective(make_matcher, make_objective, "fusion", generated_weight=1.0, generated_margin=0.3)
    batch = train_batch(shapes)
    m = obj.matcher
    images = m.encode_images(batch.regions)
    sim = m.score(images, m.encode_texts(batch.texts))
    owner_image = batch.image_of[batch.negative_of]
    positive = sim[owner_image, batch.negative_of]
    negative = m.score(images, m.encode_texts(batch.negatives))[owner_image, torch.arange(2)]
    assert_close(obj(batch, 0)["generated"], losses.generated_negative_loss(positive, negative, 0.3), rtol=1e-4,
                 atol=1e-6)


@pytest.mark.parametrize("name", ["vsepp", "fusion"])
def test_ranking_warmup_uses_the_sum_of_hinges_before_the_max(shapes, make_matcher, make_objective, name: str) -> None:
    obj = objective(make_matcher, make_objective, name, ranking="max", ranking_warmup_epochs=2)
    batch = train_batch(shapes, chunk=(0, 1, 2, 3, 4), negatives=False, phrases=False)
    m = obj.matcher
    sim = m.score(m.encode_images(batch.regions), m.encode_texts(batch.texts))[batch.image_of]
    same = batch.image_of[:, None] == batch.image_of[None, :]
    sum_of_hinges = losses.ranking_loss(sim, same, 0.2, max_violation=False)
    max_of_hinges = losses.ranking_loss(sim, same, 0.2, max_violation=True)
    assert sum_of_hinges > max_of_hinges  # the batch tells the two apart
    for epoch, expected in ((0, sum_of_hinges), (1, sum_of_hinges), (2, max_of_hinges), (5, max_of_hinges)):
        assert_close(obj(batch, epoch)["ranking"], expected, rtol=1e-4, atol=1e-6)
    summing = objective(make_matcher, make_objective, name, ranking="sum", ranking_warmup_epochs=2)
    assert_close(summing(batch, 5)["ranking"], sum_of_hinges, rtol=1e-4, atol=1e-6)


def test_fusion_learns_the_colour_swap(shapes, make_matcher, make_objective) -> None:
    """img0 (red circle, blue square) and img1 (blue circle, red square) differ only by a swap of
    colour features; their captions c0 and c2 only by a swap of colour words."""
    obj = objective(make_matcher, make_objective, "fusion")
    batch = train_batch(shapes, chunk=(0, 2), negatives=False, phrases=False)
    optimizer = torch.optim.Adam(obj.parameters(), lr=1e-2)
    start = float(obj(batch, 0)["loss"].detach())
    assert start > 0
    for _ in range(20):
        loss = obj(batch, 0)["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert float(obj(batch, 0)["loss"].detach()) < start
    m = obj.matcher
    sim = m.score(m.encode_images(batch.regions), m.encode_texts(batch.texts))
    assert sim[0, 0] > sim[0, 1] and sim[1, 1] > sim[1, 0]


def test_every_module_with_weights_has_reset_parameters(make_matcher, make_objective) -> None:
    obj = objective(make_matcher, make_objective, "sgm", global_weight=1.0, generated_weight=1.0, phrase_weight=1.0,
                    adversarial_weight=0.1)
    owners = [m for m in obj.modules() if any(True for _ in m.parameters(recurse=False))]
    assert owners and all(hasattr(m, "reset_parameters") for m in obj.modules() if m in owners)
    for module in obj.modules():  # and every composite module of ours too
        if type(module).__module__.startswith("graph_models") and any(True for _ in module.parameters()):
            assert hasattr(module, "reset_parameters"), type(module).__name__
    before = [p.detach().clone() for p in obj.parameters()]
    obj.reset_parameters()
    changed = [not torch.equal(b, p) for b, p in zip(before, obj.parameters(), strict=True)]
    assert sum(changed) > len(changed) // 2  # (LayerNorms, zero biases and the phrase head's scale come back equal)
