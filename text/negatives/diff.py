"""The typed difference between two text scene graphs: the generator's verifier and the audit view
of ``sgmatch diff``.

Both views read one :func:`~text.negatives.alignment.align` of the two graphs.

:func:`diff` is the strict verifier: the pair differs by exactly one unit of one declared type,
and nothing else, or it is ``other`` (``none`` for the same graph):

- ``replace-obj``: one object's head noun changed (with the compound words of its name: "a teddy
  bear" / "a cat");
- ``swap-obj``: two objects traded places: their names exchanged with everything else in place
  ("a dog chasing a cat" / "a cat chasing a dog"), or their roles in the relations exchanged
  with their attributes travelling along;
- ``replace-att`` / ``add-att``: one object's modifier (attribute, count or compound word) was
  replaced / one was added;
- ``swap-att``: two objects exchanged one modifier each;
- ``replace-rel``: one relation's predicate changed, between the same two objects;
- ``add-obj``: B has one object more, and everything new involves it.

A head noun replaced by a synonym or a hypernym ("man" / "guy") is no change.

:func:`explain` is the audit view: every edit, the strict type, and the *dominant* type: the one
that explains the change with the fewest units (see :mod:`text.negatives.dominant`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from text.negatives.alignment import Alignment, Graph, Units, WordTags, align, exchanges
from text.negatives.dominant import dominant
from text.negatives.lexical import embed, relation

TYPES = ("replace-obj", "replace-att", "replace-rel", "swap-att", "swap-obj", "add-obj", "add-att")


def related(a: str, b: str) -> bool:
    """Two words that are no change of meaning (the same, synonyms, one the other's hypernym,
    co-referent or near in embedding space): the test the generator refuses replacements with
    (:func:`text.negatives.lexical.relation`). The one place the diff asks it."""
    return relation(a, b) is not None


def embed_words(graphs: Iterable[Graph]) -> None:
    """Embed, in one batch, every object name of these graphs and its head word (what
    :func:`related` compares), so that diffing many graphs costs a few batched forward passes of
    the model rather than one for each new pair of words."""
    names = {o["lemma"].lower().strip() for g in graphs for o in g["objects"]}
    embed([w for n in names for w in {n, n.rsplit(" ", 1)[-1]} if any(c.isalpha() for c in w)])


def _typed(kind: str, unit: str, before: Any, after: Any) -> dict[str, Any]:
    op = "add" if kind.startswith("add") else "swap" if kind.startswith("swap") else "replace"
    return {"type": kind, "edits": [{"op": op, "unit": unit, "before": before, "after": after}]}


def _one(c: Counter) -> Any:
    return next(iter(c)) if sum(c.values()) == 1 else None


def _modifier(m: str) -> str:
    return m[1:] if m.startswith("#") else m


def _strict(al: Alignment, u: Units) -> dict[str, Any] | None:
    ta, tb = al.things_a, al.things_b
    objects_changed = bool(u.renamed or u.removed or u.added)
    modifiers_changed = bool(u.gone or u.came)
    relations_changed = bool(u.relations_gone or u.relations_came)
    if not objects_changed and not modifiers_changed and not relations_changed:
        return {"type": "none", "edits": []}
    if not u.removed and not u.added and not relations_changed and len(u.renamed) == 1:
        (i, j), = u.renamed
        if _name_words_only(u, i, ta[i].lemma, tb[j].lemma):  # "a teddy bear" / "a cat": one name for another
            return _typed("replace-obj", "object", ta[i].lemma, tb[j].lemma)
    if not u.removed and not u.added and not modifiers_changed and not relations_changed and len(u.renamed) == 2:
        (i1, j1), (i2, j2) = u.renamed
        if ta[i1].head == tb[j2].head and ta[i2].head == tb[j1].head:
            return _typed("swap-obj", "object", [ta[i1].lemma, ta[i2].lemma], [tb[j1].lemma, tb[j2].lemma])
    if objects_changed and not (u.added and not u.removed and not u.renamed):
        return None
    if not objects_changed and not relations_changed:
        changed = sorted(set(u.gone) | set(u.came))
        if len(changed) == 1:
            k = changed[0]
            gone, came = u.gone.get(k, Counter()), u.came.get(k, Counter())
            if not gone and _one(came):
                return _typed("add-att", "attribute", None, [ta[k].lemma, _modifier(_one(came))])
            if _one(gone) and _one(came):
                return _typed("replace-att", "attribute", [ta[k].lemma, _modifier(_one(gone))],
                              [ta[k].lemma, _modifier(_one(came))])
        if len(changed) == 2:
            k1, k2 = changed
            g1, c1 = u.gone.get(k1, Counter()), u.came.get(k1, Counter())
            g2, c2 = u.gone.get(k2, Counter()), u.came.get(k2, Counter())
            if _one(g1) and _one(c1) and g1 == c2 and g2 == c1:
                return _typed("swap-att", "attribute",
                              [[ta[k1].lemma, _modifier(_one(g1))], [ta[k2].lemma, _modifier(_one(g2))]],
                              [[ta[k1].lemma, _modifier(_one(c1))], [ta[k2].lemma, _modifier(_one(c2))]])
        return None
    if not objects_changed and not modifiers_changed:
        old, new = _one(u.relations_gone), _one(u.relations_came)
        if old and new and (old[0], old[2]) == (new[0], new[2]):
            return _typed("replace-rel", "relation", _fact(tb, old), _fact(tb, new))
        shared = _one_predicate_changed(u.relations_gone, u.relations_came)
        if shared is not None:  # "a bus and a car on / next to a street": one word, a relation each
            return _typed("replace-rel", "relation", _fact(tb, shared[0]), _fact(tb, shared[1]))
        exchanged = _exchanged(u.relations_gone, u.relations_came)
        if exchanged is not None:
            return _typed("swap-obj", "relation", sorted(_fact(tb, r) for r in u.relations_gone.elements()),
                          sorted(_fact(tb, r) for r in u.relations_came.elements()))
        return None
    if len(u.added) == 1 and not modifiers_changed and not u.relations_gone:
        new = u.added[0]
        if all(new in (s, o) for s, _, o in u.relations_came):
            return _typed("add-obj", "object", None, tb[new].lemma)
    return None


def _name_words_only(u: Units, i: int, name_a: str, name_b: str) -> bool:
    """The only modifiers that changed are the compound words of A's object ``i`` and of its new
    name (``name_a``, ``name_b``), which go with the head noun they name."""
    if (set(u.gone) | set(u.came)) - {i}:
        return False
    return (not u.gone.get(i, Counter()) - Counter(name_a.split()[:-1])
            and not u.came.get(i, Counter()) - Counter(name_b.split()[:-1]))


def _fact(tb: list, rel: tuple) -> list[str]:
    s, p, o = rel
    return [tb[s].lemma, p, tb[o].lemma]


def _one_predicate_changed(gone: Counter, came: Counter) -> tuple[tuple, tuple] | None:
    """The first (lost, come) pair when the relations lost and those that came are the same
    pairs of objects with one predicate changed to one other, each pair once: a preposition
    shared by a coordination ("a bus and a car on a street") says a relation of each."""
    if sum(gone.values()) < 2 or any(n > 1 for n in (*gone.values(), *came.values())):
        return None
    olds, news = {p for _, p, _ in gone}, {p for _, p, _ in came}
    pairs_gone, pairs_came = sorted((s, o) for s, _, o in gone), sorted((s, o) for s, _, o in came)
    if len(olds) != 1 or len(news) != 1 or pairs_gone != pairs_came:  # one predicate: each pair once
        return None
    (old,), (new,) = olds, news
    s, o = pairs_gone[0]
    return (s, old, o), (s, new, o)


def _exchanged(gone: Counter, came: Counter) -> tuple[int, int] | None:
    """Two objects whose roles, exchanged in the relations that were lost, give those that came."""
    if not gone or sum(gone.values()) != sum(came.values()):
        return None
    ends = sorted({x for s, _, o in gone for x in (s, o)} | {x for s, _, o in came for x in (s, o)}, key=str)
    for i, x in enumerate(ends):
        for y in ends[i + 1:]:
            def swap(k: Any, x: Any = x, y: Any = y) -> Any:
                return y if k == x else x if k == y else k

            if Counter({(swap(s), p, swap(o)): n for (s, p, o), n in gone.items()}) == came:
                return x, y
    return None


def diff(a: Graph, b: Graph) -> dict[str, Any]:
    """``{"type": ..., "edits": [...]}``: the one declared edit between graphs ``a`` and ``b``,
    ``none`` or ``other`` (the strict view: what the generator verifies a negative with)."""
    al = align(a, b)
    typed = _strict(al, al.units(al.pairs, related))
    if typed is not None:
        return typed
    for pairs in exchanges(al):  # two names exchanged, everything else in place
        u = al.units(pairs, related)
        if len(u.renamed) == 2 and u.count() == 2:
            typed = _strict(al, u)
            if typed is not None:
                return typed
    return {"type": "other", "edits": _summary(al)}


def _summary(al: Alignment) -> list[dict[str, Any]]:
    """What differs, as removed and added units (for a pair that is no single edit)."""
    def units(graph: Graph) -> Counter:
        c: Counter = Counter(o["lemma"] for o in graph["objects"])
        for o in graph["objects"]:
            c.update(f"{x} {o['lemma']}" for x in o["attributes"])
            if o.get("count"):
                c[f"{o['count']} {o['lemma']}"] += 1
        objs = graph["objects"]
        c.update(f"{objs[r['subject']]['lemma']} {r['predicate']} {objs[r['object']]['lemma']}"
                 for r in graph["relations"])
        return c

    ua, ub = units(al.a), units(al.b)
    out = []
    if ua - ub:
        out.append({"op": "remove", "unit": "any", "before": sorted((ua - ub).elements())})
    if ub - ua:
        out.append({"op": "add", "unit": "any", "after": sorted((ub - ua).elements())})
    return out


def explain(a: Graph, b: Graph, tags_a: WordTags | None = None, tags_b: WordTags | None = None) -> dict[str, Any]:
    """The audit view: ``{"dominant", "strict", "confidence", "edits"}``. ``tags_a``/``tags_b``
    (parts of speech and lemmas of each graph's tokens, e.g. from
    :class:`~text.word_tags.WordTagger`) sharpen the word evidence; the strict type is
    always :func:`diff`'s, from the graphs alone."""
    al = align(a, b, tags_a, tags_b)
    strict = diff(a, b)
    found = dominant(al, related)
    return {"dominant": found.type, "strict": strict["type"], "confidence": round(found.confidence, 3),
            "edits": found.edits}
