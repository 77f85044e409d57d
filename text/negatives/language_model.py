"""A caption language model: interpolated Kneser-Ney n-grams over lower-cased words.

It scores how natural a caption reads, as log-probability per token (the end of the caption
counts as a token). The generator uses it to keep the negatives a text-only reader finds as
plausible as real captions; the benchmark uses other instances of it, of another order and
trained on other captions, as the blind reader that tries to tell a negative from its caption.

Kneser-Ney with one absolute discount ``D`` at every order (Chen and Goodman's interpolated
form): the highest order uses counts, the lower ones continuation counts (how many distinct
words precede an n-gram), and the unigram level is interpolated with a uniform distribution
over the vocabulary plus one unknown word, so no word has probability zero.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
START, END = "<s>", "</s>"
MEMO_SIZE = 100_000  # n-gram probabilities a model remembers (about 25 MB)


def words(text: str) -> list[str]:
    """The lower-cased words of a caption, punctuation dropped."""
    return WORD.findall(text.lower())


@dataclass(frozen=True)
class _Level:
    counts: dict[str, int]  # "h w" -> count (continuation count below the highest order)
    context_total: dict[str, int]  # "h" -> sum of counts of "h *"
    context_types: dict[str, int]  # "h" -> number of distinct w after "h"


class CaptionLanguageModel:
    """``fit`` on captions, then ``logprob_per_token`` of any text."""

    def __init__(self, order: int, levels: list[_Level], vocabulary_size: int, discount: float) -> None:
        self.order = order
        self.levels = levels  # levels[k] holds (k + 1)-grams
        self.vocabulary_size = vocabulary_size
        self.discount = discount
        # (history, word) -> probability: a caption's candidates share nearly all their n-grams
        # with it, so most are asked many times; bounded, emptied when full
        self._memo: dict[tuple[tuple[str, ...], str], float] = {}

    @classmethod
    def fit(cls, captions: Iterable[str], order: int = 3, discount: float = 0.75) -> CaptionLanguageModel:
        if order < 1:
            raise ValueError(f"order must be at least 1, not {order}")
        top: Counter[tuple[str, ...]] = Counter()
        for caption in captions:
            seq = [START] * (order - 1) + words(caption) + [END]
            for i in range(order - 1, len(seq)):
                top[tuple(seq[i - order + 1:i + 1])] += 1
        by_order: list[Counter[tuple[str, ...]]] = [Counter() for _ in range(order)]
        by_order[-1] = top
        for k in range(order - 1, 0, -1):  # continuation counts: distinct words before each shorter n-gram
            for gram in by_order[k]:
                by_order[k - 1][gram[1:]] += 1
        levels = []
        for grams in by_order:
            total: Counter[str] = Counter()
            types: Counter[str] = Counter()
            counts = {}
            for gram, n in grams.items():
                context = " ".join(gram[:-1])
                total[context] += n
                types[context] += 1
                counts[" ".join(gram)] = n
            levels.append(_Level(counts, dict(total), dict(types)))
        vocabulary = sum(1 for gram in by_order[0] if gram[0] != START)
        return cls(order, levels, vocabulary, discount)

    def _prob(self, history: tuple[str, ...], word: str) -> float:
        key = (history, word)
        p = self._memo.get(key)
        if p is None:
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            p = self._memo[key] = self._interpolated(history, word)
        return p

    def _interpolated(self, history: tuple[str, ...], word: str) -> float:
        d = self.discount
        p = 1.0 / (self.vocabulary_size + 1)  # uniform, with one unknown word
        for k in range(self.order):  # from unigrams up, each level interpolated with the one below
            if k > len(history):
                break
            context = " ".join(history[len(history) - k:]) if k else ""
            level = self.levels[k]
            total = level.context_total.get(context)
            if not total:
                continue  # unseen history: the lower order stands alone
            gram = f"{context} {word}" if k else word
            count = level.counts.get(gram, 0)
            p = max(count - d, 0.0) / total + d * level.context_types[context] / total * p
        return p

    def logprob_per_token(self, text: str) -> float:
        """Mean natural-log probability of the caption's words and its end."""
        seq = [START] * (self.order - 1) + words(text) + [END]
        n = self.order - 1
        logp = sum(math.log(self._prob(tuple(seq[i - n:i]), seq[i])) for i in range(n, len(seq)))
        return logp / (len(seq) - n)


class HeldOutLanguageModel:
    """Two models, each fitted on the captions of half the images (by a stable hash of the image
    id); a caption is scored by the model that did not see its image. A caption's own n-grams
    would otherwise make it look far more natural than any edit of it."""

    def __init__(self, captions: Iterable[tuple[str, str]], order: int = 3) -> None:
        halves: tuple[list[str], list[str]] = ([], [])
        for image_id, text in captions:
            halves[_half(image_id)].append(text)
        self.models = tuple(CaptionLanguageModel.fit(h, order) for h in halves)

    def logprob_per_token(self, image_id: str, text: str) -> float:
        return self.models[1 - _half(image_id)].logprob_per_token(text)


def _half(image_id: str) -> int:
    return zlib.crc32(image_id.encode("utf-8")) & 1
