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


def region_type(al: Alignment, region: Region, related: Callable[[str, str], bool]) -> tuple[str, float] | None:
    wa, wb = al.region_words(region)
    ca, cb = content(wa), content(wb)
    if not ca and not cb:
        return None
    paired_b = set(al.pairs.values())
    heads_a = [w for w in ca if w.head]
    heads_b = [w for w in cb if w.head]
    ta, tb = al.things_a, al.things_b
    weight = float(max(len(ca), len(cb)))
    for w in heads_a:
        j = al.pairs.get(w.obj)
        if j is not None and any(x.obj == j for x in heads_b) and ta[w.obj].head != tb[j].head:
            if related(ta[w.obj].head, tb[j].head):
                return "none", 0.5
            return "replace-obj", weight
    added = [w for w in heads_b if w.obj not in paired_b]
    removed = [w for w in heads_a if w.obj not in al.pairs]
    if added and removed:
        return "replace-obj", weight
    if added:
        return "add-obj", weight
    if removed:
        return "remove-obj", weight * 0.5
    if heads_a or heads_b:  # moved heads
        return "swap-obj", weight
    mods_a = [w for w in ca if w.obj is not None]
    mods_b = [w for w in cb if w.obj is not None]
    if mods_b and not ca:
        return "add-att", weight
    if mods_a and mods_b:
        return "replace-att", weight
    rels = [w for w in ca + cb if w.rel is not None]
    if rels:
        return "replace-rel", weight
    pos = [w.pos for w in cb] or [w.pos for w in ca]
    first = pos[0]
    if not ca:
        return ("add-obj" if first in NOUNS else "add-att"), weight
    if first in NOUNS:
        return "replace-obj", weight
    if first in MODIFIERS:
        return "replace-att", weight
    return "replace-rel", weight


def phrase_modifiers(words: list[Word]) -> dict[int, Counter]:
    out: dict[int, Counter] = {}
    for w in words:
        if w.obj is not None and not w.head and w.in_phrase and (w.content or w.pos == "NUM"):
            out.setdefault(w.obj, Counter())[w.lemma] += 1
    return out


def moved_modifiers(al: Alignment) -> int:
    """Modifier words inside noun phrases that left one paired object for another."""
    ma, mb = phrase_modifiers(al.words_a), phrase_modifiers(al.words_b)
    gone, came = Counter(), Counter()
    for i, j in al.pairs.items():
        x, y = ma.get(i, Counter()), mb.get(j, Counter())
        gone += x - y
        came += y - x
    return sum((gone & came).values())


def exchanged(al: Alignment) -> bool:
    from stages.negatives.diff import _exchanged

    u = al.units()
    return bool(u.relations_gone) and _exchanged(u.relations_gone, u.relations_came) is not None


def role(w: Word) -> str:
    return "head" if w.head else "mod" if w.obj is not None else "other"


def swap_type(al: Alignment) -> str | None:
    changed_a = Counter(w.lemma for r in al.regions for w in content(al.region_words(r)[0]))
    changed_b = Counter(w.lemma for r in al.regions for w in content(al.region_words(r)[1]))
    moved = changed_a & changed_b
    if not moved:
        return None
    rest = (changed_a - changed_b) + (changed_b - changed_a)
    if sum(rest.values()) > sum(moved.values()):
        return None
    heads_moved = sum(why == "moved" for why in al.how.values())
    mods = moved_modifiers(al)
    roles_a = {w.lemma: role(w) for r in al.regions for w in content(al.region_words(r)[0]) if w.lemma in moved}
    roles_b = {w.lemma: role(w) for r in al.regions for w in content(al.region_words(r)[1]) if w.lemma in moved}
    cross = sum({roles_a[x], roles_b[x]} == {"head", "mod"} for x in moved)
    if cross or (mods and heads_moved < 2):
        return "swap-att"
    if heads_moved >= 2:
        return "swap-obj"
    moved_words = [w for r in al.regions for w in content(al.region_words(r)[0]) if w.lemma in moved]
    if sum(moved.values()) >= 2 and not any(w.head or w.obj is not None for w in moved_words):
        return "swap-obj"  # predicates traded places: "sitting on a fence holding a segway"
    modifiers = sum(not w.head and w.pos in MODIFIERS for w in moved_words)
    nouns = sum(w.head or w.pos in NOUNS for w in moved_words)
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
    if not scores:
        return Found("none", 1.0, [])
    kind, w = scores.most_common(1)[0]
    return Found(kind, w / sum(scores.values()), [])
