"""Annotated facts found in a caption's tokens: the learned parser's training targets."""

from __future__ import annotations

from text.scene_graph.alignment import Forms, align, learn_forms
from text.scene_graph.scoring import parse_factual


def spans(alignment, kind: str) -> list[tuple[str, tuple[int, int]]]:
    mentions = alignment.objects if kind == "objects" else [m for m, _ in alignment.attributes]
    return [(m.text, m.span) for m in mentions]


def test_objects_attributes_and_relations_land_on_their_words() -> None:
    tokens = "a large tree trunk coming through a deck".split()
    a = align(tokens, parse_factual("( tree trunk , is , large ) , ( tree trunk , come through , deck )"))
    assert a.problem is None
    assert spans(a, "objects") == [("tree trunk", (2, 4)), ("deck", (7, 8))]
    assert spans(a, "attributes") == [("large", (1, 2))] and a.attributes[0][1] == 0
    assert a.relations == [(0, "come through", 1)]


def test_counts_hyphens_and_the_nearest_owner() -> None:
    a = align("two red cars and a blue car".split(), [["cars", "is", "2"], ["cars", "is", "red"], ["car", "is", "blue"]])
    assert spans(a, "attributes") == [("2", (0, 1)), ("red", (1, 2)), ("blue", (5, 6))]
    a = align("boy in a t - shirt".split(), [["boy", "in", "t-shirt"]])
    assert spans(a, "objects") == [("t-shirt", (3, 6)), ("boy", (0, 1))]
    # the same name twice: a relation of a thing to another of its kind takes two mentions
    a = align("a man next to a man".split(), [["man", "next to", "man"]])
    assert [m.span for m in a.objects] == [(1, 2), (5, 6)] and a.relations == [(0, "next to", 1)]


def test_spellings_the_annotation_writes_otherwise() -> None:
    # misspelt words are found by their letters, people by the usual names for them
    assert spans(align("black telephon on desk".split(), [["telephone", "on", "desk"]]), "objects")[0] == (
        "telephone", (1, 2))
    assert spans(align("guy holding a bat".split(), [["person", "hold", "bat"]]), "objects")[0] == ("person", (0, 1))
    # a count no word says is implicit; any other value not written is a problem
    a = align("a man 's hands".split(), [["man", "have", "hands"], ["hands", "is", "2"]])
    assert a.problem is None and a.implicit == [(1, "2")]
    assert align("a red car".split(), [["car", "is", "blue"]]).problem == "attribute 'blue' of 'car' not found"
    # a learned spelling: "wood" is written wooden
    assert spans(align("wood desk".split(), [["desk", "is", "wooden"]], Forms(attributes={"wood": "wooden"})),
                 "attributes") == [("wooden", (0, 1))]


def test_forms_are_learned_where_the_annotation_mostly_writes_them() -> None:
    wood = [align("wood desk".split(), [["desk", "is", "wooden"]], Forms(attributes={"wood": "wooden"}))] * 3
    once = [align("wood floor".split(), [["floor", "is", "wood"]])]
    assert learn_forms(wood + once).attributes == {"wood": "wooden"}  # 3 of 4
    assert learn_forms(wood[:1] + once * 2).attributes == {}  # 1 of 3
