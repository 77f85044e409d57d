"""Hard-negative captions: edit a caption's scene graph, realise the edit in its own words.

Each edit changes exactly one meaning unit and is written back into the caption's text by
replacing or inserting words at the tokens the graph points to, keeping the rest of the
caption as it was. Articles are fixed ("a orange" -> "an orange"), number is kept (a plural
noun is replaced by a plural noun), and a replacement is never the same word, a synonym or
a hypernym of what it replaces ("man" -> "guy" or "person" is refused). Replacements come
from the corpus's own vocabulary, by kind (:mod:`stages.negatives.words`).

Shapes: a graph is plain data as in the ``text_graphs`` artifact: ``tokens``, ``offsets``
(character offset of each token), ``objects`` (``name, lemma, head, start, end,
attributes, count``) and ``relations`` (``subject, predicate, object, start, end``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from stages.negatives.words import Categories, article_for, match_case, plural

Graph = dict[str, Any]
ADJECTIVE_ORDER = {"size": 1, "age": 2, "pattern": 3, "color": 4, "material": 5}
DETERMINERS = {"a", "an", "the", "his", "her", "their", "its", "my", "our", "your", "this", "that", "these",
               "those", "some", "several", "many", "each", "every", "another", "other", "no", "both", "'s"}
NUMBERS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "dozen"}


@dataclass(frozen=True)
class Vocabulary:
    """The corpus's own words, by role: what a replacement may be drawn from."""

    objects: frozenset[str]
    attributes: frozenset[str]
    predicates: frozenset[str]


@dataclass(frozen=True)
class Negative:
    type: str
    text: str
    before: str  # the edited words of the positive caption
    after: str  # what they became
    start: int  # character span of ``before`` in the positive caption
    end: int


# one replacement: tokens [i, j) of the caption become ``text``; i == j inserts ``text`` before token i
Replacement = tuple[int, int, str]


def realise(caption: str, graph: Graph, replacements: Sequence[Replacement], kind: str) -> Negative | None:
    """Apply token replacements to the caption text, fixing the article before each one."""
    tokens, offsets = graph["tokens"], graph["offsets"]
    n = len(tokens)
    if any(not 0 <= i <= j <= n or i == n for i, j, _ in replacements):
        return None
    if any(offsets[k] < 0 for i, j, _ in replacements for k in range(max(i - 1, 0), max(j, i + 1))):
        return None
    edits: list[tuple[int, int, str]] = []  # character spans
    for i, j, text in replacements:
        start = offsets[i]
        end = offsets[j - 1] + len(tokens[j - 1]) if j > i else start
        if j == i:
            text = text + " "
        # "a apple" -> "an apple": the article right before the edit agrees with its first word
        if i > 0 and tokens[i - 1].lower() in ("a", "an"):
            first = text.strip().split(" ")[0]
            art = match_case(article_for(first), tokens[i - 1])
            if art.lower() != tokens[i - 1].lower():
                start = offsets[i - 1]
                text = art + caption[offsets[i - 1] + len(tokens[i - 1]): offsets[i]] + text
        edits.append((start, end, text))
    edits.sort()
    for (_, e1, _), (s2, _, _) in zip(edits, edits[1:], strict=False):
        if s2 < e1:
            return None
    out, pos = [], 0
    for s, e, t in edits:
        out.append(caption[pos:s])
        out.append(t)
        pos = e
    out.append(caption[pos:])
    text = "".join(out)
    start, end = edits[0][0], edits[-1][1]
    after_end = end + (len(text) - len(caption))
    if text == caption or _doubled(text) > _doubled(caption):
        return None
    return Negative(kind, text, caption[start:end], text[start:after_end], start, end)


def _doubled(text: str) -> int:
    words = text.lower().split()
    return sum(a == b for a, b in zip(words, words[1:], strict=False))


