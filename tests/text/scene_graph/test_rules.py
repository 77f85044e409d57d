"""Each phenomenon the parser must get right, with its expected facts (FACTUAL convention)."""

from __future__ import annotations

import pytest

CASES = [
    # compound nouns are one object; adjectives are attributes
    ("a traffic light on a pole", {("traffic light", "on", "pole")}),
    ("a tall giraffe", {("giraffe", "is", "tall")}),
    # predicative attributes
    ("the car is red", {("car", "is", "red")}),
    ("the bird's mouth is open", {("bird", "have", "mouth"), ("mouth", "is", "open")}),
    # coordinated attributes
    ("a black and white cat", {("cat", "is", "black"), ("cat", "is", "white")}),
    # counts
    ("two dogs on the grass", {("dogs", "is", "2"), ("dogs", "on", "grass")}),
    ("a pair of skis leaning against the wall", {("skis", "is", "2"), ("skis", "lean against", "wall")}),
    # prepositions, multi-word ones included
    ("a man standing in front of a building", {("man", "stand in front of", "building")}),
    ("a cat next to a dog", {("cat", "next to", "dog")}),
    ("a cup on top of the table", {("cup", "on top of", "table")}),
    # verbs with their preposition or particle, lemmatised
    ("a man sitting on a bench", {("man", "sit on", "bench")}),
    ("a woman looking at the sky", {("woman", "look at", "sky")}),
    # passives turn active
    ("a field covered in snow", {("snow", "cover", "field")}),
    ("a wave ridden by a surfer", {("surfer", "ride", "wave")}),
    # relative and reduced relative clauses
    ("a man who is holding a cup", {("man", "hold", "cup")}),
    ("a man holding a cup", {("man", "hold", "cup")}),
    # possessives and parts
    ("the zebra's head", {("zebra", "have", "head")}),
    ("the leg of the man", {("man", "have", "leg")}),
    # existentials
    ("there is a car on the track", {("car", "on", "track")}),
    # coordination of subjects and of objects
    ("a woman and a child playing frisbee", {("woman", "play", "frisbee"), ("child", "play", "frisbee")}),
    ("a man eating a sandwich and a banana", {("man", "eat", "sandwich"), ("man", "eat", "banana")}),
    # "each other" relates a thing to itself; a lone object stands alone
    ("two boats next to each other", {("boats", "is", "2"), ("boats", "next to", "boats")}),
    ("a lot of trees", {("trees",)}),
]


@pytest.mark.parametrize(("caption", "expected"), CASES, ids=[c for c, _ in CASES])
def test_phenomenon(facts_of, caption: str, expected: set) -> None:
    assert facts_of(caption) == expected


def test_with_reads_as_the_annotation_writes_it(facts_of) -> None:
    # the learned lexicon: glasses are worn, a beard is had
    assert ("man", "wear", "glasses") in facts_of("a man with glasses")


def test_objects_keep_their_words_spans_and_lemmas(parser) -> None:
    (item,) = list(parser.parse(["Two brown dogs are sleeping on the sofa."]))
    graph = item.graph
    dogs = next(o for o in graph.objects if o.lemma == "dog")
    assert dogs.name == "dogs" and dogs.count == "2" and "brown" in dogs.attributes
    assert graph.tokens[dogs.span[0]:dogs.span[1]] == ["Two", "brown", "dogs"]
    (rel,) = graph.relations
    assert rel.predicate == "sleep on" and graph.objects[rel.object].name == "sofa"
    assert graph.tokens[rel.span[0]:rel.span[1]] == ["sleeping", "on"]
