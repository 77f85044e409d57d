"""Training batches: a split's captions, the epoch plan over row groups, one step's batch, the loader.

Shapes: ``B`` captions of ``U`` distinct images in a batch, ``M`` generated negatives, ``P``
phrases in the batch's phrase pool, ``S`` the LSEH vector size.

:class:`Captions` holds the text side of a split (captions, their generated negatives and
phrase labels, as small columnar arrays); the image side is a
:class:`~graph_models.regions.RegionStore`, read a window of row groups at a time: an epoch
visits the row groups in a random order, ``shuffle_groups`` at a time, and shuffles the captions
of each window into batches (a shuffle buffer, so memory is bounded by the window, not by the
dataset). :func:`batch_loader` builds the batches in a ``torch.utils.data.DataLoader`` worker,
so reading the next window overlaps the training steps on the current one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import DataLoader, IterableDataset
from torch_geometric.data import Batch

from graph_models.regions import ImageRegions, RegionStore, collate_regions
from graph_models.text_graphs import PHRASE_WORDS, TextBank, WordIndex, encode_caption

Plan = list[tuple[list[int], list[int]]]  # an epoch: (row groups to load, caption indices) per batch


@dataclass
class TrainBatch:
    """What one training step reads."""

    regions: Batch  # the U distinct images' region graphs
    texts: Batch  # the B captions' graphs
    image_of: Tensor  # (B,) row of each caption's image in ``regions``
    semantic: Tensor | None = None  # (B, S) LSEH caption vectors
    negatives: Batch | None = None  # M generated negatives' graphs
    negative_of: Tensor | None = None  # (M,) the caption (0..B-1) each negative was made from
    phrases: Tensor | None = None  # (P, PHRASE_WORDS) word ids of the phrase pool
    phrase_targets: Tensor | None = None  # (U, P) bool: phrase in the image's label set


def to_device(batch: TrainBatch, device: torch.device | str) -> TrainBatch:
    """The batch with every field (tensors, PyG batches) moved to ``device`` by its own ``.to``."""
    moved: dict[str, Any] = {f.name: None if (v := getattr(batch, f.name)) is None else v.to(device)
                             for f in fields(batch)}
    return TrainBatch(**moved)


@dataclass
class Captions:
    """The captions of one split with what training reads beside them."""

    caption_ids: list[str]
    image_ids: list[str]
    bank: TextBank
    negatives: TextBank | None = None
    negatives_of: list[list[int]] = field(default_factory=list)  # caption -> rows of ``negatives``
    negative_phrases: list[list[str]] = field(default_factory=list)  # negative row -> its phrases
    semantic: np.ndarray | None = None  # (captions, S) LSEH vectors
    image_phrases: dict[str, frozenset[str]] = field(default_factory=dict)  # image -> label phrases


def caption_set(rows: Sequence[dict[str, Any]], words: WordIndex) -> Captions:
    return Captions([r["caption_id"] for r in rows], [r["image_id"] for r in rows],
                    TextBank([encode_caption(r, words) for r in rows]))


def attach_negatives(captions: Captions, negative_rows: Sequence[dict[str, Any]], words: WordIndex,
                     phrases_of: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None) -> None:
    """Attach generated negatives (rows of the ``negatives`` artifact) to their captions; with
    ``phrases_of`` (``text.phrases.caption_phrases``), also each negative's phrases."""
    index = {c: i for i, c in enumerate(captions.caption_ids)}
    kept = [r for r in negative_rows if r["caption_id"] in index]
    captions.negatives = TextBank([encode_caption(r, words) for r in kept])
    captions.negatives_of = [[] for _ in captions.caption_ids]
    for k, r in enumerate(kept):
        captions.negatives_of[index[r["caption_id"]]].append(k)
    if phrases_of is not None:
        captions.negative_phrases = [[p["phrase"] for p in phrases_of(r)] for r in kept]


@dataclass
class PhraseBank:
    """Phrase strings to word ids (cached)."""

    words: WordIndex
    cache: dict[str, list[int]] = field(default_factory=dict)

    def ids(self, phrases: Sequence[str]) -> torch.Tensor:
        rows = []
        for p in phrases:
            if p not in self.cache:
                self.cache[p] = self.words.ids(p.split(), PHRASE_WORDS)
            rows.append(self.cache[p])
        return torch.tensor(rows, dtype=torch.int64).reshape(-1, PHRASE_WORDS)


