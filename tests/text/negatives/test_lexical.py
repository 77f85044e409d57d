"""Is a replacement a real change of meaning: the curated list, corpus co-reference, embeddings."""

from __future__ import annotations

import pytest

from text.negatives.lexical import coreferent_pairs, relation


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("coat", "jacket", "synonym"),
    ("building", "church", "hyponym"),  # a church is a building
    ("boy", "child", "hypernym"),  # a boy is a child
    ("person", "boy", "hyponym"),  # closed transitively: person > child > boy
    ("man", "guy", "synonym"),
    ("Dog", "dog ", "same"),
    ("tennis racket", "racquet", "synonym"),  # by the heads
    ("man", "woman", None),
    ("circle", "square", None),
    ("red", "blue", None),  # one attribute kind: their embeddings are close, their meanings are not
    ("left of", "right of", None),
    ("enclosure", "pasture", "hyponym"),  # horses in a pasture are in an enclosure
    ("with", "under", "synonym"),  # "a woman with / under an umbrella"
    ("pull", "move", "hypernym"),  # "pulling a suitcase" moves it
    ("drizzle", "rain", "synonym"),  # "people stand in the drizzle" / "in the rain"
])
def test_curated_relations(a, b, expected) -> None:
    assert relation(a, b, frozenset(), embeddings=False) == expected


def test_the_corpus_says_which_nouns_name_one_thing() -> None:
    """Two nouns that describe the same images in different captions, never in one caption
    together, co-refer; two nouns that captions name side by side do not."""
    graphs = []
    for k in range(30):
        captions = [["lad", "bike"], ["youngster", "bike"], ["lad"], ["youngster"], ["dog", "bike"]] if k < 6 else [["tree"]]
        graphs += [{"image_id": f"i{k}", "objects": [{"lemma": x} for x in c]} for c in captions]
    pairs = coreferent_pairs(graphs)
    assert frozenset(("lad", "youngster")) in pairs
    assert frozenset(("lad", "bike")) not in pairs and frozenset(("bike", "dog")) not in pairs
    assert relation("lad", "youngster", pairs, embeddings=False) == "coreferent"
    assert relation("lad", "youngster", frozenset(), embeddings=False) is None


def test_shipped_pairs_are_used_without_a_corpus() -> None:
    assert relation("boy", "child") is not None and relation("man", "woman", embeddings=False) is None


def test_categories_related_is_the_same_question() -> None:
    from text.negatives.words import load_categories

    categories = load_categories()
    assert categories.related("dog", "puppy") and categories.related("building", "church")
    assert not categories.related("circle", "square")


@pytest.mark.slow
def test_embeddings_catch_near_synonyms_the_list_does_not_have() -> None:
    assert relation("automobile", "car", frozenset()) == "similar"
    assert relation("dog", "bicycle", frozenset()) is None
