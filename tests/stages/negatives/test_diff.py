"""The typed diff on hand-built graphs: each type, none, and other."""

from __future__ import annotations

import pytest

from stages.negatives.diff import diff


def g(objects: list, relations: list = ()) -> dict:
    """objects: (lemma, [attributes]) in caption order; relations: (subject, predicate, object) indexes."""
    return {"objects": [{"lemma": lem, "attributes": list(attrs), "count": None} for lem, attrs in objects],
            "relations": [{"subject": s, "predicate": p, "object": o} for s, p, o in relations]}


BASE = g([("circle", ["red"]), ("square", ["blue"])], [(0, "left of", 1)])

CASES = [
    ("none", g([("circle", ["red"]), ("square", ["blue"])], [(0, "left of", 1)])),
    ("replace-obj", g([("star", ["red"]), ("square", ["blue"])], [(0, "left of", 1)])),
    ("replace-att", g([("circle", ["green"]), ("square", ["blue"])], [(0, "left of", 1)])),
    ("replace-rel", g([("circle", ["red"]), ("square", ["blue"])], [(0, "above", 1)])),
    ("swap-att", g([("circle", ["blue"]), ("square", ["red"])], [(0, "left of", 1)])),
    ("swap-obj", g([("square", ["red"]), ("circle", ["blue"])], [(0, "left of", 1)])),
    ("swap-obj", g([("circle", ["red"]), ("square", ["blue"])], [(1, "left of", 0)])),
    ("add-att", g([("circle", ["red", "small"]), ("square", ["blue"])], [(0, "left of", 1)])),
    ("add-obj", g([("circle", ["red"]), ("square", ["blue"]), ("star", [])], [(0, "left of", 1), (1, "next to", 2)])),
    ("other", g([("circle", ["green"]), ("square", ["blue"])], [(0, "above", 1)])),
    ("other", g([("circle", ["red"])])),
]


@pytest.mark.parametrize(("expected", "other"), CASES, ids=[f"{i}:{c[0]}" for i, c in enumerate(CASES)])
def test_types(expected: str, other: dict) -> None:
    result = diff(BASE, other)
    assert result["type"] == expected
    assert bool(result["edits"]) == (expected != "none")


def test_instances_are_aligned_so_one_of_two_equal_objects_can_change() -> None:
    a = g([("triangle", ["red"]), ("triangle", ["red"])], [(0, "left of", 1)])
    b = g([("triangle", ["red"]), ("circle", ["red"])], [(0, "left of", 1)])
    assert diff(a, b) == {"type": "replace-obj", "edits": [
        {"op": "replace", "unit": "object", "before": "triangle", "after": "circle"}]}


def test_add_obj_needs_everything_new_to_involve_the_new_object() -> None:
    more = g([("circle", ["red"]), ("square", ["green"]), ("star", [])], [(0, "left of", 1)])
    assert diff(BASE, more)["type"] == "other"
