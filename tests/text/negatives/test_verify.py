"""Why a candidate failed verification: the side effects of a re-parse are named, not lumped as "other"."""

from __future__ import annotations

from text.negatives.verify import breakdown, failure


def graph(tokens: str, objects: list[tuple[str, int, list[str]]], relations: list[tuple[int, str, int, int, int]]) -> dict:
    """A hand-built graph: objects as (lemma, head token, attributes), relations as (subject,
    predicate, object, start, end) token spans."""
    words = tokens.split()
    offsets, at = [], 0
    for w in words:
        offsets.append(at)
        at += len(w) + 1
    return {"tokens": words, "offsets": offsets,
            "objects": [{"name": lemma, "lemma": lemma, "head": h, "start": h - len(attrs), "end": h + 1,
                         "attributes": attrs, "count": None} for lemma, h, attrs in objects],
            "relations": [{"subject": s, "predicate": p, "object": o, "start": a, "end": b, "via": "preposition"}
                          for s, p, o, a, b in relations]}


CAPTION = graph("a red dog near a cat", [("dog", 2, ["red"]), ("cat", 5, [])], [(0, "near", 1, 3, 4)])


def test_a_clean_edit_of_the_declared_type_is_no_failure() -> None:
    negative = graph("a blue dog near a cat", [("dog", 2, ["blue"]), ("cat", 5, [])], [(0, "near", 1, 3, 4)])
    assert failure(CAPTION, negative, "replace-att", "blue") is None


def test_the_side_effects_of_the_re_parse_are_named() -> None:
    lost = graph("a blue dog near a cat", [("dog", 2, ["blue"]), ("cat", 5, [])], [])
    assert failure(CAPTION, lost, "replace-att", "blue") == "relation lost"
    spread = graph("a blue dog near a cat", [("dog", 2, ["blue"]), ("cat", 5, ["blue"])], [(0, "near", 1, 3, 4)])
    assert failure(CAPTION, spread, "replace-att", "blue") == "modifiers elsewhere"
    assert failure(CAPTION, CAPTION, "replace-att", "blue") == "not read"
    assert failure(CAPTION, None, "replace-att") == "unparsed"
    added = graph("a red dog near a cat", [("dog", 2, ["red", "small"]), ("cat", 5, [])], [(0, "near", 1, 3, 4)])
    assert failure(CAPTION, added, "replace-att", "small") == "read as add-att"


def test_breakdown_counts_the_reasons_of_the_failed_candidates_by_type() -> None:
    lost = graph("a blue dog near a cat", [("dog", 2, ["blue"]), ("cat", 5, [])], [])
    ok = graph("a blue dog near a cat", [("dog", 2, ["blue"]), ("cat", 5, [])], [(0, "near", 1, 3, 4)])
    rows = [{"type": "replace-att", "after": "blue", "verified": False, **lost},
            {"type": "replace-att", "after": "blue", "verified": True, **ok}]
    assert breakdown([(CAPTION, r) for r in rows]) == {"replace-att": {"relation lost": 1}}
