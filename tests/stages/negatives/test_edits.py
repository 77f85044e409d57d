"""Each negative type realised in the caption's own words, with its grammar fixes and refusals."""

from __future__ import annotations

import random

import pytest

from stages.negatives.diff import diff
from stages.negatives.edits import EDITS, Editor, Vocabulary, realise
from stages.negatives.words import article_for, load_categories, plural

CATS = load_categories()
ALL = Vocabulary(
    objects=frozenset(w for ws in CATS.objects.values() for w in ws),
    attributes=frozenset(w for ws in CATS.attributes.values() for w in ws),
    predicates=frozenset(w for ws in CATS.relations.values() for w in ws),
)


@pytest.fixture(scope="module")
def graph_of(request):
    from stages.scene_graph.parser import CaptionParser, ParserConfig

    parser = CaptionParser(ParserConfig())

    def run(text: str) -> dict:
        (item,) = list(parser.parse([text]))
        return item.graph.to_dict()

    return run


def only(words: dict[str, list[str]]) -> Vocabulary:
    """A corpus vocabulary holding just these words, so the replacement is known."""
    return Vocabulary(frozenset(words.get("objects", [])), frozenset(words.get("attributes", [])),
                      frozenset(words.get("predicates", [])))


CASES = [
    ("replace-obj", "A man sitting on a bench.", {"objects": ["man", "bench", "woman"]}, "A woman sitting on a bench."),
    ("replace-obj", "Two dogs on a couch.", {"objects": ["dog", "couch", "cat"]}, "Two cats on a couch."),
    ("replace-att", "A red car parked on the street.", {"attributes": ["red", "orange"]}, "An orange car parked on the street."),
    ("replace-rel", "A cat sitting on a table.", {"predicates": ["on", "under"]}, "A cat sitting under a table."),
    ("swap-att", "A red circle to the left of a blue square.", {}, "A blue circle to the left of a red square."),
    ("swap-obj", "A dog chasing a cat.", {}, "A cat chasing a dog."),
    ("add-att", "A man on a bench.", {"attributes": ["wooden"]}, None),
    ("add-obj", "A man sitting on a bench.", {"objects": ["man", "bench", "elephant"]},
     "A man sitting on a bench and an elephant."),
]


@pytest.mark.parametrize(("kind", "caption", "words", "expected"), CASES, ids=[c[0] + ":" + c[1] for c in CASES])
def test_each_type_in_the_captions_own_words(graph_of, kind, caption, words, expected) -> None:
    graph = graph_of(caption)
    vocab = only(words) if words else ALL
    neg = EDITS[kind](Editor(caption, graph, CATS, vocab, random.Random(0)))
    assert neg is not None and neg.type == kind
    if expected is not None:
        assert neg.text == expected
    assert caption[neg.start:neg.end] == neg.before
    assert neg.text == caption[:neg.start] + neg.after + caption[neg.end:]
    assert diff(graph, graph_of(neg.text))["type"] == kind  # it verifies


def test_add_att_puts_the_adjective_in_english_order(graph_of) -> None:
    caption = "Two red chairs by a wall."
    neg = Editor(caption, graph_of(caption), CATS, only({"attributes": ["small"]}), random.Random(0)).add_att()
    assert neg is not None and neg.text.startswith("Two small red chairs")
    caption = "An apple on a table."
    neg = Editor(caption, graph_of(caption), CATS, only({"attributes": ["red"]}), random.Random(1)).add_att()
    assert neg is not None and "a red" in neg.text.lower() and "an red" not in neg.text.lower()


def test_synonyms_and_hypernyms_are_never_replacements(graph_of) -> None:
    caption = "A man riding a horse."
    graph = graph_of(caption)
    vocab = only({"objects": ["man", "horse", "guy", "person", "gentleman", "pony"]})
    for seed in range(10):
        neg = Editor(caption, graph, CATS, vocab, random.Random(seed)).replace_obj()
        assert neg is None or neg.after not in ("guy", "person", "gentleman")
    assert CATS.related("man", "guy") and CATS.related("person", "man") and CATS.related("dog", "animal")
    assert not CATS.related("man", "woman")


def test_grammar_helpers() -> None:
    assert [article_for(w) for w in ("apple", "car", "umbrella", "uniform", "hour", "one")] == [
        "an", "a", "an", "a", "an", "a"]
    assert [plural(w) for w in ("dog", "bus", "man", "child", "baby", "hot dog", "box")] == [
        "dogs", "buses", "men", "children", "babies", "hot dogs", "boxes"]


def test_realise_refuses_doubled_words_and_no_ops() -> None:
    graph = {"tokens": ["A", "red", "car", "."], "offsets": [0, 2, 6, 9]}
    assert realise("A red car.", graph, [(1, 1, "red")], "add-att") is None  # "red red"
    assert realise("A red car.", graph, [(1, 2, "red")], "replace-att") is None  # unchanged
    neg = realise("A red car.", graph, [(1, 2, "orange")], "replace-att")
    assert neg is not None and neg.text == "An orange car." and neg.before == "A red" and neg.after == "An orange"
