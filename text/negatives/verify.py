"""Verifying a candidate negative: its graph read where its words changed, and why it failed.

A negative differs from its caption only in the words the edit wrote; the rest of the text is the
caption's, word for word. The parser does not read it so: re-parsed with one adjective added, a
caption often comes back with a relation lost far from the edit ("a man using his laptop while his
yellow cat looks at the screen" reads ``his, wave, laptop``). :func:`settle` therefore takes the
re-parse only where the words changed and the caption's own graph for the rest: the objects whose
words the edit wrote, the objects a name change replaced or the edit added, and the relations whose
predicate the edit wrote or that reach an added object come from the re-parse (and replace what the
caption said of the same two objects); every other object and relation is the caption's, moved to
the negative's token positions. The unchanged words mean what they meant in the caption, so a
different reading of them is the parser's noise, not the negative's.

The generator keeps a negative only when :func:`text.negatives.diff.diff` of the caption's graph
and the negative's settled graph is exactly the declared edit. When it is not, :func:`failure`
names why, for the benchmark's breakdown and for whoever tunes the generator:

- ``unparsed``: the negative could not be parsed;
- ``not read``: the same graph came back (the parser did not read the edit, or read a synonym);
- ``read as <type>``: one clean edit, of another type than declared;
- otherwise the units that changed beyond what the declared type changes, joined by ``+``:
  ``object lost`` / ``object gained`` (an object of one graph has no partner in the other),
  ``object renamed`` (a head noun changed that the type does not change), ``modifiers elsewhere``
  (attributes or counts changed on more objects than the type touches), ``relation lost`` /
  ``relation gained`` (a relation the type does not explain), and ``edit not read`` when the
  words the edit brought in play no part in the negative's graph.

Shapes: graphs as in the ``text_graphs`` artifact (see :mod:`text.negatives.alignment`).
"""

from __future__ import annotations

from collections import Counter
from difflib import SequenceMatcher
from typing import Any

from text.negatives.alignment import Graph, align
from text.negatives.diff import TYPES, diff, related

# per type: how many head nouns it renames, how many objects' modifiers it changes, how many objects it adds
FOOTPRINT = {
    "replace-obj": (1, 0, 0), "replace-att": (0, 1, 0), "add-att": (0, 1, 0), "swap-att": (0, 2, 0),
    "replace-rel": (0, 0, 0), "swap-obj": (2, 2, 0), "add-obj": (0, 0, 1),
}


