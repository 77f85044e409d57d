"""The caption language model: a distribution, and it prefers what its captions say."""

from __future__ import annotations

import math

import pytest

from text.negatives.language_model import CaptionLanguageModel, HeldOutLanguageModel, _half, words

CAPTIONS = ["a man riding a horse", "a woman riding a horse", "a man riding a bike", "a dog on a couch",
            "a cat on a couch", "a man on a bench"]


def test_each_order_is_a_probability_distribution() -> None:
    for order in (1, 2, 3, 4):
        lm = CaptionLanguageModel.fit(CAPTIONS, order)
        vocabulary = sorted({w for c in CAPTIONS for w in words(c)}) + ["</s>", "unseen"]
        for history in [("<s>",) * (order - 1), tuple(words("a man riding"))[-(order - 1):] if order > 1 else ()]:
            total = sum(lm._prob(history, w) for w in vocabulary[:-1]) + lm._prob(history, "unseen")
            assert math.isclose(total, 1.0, abs_tol=1e-9), (order, history, total)


def test_it_prefers_the_order_its_captions_use() -> None:
    lm = CaptionLanguageModel.fit(CAPTIONS, 3)
    assert lm.logprob_per_token("A man riding a horse.") > lm.logprob_per_token("A horse riding a man.")
    assert lm.logprob_per_token("a dog on a couch") > lm.logprob_per_token("a couch on a dog")


def test_held_out_scores_a_caption_with_the_half_that_did_not_see_its_image() -> None:
    captions = [(f"i{k}", c) for k, c in enumerate(CAPTIONS * 4)] + [("iz", "a zebra eating grass")]
    held = HeldOutLanguageModel(captions, 2)
    scorer = held.models[1 - _half("iz")]
    assert scorer.levels[0].counts.get("zebra") is None  # it never saw the caption
    assert held.models[_half("iz")].levels[0].counts.get("zebra")
    seen_by_all = CaptionLanguageModel.fit([c for _, c in captions], 2)
    assert held.logprob_per_token("iz", "a zebra eating grass") < seen_by_all.logprob_per_token("a zebra eating grass")


def test_remembered_probabilities_are_the_computed_ones_and_bounded(monkeypatch) -> None:
    """The model remembers n-gram probabilities (a caption's candidates share most of its n-grams),
    each exactly as computed, however often asked and in whatever context, and no more of them
    than its bound."""
    from text.negatives import language_model

    monkeypatch.setattr(language_model, "MEMO_SIZE", 8)
    lm = CaptionLanguageModel.fit(["a dog on a bench", "a cat on a mat", "a dog on a mat"] * 2, 3)
    texts = ["a dog on a mat", "a cat on a bench", "a dog on a dog", "a mat on a cat"] * 3
    for text in texts:
        seq = ["<s>"] * 2 + text.split() + ["</s>"]
        direct = [math.log(lm._interpolated(tuple(seq[i - 2:i]), seq[i])) for i in range(2, len(seq))]
        assert lm.logprob_per_token(text) == pytest.approx(sum(direct) / len(direct), abs=0, rel=1e-15)
        assert len(lm._memo) <= 8
