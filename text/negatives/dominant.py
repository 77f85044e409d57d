"""The dominant edit between two captions: the type that explains their change with the fewest units.

People's edits rarely change exactly one fact: "Two adult bears" / "A flock of ducks" replaces
an object and, with it, its count and attribute; a typo is fixed on the way. This view reads
one :class:`~text.negatives.alignment.Alignment` of the two graphs and their words:

1. **A swap** when the content words that changed are mostly the same words in other places.
   It is ``swap-att`` when modifiers left one kept object for another ("two girls pet a goat"
   / "a girl pets two goats"), or when a word traded the role of modifier for that of head
   ("a motorcycle at the car show" / "a car at the motorcycle show"); ``swap-obj`` when two
   objects changed places, their modifiers travelling with them (their heads' order is
   reversed), or when two predicates traded places.
2. **Otherwise every changed region is one edit**, typed by what its words are in the graph
   (the words of B, what was put in, decide first): the head of a new object is ``add-obj``,
   another head noun for a kept object is ``replace-obj`` (a synonym or hypernym is no change:
   the region's other words, if any, decide), a head that moved here is part of a swap, a
   modifier of a kept object is ``add-att`` when nothing was taken out and ``replace-att``
   otherwise (a participle standing after its noun is an action: ``replace-rel``), a predicate
   word, preposition or negation is ``replace-rel``. Where the graph says nothing of a word,
   or plainly misread it, the words decide: modifiers put in right before a kept noun phrase
   are ``add-att``, a new noun phrase after an article is ``add-obj``, and parts of speech
   type the rest. An edit weighs its content words; a spelling fix ("main" / "man") weighs a
   quarter, a deletion alone half or less. A modifier taken out in one place and put into the
   same object in another is one ``replace-att``.

The dominant type is the one whose edits weigh most; its **confidence** is the share of the
change (weighted content words) it accounts for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from text.negatives.alignment import QUANTIFIERS, Alignment, Region, Thing, Word, content, spelling_fix

NOUNS = ("NOUN", "PROPN")
MODIFIERS = ("ADJ", "NUM")
PREDICATES = ("VERB", "ADP", "ADV", "AUX")
# Objects that name nothing in particular: "something" made "an umbrella" adds an object.
INDEFINITE = frozenset({"something", "someone", "somebody", "anything", "anyone", "nothing", "one", "thing"})
# Words that turn a fact around: "without", "is not on", "lacks" (a relation replaced).
NEGATIONS = frozenset({"not", "no", "without", "lack", "miss", "missing", "absent", "never", "n't"})
ARTICLES = frozenset({"a", "an", "the", "some"})
SPELLING_FIX_WEIGHT = 0.25
DELETION_WEIGHT = 0.5


@dataclass(frozen=True)
class Edit:
    type: str  # one of the seven types, "none" (a synonym) or "remove" (words taken out)
    weight: float
    region: Region
    taken_out: Region | None = None  # for a replacement made in two places: where the old words were


@dataclass(frozen=True)
class Found:
    type: str
    confidence: float
    edits: list[dict[str, Any]]


def named(w: Word, things: list[Thing]) -> bool:
    """The head noun of an object that names a thing: not "something", not a verb the parse took
    for a noun ("a plate ... hovers above a table", when the tagger says so)."""
    return w.head and w.obj is not None and w.pos not in ("VERB", "AUX") and things[w.obj].head not in INDEFINITE


def region_edit(al: Alignment, region: Region, related: Callable[[str, str], bool]) -> Edit | None:
    """What one changed region reads as (see the module's doc); None when it changes only
    function words ("a" / "the")."""
    wa, wb = al.region_words(region)
    ca, cb = content(wa), content(wb)
    if negation(wb) and not negation(wa):  # "a woman not wearing a coat", "does n't have"
        return Edit("replace-rel", float(max(len(ca), len(cb), 1)), region)
    if not ca and not cb:
        return None
    fix = len(ca) == len(cb) == 1 and spelling_fix(ca[0].text, cb[0].text)
    weight = SPELLING_FIX_WEIGHT if fix else float(max(len(ca), len(cb)))
    removed_a = [w for w in ca if named(w, al.things_a) and w.obj not in al.pairs]
    if not cb:
        return Edit("remove", weight * (DELETION_WEIGHT if removed_a else DELETION_WEIGHT / 2), region)
    inserted = not any(w.content or w.rel is not None for w in wa)
    if inserted and prenominal(al, region):
        return Edit("add-att", weight, region)  # "some [satin] covers", whatever the parse made of it
    kind, synonyms = head_edit(al, wa, wb, ca, cb, bool(removed_a), related)
    if kind is not None:
        return Edit(kind, weight * (0.5 if kind == "swap-obj" else 1.0), region)
    if synonyms:  # "a group of people" / "a solitary person": what else changed is the edit
        ca = [x for x in ca if not (x.head and x.obj in {i for i, _ in synonyms})]
        cb = [x for x in cb if x not in {w for _, w in synonyms}]
        if not ca and not cb:
            return Edit("none", SPELLING_FIX_WEIGHT, region)
        weight = float(max(len(ca), len(cb)))
        if not cb:
            return Edit("remove", weight * DELETION_WEIGHT / 2, region)
        inserted = not ca and not any(w.rel is not None for w in wa)
    return Edit(word_edit(al, region, wb, cb, inserted), weight, region)


def head_edit(al: Alignment, wa: list[Word], wb: list[Word], ca: list[Word], cb: list[Word], removed: bool,
              related: Callable[[str, str], bool]) -> tuple[str | None, list[tuple[int, Word]]]:
    """The type the head nouns put in make of a region (None if they decide nothing), and the
    heads that are only a synonym of their partner's."""
    ta, tb = al.things_a, al.things_b
    partner_of = {j: i for i, j in al.pairs.items()}
    heads = [w for w in cb if named(w, tb)]
    synonyms = []
    for w in heads:
        j = w.obj
        assert j is not None
        i = partner_of.get(j)
        if i is None:
            if removed:
                return "replace-obj", []
            if ca and len(wb) <= len(wa) and all(x.rel is not None or x.pos in PREDICATES for x in ca):
                return "replace-rel", []  # "sits on" / "flies above", the parse took "flies" for a noun
            return "add-obj", []
        if ta[i].head != tb[j].head:
            if not related(ta[i].head, tb[j].head):
                return "replace-obj", []
            synonyms.append((i, w))
    if len(synonyms) < len(heads):  # a head that moved here from elsewhere, with its modifiers
        return "swap-obj", []
    return None, synonyms


def word_edit(al: Alignment, region: Region, wb: list[Word], cb: list[Word], inserted: bool) -> str:
    """The type of a region whose head nouns decided nothing: by what the graph says its other
    words are (modifiers, predicates), else by their parts of speech."""
    if inserted and any(w.text in ARTICLES and any(x.pos in NOUNS for x in wb[k + 1:]) for k, w in enumerate(wb)):
        return "add-obj"  # "and a parrot", whatever the parse made of it
    modifiers = [w for w in cb if w.obj is not None and not w.head]
    if modifiers and not inserted and all(w.pos == "VERB" and not w.in_phrase for w in modifiers):
        return "replace-rel"  # an action, not a quality: "a boy smiling" / "a boy frowning"
    if modifiers:
        return "add-att" if inserted else "replace-att"
    nouns = any(w.pos in NOUNS for w in cb)
    predicates = any(w.rel is not None or w.pos in PREDICATES for w in cb)
    if inserted:
        after = next((w for w in al.words_b[region.b[1]:] if w.content), None)
        if not nouns and after is not None and (after.obj is not None or after.pos in NOUNS):
            return "add-att"  # right before a noun phrase: a modifier the parse left out
        return "add-obj" if nouns else "replace-rel" if predicates else "add-att"
    if predicates:
        return "replace-rel"
    return "replace-obj" if cb[0].pos in NOUNS else "replace-att" if cb[0].pos in MODIFIERS else "replace-rel"


def negation(words: list[Word]) -> bool:
    return any(w.lemma in NEGATIONS or w.text in NEGATIONS for w in words)


def prenominal(al: Alignment, region: Region) -> bool:
    """Words put in right before a kept noun phrase (after an article, if any), with no determiner,
    conjunction, preposition or comma among or around them: modifiers of that phrase."""
    words = al.words_b[region.b[0]:region.b[1]]
    while words and words[0].text in ARTICLES:  # "man" / "a shirtless man"
        words = words[1:]
    after = al.words_b[region.b[1]] if region.b[1] < len(al.words_b) else None
    if not words or len(words) > 3 or after is None or not all(w.content and w.rel is None for w in words):
        return False
    kept = set(al.pairs.values())
    if not (after.obj in kept if after.obj is not None else after.pos in NOUNS or after.pos in MODIFIERS):
        return False
    tokens = al.b.get("tokens") or []
    before = al.words_b[region.b[0] - 1].token + 1 if region.b[0] > 0 else 0
    return not any(not any(c.isalnum() for c in t) for t in tokens[before:after.token])


def moved_modifiers(al: Alignment) -> tuple[int, int]:
    """Modifier words (inside noun phrases) that left one paired object for another: how many moved
    in the text with it, and how many stayed in place while the head nouns changed around them."""
    def by_object(words: list[Word]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for k, w in enumerate(words):
            if w.obj is not None and not w.head and w.in_phrase and (w.content or w.pos == "NUM"):
                out.setdefault(w.obj, []).append(k)
        return out

    ma, mb = by_object(al.words_a), by_object(al.words_b)
    gone: list[int] = []
    came: list[int] = []
    for i, j in al.pairs.items():
        xa = {al.words_a[k].lemma for k in ma.get(i, [])}
        xb = {al.words_b[k].lemma for k in mb.get(j, [])}
        gone += [k for k in ma.get(i, []) if al.words_a[k].lemma not in xb]
        came += [k for k in mb.get(j, []) if al.words_b[k].lemma not in xa]
    moved = stayed = 0
    for k in gone:
        match = next((m for m in came if al.words_b[m].lemma == al.words_a[k].lemma), None)
        if match is not None:
            came.remove(match)
            if al.word_pairs.get(k) == match:
                stayed += 1
            else:
                moved += 1
    return moved, stayed


def inverted(al: Alignment) -> set[int]:
    """Paired objects (of A) whose order relative to another paired object is reversed in B."""
    head_a = {w.obj: k for k, w in enumerate(al.words_a) if w.head}
    head_b = {w.obj: k for k, w in enumerate(al.words_b) if w.head}
    items = [(head_a[i], head_b[j], i) for i, j in al.pairs.items() if i in head_a and j in head_b]
    return {k for x in items for y in items if x[0] < y[0] and x[1] > y[1] for k in (x[2], y[2])}


def _role(w: Word) -> str:
    return "head" if w.head else "modifier" if w.obj is not None else "other"


def swap(al: Alignment) -> tuple[str, float] | None:
    """``(swap-obj or swap-att, confidence)`` when the changed content words are mostly the same
    words in other places; None otherwise."""
    out_a = [w for r in al.regions for w in content(al.region_words(r)[0])]
    in_b = [w for r in al.regions for w in content(al.region_words(r)[1])]
    changed_a, changed_b = Counter(w.lemma for w in out_a), Counter(w.lemma for w in in_b)
    moved = changed_a & changed_b
    n_moved = sum(moved.values())
    n_rest = sum(((changed_a - changed_b) + (changed_b - changed_a)).values())
    if not moved or n_rest > n_moved:
        return None
    confidence = n_moved / (n_moved + n_rest / 2)  # moved words count on both sides, the rest on one
    roles_a = {w.lemma: _role(w) for w in out_a if w.lemma in moved}
    roles_b = {w.lemma: _role(w) for w in in_b if w.lemma in moved}
    role_traded = any({roles_a[x], roles_b[x]} == {"head", "modifier"} for x in moved)
    travelled, stayed = moved_modifiers(al)
    objects = len(inverted(al))
    if role_traded or (travelled and (objects < 2 or travelled > stayed)):
        return "swap-att", confidence
    if objects >= 2 and n_moved >= 2:
        return "swap-obj", confidence
    words = [w for w in out_a if w.lemma in moved]
    if n_moved >= 2 and not any(w.obj is not None for w in words):
        return "swap-obj", confidence  # predicates traded places: "sitting on a fence holding a segway"
    # a moved word is a modifier when the graph says so on either side, else by its tag
    graph_modifiers = {w.lemma for w in out_a + in_b if w.lemma in moved and w.obj is not None and not w.head}
    modifiers = sum(w.lemma in graph_modifiers or w.text in QUANTIFIERS or (not w.head and w.pos in MODIFIERS)
                    for w in words)
    if modifiers > len(words) - modifiers:
        return "swap-att", confidence
    if len(words) - modifiers >= 2:
        return "swap-obj", confidence
    return None


def _words(al: Alignment, region: Region) -> tuple[str, str]:
    wa, wb = al.region_words(region)
    return " ".join(w.text for w in wa), " ".join(w.text for w in wb)


def _edit_words(al: Alignment, e: Edit) -> tuple[str, str]:
    before, after = _words(al, e.region)
    return (_words(al, e.taken_out)[0], after) if e.taken_out is not None else (before, after)


UNITS = {"obj": "object", "att": "attribute", "rel": "relation"}


def _described(kind: str, before: Any, after: Any, weight: float) -> dict[str, Any]:
    op, _, unit = kind.partition("-")
    op, unit = ("synonym", "obj") if kind == "none" else (op, unit)
    return {"type": kind, "op": op, "unit": UNITS.get(unit, "words"), "before": before, "after": after,
            "weight": round(weight, 3)}


def merged_replacements(al: Alignment, edits: list[Edit]) -> list[Edit]:
    """A modifier taken out of an object in one place and one put into it in another is one
    ``replace-att`` ("a cart full of bananas" / "an empty cart of bananas")."""
    def modified(words: list[Word], side: list[Word]) -> set[int]:
        """The objects these words modify: by the graph, or, for an adjective the graph left
        unattached, the noun right before it ("a cart full of")."""
        heads = {w.token: w.obj for w in side if w.head}
        return ({w.obj for w in words if w.obj is not None and not w.head}
                | {heads[w.token - 1] for w in words if w.obj is None and w.pos == "ADJ" and w.token - 1 in heads})

    out = list(edits)
    for e in [x for x in edits if x.type == "add-att"]:
        gained = modified(al.region_words(e.region)[1], al.words_b)
        removal = next((r for r in out if r.type == "remove" and gained & {
            al.pairs[i] for i in modified(al.region_words(r.region)[0], al.words_a) if i in al.pairs}), None)
        if removal is not None:
            out[out.index(e)] = Edit("replace-att", e.weight + removal.weight, e.region, taken_out=removal.region)
            out.remove(removal)
    return out


def dominant(al: Alignment, related: Callable[[str, str], bool]) -> Found:
    """The dominant type, its confidence, and every edit of the pair."""
    if not al.regions:
        return Found("none", 1.0, [])
    swapped = swap(al)
    if swapped is not None:
        kind, confidence = swapped
        texts = [_words(al, r) for r in al.regions]
        before, after = [a for a, _ in texts if a], [b for _, b in texts if b]
        weight = float(sum(len(content(al.region_words(r)[0])) for r in al.regions))
        return Found(kind, confidence, [_described(kind, before, after, weight)])
    edits = merged_replacements(al, [e for e in (region_edit(al, r, related) for r in al.regions) if e is not None])
    described = [_described(e.type, *_edit_words(al, e), e.weight) for e in edits]
    scores: Counter = Counter()
    for e in edits:
        scores[e.type] += e.weight
    typed = Counter({k: v for k, v in scores.items() if k != "remove"})
    if not typed:  # nothing but function words, or only words taken out
        return Found("other" if scores else "none", 1.0, described)
    kind, weight = typed.most_common(1)[0]
    return Found(kind, weight / sum(scores.values()), described)