def settle(a: Graph, b: Graph) -> Graph:
    """The negative's graph ``b`` (its re-parse) where its words differ from the caption's, the
    caption's graph ``a`` elsewhere, in ``b``'s tokens (see the module's doc)."""
    words_a, words_b = [t.lower() for t in a["tokens"]], [t.lower() for t in b["tokens"]]
    moved: dict[int, int] = {}  # caption token -> the same word of the negative
    for m in SequenceMatcher(None, words_a, words_b, autojunk=False).get_matching_blocks():
        moved.update((m.a + k, m.b + k) for k in range(m.size))
    edited_a = {k for k in range(len(words_a)) if k not in moved}  # caption tokens the edit replaced
    wrote = set(range(len(words_b))) - set(moved.values())  # negative tokens the edit wrote
    wrote_b = {words_b[k] for k in wrote}
    edited = {j for j, o in enumerate(b["objects"])  # objects the edit wrote a word of
              if wrote & {o["head"], *range(o["start"], o["end"])}
              or any(w in wrote_b for x in o["attributes"] for w in str(x).lower().split())}
    at_head = {o["head"]: j for j, o in enumerate(b["objects"])}
    partner: dict[int, int | None] = {}  # caption object -> its negative object (None: the re-parse lost it)
    for i, o in enumerate(a["objects"]):
        if o["head"] in moved:  # its name is unchanged
            j = at_head.get(moved[o["head"]])
            partner[i] = j if j is not None and j not in partner.values() else None
    fresh = [j for j in sorted(edited) if j not in partner.values()]
    renamed = [i for i in range(len(a["objects"])) if i not in partner]
    partner.update(zip(renamed, fresh, strict=False))  # a name the edit changed: the new name in its place
    added = set(fresh[len(renamed):])

    objects: list[dict[str, Any]] = []
    index_a: dict[int, int] = {}
    index_b: dict[int, int] = {}
    for i, o in enumerate(a["objects"]):
        if i not in partner:
            continue  # its name was edited away and nothing took its place
        j = partner[i]
        kept = _moved_object(o, moved) if j not in edited else None
        if kept is None and j is None:
            continue
        index_a[i] = len(objects)
        if j is not None:
            index_b[j] = len(objects)
        objects.append(kept if kept is not None else b["objects"][j])
    for j in sorted(added):
        index_b[j] = len(objects)
        objects.append(b["objects"][j])

    # pairs the caption relates: a new verb's reading that joins two others ("people standing around a
    # table in a restaurant" read with "stand in restaurant", where "sitting" was read without "in")
    # is the parser reading unchanged words anew, not the edit
    related_a = {frozenset((index_a[r["subject"]], index_a[r["object"]])) for r in a["relations"]
                 if r["subject"] in index_a and r["object"] in index_a}
    relations: dict[tuple[int, str, int], dict[str, Any]] = {}
    for r in b["relations"]:  # what the edit says of a pair replaces what the caption said of it
        if r["subject"] not in index_b or r["object"] not in index_b:
            continue
        reaches_added = r["subject"] in added or r["object"] in added
        pair = frozenset((index_b[r["subject"]], index_b[r["object"]]))
        if reaches_added or (_predicate_written_at(r, words_b, wrote) and pair in related_a):
            relations.setdefault((index_b[r["subject"]], r["predicate"], index_b[r["object"]]), dict(r))
    restated = {(s, o) for s, _, o in relations}
    for r in a["relations"]:
        if _predicate_written_at(r, words_a, edited_a) or r["subject"] not in index_a or r["object"] not in index_a:
            continue
        pair = (index_a[r["subject"]], index_a[r["object"]])
        if pair not in restated:  # "in the hole" -> "in front of the hole": the "in" was restated
            span = range(r["start"], r["end"])
            whole = span and all(t in moved for t in span)
            start, end = (moved[r["start"]], moved[r["end"] - 1] + 1) if whole else (0, 0)
            relations.setdefault((pair[0], r["predicate"], pair[1]), {**r, "start": start, "end": end})
    order = sorted(range(len(objects)), key=lambda k: objects[k]["head"])
    rank = {k: n for n, k in enumerate(order)}
    return {**b, "objects": [objects[k] for k in order],
            "relations": [{**r, "subject": rank[s], "object": rank[o]} for (s, _, o), r in relations.items()]}


def same_reading(a: Graph | None, b: Graph | None) -> bool:
    """The two graphs say the same objects and relations (settling changed nothing)."""
    if a is None or b is None:
        return a is b

    def said(g: Graph) -> tuple[list[Any], Counter]:
        objects = [(o["lemma"], o["head"], tuple(o["attributes"]), o.get("count")) for o in g["objects"]]
        return objects, Counter((objects[r["subject"]], r["predicate"], objects[r["object"]]) for r in g["relations"])

    return said(a) == said(b)


def _moved_object(o: dict[str, Any], moved: dict[int, int]) -> dict[str, Any] | None:
    """A caption object at its words' places in the negative (None when a word of it is not there)."""
    if o["head"] not in moved or any(t not in moved for t in range(o["start"], o["end"])):
        return None
    start, end = (moved[o["start"]], moved[o["end"] - 1] + 1) if o["end"] > o["start"] else (moved[o["head"]],) * 2
    return {**o, "head": moved[o["head"]], "start": start, "end": end}


