"""Why a candidate negative failed verification: what the re-parse changed besides the declared edit.

The generator keeps a negative only when :func:`text.negatives.diff.diff` of the caption's graph
and the negative's re-parsed graph is exactly the declared edit. When it is not, :func:`failure`
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
from typing import Any

from text.negatives.alignment import Graph, align
from text.negatives.diff import TYPES, diff, related

# per type: how many head nouns it renames, how many objects' modifiers it changes, how many objects it adds
FOOTPRINT = {
    "replace-obj": (1, 0, 0), "replace-att": (0, 1, 0), "add-att": (0, 1, 0), "swap-att": (0, 2, 0),
    "replace-rel": (0, 0, 0), "swap-obj": (2, 2, 0), "add-obj": (0, 0, 1),
}


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
