"""Verification: the re-parse is read where the edit wrote words, and why a candidate failed is named."""

from __future__ import annotations

from text.negatives.diff import diff
from text.negatives.verify import breakdown, failure, same_reading, settle


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


def test_what_the_re_parse_changed_away_from_the_edit_is_the_captions() -> None:
    """The words outside the edit are the caption's: a relation, an object or an attribute the
    re-parse lost or changed there is parser noise, and the caption's reading stands."""
    caption = graph("a red dog near a cat on a mat", [("dog", 2, ["red"]), ("cat", 5, []), ("mat", 8, [])],
                    [(0, "near", 1, 3, 4), (1, "on", 2, 6, 7)])
    noisy = graph("a blue dog near a cat on a mat", [("dog", 2, ["blue"]), ("cat", 5, ["mat"])],
                  [(0, "sit on", 1, 3, 4)])
    assert diff(caption, noisy)["type"] != "replace-att"
    settled = settle(caption, noisy)
    assert diff(caption, settled)["type"] == "replace-att"
    assert {o["lemma"]: o["attributes"] for o in settled["objects"]} == {"dog": ["blue"], "cat": [], "mat": []}
    assert settled["tokens"] == noisy["tokens"] and not same_reading(settled, noisy)
    assert same_reading(settle(caption, caption), caption)


def test_what_the_edit_wrote_is_read_from_the_re_parse() -> None:
    """A new predicate, a new name, an added object and its relation come from the re-parse; when
    the re-parse does not read the edit, the settled graph does not either."""
    moved = graph("a red dog under a cat", [("dog", 2, ["red"]), ("cat", 5, [])], [(0, "under", 1, 3, 4)])
    assert diff(CAPTION, settle(CAPTION, moved))["type"] == "replace-rel"
    unread = graph("a red dog under a cat", [("dog", 2, ["red"]), ("cat", 5, [])], [])
    assert diff(CAPTION, settle(CAPTION, unread))["type"] != "replace-rel"
    renamed = graph("a red fox near a cat", [("fox", 2, ["red"]), ("cat", 5, [])], [])
    settled = settle(CAPTION, renamed)
    assert diff(CAPTION, settled)["type"] == "replace-obj"
    (rel,) = settled["relations"]  # the caption's relation, now of the fox
    assert settled["objects"][rel["subject"]]["lemma"] == "fox" and rel["predicate"] == "near"
    added = graph("a red dog with a ball near a cat", [("dog", 2, ["red"]), ("ball", 5, []), ("cat", 8, [])],
                  [(0, "with", 1, 3, 4), (1, "near", 2, 6, 7)])
    settled = settle(CAPTION, added)
    assert diff(CAPTION, settled)["type"] == "add-obj"
    said = {(settled["objects"][r["subject"]]["lemma"], r["predicate"], settled["objects"][r["object"]]["lemma"])
            for r in settled["relations"]}
    # the added ball's relations are the re-parse's; the dog is still near the cat, as the caption says
    assert said == {("dog", "with", "ball"), ("ball", "near", "cat"), ("dog", "near", "cat")}
    further = graph("a red dog near to a cat", [("dog", 2, ["red"]), ("cat", 6, [])], [(0, "near to", 1, 3, 5)])
    assert diff(CAPTION, settle(CAPTION, further))["type"] == "replace-rel"  # "near" restated as "near to"


def test_a_word_the_edit_replaced_is_replaced_only_where_it_was_written() -> None:
    """"in a park" -> "near a park" edits that "in", not the one of "in the rain"."""
    caption = graph("a dog in a park in the rain", [("dog", 1, []), ("park", 4, []), ("rain", 7, [])],
                    [(0, "in", 1, 2, 3), (0, "in", 2, 5, 6)])
    moved = graph("a dog near a park in the rain", [("dog", 1, []), ("park", 4, []), ("rain", 7, [])],
                  [(0, "near", 1, 2, 3)])
    assert diff(caption, settle(caption, moved))["type"] == "replace-rel"


def test_a_new_verb_read_with_a_pair_the_caption_does_not_relate_is_the_parsers_noise() -> None:
    """"people sitting around a table in a restaurant" read without "in the restaurant"; "standing
    around" read with it: the phrase's words are the caption's, so the caption's reading holds."""
    caption = graph("people sitting around a table in a restaurant",
                    [("people", 0, []), ("table", 4, []), ("restaurant", 7, [])], [(0, "sit around", 1, 1, 3)])
    negative = graph("people standing around a table in a restaurant",
                     [("people", 0, []), ("table", 4, []), ("restaurant", 7, [])],
                     [(0, "stand around", 1, 1, 3), (0, "stand in", 2, 1, 6)])
    settled = settle(caption, negative)
    assert diff(caption, settled)["type"] == "replace-rel"
    assert failure(caption, settled, "replace-rel", "standing") is None
