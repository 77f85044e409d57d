"""graph_models.batches: epoch plans over row groups, a step's batch, the loader worker."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.testing import assert_close

from graph_models.batches import (
    Captions,
    PhraseBank,
    TrainBatch,
    attach_negatives,
    batch_loader,
    caption_set,
    epoch_plan,
    iterate_batches,
    make_batch,
)
from graph_models.regions import RegionStore

# --- epoch_plan ---------------------------------------------------------------------------------


@pytest.fixture
def plan_world(tmp_path, shapes, write_regions) -> tuple[Captions, RegionStore]:
    """Six images in three row groups (two each), two captions an image: four captions a group."""
    image_ids = [f"im{k}" for k in range(6)]
    rows = [{**shapes.region_rows["img0"], "image_id": i} for i in image_ids]
    store = RegionStore(write_regions(tmp_path / "regions", [rows[0:2], rows[2:4], rows[4:6]]))
    captions = caption_set([{**shapes.rows[0], "caption_id": f"{i}-{k}", "image_id": i}
                            for i in image_ids for k in range(2)], shapes.words)
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
    captions = caption_set(shapes.rows, shapes.words)
    attach_negatives(captions, NEGATIVES, shapes.words, lambda r: [{"phrase": p} for p in r["phrases"]])
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
    assert batch.regions.num_graphs == 2
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
    assert batch.negatives.num_graphs == len(negative_of)
    own = {0: [0, 1, 2], 1: [3]}  # negatives_of of captions 0 and 1
    picked = []
    for k, pos in enumerate(negative_of):
        tokens = batch.negatives.get_example(k).tokens
        rows = [n for n in own[pos] if torch.equal(captions.negatives.graph(n).tokens, tokens)]
        assert len(rows) == 1  # a negative of this caption
        picked.append(rows[0])
    assert len(set(picked)) == len(picked)  # without repeats


def test_make_batch_without_negatives_per_caption_has_none(shapes, captions: Captions) -> None:
    assert batch_of(shapes, captions, [0, 1], negatives_per_caption=0).negatives is None


def decode(bank: PhraseBank, phrases: torch.Tensor) -> list[str]:
    by_ids = {tuple(ids): p for p, ids in bank.cache.items()}
    return [by_ids[tuple(row)] for row in phrases.tolist()]


def test_make_batch_phrase_pool_and_targets(shapes, captions: Captions) -> None:
    bank = PhraseBank(shapes.words)
    batch = batch_of(shapes, captions, [3, 1], negatives_per_caption=1, max_phrases=10, phrases=bank)
    pool = decode(bank, batch.phrases)  # img2's and img0's phrases and c1's negative's
    assert pool == ["blue square", "green triangle", "red circle", "red triangle"]
    assert batch.phrase_targets.tolist() == [[False, True, True, False],  # img2
                                             [True, False, True, False]]  # img0
    assert batch.phrases.shape == (4, 6) and batch.phrase_targets.dtype == torch.bool


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_make_batch_caps_the_phrase_pool(shapes, captions: Captions, seed: int) -> None:
    bank = PhraseBank(shapes.words)
    batch = batch_of(shapes, captions, [3, 1], negatives_per_caption=1, max_phrases=2, phrases=bank, seed=seed)
    pool = decode(bank, batch.phrases)
    assert len(pool) == 2 and pool == sorted(pool)
    assert set(pool) <= {"blue square", "green triangle", "red circle", "red triangle"}
    assert batch.phrase_targets.tolist() == [[p in IMAGE_PHRASES[im] for p in pool] for im in ("img2", "img0")]


def test_make_batch_without_image_phrases_has_no_phrases(shapes, captions: Captions) -> None:
    captions.image_phrases = {}
    assert batch_of(shapes, captions, [0, 1], max_phrases=5, phrases=PhraseBank(shapes.words)).phrases is None




# --- the loader worker --------------------------------------------------------------------------


def same_batches(a: TrainBatch, b: TrainBatch) -> bool:
    for name in ("image_of", "semantic", "negative_of", "phrases", "phrase_targets"):
        x, y = getattr(a, name), getattr(b, name)
        if (x is None) != (y is None) or (x is not None and not torch.equal(x, y)):
            return False
    for name in ("regions", "texts", "negatives"):
        x, y = getattr(a, name), getattr(b, name)
        if (x is None) != (y is None):
            return False
        if x is not None and (sorted(x.keys()) != sorted(y.keys()) or
                              not all(torch.equal(x[k], y[k]) for k in x.keys())):
            return False
    return True


@pytest.mark.parametrize("prefetch", [1, 3])
def test_the_loader_worker_gives_the_batches_of_the_epoch_in_order(plan_world, shapes, prefetch: int) -> None:
    captions, store = plan_world
    attach_negatives(captions, [{**NEGATIVES[0], "caption_id": c} for c in captions.caption_ids[::3]],
                     shapes.words, lambda r: [{"phrase": p} for p in r["phrases"]])
    captions.image_phrases = {im: frozenset({"red circle"}) for im in captions.image_ids}
    plan = epoch_plan(captions, store, batch_size=3, shuffle_groups=2, seed=0)
    args = (captions, store, plan, PhraseBank(shapes.words), 1, 4)
    expected = list(iterate_batches(*args, seed=5))
    loaded = list(batch_loader(*args, seed=5, prefetch=prefetch))
    assert len(loaded) == len(expected) == len(plan) > 2
    assert all(same_batches(a, b) for a, b in zip(loaded, expected, strict=True))
    assert any(b.negatives is not None for b in loaded) and all(b.phrases is not None for b in loaded)


def test_without_prefetch_the_batches_are_built_in_the_training_process(plan_world) -> None:
    captions, store = plan_world
    plan = epoch_plan(captions, store, batch_size=4, shuffle_groups=1, seed=0)
    batches = batch_loader(captions, store, plan, None, 0, 4, seed=0, prefetch=0)
    assert not isinstance(batches, torch.utils.data.DataLoader)
    assert len(list(batches)) == len(plan)
