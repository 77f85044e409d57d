"""One alignment of two text scene graphs: their words, their objects, and every unit that changed.

The words of the two captions are aligned first: the common subsequence of their lemmas of
greatest weight, where a head noun weighs most and a function word least. The stretches that
differ are the changed *regions* (a stretch that is a spelling fix beside other words, "a main
sitting" / "a man standing", is split word for word). Each word knows what the graph says about
it: the head noun of an object, a modifier in an object's noun phrase (or one of its attributes
or its count, wherever written), a word of a relation's predicate, or nothing.

Objects are then paired by their head nouns, in this order:

1. *anchored*: their head words are aligned to each other (same word, same place);
2. *moved*: the same head lemma, elsewhere in the other caption ("a dog chasing a cat" /
   "a cat chasing a dog" pairs dog with dog);
3. *replaced*: unpaired heads inside the same changed region, in order ("two adult bears" /
   "a flock of ducks" pairs bear with duck).

What is left is *removed* (only in A) or *added* (only in B). Under a pairing an object is its
head word and a multiset of modifiers: attributes, the count (``"#2"``) and the compound words
of its name ("canopy bed" is a bed with the modifier "canopy"), so counts and compounds are
compared as attributes. Relations are compared in the pairing's index space.

Shapes: a graph is plain data as in the ``text_graphs`` artifact (``tokens``, ``objects`` with
``lemma, head, start, end, attributes, count``, ``relations`` with ``subject, predicate,
object, start, end``). Graphs without tokens (hand-built ones) are read as their objects'
lemmas in order. Optional word tags (universal part of speech and lemma per token) sharpen
the word view; without them the graph's roles stand in for parts of speech.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, NamedTuple

Graph = dict[str, Any]

# Closed-class words: a change among them alone does not change what a caption shows.
FUNCTION_WORDS = frozenset(
    "a an the this that these those any each every another other its his her their my our your "
    "is are was were be been being am has have had do does did and or but nor so as of to than then "
    "it they them he she him we us i you who whom whose which what there here while where when "
    "also just too".split())
# Determiners that say how many: "a kid ... some apples" / "some kids ... an apple" moves one.
QUANTIFIERS = frozenset({"some", "many", "several", "few", "multiple", "numerous"})
NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "both": "2",
                "pair": "2", "couple": "2", "dozen": "12"}
# Universal parts of speech standing in for tags, by the graph's role of a word.
ROLE_POS = {"head": "NOUN", "modifier": "ADJ", "predicate": "VERB"}
FUNCTION_POS = frozenset({"DET", "AUX", "PRON", "CCONJ", "PART", "PUNCT"})


@dataclass(frozen=True)
class WordTags:
    """Universal part of speech and lemma of each token of one caption (from any tagger)."""

    pos: tuple[str, ...]
    lemma: tuple[str, ...]


class Word(NamedTuple):  # a tuple: the diff makes a few hundred of them per pair
    token: int  # index in the graph's tokens (or the object's index, for a graph without tokens)
    text: str  # lower-case
    lemma: str
    pos: str  # universal part of speech; the role's stand-in without tags
    obj: int | None  # the object whose noun phrase, attribute or count this word is
    head: bool  # the head noun of ``obj``
    rel: int | None  # the relation whose predicate this word is part of
    in_phrase: bool  # inside the noun phrase of ``obj`` (not a predicative attribute)
    content: bool  # not a function word: a determiner, auxiliary, pronoun, conjunction

    @classmethod
    def make(cls, token: int, text: str, lemma: str, pos: str, obj: int | None, head: bool, rel: int | None,
             in_phrase: bool) -> Word:
        content = text in QUANTIFIERS or (text not in FUNCTION_WORDS and pos not in FUNCTION_POS)
        return cls(token, text, lemma, pos, obj, head, rel, in_phrase, content)


@dataclass(frozen=True)
class Region:
    """One stretch of words that differs: words ``a[0]:a[1]`` of A became ``b[0]:b[1]`` of B."""

    a: tuple[int, int]
    b: tuple[int, int]


@dataclass(frozen=True)
class Thing:
    """An object as the diff compares it: its head lemma and its modifiers."""

    head: str
    lemma: str
    modifiers: Counter


@dataclass
class Units:
    """What differs between two graphs under one pairing of their objects."""

    renamed: list[tuple[int, int]] = field(default_factory=list)  # paired, another head noun
    gone: dict[int, Counter] = field(default_factory=dict)  # A object -> modifiers it lost
    came: dict[int, Counter] = field(default_factory=dict)  # A object -> modifiers it gained
    removed: list[int] = field(default_factory=list)  # A objects without a partner
    added: list[int] = field(default_factory=list)  # B objects without a partner
    relations_gone: Counter = field(default_factory=Counter)  # (s, p, o) in B's indexes; ("A", k) if unpaired
    relations_came: Counter = field(default_factory=Counter)

    def count(self) -> int:
        return (len(self.renamed) + sum(sum(c.values()) for c in self.gone.values())
                + sum(sum(c.values()) for c in self.came.values()) + len(self.removed) + len(self.added)
                + sum(self.relations_gone.values()) + sum(self.relations_came.values()))


def things(graph: Graph) -> list[Thing]:
    out = []
    for o in graph["objects"]:
        words = o["lemma"].split() or [""]
        mods = Counter(o["attributes"]) + Counter(words[:-1])
        if o.get("count"):
            mods["#" + str(o["count"])] += 1
        out.append(Thing(words[-1], o["lemma"], mods))
    return out


MODIFIER_POS = ("ADJ", "NUM", "NOUN", "PROPN")


def words_of(graph: Graph, tags: WordTags | None = None) -> list[Word]:
    """The words of one caption (tokens with a letter or digit), each with its graph role."""
    objects, relations = graph["objects"], graph["relations"]
    tokens = list(graph.get("tokens") or [])
    if not tokens:
        return [Word.make(k, o["lemma"], o["lemma"], "NOUN", k, True, None, True) for k, o in enumerate(objects)]
    lower = [t.lower() for t in tokens]
    n = len(tokens)
    heads = {o["head"]: k for k, o in enumerate(objects) if 0 <= o.get("head", -1) < n}
    owner: dict[int, int] = {}
    for k, o in enumerate(objects):
        for t in range(max(o.get("start", 0), 0), min(o.get("end", 0), n)):
            owner.setdefault(t, k)
    in_relation: dict[int, int] = {}
    for r, rel in enumerate(relations):
        for t in range(max(rel.get("start", 0), 0), min(rel.get("end", 0), n)):
            in_relation.setdefault(t, r)

    def free(t: int) -> bool:
        return t not in owner and t not in in_relation and t not in heads and any(c.isalnum() for c in lower[t])

    def tagged(t: int) -> str | None:
        return tags.pos[t] if tags is not None and t < len(tags.pos) else None

    for k, o in enumerate(objects):  # modifiers the parse left out of the noun phrase ("red fire hydrant")
        t = min(o.get("start", 0), o.get("head", 0)) - 1
        while t >= 0 and free(t) and lower[t] not in FUNCTION_WORDS and tagged(t) in (None, *MODIFIER_POS):
            owner[t] = k
            t -= 1
    phrase = set(owner)
    places: dict[str, list[int]] = {}
    for t, w in enumerate(lower):
        places.setdefault(w, []).append(t)
    for k, o in enumerate(objects):  # attributes and counts written elsewhere ("the car is red")
        h = o.get("head", -1)
        wanted = {w for a in o["attributes"] for w in a.split()}
        if o.get("count"):
            wanted |= {w for w, c in NUMBER_WORDS.items() if c == str(o["count"])} | {str(o["count"])}
        for w in wanted:
            free_places = [t for t in places.get(w, ()) if t not in owner and t not in heads]
            if free_places:
                owner[min(free_places, key=lambda t: abs(t - h))] = k
    out = []
    for t, text in enumerate(lower):
        if not any(c.isalnum() for c in text):
            continue
        head = t in heads
        obj = heads[t] if head else owner.get(t)
        rel = None if head else in_relation.get(t)
        if tags is not None and t < len(tags.pos) and t < len(tags.lemma):
            pos, lemma = tags.pos[t], tags.lemma[t].lower()
        else:
            role = "head" if head else "modifier" if obj is not None else "predicate" if rel is not None else ""
            pos = "NUM" if text in NUMBER_WORDS or text.isdigit() else ROLE_POS.get(role, "X")
            lemma = objects[obj]["lemma"].split()[-1] if head else text
        out.append(Word.make(t, text, lemma, pos, obj, head, rel, head or t in phrase))
    return out


@dataclass
class Alignment:
    a: Graph
    b: Graph
    words_a: list[Word]
    words_b: list[Word]
    regions: list[Region]
    word_pairs: dict[int, int]  # A word -> the B word it is aligned with
    pairs: dict[int, int]  # A object -> B object
    things_a: list[Thing]
    things_b: list[Thing]

    def units(self, pairs: dict[int, int] | None = None, related: Any = None) -> Units:
        """What differs under ``pairs`` (this alignment's own by default). ``related(x, y)`` says
        when two different head nouns are synonyms or one the other's hypernym."""
        pairs = self.pairs if pairs is None else pairs
        ta, tb = self.things_a, self.things_b
        u = Units()
        for i, j in sorted(pairs.items()):
            if ta[i].head != tb[j].head and not (
                    related is not None and (related(ta[i].head, tb[j].head) or related(ta[i].lemma, tb[j].lemma))):
                u.renamed.append((i, j))
            gone, came = ta[i].modifiers - tb[j].modifiers, tb[j].modifiers - ta[i].modifiers
            if gone:
                u.gone[i] = gone
            if came:
                u.came[i] = came
        u.removed = [i for i in range(len(ta)) if i not in pairs]
        taken = set(pairs.values())
        u.added = [j for j in range(len(tb)) if j not in taken]

        def mapped(k: int) -> Any:
            return pairs[k] if k in pairs else ("A", k)

        ra = Counter((mapped(r["subject"]), r["predicate"], mapped(r["object"])) for r in self.a["relations"])
        rb = Counter((r["subject"], r["predicate"], r["object"]) for r in self.b["relations"])
        u.relations_gone, u.relations_came = ra - rb, rb - ra
        return u

    def region_words(self, region: Region) -> tuple[list[Word], list[Word]]:
        return self.words_a[region.a[0]:region.a[1]], self.words_b[region.b[0]:region.b[1]]


def spelling_fix(x: str, y: str) -> bool:
    """Two spellings of one word ("main" / "man", "staning" / "standing"): a letter or two apart."""
    return x != y and min(len(x), len(y)) >= 3 and SequenceMatcher(None, x, y).ratio() >= 0.75


def _weight(w: Word) -> int:
    return 4 if w.head else 2 if w.content else 1


def align_words(wa: Sequence[Word], wb: Sequence[Word]) -> tuple[dict[int, int], list[Region]]:
    """Aligned words and the changed regions between them: the common subsequence of lemmas of
    greatest weight, where a head noun weighs most and a function word least, so a shared "and a"
    never outweighs a shared "christmas tree" and a noun is kept in place before its modifier."""
    n, m = len(wa), len(wb)
    pairs: dict[int, int] = {}
    lo = 0  # equal words at both ends are aligned as they are: the search runs on the middle
    while lo < min(n, m) and wa[lo].lemma == wb[lo].lemma:
        pairs[lo] = lo
        lo += 1
    hi_a, hi_b = n, m
    while hi_a > lo and hi_b > lo and wa[hi_a - 1].lemma == wb[hi_b - 1].lemma:
        hi_a, hi_b = hi_a - 1, hi_b - 1
        pairs[hi_a] = hi_b
    xa, xb = wa[lo:hi_a], wb[lo:hi_b]
    weight_a, weight_b = [_weight(w) for w in xa], [_weight(w) for w in xb]
    best = [[0] * (len(xb) + 1) for _ in range(len(xa) + 1)]
    for i in range(len(xa) - 1, -1, -1):
        row, below = best[i], best[i + 1]
        for j in range(len(xb) - 1, -1, -1):
            here = below[j + 1] + weight_a[i] + weight_b[j] if xa[i].lemma == xb[j].lemma else 0
            row[j] = max(here, below[j], row[j + 1])
    i = j = 0
    while i < len(xa) and j < len(xb):
        if xa[i].lemma == xb[j].lemma and best[i][j] == best[i + 1][j + 1] + weight_a[i] + weight_b[j]:
            pairs[lo + i] = lo + j
            i, j = i + 1, j + 1
        elif best[i + 1][j] >= best[i][j + 1]:
            i += 1
        else:
            j += 1
    regions: list[Region] = []
    i = j = 0
    for ai, bj in [*sorted(pairs.items()), (n, m)]:
        if ai - i == bj - j > 1 and any(spelling_fix(wa[i + k].text, wb[j + k].text) for k in range(ai - i)):
            # word for word: "a main sitting" / "a man standing" is a spelling fix and an edit
            regions.extend(Region((i + k, i + k + 1), (j + k, j + k + 1)) for k in range(ai - i))
        elif ai > i or bj > j:
            regions.append(Region((i, ai), (j, bj)))
        i, j = ai + 1, bj + 1
    return pairs, regions


def align(a: Graph, b: Graph, tags_a: WordTags | None = None, tags_b: WordTags | None = None) -> Alignment:
    """Align the words, then pair the objects of graphs ``a`` and ``b`` (see the module's doc)."""
    wa, wb = words_of(a, tags_a), words_of(b, tags_b)
    # One lemma per spelling in the pair: a tagger may lemmatise "inverted" as a verb in one
    # caption and as an adjective in the other; a graph without tags has no lemmas but its nouns'.
    lemma_of: dict[str, str] = {}
    for w in wa + wb:
        lemma_of.setdefault(w.text, w.lemma)
    for text in list(lemma_of):  # without tags, "pets" and "pet" are still one word
        for stem in (text[:-1], text[:-2]) if len(text) > 3 and text.endswith("s") else ():
            if stem in lemma_of:
                lemma_of[text] = lemma_of[stem]
                break
    wa = [w if w.lemma == lemma_of[w.text] else w._replace(lemma=lemma_of[w.text]) for w in wa]
    wb = [w if w.lemma == lemma_of[w.text] else w._replace(lemma=lemma_of[w.text]) for w in wb]
    word_pairs, regions = align_words(wa, wb)
    ta, tb = things(a), things(b)
    pairs: dict[int, int] = {}

    def pair(i: int, j: int) -> None:
        if i not in pairs and j not in pairs.values():
            pairs[i] = j

    for i, j in word_pairs.items():
        if wa[i].head and wb[j].head:
            pair(wa[i].obj, wb[j].obj)  # type: ignore[arg-type]  # heads have their object
    head_word_a = {w.obj: k for k, w in enumerate(wa) if w.head}
    head_word_b = {w.obj: k for k, w in enumerate(wb) if w.head}
    for i in range(len(ta)):
        if i in pairs:
            continue
        free = [j for j in range(len(tb)) if j not in pairs.values() and tb[j].head == ta[i].head]
        if free:
            pos_i = head_word_a.get(i, i) / max(len(wa), 1)
            pair(i, min(free, key=lambda j: abs(head_word_b.get(j, j) / max(len(wb), 1) - pos_i)))
    for region in regions:
        inside_a = [i for i in range(len(ta)) if i not in pairs and region.a[0] <= head_word_a.get(i, -1) < region.a[1]]
        inside_b = [j for j in range(len(tb)) if j not in pairs.values()
                    and region.b[0] <= head_word_b.get(j, -1) < region.b[1]]
        for i, j in zip(inside_a, inside_b, strict=False):
            pair(i, j)
    return Alignment(a, b, wa, wb, regions, word_pairs, pairs, ta, tb)


def exchanges(al: Alignment) -> list[dict[int, int]]:
    """The pairings with two pairs of different head nouns exchanged: "a red dog chasing a cat" /
    "a red cat chasing a dog" pairs dog with dog; exchanged, the dog is paired with the cat: one
    swap of names, attributes left in place."""
    ta = al.things_a
    items = sorted(al.pairs.items())
    out = []
    for k, (i1, j1) in enumerate(items):
        for i2, j2 in items[k + 1:]:
            if ta[i1].head != ta[i2].head:
                out.append({**al.pairs, i1: j2, i2: j1})
    return out


def content(words: Sequence[Word]) -> list[Word]:
    return [w for w in words if w.content]