def _predicate_written_at(relation: dict[str, Any], tokens: list[str], edited: set[int]) -> bool:
    """A word of the relation's predicate is written at one of the ``edited`` token positions: for
    each predicate word, the last token of the relation's span that writes it (a verb by its first
    three letters: the predicate is its lemma, "ride" of "riding"). "in the background" is not
    the edit of "in a field" -> "next to a field"."""
    for w in relation["predicate"].lower().split():
        at = [k for k in range(relation["start"], min(relation["end"], len(tokens)))
              if tokens[k] == w or (len(w) >= 3 and len(tokens[k]) >= 3 and w[:3] == tokens[k][:3])]
        if at and at[-1] in edited:
            return True
    return False


def failure(a: Graph, b: Graph | None, declared: str, after: str = "") -> str | None:
    """``None`` when ``b`` verifies as ``declared`` against ``a``, else the reason it does not.
    ``after`` is the negative's edited words (to tell whether the parser read them at all)."""
    if b is None:
        return "unparsed"
    found = diff(a, b)["type"]
    if found == declared:
        return None
    if found == "none":
        return "not read"
    if found in TYPES:
        return f"read as {found}"
    renamed_max, modified_max, added_max = FOOTPRINT[declared]
    u = align(a, b).units(None, related)
    reasons = []
    if u.removed:
        reasons.append("object lost")
    if len(u.added) > added_max:
        reasons.append("object gained")
    if len(u.renamed) > renamed_max:
        reasons.append("object renamed")
    if len(set(u.gone) | set(u.came)) > modified_max:
        reasons.append("modifiers elsewhere")
    reasons += _relations(declared, u.relations_gone, u.relations_came, set(u.added))
    if after and not _read(b, after, a):
        reasons.append("edit not read")
    return "+".join(reasons) or "other"


def _relations(declared: str, gone: Counter, came: Counter, added: set[int]) -> list[str]:
    """The relation changes the declared type does not explain."""
    n_gone, n_came = sum(gone.values()), sum(came.values())
    if declared == "replace-rel":
        expected_gone = expected_came = 1
    elif declared == "swap-obj":
        expected_gone = expected_came = max(n_gone, n_came) if n_gone == n_came else min(n_gone, n_came)
    elif declared == "add-obj":
        expected_gone, expected_came = 0, sum(n for (s, _, o), n in came.items() if s in added or o in added)
    else:
        expected_gone = expected_came = 0
    out = []
    if n_gone > expected_gone or (declared == "replace-rel" and n_gone < n_came):
        out.append("relation lost")
    if n_came > expected_came or (declared == "replace-rel" and n_came < n_gone):
        out.append("relation gained")
    return out


def _read(b: Graph, after: str, a: Graph) -> bool:
    """Some word of ``after`` the caption did not have is part of the negative's graph."""
    old = {t.lower() for t in a.get("tokens", ())}
    new = {w.lower().strip(".,") for w in after.split()} - old
    if not new:
        return True
    tokens = [t.lower() for t in b.get("tokens", ())]
    used: set[int] = set()
    for o in b["objects"]:
        used.update(range(o["start"], o["end"]))
        used.add(o["head"])
    for r in b["relations"]:
        used.update(range(r["start"], r["end"]))
    said: set[str] = {w for o in b["objects"] for x in (*o["attributes"], o["lemma"]) for w in str(x).split()}
    return any(t in new for k, t in enumerate(tokens) if k in used) or bool(new & said)


def breakdown(items: list[tuple[Graph, dict[str, Any]]]) -> dict[str, dict[str, int]]:
    """Per declared type, how many failed for each reason: ``items`` are (caption graph, negative
    row of the ``negatives`` artifact) pairs, verified or not."""
    out: dict[str, dict[str, int]] = {}
    for a, neg in items:
        if neg["verified"]:
            continue
        parsed = neg["tokens"] or neg["objects"]
        b = {"tokens": neg["tokens"], "objects": neg["objects"], "relations": neg["relations"]} if parsed else None
        reason = failure(a, b, neg["type"], neg["after"]) or "verified on re-check"
        by = out.setdefault(neg["type"], {})
        by[reason] = by.get(reason, 0) + 1
    return {t: dict(sorted(v.items(), key=lambda kv: -kv[1])) for t, v in out.items()}
