"""Repairs of dependency parses of caption fragments.

Statistical parsers are trained on full sentences; captions are mostly noun phrases
("clock hanging on the ceiling", "pear on the plate"), where a small model makes the same
few mistakes again and again: the first noun read as a verb, the subject of a participle read
as a compound, a preposition read as a particle, a noun in object position tagged as an
adjective. Each repair below undoes one such pattern on the labels, before the rules run.
"""

from __future__ import annotations

from dataclasses import replace

from stages.scene_graph.tokens import Parse


def repair(parse: Parse) -> Parse:
    """A copy of ``parse`` with its labels repaired."""
    p = replace(parse, dep=list(parse.dep), pos=list(parse.pos), lemma=list(parse.lemma))
    n = len(p)
    for i in range(n):
        dep, pos = p.dep[i], p.pos[i]
        h = p.head[i]
        # "pear on the plate": a caption-initial base-form "verb" with a preposition is a noun.
        if i == 0 and dep == "ROOT" and pos == "VERB" and p.tag[i] in ("VB", "VBP", "VBZ", "NNS") and not p.kids(
            i, "nsubj", "dobj", "nsubjpass"
        ) and (p.kids(i, "prep") or p.kids(i, "xcomp", "acl")):
            p.pos[i] = "NOUN"
            for c in p.kids(i, "xcomp"):
                p.dep[c] = "acl"
        # "napkin/ADJ" as the object of a preposition: a noun slot holds a noun.
        elif dep in ("pobj", "dobj") and pos in ("ADJ", "X") and not p.children[i]:
            p.pos[i] = "NOUN"
        elif dep == "pobj" and pos in ("ADJ", "X") and p.kids(i, "det", "amod", "compound"):
            p.pos[i] = "NOUN"
        # "hanging from building/VBG": a bare gerund object of a preposition is a noun.
        elif dep == "pcomp" and pos == "VERB" and not p.children[i]:
            p.pos[i], p.dep[i] = "NOUN", "pobj"
        # "man skiing down/prt mountain": a particle with an object is a preposition.
        if dep == "prt" and p.kids(i, "pobj"):
            p.dep[i] = "prep"
        # "a circle left/VERB of a square", "a triangle right/amod of a star": a preposition
        if p.lower[i] in ("left", "right") and p.dep[i] != "pobj" and any(p.lower[c] == "of" for c in p.kids(i, "prep")):
            if p.kids(i, "nsubj", "nsubjpass"):  # "the star is left of the diamond": be + "left of"
                p.pos[i], p.lemma[i] = "AUX", "be"
            elif dep != "ROOT":
                p.pos[i], p.dep[i] = "ADP", "prep"
        if h == i:
            continue
        hpos = p.pos[h]
        # "clock/compound hanging/VERB": the subject of a participle, not a compound.
        if dep == "compound" and pos in ("NOUN", "PROPN") and hpos == "VERB" and i < h:
            p.dep[i] = "nsubj"
        # "a kitten/amod plays", "lady/npadvmod holding": a noun before its verb is its subject.
        elif dep in ("amod", "npadvmod") and hpos == "VERB" and i < h and pos in ("NOUN", "PROPN", "ADJ") and not p.kids(
            h, "nsubj", "nsubjpass"
        ) and p.dep[h] in ("ROOT", "conj"):
            p.dep[i], p.pos[i] = "nsubj", "NOUN"
    return p

