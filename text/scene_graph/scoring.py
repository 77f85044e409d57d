"""Scoring facts against annotated scene graphs, as FACTUAL's evaluation does.

Both sides are normalised the same way: lower-cased, articles dropped, each element
lemmatised ("sitting on" -> "sit on", "dogs" -> "dog"). A caption's facts form a set; scores
are micro precision, recall and F1 over all facts, split into attribute facts (predicate
``is``, counts included), relation facts and lone objects, plus the share of captions whose
whole set matches ("set match").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

ARTICLES = {"a", "an", "the"}
_FACT = re.compile(r"\(([^()]*)\)")

Fact = tuple[str, ...]


def parse_factual(graph: str) -> list[list[str]]:
    """FACTUAL's ``( man , hold , cup ) , ( cup , is , red )`` as a list of facts."""
    return [[e.strip() for e in body.split(" , ")] for body in _FACT.findall(graph)]


def factual_segments(graph: str) -> set[str]:
    """FACTUAL's set-match view of a graph string: its facts as strings, spacing normalised.

    As FACTUAL's own evaluation does it: spaces put around brackets and commas and collapsed,
    the string split into facts at ``) , (``, brackets stripped, duplicates dropped. No
    lower-casing, no lemmas, no synonyms.
    """
    spaced = " ".join(graph.replace("(", " ( ").replace(")", " ) ").replace(",", " , ").split())
    return {seg.replace("(", "").replace(")", "").strip() for seg in spaced.split(") , (")}


def graph_string(facts: Iterable[Sequence[str]]) -> str:
    """Facts written the way FACTUAL writes a graph: ``( man , hold , cup ) , ( cup , is , red )``."""
    return " , ".join("( " + " , ".join(f) + " )" for f in facts)


def set_match(pred: Iterable[Sequence[str]], gold: str) -> bool:
    """FACTUAL's set match of predicted facts against an annotated graph string."""
    return factual_segments(graph_string(pred)) == factual_segments(gold)


def error_kinds(predicted: Iterable[Sequence[str]], gold: str) -> set[str]:
    """The kinds of error that keep predicted facts from FACTUAL's set match with ``gold`` (none
    when they match), on FACTUAL's exact strings:

    - ``object name``: the two sides name different objects (a span or label differs);
    - ``count ...``, ``attribute ...``: a count or attribute fact of an object both sides name is
      ``missing``, ``extra``, or ``wrong`` (both at once);
    - ``predicate wrong``: a relation between the right objects with another predicate;
    - ``relation direction``: a relation the other way round; ``relation missing`` / ``extra``:
      the rest, between objects both sides name;
    - ``lone objects``: the bare objects of a caption with no fact differ; ``other``: none of these.
    """
    pred = {tuple(e.strip() for e in seg.split(" , ")) for seg in factual_segments(graph_string(predicted))}
    true = {tuple(e.strip() for e in seg.split(" , ")) for seg in factual_segments(gold)}
    if pred == true:
        return set()

    def names(facts: set[tuple[str, ...]]) -> set[str]:
        return {f[0] for f in facts} | {f[2] for f in facts if len(f) == 3 and f[1] != "is"}

    pred_names, true_names = names(pred), names(true)
    kinds = {"object name"} if pred_names != true_names else set()
    missing, extra = true - pred, pred - true
    for kind, wanted in (("count", True), ("attribute", False)):
        m = [f for f in missing if len(f) == 3 and f[1] == "is" and f[2].isdigit() == wanted and f[0] in pred_names]
        e = [f for f in extra if len(f) == 3 and f[1] == "is" and f[2].isdigit() == wanted and f[0] in true_names]
        if m or e:
            kinds.add(f"{kind} {'wrong' if m and e else 'missing' if m else 'extra'}")
    lost = [f for f in missing if len(f) == 3 and f[1] != "is" and {f[0], f[2]} <= pred_names]
    made = [f for f in extra if len(f) == 3 and f[1] != "is" and {f[0], f[2]} <= true_names]
    for f in list(lost):
        for g, kind in [(g, "predicate wrong") for g in made if (g[0], g[2]) == (f[0], f[2])] + [
                (g, "relation direction") for g in made if (g[0], g[2]) == (f[2], f[0])]:
            kinds.add(kind)
            lost.remove(f)
            made.remove(g)
            break
    kinds |= {"relation missing"} if lost else set()
    kinds |= {"relation extra"} if made else set()
    kinds |= {"lone objects"} if any(len(f) == 1 for f in missing | extra) else set()
    return kinds or {"other"}


def fact_kind(fact: Sequence[str]) -> str:
    if len(fact) == 1:
        return "object"
    return "attribute" if fact[1] == "is" else "relation"


class Normalizer:
    """Scoring forms of fact elements, from a batch lemmatiser (strings -> lemmatised strings),
    each distinct element lemmatised once. Calling it normalises a set of facts."""

    def __init__(self, lemmatize: Callable[[list[str]], list[str]]) -> None:
        self.lemmatize = lemmatize
        self.cache: dict[str, str] = {}

    @staticmethod
    def _words(text: str) -> str:
        return " ".join(w for w in text.lower().split() if w not in ARTICLES)

    def _lemmas(self, texts: Iterable[str]) -> None:
        todo = sorted({t for t in texts if t not in self.cache})
        if todo:
            self.cache.update(zip(todo, self.lemmatize(todo), strict=True))

    def element(self, text: str) -> str:
        """One element's scoring form; "is" stays "is" (a lemmatiser would make it "be")."""
        words = self._words(text)
        if words == "is":
            return "is"
        self._lemmas([words])
        return self.cache[words]

    def __call__(self, facts: Iterable[Sequence[str]]) -> set[Fact]:
        facts = [tuple(self._words(e) for e in f) for f in facts]
        self._lemmas(e for f in facts for e in f)
        # the attribute predicate stays "is" (a lemmatiser would make it "be")
        return {tuple("is" if k == 1 and e == "is" else self.cache[e] for k, e in enumerate(f)) for f in facts}


def normalizer(lemmatize: Callable[[list[str]], list[str]]) -> Normalizer:
    """Turn a batch lemmatiser into a fact-set normaliser (see :class:`Normalizer`)."""
    return Normalizer(lemmatize)


@dataclass
class Counts:
    tp: int = 0
    n_pred: int = 0
    n_gold: int = 0

    def add(self, pred: set[Fact], gold: set[Fact]) -> None:
        self.tp += len(pred & gold)
        self.n_pred += len(pred)
        self.n_gold += len(gold)

    def as_dict(self) -> dict[str, float]:
        p = self.tp / self.n_pred if self.n_pred else 0.0
        r = self.tp / self.n_gold if self.n_gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                "predicted": self.n_pred, "gold": self.n_gold}


def score(pred: Sequence[set[Fact]], gold: Sequence[set[Fact]]) -> dict[str, object]:
    """Micro P/R/F1 overall and by kind, and set match, over normalised fact sets."""
    total = Counts()
    kinds = {k: Counts() for k in ("attribute", "relation", "object")}
    matches = 0
    for p, g in zip(pred, gold, strict=True):
        total.add(p, g)
        for k, c in kinds.items():
            c.add({f for f in p if fact_kind(f) == k}, {f for f in g if fact_kind(f) == k})
        matches += p == g
    return {"captions": len(gold), **total.as_dict(),
            "set_match": round(matches / len(gold), 4) if gold else 0.0,
            **{k: c.as_dict() for k, c in kinds.items()}}
