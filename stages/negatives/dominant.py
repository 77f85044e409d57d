"""The dominant edit between two captions: the type that explains their change with the fewest units.

v1 (exploration)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stages.negatives.alignment import Alignment, Region, Word, content

NOUNS = ("NOUN", "PROPN")
MODIFIERS = ("ADJ", "NUM")


@dataclass(frozen=True)
class Found:
    type: str
    confidence: float
    edits: list[dict[str, Any]]


INDEFINITE = frozenset({"something", "someone", "somebody", "anything", "anyone", "nothing", "one", "thing"})
PREDICATES = ("VERB", "ADP", "ADV", "AUX")
# Words that turn a fact around: "without", "is not on", "lacks" (a relation replaced).
NEGATIONS = frozenset({"not", "no", "without", "lack", "miss", "missing", "absent", "never", "n't"})


def spelling_fix(wa: list[Word], wb: list[Word]) -> bool:
    """One word for one that differs by a letter or two ("main" / "man", "staning" / "standing")."""
    from difflib import SequenceMatcher

    if len(wa) != 1 or len(wb) != 1 or min(len(wa[0].text), len(wb[0].text)) < 3:
        return False
    return SequenceMatcher(None, wa[0].text, wb[0].text).ratio() >= 0.75


def region_type(al: Alignment, region: Region, related: Callable[[str, str], bool]) -> tuple[str, float] | None:
    """The type of edit one changed region reads as, and its weight (its content words), or None
    when it changes only function words. The words of B (what was put in) decide first."""
    wa, wb = al.region_words(region)
    ca, cb = content(wa), content(wb)
    if not ca and not cb:
        return None
    weight = float(max(len(ca), len(cb)))
    if spelling_fix(ca, cb):
        weight = 0.25
    paired_b = {j: i for i, j in al.pairs.items()}
    ta, tb = al.things_a, al.things_b
    removed_a = [w for w in ca if w.head and w.obj not in al.pairs and ta[w.obj].head not in INDEFINITE]
    heads_b = [w for w in cb if w.head and tb[w.obj].head not in INDEFINITE]
    if not cb:  # a deletion: never a negative's type by itself
        return "remove", weight * (0.5 if removed_a else 0.25)
    for w in heads_b:
        i = paired_b.get(w.obj)
        if i is None:
            return ("replace-obj" if removed_a else "add-obj"), weight
        if ta[i].head != tb[w.obj].head:
            return ("none", 0.25) if related(ta[i].head, tb[w.obj].head) else ("replace-obj", weight)
    if heads_b:  # a head that moved here from elsewhere, with its modifiers
        return "swap-obj", weight * 0.5
    if any(w.lemma in NEGATIONS for w in cb):
        return "replace-rel", weight
    inserted = not any(w.content or w.rel is not None for w in wa)
    modifiers = [w for w in cb if w.obj is not None and not w.head]
    if modifiers and not inserted and all(w.pos == "VERB" and not w.in_phrase for w in modifiers):
        return "replace-rel", weight  # an action, not a quality: "a boy smiling" / "a boy frowning"
    if modifiers:
        return ("add-att" if inserted else "replace-att"), weight
    if inserted:
        after = next((w for w in al.words_b[region.b[1]:] if w.content), None)
        if after is not None and (after.obj is not None or after.pos in NOUNS) and not any(w.pos in NOUNS for w in cb):
            return "add-att", weight  # right before a noun phrase: a modifier the parse left out
        if any(w.pos in NOUNS for w in cb):
            return "add-obj", weight
        if any(w.rel is not None or w.pos in PREDICATES for w in cb):
            return "replace-rel", weight
        return "add-att", weight
    if any(w.rel is not None or w.pos in PREDICATES for w in cb):
        return "replace-rel", weight
    first = cb[0].pos
    if first in NOUNS:
        return "replace-obj", weight
    if first in MODIFIERS:
        return "replace-att", weight
    return "replace-rel", weight


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
        xa = [al.words_a[k].lemma for k in ma.get(i, [])]
        xb = [al.words_b[k].lemma for k in mb.get(j, [])]
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


def exchanged(al: Alignment) -> bool:
    from stages.negatives.diff import _exchanged

    u = al.units()
    return bool(u.relations_gone) and _exchanged(u.relations_gone, u.relations_came) is not None


def role(w: Word) -> str:
    return "head" if w.head else "mod" if w.obj is not None else "other"


def inverted(al: Alignment) -> set[int]:
    """Paired objects (of A) whose order relative to another paired object is reversed in B."""
    head_a = {w.obj: k for k, w in enumerate(al.words_a) if w.head}
    head_b = {w.obj: k for k, w in enumerate(al.words_b) if w.head}
    items = [(head_a[i], head_b[j], i) for i, j in al.pairs.items() if i in head_a and j in head_b]
    out = set()
    for x in items:
        for y in items:
            if x[0] < y[0] and x[1] > y[1]:
                out |= {x[2], y[2]}
    return out


def swap_type(al: Alignment) -> str | None:
    """``swap-obj`` or ``swap-att`` when the changed content words are mostly the same words in
    other places; None otherwise."""
    moved_a = [w for r in al.regions for w in content(al.region_words(r)[0])]
    moved_b = [w for r in al.regions for w in content(al.region_words(r)[1])]
    changed_a, changed_b = Counter(w.lemma for w in moved_a), Counter(w.lemma for w in moved_b)
    moved = changed_a & changed_b
    rest = (changed_a - changed_b) + (changed_b - changed_a)
    if not moved or sum(rest.values()) > sum(moved.values()):
        return None
    roles_a = {w.lemma: role(w) for w in moved_a if w.lemma in moved}
    roles_b = {w.lemma: role(w) for w in moved_b if w.lemma in moved}
    cross = sum({roles_a[x], roles_b[x]} == {"head", "mod"} for x in moved)
    mods, stayed = moved_modifiers(al)
    objects = len(inverted(al))
    if cross or (mods and (objects < 2 or mods > stayed)):
        return "swap-att"
    if objects >= 2 and sum(moved.values()) >= 2:
        return "swap-obj"
    moved_words = [w for w in moved_a if w.lemma in moved]
    if sum(moved.values()) >= 2 and not any(w.head or w.obj is not None for w in moved_words):
        return "swap-obj"  # predicates traded places: "sitting on a fence holding a segway"
    # what each moved word is on either side: a modifier when the graph says so, else its tag
    graph_modifier = {w.lemma for w in moved_a + moved_b if w.lemma in moved and w.obj is not None and not w.head}
    modifiers = sum(w.lemma in graph_modifier or (not w.head and w.pos in MODIFIERS) for w in moved_words)
    nouns = len(moved_words) - modifiers
    if modifiers > nouns:
        return "swap-att"
    if nouns >= 2:
        return "swap-obj"
    return None


def dominant(al: Alignment, related: Callable[[str, str], bool]) -> Found:
    swap = swap_type(al)
    if swap:
        return Found(swap, 1.0, [])
    scores: Counter = Counter()
    for region in al.regions:
        typed = region_type(al, region, related)
        if typed:
            scores[typed[0]] += typed[1]
    for kind in ("remove",):
        if len(scores) > 1:
            scores.pop(kind, None)
    if not scores:
        return Found("none", 1.0, [])
    kind, w = scores.most_common(1)[0]
    return Found(kind, w / sum(scores.values()), [])
