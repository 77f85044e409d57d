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
    offset = doc[0].i if len(doc) else 0
    return Parse(
        text=[t.text for t in doc],
        lemma=[t.lemma_.lower() for t in doc],
        pos=[t.pos_ for t in doc],
        tag=[t.tag_ for t in doc],
        dep=[t.dep_ for t in doc],
        head=[t.head.i - offset for t in doc],
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

    ``words`` have ``text, lemma, upos, xpos, deprel`` and 1-based ``head`` (0 = root).
    UD attaches a preposition to its noun (``case``) and the noun to the verb or noun it
    modifies (``obl``/``nmod``); ClearNLP hangs the preposition on the governor (``prep``)
    and the noun on the preposition (``pobj``). The first multi-word preposition token is
    the one moved. UD also makes the predicate adjective or noun the head of a copula
    clause; that is turned around so the verb "be" heads it, as in spaCy.
    """
    n = len(words)
    text = [w["text"] for w in words]
    lemma = [(w.get("lemma") or w["text"]).lower() for w in words]
    pos = [w.get("upos", "X") for w in words]
    tag = [w.get("xpos", "") or "" for w in words]
    head = [(w["head"] - 1) if w["head"] > 0 else i for i, w in enumerate(words)]
    rel = [w["deprel"] for w in words]
    dep = [_UD_TO_CLEAR.get(r, r.split(":")[0]) for r in rel]

    # Copula: "the car is red" -> UD: red <-nsubj- car, red <-cop- is. Make "is" the head.
    for c in range(n):
        if rel[c] != "cop":
            continue
        pred = head[c]
        head[c], dep[c] = head[pred], dep[pred] if head[pred] != pred else "ROOT"
        if head[pred] == pred:
            head[c] = c
        for k in range(n):
            if k != c and head[k] == pred and rel[k] in ("nsubj", "nsubj:pass", "aux", "expl", "punct",
                                                          "advmod", "obl", "mark"):
                head[k] = c
        head[pred] = c
        dep[pred] = "acomp" if pos[pred] == "ADJ" else "attr"
    # Prepositions: noun <-case- prep becomes governor -prep-> prep -pobj-> noun.
    for noun in range(n):
        if rel[noun].split(":")[0] not in ("obl", "nmod") or rel[noun] == "nmod:poss":
            continue
        cases = [k for k in range(n) if head[k] == noun and rel[k] == "case"]
        if not cases:
            continue
        prep = cases[0]
        governor = head[noun]
        head[prep], dep[prep] = governor, "agent" if lemma[prep] == "by" and "pass" in " ".join(
            rel[k] for k in range(n) if head[k] == governor) else "prep"
        head[noun], dep[noun] = prep, "pobj"
        for extra in cases[1:]:  # "in front of": keep the rest as part of the preposition
            head[extra], dep[extra] = prep, "compound"
    # Adjectival clauses: UD acl is ClearNLP acl; conj and cc carry over.
    return Parse(text=text, lemma=lemma, pos=pos, tag=tag, dep=dep, head=head)
