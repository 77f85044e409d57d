"""Repairs of dependency parses of caption fragments.

Statistical parsers are trained on full sentences; captions are mostly noun phrases
("clock hanging on the ceiling", "pear on the plate"), where a small model makes the same
few mistakes again and again: the first noun read as a verb, the subject of a participle read
as a compound, a preposition read as a particle, a noun in object position tagged as an
adjective. Each repair below undoes one such pattern on the labels, before the rules run.
"""

from __future__ import annotations

from dataclasses import replace

from text.scene_graph.tokens import Parse


def repair(parse: Parse) -> Parse:
    """A copy of ``parse`` with its labels repaired."""
    p = replace(parse, dep=list(parse.dep), pos=list(parse.pos), lemma=list(parse.lemma), tag=list(parse.tag))
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
        # "an older many/ADJ ... holds": a determined subject or object is a noun, whatever its tag.
        elif dep in ("nsubj", "dobj", "pobj") and pos in ("ADJ", "DET") and p.kids(i, "det"):
            p.pos[i] = "NOUN"
        p.lemma[i] = fixed_lemma(p.lower[i], p.lemma[i], p.tag[i])
        # "man skiing down/prt mountain", "shown to/dative the left": a preposition with an object
        if dep in ("prt", "dative") and pos == "ADP" and p.kids(i, "pobj"):
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
    return _trailing_participles(_gerund_heads(p))


def _trailing_participles(p: Parse) -> Parse:
    """"laying down on a sofa laughing": the caption ends in a participle of its subject, which
    spaCy reads as the preposition's object, the noun before it its compound (made its subject
    by the repair above). The noun becomes the preposition's object again and the participle a
    clause of the verb, so the woman laughs, not the sofa."""
    head = list(p.head)
    moved = False
    for v in range(len(p)):
        prep = head[v]
        if not (p.dep[v] == "pcomp" and p.tag[v] == "VBG" and p.pos[prep] == "ADP" and head[prep] != prep
                and p.pos[head[prep]] in ("VERB", "AUX")):
            continue
        nouns = [c for c in p.children[v] if p.dep[c] in ("compound", "nsubj") and c < v and p.pos[c] in ("NOUN", "PROPN")]
        if not nouns or any(p.dep[c] in ("dobj", "prep") for c in p.children[v]):
            continue
        noun = nouns[-1]
        head[noun], p.dep[noun] = prep, "pobj"
        for k in range(len(p)):
            if head[k] == v and k < noun:  # the noun's determiner and modifiers stay with it
                head[k] = noun
        head[v], p.dep[v] = head[prep], "advcl"
        moved = True
    return replace(p, head=head) if moved else p


def _gerund_heads(p: Parse) -> Parse:
    """"a yellow square/amod sitting/NOUN left of ...": the -ing word is a participle of the noun
    before it. The noun becomes the head, the participle its clause (heads move here)."""
    head = list(p.head)
    moved = False
    for x in range(1, len(p)):
        c = x - 1
        if (p.pos[x] == "NOUN" and p.lower[x].endswith("ing") and gerund_lemma(p.lower[x]) in SCENE_VERBS
                and head[c] == x and p.dep[c] in ("amod", "compound")
                and p.pos[c] in ("NOUN", "ADJ") and p.kids(x, "prep", "acl", "advmod")):
            head[c], p.dep[c], p.pos[c] = (c if head[x] == x else head[x]), p.dep[x], "NOUN"
            head[x], p.dep[x], p.pos[x], p.tag[x] = c, "acl", "VERB", "VBG"
            p.lemma[x] = gerund_lemma(p.lower[x])
            for k in range(len(p)):
                if head[k] == x and k < c:  # the noun's own modifiers ("a medium yellow")
                    head[k] = c
            moved = True
    return replace(p, head=head) if moved else p


# Verbs of captions whose -ing form a small tagger takes for a noun ("a dog sitting/NOUN on ...");
# nouns in -ing ("building", "railing", "ceiling") are not verbs of this list.
SCENE_VERBS = {"sit", "stand", "lie", "lay", "walk", "run", "hang", "rest", "float", "fly", "sleep", "ride",
               "swim", "eat", "play", "jump", "graze", "look", "hold", "wear", "carry", "lean", "perch", "land",
               "seat", "drink", "stare", "wait", "climb", "skate", "surf", "ski", "drive"}
IRREGULAR_GERUNDS = {"lying": "lie", "dying": "die", "tying": "tie", "being": "be"}
E_VERBS = {"rid", "graz", "driv", "mak", "tak", "hav", "us", "danc", "pos", "smil", "skat", "glid", "div",
           "hik", "sho", "wav", "serv", "bak", "slid", "mov", "com", "giv", "liv", "leav", "rac", "fac"}


def fixed_lemma(word: str, lemma: str, tag: str) -> str:
    """spaCy's lemma, except where it cuts an -ing form short ("riding" -> "rid": ride)."""
    if tag == "VBG" and word.endswith("ing") and lemma == word[:-3] in E_VERBS:
        return lemma + "e"
    return lemma


def gerund_lemma(word: str) -> str:
    """The base verb of an -ing form the tagger took for a noun: sitting -> sit, riding -> ride."""
    if word in IRREGULAR_GERUNDS:
        return IRREGULAR_GERUNDS[word]
    stem = word[:-3]
    if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "ls":
        return stem[:-1]
    return stem + "e" if stem in E_VERBS else stem