def epoch_plan(captions: Captions, store: RegionStore, batch_size: int, shuffle_groups: int, seed: int,
               world_size: int = 1) -> Plan:
    """The epoch's batches as (row groups to load, caption indices), cut to a multiple of
    ``world_size`` so every DDP rank takes the same number of steps."""
    rng = np.random.default_rng(seed)
    by_group: dict[int, list[int]] = defaultdict(list)
    for i, image_id in enumerate(captions.image_ids):
        by_group[store.where[image_id][0]].append(i)
    plan = []
    for window in store.windows(set(captions.image_ids), shuffle_groups, rng):
        members = np.array([i for g in window for i in by_group[g]])
        members = members[rng.permutation(len(members))]
        for start in range(0, len(members), batch_size):
            chunk = members[start:start + batch_size].tolist()
            if len(chunk) >= 2:  # a ranking loss needs a negative
                plan.append((window, chunk))
    return plan[: len(plan) - len(plan) % world_size]


def make_batch(captions: Captions, chunk: Sequence[int], regions: dict[str, ImageRegions], phrases: PhraseBank | None,
               negatives_per_caption: int, max_phrases: int, rng: np.random.Generator) -> TrainBatch:
    """One TrainBatch for the captions ``chunk`` (indices into ``captions``)."""
    images = list(dict.fromkeys(captions.image_ids[i] for i in chunk))
    row = {im: k for k, im in enumerate(images)}
    batch = TrainBatch(collate_regions([regions[im] for im in images]), captions.bank.batch(chunk),
                       torch.tensor([row[captions.image_ids[i]] for i in chunk]))
    if captions.semantic is not None:
        batch.semantic = torch.from_numpy(captions.semantic[list(chunk)])
    picked: list[tuple[int, int]] = []  # (position in batch, negative row)
    if captions.negatives is not None and negatives_per_caption > 0:
        for pos, i in enumerate(chunk):
            own = captions.negatives_of[i]
            for k in rng.permutation(len(own))[:negatives_per_caption]:
                picked.append((pos, own[k]))
        if picked:
            batch.negatives = captions.negatives.batch([n for _, n in picked])
            batch.negative_of = torch.tensor([pos for pos, _ in picked])
    if phrases is not None and captions.image_phrases:
        pool = sorted({p for im in images for p in captions.image_phrases.get(im, ())}
                      | {p for _, n in picked for p in captions.negative_phrases[n]})
        if len(pool) > max_phrases:
            pool = sorted(rng.choice(pool, max_phrases, replace=False).tolist())
        if pool:
            batch.phrases = phrases.ids(pool)
            batch.phrase_targets = torch.tensor(
                [[p in captions.image_phrases.get(im, ()) for p in pool] for im in images], dtype=torch.bool)
    return batch


def iterate_batches(captions: Captions, store: RegionStore, plan: Plan,
                    phrases: PhraseBank | None, negatives_per_caption: int, max_phrases: int,
                    seed: int) -> Iterator[TrainBatch]:
    """The plan's batches, loading each window of row groups once."""
    rng = np.random.default_rng(seed)
    loaded_window: list[int] | None = None
    regions: dict[str, ImageRegions] = {}
    for window, chunk in plan:
        if window != loaded_window:
            regions, loaded_window = store.load_groups(window), window
        yield make_batch(captions, chunk, regions, phrases, negatives_per_caption, max_phrases, rng)


class BatchStream(IterableDataset):
    """:func:`iterate_batches` as a dataset, for a DataLoader worker to run (picklable, so a
    worker started by ``spawn`` gets it too)."""

    def __init__(self, captions: Captions, store: RegionStore, plan: Plan, phrases: PhraseBank | None,
                 negatives_per_caption: int, max_phrases: int, seed: int) -> None:
        self.args = (captions, store, plan, phrases, negatives_per_caption, max_phrases, seed)

    def __iter__(self) -> Iterator[TrainBatch]:
        return iterate_batches(*self.args)


def _as_is(batch: Any) -> Any:
    """The DataLoader's collate: a BatchStream item is a whole batch already."""
    return batch


def batch_loader(captions: Captions, store: RegionStore, plan: Plan, phrases: PhraseBank | None,
                 negatives_per_caption: int, max_phrases: int, seed: int, prefetch: int) -> Iterable[TrainBatch]:
    """The plan's batches; with ``prefetch`` > 0, built by one DataLoader worker up to that many
    batches ahead of the step (one worker keeps the batches, and their random draws, in the
    order ``iterate_batches`` gives them, and reads each window of row groups once)."""
    stream = BatchStream(captions, store, plan, phrases, negatives_per_caption, max_phrases, seed)
    if prefetch == 0 or not plan:
        return iter(stream)
    return DataLoader(stream, batch_size=None, num_workers=1, prefetch_factor=prefetch, collate_fn=_as_is)