class Editor:
    """Builds candidate negatives of each type for one caption."""

    def __init__(self, caption: str, graph: Graph, categories: Categories, vocab: Vocabulary,
                 rng: random.Random) -> None:
        self.caption = caption
        self.g = graph
        self.cats = categories
        self.vocab = vocab
        self.rng = rng
        self.lemmas = {o["lemma"] for o in graph["objects"]}

    # ------------------------------------------------------------ helpers

    def single_word(self, o: dict[str, Any]) -> bool:
        """A one-word name whose head has nothing noun-like before it ("lounge chairs" is not)."""
        h = o["head"]
        if " " in o["name"] or h >= len(self.g["tokens"]) or self.g["offsets"][h] < 0:
            return False
        return h == 0 or self.plain_modifier(self.g["tokens"][h - 1])

    def plain_modifier(self, token: str) -> bool:
        t = token.lower()
        return (t in DETERMINERS or t in NUMBERS or t.isdigit() or not any(c.isalnum() for c in t)
                or self.cats.kind_of(t, "attributes") is not None)

    def is_plural(self, o: dict[str, Any]) -> bool:
        return o["name"].split()[-1] != o["lemma"].split()[-1]

    def noun_for(self, lemma: str, like: dict[str, Any]) -> str:
        word = plural(lemma) if self.is_plural(like) else lemma
        return match_case(word, self.g["tokens"][like["head"]])

    def choose(self, options: Sequence[str]) -> str | None:
        options = sorted(set(options))
        return self.rng.choice(options) if options else None

    def object_replacement(self, lemma: str) -> str | None:
        kind = self.cats.kind_of(lemma, "objects")
        if kind is None:
            return None
        return self.choose([w for w in self.cats.objects[kind] if w in self.vocab.objects and w not in self.lemmas
                            and not any(self.cats.related(w, x) for x in self.lemmas)])

    def attribute_token(self, o: dict[str, Any], attr: str) -> int | None:
        tokens = [t.lower() for t in self.g["tokens"]]
        inside = [k for k in range(o["start"], o["head"]) if tokens[k] == attr]
        if inside:
            return inside[0]
        after = [k for k in range(o["head"] + 1, len(tokens)) if tokens[k] == attr]
        return after[0] if after else None

    def name_start(self, o: dict[str, Any]) -> int:
        return o["head"] - (len(o["name"].split()) - 1)

    def insertion_point(self, o: dict[str, Any], kind: str) -> int:
        """Where a new adjective of ``kind`` goes: after numbers, in English order among known
        adjectives ("two small red wooden chairs"), before any other modifier ("tiny lounge chairs")."""
        rank = ADJECTIVE_ORDER.get(kind, 9)
        tokens = [t.lower() for t in self.g["tokens"]]
        k = o["start"]
        while k < o["head"] and (tokens[k] in NUMBERS or tokens[k].isdigit() or tokens[k] in DETERMINERS):
            k += 1
        while k < o["head"]:
            other = self.cats.kind_of(tokens[k], "attributes")
            if other is None or ADJECTIVE_ORDER.get(other, 9) > rank:
                break
            k += 1
        return k

    # ------------------------------------------------------------ the seven types

    def replace_obj(self) -> Negative | None:
        objs = [o for o in self.g["objects"] if self.single_word(o)]
        self.rng.shuffle(objs)
        for o in objs:
            new = self.object_replacement(o["lemma"])
            if new:
                h = o["head"]
                return realise(self.caption, self.g, [(h, h + 1, self.noun_for(new, o))], "replace-obj")
        return None

    def replace_att(self) -> Negative | None:
        pairs = [(o, a) for o in self.g["objects"] for a in o["attributes"] if " " not in a]
        self.rng.shuffle(pairs)
        for o, a in pairs:
            kind = self.cats.kind_of(a, "attributes")
            k = self.attribute_token(o, a)
            if kind is None or k is None:
                continue
            new = self.choose([w for w in self.cats.attributes[kind] if w in self.vocab.attributes
                               and w not in o["attributes"] and not self.cats.related(w, a)])
            if new:
                return realise(self.caption, self.g, [(k, k + 1, match_case(new, self.g["tokens"][k]))],
                               "replace-att")
        return None

    def replace_rel(self) -> Negative | None:
        tokens = [t.lower() for t in self.g["tokens"]]
        surfaces = sorted(self.cats.relations["spatial"], key=lambda s: -len(s.split()))
        rels = list(self.g["relations"])
        self.rng.shuffle(rels)
        for r in rels:
            for i in range(r["start"], r["end"]):
                match = next((s for s in surfaces if tokens[i:i + len(s.split())] == s.split()
                              and i + len(s.split()) <= r["end"]), None)
                if match is None:
                    continue
                options = [s for s in surfaces if s in self.vocab.predicates and not self.cats.related(s, match)]
                new = self.choose(options)
                if new:
                    j = i + len(match.split())
                    return realise(self.caption, self.g, [(i, j, match_case(new, self.g["tokens"][i]))],
                                   "replace-rel")
                break
        return None

    def swap_att(self) -> Negative | None:
        by_kind: dict[str, list[tuple[int, str]]] = {}
        for idx, o in enumerate(self.g["objects"]):
            for a in o["attributes"]:
                kind = self.cats.kind_of(a, "attributes")
                if kind and self.attribute_token(o, a) is not None:
                    by_kind.setdefault(kind, []).append((idx, a))
        kinds = sorted(by_kind)
        self.rng.shuffle(kinds)
        for kind in kinds:
            items = by_kind[kind]
            pairs = [(x, y) for x in items for y in items if x[0] < y[0] and x[1] != y[1]
                     and self.g["objects"][x[0]]["lemma"] != self.g["objects"][y[0]]["lemma"]
                     and y[1] not in self.g["objects"][x[0]]["attributes"]
                     and x[1] not in self.g["objects"][y[0]]["attributes"]]
            if not pairs:
                continue
            (i1, a1), (i2, a2) = self.rng.choice(pairs)
            k1 = self.attribute_token(self.g["objects"][i1], a1)
            k2 = self.attribute_token(self.g["objects"][i2], a2)
            if k1 is None or k2 is None or k1 == k2:
                continue
            t = self.g["tokens"]
            return realise(self.caption, self.g, [(k1, k1 + 1, match_case(a2, t[k1])), (k2, k2 + 1, match_case(a1, t[k2]))],
                           "swap-att")
        return None

    def swap_obj(self) -> Negative | None:
        objs = self.g["objects"]
        rels = [r for r in self.g["relations"] if objs[r["subject"]]["lemma"] != objs[r["object"]]["lemma"]
                and self.single_word(objs[r["subject"]]) and self.single_word(objs[r["object"]])]
        self.rng.shuffle(rels)
        for r in rels:
            s, o = objs[r["subject"]], objs[r["object"]]
            return realise(self.caption, self.g, [(s["head"], s["head"] + 1, self.noun_for(o["lemma"], s)),
                                                  (o["head"], o["head"] + 1, self.noun_for(s["lemma"], o))], "swap-obj")
        return None

    def add_att(self) -> Negative | None:
        objs = [o for o in self.g["objects"] if self.g["offsets"][o["start"]] >= 0 and o["start"] <= o["head"]]
        self.rng.shuffle(objs)
        kinds = ["color", "size", "material"]
        tokens = self.g["tokens"]
        for o in objs:
            have = {self.cats.kind_of(a, "attributes") for a in o["attributes"]}
            for kind in self.rng.sample(kinds, len(kinds)):
                if kind in have:
                    continue
                new = self.choose([w for w in self.cats.attributes[kind] if w in self.vocab.attributes])
                p = self.insertion_point(o, kind)
                if new is None or not self.clean_insertion(p):
                    continue
                if p == 0 and tokens[0][:1].isupper() and tokens[0][1:].islower():  # "Children ..." -> "Small children ..."
                    return realise(self.caption, self.g, [(0, 1, f"{new.capitalize()} {tokens[0].lower()}")], "add-att")
                return realise(self.caption, self.g, [(p, p, match_case(new, tokens[p]))], "add-att")
        return None

    def clean_insertion(self, p: int) -> bool:
        """Not inside a hyphenated word, and not right after another adjective ("black leather cap"
        reads as one shade of colour)."""
        off = self.g["offsets"][p]
        if off > 0 and self.caption[off - 1] != " ":
            return False
        return p == 0 or self.cats.kind_of(self.g["tokens"][p - 1].lower(), "attributes") is None

    def add_obj(self) -> Negative | None:
        """"a man on a bench" -> "a man on a bench and a dog"; after a clause, "... next to a dog"."""
        objs = sorted(self.g["objects"], key=lambda o: o["head"])
        tokens = self.g["tokens"]
        if not objs:
            return None
        kinds = sorted(self.cats.objects)
        self.rng.shuffle(kinds)
        for kind in kinds:
            new = self.choose([w for w in self.cats.objects[kind] if w in self.vocab.objects and w not in self.lemmas
                               and not any(self.cats.related(w, x) for x in self.lemmas)])
            if new is None:
                continue
            last = len(tokens) - 1
            while last > 0 and not any(ch.isalnum() for ch in tokens[last]):
                last -= 1
            link = "and" if last == objs[-1]["head"] else "next to"
            return realise(self.caption, self.g, [(last, last + 1, f"{tokens[last]} {link} {article_for(new)} {new}")],
                           "add-obj")
        return None


EDITS: dict[str, Callable[[Editor], Negative | None]] = {
    "replace-obj": Editor.replace_obj,
    "replace-att": Editor.replace_att,
    "replace-rel": Editor.replace_rel,
    "swap-att": Editor.swap_att,
    "swap-obj": Editor.swap_obj,
    "add-obj": Editor.add_obj,
    "add-att": Editor.add_att,
}


def candidates(caption: str, graph: Graph, categories: Categories, vocab: Vocabulary, types: Sequence[str],
               rng: random.Random) -> list[Negative]:
    """One candidate per requested type (where the caption allows it), in a seeded random order."""
    editor = Editor(caption, graph, categories, vocab, rng)
    order = list(types)
    rng.shuffle(order)
    out = []
    for kind in order:
        neg = EDITS[kind](editor)
        if neg is not None and neg.text != caption:
            out.append(neg)
    return out
