"""The typed difference between two text scene graphs: what ``sgmatch diff`` prints and what
the negative generator verifies its output with.

Both graphs are read as object instances in caption order (lemma, and attributes with the
count) and relations between instance indexes. Instances are aligned by order, so "a
triangle left of a triangle" can change one triangle and not the other. Two graphs differ
by one typed edit when:

- ``replace-obj``: one instance's name changed, nothing else;
- ``swap-obj``: two instances exchanged names ("a dog chasing a cat" / "a cat chasing a
  dog"), or one relation was turned around;
- ``replace-att`` / ``add-att``: one instance's attribute was replaced / one was added;
- ``swap-att``: two instances exchanged one attribute each;
- ``replace-rel``: one relation's predicate changed, between the same two instances;
- ``add-obj``: B has one instance more, and everything new involves it.

Otherwise the type is ``none`` (the same graph) or ``other``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

TYPES = ("replace-obj", "replace-att", "replace-rel", "swap-att", "swap-obj", "add-obj", "add-att")


@dataclass(frozen=True)
class Instances:
    lemmas: tuple[str, ...]
    attributes: tuple[Counter, ...]
    relations: Counter  # (subject index, predicate, object index)

    @classmethod
    def of(cls, graph: dict[str, Any]) -> Instances:
        """From a graph as plain data (``TextSceneGraph.to_dict()`` or a ``text_graphs`` row)."""
        objects = graph["objects"]
        attrs = tuple(Counter(list(o["attributes"]) + ([o["count"]] if o.get("count") else [])) for o in objects)
        rels = Counter((r["subject"], r["predicate"], r["object"]) for r in graph["relations"])
        return cls(tuple(o["lemma"] for o in objects), attrs, rels)

    def without(self, k: int) -> Instances:
        """These instances less instance ``k`` and its relations, re-indexed."""
        def idx(i: int) -> int:
            return i - (i > k)

        rels = Counter({(idx(s), p, idx(o)): n for (s, p, o), n in self.relations.items() if k not in (s, o)})
        return Instances(self.lemmas[:k] + self.lemmas[k + 1:], self.attributes[:k] + self.attributes[k + 1:], rels)


def _one(c: Counter) -> Any:
    return next(iter(c)) if sum(c.values()) == 1 else None


def _typed(kind: str, unit: str, before: Any, after: Any) -> dict[str, Any]:
    op = "add" if kind.startswith("add") else "swap" if kind.startswith("swap") else "replace"
    return {"type": kind, "edits": [{"op": op, "unit": unit, "before": before, "after": after}]}


def _same_length(A: Instances, B: Instances) -> dict[str, Any] | None:
    names = [k for k in range(len(A.lemmas)) if A.lemmas[k] != B.lemmas[k]]
    attrs = [k for k in range(len(A.lemmas)) if A.attributes[k] != B.attributes[k]]
    rem_r, add_r = A.relations - B.relations, B.relations - A.relations
    if not names and not attrs and not rem_r and not add_r:
        return {"type": "none", "edits": []}
    if len(names) == 1 and not attrs and not rem_r and not add_r:
        k = names[0]
        return _typed("replace-obj", "object", A.lemmas[k], B.lemmas[k])
    if len(names) == 2 and not attrs and not rem_r and not add_r:
        k1, k2 = names
        if A.lemmas[k1] == B.lemmas[k2] and A.lemmas[k2] == B.lemmas[k1]:
            return _typed("swap-obj", "object", [A.lemmas[k1], A.lemmas[k2]], [B.lemmas[k1], B.lemmas[k2]])
    if not names and not attrs:
        old, new = _one(rem_r), _one(add_r)
        if old and new and (old[0], old[2]) == (new[0], new[2]):
            return _typed("replace-rel", "relation", [A.lemmas[old[0]], old[1], A.lemmas[old[2]]],
                          [B.lemmas[new[0]], new[1], B.lemmas[new[2]]])
        if old and new and (old[0], old[1], old[2]) == (new[2], new[1], new[0]):
            return _typed("swap-obj", "relation", [A.lemmas[old[0]], old[1], A.lemmas[old[2]]],
                          [B.lemmas[new[0]], new[1], B.lemmas[new[2]]])
    if not names and not rem_r and not add_r:
        if len(attrs) == 1:
            k = attrs[0]
            gone, came = A.attributes[k] - B.attributes[k], B.attributes[k] - A.attributes[k]
            if not gone and _one(came):
                return _typed("add-att", "attribute", None, [A.lemmas[k], _one(came)])
            if _one(gone) and _one(came):
                return _typed("replace-att", "attribute", [A.lemmas[k], _one(gone)], [B.lemmas[k], _one(came)])
        if len(attrs) == 2:
            k1, k2 = attrs
            g1, c1 = A.attributes[k1] - B.attributes[k1], B.attributes[k1] - A.attributes[k1]
            g2, c2 = A.attributes[k2] - B.attributes[k2], B.attributes[k2] - A.attributes[k2]
            if _one(g1) and _one(c1) and g1 == c2 and g2 == c1:
                return _typed("swap-att", "attribute", [[A.lemmas[k1], _one(g1)], [A.lemmas[k2], _one(g2)]],
                              [[B.lemmas[k1], _one(c1)], [B.lemmas[k2], _one(c2)]])
    return None


def diff(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """``{"type": ..., "edits": [...]}`` between graphs ``a`` and ``b``."""
    A, B = Instances.of(a), Instances.of(b)
    if len(A.lemmas) == len(B.lemmas):
        typed = _same_length(A, B)
        if typed is not None:
            return typed
    elif len(B.lemmas) == len(A.lemmas) + 1:
        for k in range(len(B.lemmas)):
            if B.without(k) == A:
                return _typed("add-obj", "object", None, B.lemmas[k])
    return {"type": "other", "edits": _summary(A, B)}


def _summary(A: Instances, B: Instances) -> list[dict[str, Any]]:
    """What differs, as removed and added units (for a pair that is no single edit)."""
    def units(x: Instances) -> Counter:
        c: Counter = Counter(x.lemmas)
        for name, attrs in zip(x.lemmas, x.attributes, strict=True):
            c.update(f"{a} {name}" for a in attrs)
        c.update(f"{x.lemmas[s]} {p} {x.lemmas[o]}" for (s, p, o) in x.relations.elements())
        return c

    ua, ub = units(A), units(B)
    out = []
    if ua - ub:
        out.append({"op": "remove", "unit": "any", "before": sorted((ua - ub).elements())})
    if ub - ua:
        out.append({"op": "add", "unit": "any", "after": sorted((ub - ua).elements())})
    return out
