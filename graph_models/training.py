"""The training loop's pieces: a dataset from artifacts, epoch batches, steps, checkpoints.

Shapes as in :mod:`graph_models.objective`. :class:`Captions` holds the text side of a split
(captions, their generated negatives and phrase labels, as small columnar arrays); the image
side is a :class:`~graph_models.data.RegionStore`, read a window of row groups at a time: an
epoch visits the row groups in a random order, ``shuffle_groups`` at a time, and shuffles the
captions of each window into batches (a shuffle buffer, so memory is bounded by the window, not
by the dataset).

Checkpoints are plain dicts of tensors, numbers, strings and lists, so they load with
``torch.load(weights_only=True)``; they are written to a temporary name and renamed.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from graph_models.data import (
    PHRASE_WORDS,
    RegionStore,
    TextBank,
    Vocabulary,
    collate_regions,
    encode_caption,
)
from graph_models.objective import MatchingObjective, TrainBatch

log = logging.getLogger(__name__)


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


def caption_set(rows: Sequence[dict[str, Any]], vocab: Vocabulary) -> Captions:
    return Captions([r["caption_id"] for r in rows], [r["image_id"] for r in rows],
                    TextBank([encode_caption(r, vocab) for r in rows]))


def attach_negatives(captions: Captions, negative_rows: Sequence[dict[str, Any]], vocab: Vocabulary,
                     phrases_of: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None) -> None:
    """Attach generated negatives (rows of the ``negatives`` artifact) to their captions; with
    ``phrases_of`` (``stages.extract_labels.caption_phrases``), also each negative's phrases."""
    index = {c: i for i, c in enumerate(captions.caption_ids)}
    kept = [r for r in negative_rows if r["caption_id"] in index]
    captions.negatives = TextBank([encode_caption(r, vocab) for r in kept])
    captions.negatives_of = [[] for _ in captions.caption_ids]
    for k, r in enumerate(kept):
        captions.negatives_of[index[r["caption_id"]]].append(k)
    if phrases_of is not None:
        captions.negative_phrases = [[p["phrase"] for p in phrases_of(r)] for r in kept]


@dataclass
class PhraseBank:
    """Phrase strings to word ids (cached)."""

    vocab: Vocabulary
    cache: dict[str, list[int]] = field(default_factory=dict)

    def ids(self, phrases: Sequence[str]) -> torch.Tensor:
        rows = []
        for p in phrases:
            if p not in self.cache:
                self.cache[p] = self.vocab.ids(p.split(), PHRASE_WORDS)
            rows.append(self.cache[p])
        return torch.tensor(rows, dtype=torch.int64).reshape(-1, PHRASE_WORDS)


def epoch_plan(captions: Captions, store: RegionStore, batch_size: int, shuffle_groups: int, seed: int,
               world_size: int = 1) -> list[tuple[list[int], list[int]]]:
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


def make_batch(captions: Captions, chunk: Sequence[int], regions: dict[str, Any], phrases: PhraseBank | None,
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


def iterate_batches(captions: Captions, store: RegionStore, plan: Sequence[tuple[list[int], list[int]]],
                    phrases: PhraseBank | None, negatives_per_caption: int, max_phrases: int,
                    seed: int) -> Iterator[TrainBatch]:
    """The plan's batches, loading each window of row groups once."""
    rng = np.random.default_rng(seed)
    loaded_window: list[int] | None = None
    regions: dict[str, Any] = {}
    for window, chunk in plan:
        if window != loaded_window:
            regions, loaded_window = store.load_groups(window), window
        yield make_batch(captions, chunk, regions, phrases, negatives_per_caption, max_phrases, rng)


def train_epoch(objective: nn.Module, batches: Iterator[TrainBatch], optimizer: torch.optim.Optimizer,
                grad_clip: float, device: torch.device, epoch: int) -> dict[str, float]:
    """One pass; returns the mean of every loss term per batch and the pairs per second."""
    objective.train()
    sums: dict[str, float] = defaultdict(float)
    steps = pairs = 0
    started = time.perf_counter()
    for batch in batches:
        terms = objective(batch.to(device), epoch)
        values = {k: float(v.detach()) for k, v in terms.items()}
        if not math.isfinite(values["loss"]):  # before the step: the weights stay those of the last good one
            raise FloatingPointError(f"epoch {epoch}: the loss is {values['loss']} at step {steps + 1}")
        optimizer.zero_grad(set_to_none=True)
        terms["loss"].backward()
        if grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(objective.parameters(), grad_clip)
        optimizer.step()
        for k, v in values.items():
            sums[k] += v
        steps += 1
        pairs += batch.texts.size
    seconds = time.perf_counter() - started
    out = {k: v / max(steps, 1) for k, v in sums.items()}
    out.update(steps=steps, pairs_per_second=pairs / seconds if seconds else 0.0)
    return out


def unwrap(objective: nn.Module) -> MatchingObjective:
    return objective.module if hasattr(objective, "module") else objective  # type: ignore[return-value]


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """``torch.save`` to a temporary sibling, then rename: a killed run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    os.close(fd)
    try:
        torch.save(state, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_checkpoint(path: Path, device: torch.device | str = "cpu") -> dict[str, Any]:
    return torch.load(path, map_location=device, weights_only=True)
