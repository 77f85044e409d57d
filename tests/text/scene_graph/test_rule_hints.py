"""The rules' graph as hints for the learned parser, on a hand-built graph."""

from __future__ import annotations

from text.scene_graph.graph import TextObject, TextRelation, TextSceneGraph
from text.scene_graph.rule_hints import OTHER_PREDICATE, ROLES, link_hints, relation_hints, token_roles


def graph() -> TextSceneGraph:
    # "two red cars parked on the street": cars (2, red) park on street
    return TextSceneGraph(
        tokens="two red cars parked on the street".split(),
        objects=[TextObject("cars", "car", 2, (0, 3), ["red"], "2"), TextObject("street", "street", 6, (6, 7))],
        relations=[TextRelation(0, "park on", 1, (3, 5), "verb")],
    )


def test_token_roles() -> None:
    names = [ROLES[r] for r in token_roles(graph(), 7)]
    assert names == ["object word", "object word", "object head", "relation word", "relation word", "none",
                     "object head"]


def test_pair_hints_follow_the_head_words() -> None:
    mentions = [(2, 3), (5, 7)]  # "cars", "the street": each holds the head of a rules object
    assert relation_hints(graph(), mentions, {"park on": 4}) == [0, 5, 0, 0]
    assert relation_hints(graph(), mentions, {}) == [0, OTHER_PREDICATE, 0, 0]
    assert relation_hints(graph(), [(3, 4), (6, 7)], {"park on": 4}) == [0, 0, 0, 0]  # "parked" is no object
    assert link_hints(graph(), [((1, 2), "red"), ((0, 1), "two"), ((4, 5), "on")], mentions) == [1, 0, 1, 0, 0, 0]
