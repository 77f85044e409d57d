"""A parser-neutral view of one dependency-parsed caption.

The scene-graph rules read a :class:`Parse`: per token its text, lower-case form, lemma,
coarse and fine part of speech, dependency label and head, in spaCy's English label set
(ClearNLP: ``nsubj dobj prep pobj amod compound acl relcl ...``). spaCy docs convert directly;
Universal Dependencies parses (stanza) are restructured into the same shape by
:func:`from_ud`, so one set of rules serves both backends.

Shapes: ``n`` tokens; every list has length ``n``; ``head[i] == i`` for the root.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Parse:
    text: list[str]
    lemma: list[str]
    pos: list[str]  # universal POS: NOUN, VERB, ADJ, ...
    tag: list[str]  # fine tag: NNS, VBG, VBN, ...
    dep: list[str]  # ClearNLP-style label
    head: list[int]
    lower: list[str] = field(init=False)
    children: list[list[int]] = field(init=False)

    def __post_init__(self) -> None:
        self.lower = [t.lower() for t in self.text]
        self.children = [[] for _ in self.text]
        for i, h in enumerate(self.head):
            if h != i:
                self.children[h].append(i)

    def __len__(self) -> int:
        return len(self.text)

    def kids(self, i: int, *deps: str) -> list[int]:
        return [c for c in self.children[i] if self.dep[c] in deps]

    def subtree_span(self, i: int) -> tuple[int, int]:
        """The [start, end) token span of the subtree of ``i``."""
        lo = hi = i
        stack = [i]
        while stack:
            j = stack.pop()
            lo, hi = min(lo, j), max(hi, j)
            stack.extend(self.children[j])
        return lo, hi + 1


def from_spacy(doc: Any) -> Parse:
    """A spaCy ``Doc`` (or ``Span``) as a :class:`Parse`."""
    tokens = list(doc)  # each pass over a doc makes its Token objects anew: one pass
    offset = tokens[0].i if tokens else 0
    return Parse(
        text=[t.text for t in tokens],
        lemma=[t.lemma_.lower() for t in tokens],
        pos=[t.pos_ for t in tokens],
        tag=[t.tag_ for t in tokens],
        dep=[t.dep_ for t in tokens],
        head=[t.head.i - offset for t in tokens],
    )


# Universal Dependencies relation -> the ClearNLP label the rules expect.
_UD_TO_CLEAR = {
    "obj": "dobj", "iobj": "dative", "nsubj:pass": "nsubjpass", "aux:pass": "auxpass",
    "acl:relcl": "relcl", "compound:prt": "prt", "nmod:poss": "poss", "nummod": "nummod",
    "obl:npmod": "npadvmod", "nmod:npmod": "npadvmod", "obl:tmod": "npadvmod",
    "flat": "compound", "fixed": "compound", "xcomp": "xcomp", "expl": "expl", "cop": "cop",
}


def from_ud(words: Sequence[dict[str, Any]]) -> Parse:
    """A Universal Dependencies sentence (stanza's ``to_dict()`` words) as a :class:`Parse`.

    ``words`` have ``text, lemma, upos, xpos, deprel`` and a 1-based ``head`` (0 = root).
    Two UD choices are turned around to match ClearNLP: the predicate of a copula clause
    heads it in UD ("red <-cop- is"), the verb "be" in ClearNLP; and UD hangs a preposition
    on its noun ("bench -case-> on"), ClearNLP the noun on the preposition ("on -pobj->
    bench") and the preposition on what it modifies.
    """
    n = len(words)
    text = [w["text"] for w in words]
    lemma = [(w.get("lemma") or w["text"]).lower() for w in words]
    pos = [w.get("upos", "X") for w in words]
    tag = [w.get("xpos", "") or "" for w in words]
    head = [(w["head"] - 1) if w["head"] > 0 else i for i, w in enumerate(words)]
    rel = [w["deprel"] for w in words]
    dep = ["ROOT" if head[i] == i else _UD_TO_CLEAR.get(r, r.split(":")[0]) for i, r in enumerate(rel)]

    def cases_of(k: int) -> list[int]:
        return [c for c in range(n) if head[c] == k and rel[c] == "case"]

    def hang_preposition(noun: int, governor: int) -> None:
        first, *rest = cases_of(noun)
        head[first], dep[first] = governor, "prep"
        head[noun], dep[noun] = first, "pobj"
        for extra in rest:  # "in front of": the other words stay with the first
            head[extra], dep[extra] = first, "compound"

    for c in range(n):  # copulas: "is" heads the clause
        if rel[c] != "cop":
            continue
        pred = head[c]
        if head[pred] == pred:
            head[c], dep[c] = c, "ROOT"
        else:
            head[c], dep[c] = head[pred], dep[pred]
        for k in range(n):
            if k not in (c, pred) and head[k] == pred and rel[k].split(":")[0] in (
                "nsubj", "aux", "expl", "punct", "advmod", "mark", "obl"
            ):
                head[k] = c
        if cases_of(pred):  # "the car is on the road"
            hang_preposition(pred, c)
        else:
            head[pred], dep[pred] = c, ("acomp" if pos[pred] == "ADJ" else "attr")
    for noun in range(n):  # obliques and noun modifiers with a preposition
        if rel[noun].split(":")[0] in ("obl", "nmod") and rel[noun] != "nmod:poss" and cases_of(noun):
            governor = head[noun]
            passive = any(rel[k] in ("aux:pass", "nsubj:pass") for k in range(n) if head[k] == governor)
            hang_preposition(noun, governor)
            first = head[noun]
            if lemma[first] == "by" and passive:
                dep[first] = "agent"
    return Parse(text=text, lemma=lemma, pos=pos, tag=tag, dep=dep, head=head)
