"""Rules that read a text scene graph off a dependency parse.

Objects are the noun heads of the caption, with their compound words ("traffic light");
attributes come from adjectival and participle modifiers ("parked car"), coordinated
modifiers ("black and white cat"), predicative adjectives ("the car is red"); counts from
number words and quantity nouns ("two dogs", "a pair of skis"). Relations come from
prepositions on nouns ("dog on a couch") and on verbs ("sitting on"), multi-word prepositions
("in front of", "next to", "on top of"), verbs and their objects ("man holding a cup", also in
relative and reduced relative clauses), passives with their agent ("a wave ridden by a surfer":
``surfer ride wave``), possessives ("the zebra's head": ``zebra have head``), parts ("the leg of
the man": ``man have leg``), existentials ("there is a car on the track") and coordinated
subjects and objects ("a woman and a child playing frisbee" gives two facts).

The conventions follow FACTUAL (Li et al. 2023): lemmatised predicates, counts as digits,
``have`` for possession and parts, passives turned active. Choices that the convention makes
word by word come from a :class:`~text.scene_graph.lexicon.Lexicon`.
"""

from __future__ import annotations

from text.scene_graph.graph import TextObject, TextRelation, TextSceneGraph
from text.scene_graph.lexicon import ABSORB, ATTRIBUTE, DROP, Lexicon
from text.scene_graph.repairs import repair
from text.scene_graph.tokens import Parse

NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "both": "2", "pair": "2", "couple": "2",
    "dozen": "12",
}
# "a pair of skis": the object is the skis; the quantity noun may give a count.
QUANTITY_NOUNS = {
    "pair", "couple", "group", "bunch", "herd", "flock", "lot", "lots", "number", "crowd", "set",
    "stack", "pile", "bundle", "collection", "variety", "assortment", "handful", "cluster", "team",
    "pack", "swarm", "fleet", "row", "series", "plenty", "dozen", "few",
    "pairs", "couples", "groups", "bunches", "herds", "flocks", "stacks", "piles", "rows", "sets", "bundles",
}
# "in front of", "on top of", "on the side of": the noun is part of the preposition.
PREPOSITION_NOUNS = {
    "front", "top", "side", "sides", "back", "middle", "edge", "left", "right", "bottom", "end",
    "center", "centre", "corner", "rear", "base", "underside", "inside", "outside",
}
# Pronouns that stand for a thing in the graph ("something orange").
INDEFINITE_OBJECTS = {"something", "someone", "somebody", "everyone", "everybody", "anything", "nothing"}
PERSON_PRONOUNS = {"he": "man", "him": "man", "his": "man", "himself": "man",
                   "she": "woman", "her": "woman", "hers": "woman", "herself": "woman"}
THING_PRONOUNS = {"it", "its", "itself", "they", "them", "their", "theirs", "themselves"}
RELATIVE_PRONOUNS = {"who", "that", "which", "whom", "whose", "what"}
DEMONSTRATIVES = {"this", "that", "these", "those", "it"}
# Modifiers that are determiners in all but name: never attributes.
NON_ATTRIBUTES = {
    "many", "several", "few", "other", "another", "each", "every", "numerous", "various", "more",
    "most", "much", "some", "such", "own", "certain", "multiple", "only", "one", "single", "all",
    "which", "what", "lots", "plenty",
}
LINKING_VERBS = {"be", "look", "seem", "appear", "become", "remain", "stay", "feel"}
# "standing next to", "jutting out of": an adverb that makes a preposition with the next word.
ADVERB_PREPOSITIONS = {"next", "close", "far", "away", "out", "together", "right"}
# Passives turned active with the prepositional object as subject ("a field covered in snow").
PASSIVE_INVERTED = {"cover", "surround", "top", "crowd", "decorate"}
SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj")
OBJECT_DEPS = ("dobj", "dative", "oprd")

DEFAULT_LEXICON = Lexicon()
SELF = -1  # stands for the subject of the relation ("each other")


class _Builder:
    def __init__(self, p: Parse, lex: Lexicon) -> None:
        self.p = p
        self.lex = lex
        self.graph = TextSceneGraph(tokens=list(p.text))
        self.obj_of: dict[int, int] = {}  # head token -> object index
        self.rel_keys: set[tuple[int, str, int]] = set()

    # ------------------------------------------------------------ objects

    def of_decision(self, i: int) -> str | None:
        """How "X of Y" reads when ``i`` is X: absorbed into Y, an attribute of Y, or a part."""
        p = self.p
        if self.of_object(i) is None:
            return None
        if p.lower[i] in QUANTITY_NOUNS:
            return ABSORB
        if p.lower[i] in PREPOSITION_NOUNS and p.dep[i] == "pobj":
            return ABSORB
        return self.lex.of_nouns.get(p.lemma[i])

    def is_object_head(self, i: int) -> bool:
        p = self.p
        low = p.lower[i]
        if p.pos[i] == "PRON":
            return low in INDEFINITE_OBJECTS
        if self.is_each_other(i):
            return False
        if p.pos[i] not in ("NOUN", "PROPN") and not (low == "one" and p.dep[i] in ("nsubj", "dobj", "pobj")):
            return False
        if p.dep[i] in ("compound", "nmod", "npadvmod", "amod") and p.head[i] != i and p.pos[p.head[i]] in (
            "NOUN", "PROPN", "ADJ", "VERB"
        ):
            return False
        return self.of_decision(i) not in (ABSORB, ATTRIBUTE)

    def is_each_other(self, i: int) -> bool:
        p = self.p
        return p.lower[i] in ("other", "another") and any(p.lower[c] in ("each", "one") for c in p.children[i])

    def of_object(self, i: int) -> int | None:
        """The noun after "of" hanging on ``i`` ("pair of skis" -> skis)."""
        for c in self.p.kids(i, "prep"):
            if self.p.lower[c] == "of":
                objs = self.p.kids(c, "pobj")
                if objs:
                    return objs[0]
        return None

    def compound_chain(self, i: int) -> list[int]:
        """Compound modifiers of ``i`` (and theirs), in token order."""
        out: list[int] = []
        stack = [c for c in self.p.children[i] if self.p.dep[c] == "compound" and c < i]
        while stack:
            c = stack.pop()
            out.append(c)
            stack.extend(k for k in self.p.children[c] if self.p.dep[k] in ("compound", "punct") and k < c)
        return sorted(out)

    def add_object(self, i: int) -> None:
        p = self.p
        name_tokens = [i]
        attrs: list[tuple[int, str]] = []
        for c in self.compound_chain(i):
            if p.pos[c] == "PUNCT":
                name_tokens.append(c)
                continue
            decision = ATTRIBUTE if p.pos[c] == "ADJ" else self.lex.compound(p.lower[c], p.lower[i])
            if decision == ATTRIBUTE:
                attrs.append((c, p.lower[c]))
            elif decision != DROP:
                name_tokens.append(c)
        name_tokens.sort()
        while name_tokens and p.pos[name_tokens[0]] == "PUNCT":
            name_tokens.pop(0)
        for c in p.kids(i, "amod"):  # "hot dog", "polar bear": the adjective is part of the name
            if c == name_tokens[0] - 1 and f"{p.lower[c]}|{p.lower[i]}" in self.lex.name_adjectives:
                name_tokens.insert(0, c)
        name = _join([p.lower[t] for t in name_tokens])
        lemma = _join([p.lower[t] for t in name_tokens[:-1]] + [p.lemma[name_tokens[-1]]])
        if p.pos[i] == "PRON":
            name = lemma = p.lower[i]
        count = None
        for c in p.children[i]:
            if c in name_tokens:
                continue
            if (p.dep[c] in ("amod", "nmod", "npadvmod") and c < i) or p.dep[c] == "amod":
                attrs += self.attribute_tree(c)
            elif p.dep[c] == "nummod" or (p.dep[c] in ("det", "predet") and p.lower[c] == "both"):
                count = _count(p.lower[c]) or count
        modifiers = [c for c in p.children[i] if c < i and p.dep[c] in ("amod", "nummod", "compound", "nmod", "npadvmod")]
        first = min([i, *name_tokens, *modifiers])
        obj = TextObject(name=name, lemma=lemma, head=i, span=(first, i + 1),
                         attributes=self.merge_adjectives(attrs), count=count,
                         label=self.lex.noun_map.get(lemma, name))
        self.obj_of[i] = len(self.graph.objects)
        self.graph.objects.append(obj)

    def attribute_tree(self, a: int) -> list[tuple[int, str]]:
        """An adjectival modifier and its coordinated siblings, as (token, attribute) pairs."""
        p = self.p
        out: list[tuple[int, str]] = []
        if (
            p.pos[a] in ("ADJ", "VERB", "NOUN", "PROPN")
            and p.lower[a] not in NON_ATTRIBUTES
            and not (p.pos[a] in ("NOUN", "PROPN") and p.dep[a] in ("npadvmod", "advmod"))
        ):
            words = [p.lower[a]]
            for c in p.children[a]:
                if p.dep[c] == "npadvmod" and c < a:
                    words.insert(0, p.lower[c])
                elif p.dep[c] == "prt":
                    words.append(p.lower[c])
            out.append((a, " ".join(words)))
        for c in p.kids(a, "conj"):
            out += self.attribute_tree(c)
        return out

    def merge_adjectives(self, attrs: list[tuple[int, str]]) -> list[str]:
        """"dark green": a shade word written right before another adjective is one attribute."""
        attrs = sorted(attrs)
        out: list[str] = []
        k = 0
        while k < len(attrs):
            tok, word = attrs[k]
            if k + 1 < len(attrs) and attrs[k + 1][0] == tok + 1 and word in self.lex.adjective_prefixes:
                out.append(f"{word} {attrs[k + 1][1]}")
                k += 2
                continue
            out.append(word)
            k += 1
        return list(dict.fromkeys(out))

    # ------------------------------------------------------------ resolution

    def resolve(self, i: int) -> list[int]:
        """Objects token ``i`` stands for: itself, a quantity's noun, a pronoun's antecedent."""
        p = self.p
        if i in self.obj_of:
            return [self.obj_of[i]]
        if self.of_decision(i) in (ABSORB, ATTRIBUTE):
            return self.resolve(self.of_object(i))  # type: ignore[arg-type]
        if p.pos[i] == "PRON" and p.lower[i] not in RELATIVE_PRONOUNS:
            return self.antecedent(i)
        if self.is_each_other(i):
            return [SELF]  # "next to each other": the subject itself
        return []

    def antecedent(self, i: int) -> list[int]:
        p = self.p
        low = p.lower[i]
        if low not in PERSON_PRONOUNS and low not in THING_PRONOUNS:
            return []
        ancestors = []
        j = i
        while p.head[j] != j:
            j = p.head[j]
            if j in self.obj_of:
                ancestors.append(j)
        # "a napkin with a fork on it": "it" is not the fork it hangs on, but what that hangs on
        candidates = ancestors[1:] if low in THING_PRONOUNS else ancestors
        if candidates:
            return [self.obj_of[candidates[0]]]
        firsts = [k for k in sorted(self.obj_of) if k < i and k not in ancestors[:1]]
        if firsts:
            return [self.obj_of[firsts[0]]]
        if low in PERSON_PRONOUNS:  # a person with no antecedent: the convention writes man / woman
            self.obj_of[i] = len(self.graph.objects)
            name = PERSON_PRONOUNS[low]
            self.graph.objects.append(TextObject(name=name, lemma=name, head=i, span=(i, i + 1)))
            return [self.obj_of[i]]
        return []

    def with_conjuncts(self, i: int) -> list[int]:
        """``i`` and the words coordinated with it ("a woman and a child")."""
        out = [i]
        stack = list(self.p.kids(i, "conj"))
        while stack:
            c = stack.pop()
            out.append(c)
            stack.extend(self.p.kids(c, "conj"))
        return sorted(out)

    def objects_of(self, tokens: list[int]) -> list[int]:
        out: list[int] = []
        for t in tokens:
            for o in self.resolve(t):
                if o not in out:
                    out.append(o)
        return out

    # ------------------------------------------------------------ relations

    def relate(self, s: int, pred: str, o: int, span: tuple[int, int], via: str) -> None:
        pred = " ".join(pred.split())
        if not pred or s == SELF:
            return
        o = s if o == SELF else o
        obj_key = f"{pred}|{self.graph.objects[o].lemma}"
        if obj_key in self.lex.predicate_by_object:
            pred = self.lex.predicate_by_object[obj_key]
        elif pred in self.lex.inverted_predicates:
            s, o, pred = o, s, self.lex.inverted_predicates[pred]
        else:
            pred = self.lex.predicate_map.get(pred, pred)
        if s == o and pred == "have":
            return
        key = (s, pred, o)
        if key not in self.rel_keys:
            self.rel_keys.add(key)
            self.graph.relations.append(TextRelation(s, pred, o, span, via))

    def prep_phrase(self, prep: int) -> tuple[str, list[int], list[int]]:
        """A preposition's words, the tokens of its objects, and its own tokens.

        "in front of the building" -> ("in front of", [building], [in, front, of]).
        """
        p = self.p
        fixed = [c for c in p.kids(prep, "compound") if c > prep]  # UD's "in front of": in -> front, of
        words = [p.lower[prep]] + [p.lower[c] for c in fixed]
        h = p.head[prep]
        if p.lower[prep] == "of" and p.lower[h] in ("left", "right") and p.lemma[h] == "be":
            words.insert(0, p.lower[h])  # "the star is left of the diamond"
        used = [prep, *fixed]
        objs = p.kids(prep, "pobj")
        if not objs:  # "out of", "next to": the second word carries the object
            for c in p.kids(prep, "prep"):
                if p.kids(c, "pobj"):
                    words.append(p.lower[c])
                    used.append(c)
                    objs = p.kids(c, "pobj")
                    break
        if len(objs) == 1 and p.lower[objs[0]] in PREPOSITION_NOUNS:
            n = objs[0]
            for c in p.kids(n, "prep"):
                inner = p.kids(c, "pobj")
                if p.lower[c] in ("of", "to") and inner:
                    mods = [p.lower[m] for m in p.children[n] if p.dep[m] in ("amod", "compound") and m < n]
                    words += [*mods, p.lower[n], p.lower[c]]
                    used += [n, c]
                    objs = inner
                    break
        targets: list[int] = []
        for t in objs:
            targets += self.with_conjuncts(t)
        return " ".join(words), targets, used

    def noun_relations(self, n: int) -> None:
        p = self.p
        subjects = self.resolve(n)
        if not subjects:
            return
        s = subjects[0]
        decision = self.of_decision(n)
        for c in p.children[n]:
            if p.dep[c] == "poss":
                for owner in self.objects_of([c]):
                    self.relate(owner, "have", s, (c, c + 1), "possessive")
            elif p.dep[c] == "prep":
                low = p.lower[c]
                if low == "of" and decision in (ABSORB, ATTRIBUTE):
                    continue
                words, targets, used = self.prep_phrase(c)
                span = (min(used), max(used) + 1)
                for o in self.objects_of(targets):
                    if low == "of":  # "the leg of the man": man have leg
                        self.relate(o, "have", s, span, "of")
                    else:
                        self.relate(s, words, o, span, "preposition")
            elif p.dep[c] == "advmod" and p.lower[c] in ADVERB_PREPOSITIONS:
                for q in p.kids(c, "prep"):
                    words, targets, used = self.prep_phrase(q)
                    for o in self.objects_of(targets):
                        self.relate(s, f"{p.lower[c]} {words}", o, (c, max(used) + 1), "preposition")
        if decision == ATTRIBUTE:  # "a piece of cake": cake is piece
            target = self.graph.objects[s]
            if p.lower[n] not in target.attributes:
                target.attributes.append(p.lower[n])
        elif decision == ABSORB:  # "a pair of black skis": skis, 2, black; "three pairs of shoes": 3
            target = self.graph.objects[s]
            count = NUMBER_WORDS.get(p.lower[n]) if p.lower[n] in ("pair", "couple", "dozen") else None
            for c in p.kids(n, "nummod"):
                count = _count(p.lower[c]) or count
            target.count = target.count or count

    def verb_subjects(self, v: int, depth: int = 0) -> list[int]:
        p = self.p
        subj_tokens: list[int] = []
        for c in p.kids(v, *SUBJECT_DEPS):
            if p.lower[c] in RELATIVE_PRONOUNS and p.dep[v] == "relcl":
                continue
            if p.lower[c] in DEMONSTRATIVES and p.kids(v, "attr"):
                continue  # "this is grass at the field": the subject is the attr
            subj_tokens += self.with_conjuncts(c)
        if not subj_tokens and p.lemma[v] == "be":  # "there is a car on the track"
            for a in p.kids(v, "attr"):
                subj_tokens += self.with_conjuncts(a)
        if not subj_tokens and p.dep[v] in ("acl", "relcl") and p.head[v] != v:
            h = p.head[v]
            while p.dep[h] == "conj" and p.head[h] != h:  # "a woman and a child playing"
                h = p.head[h]
            # "a woman wearing a jacket holding a hawk", "a man in a red shirt holding a bat":
            # the clause is about the wearer, not the clothes
            g = p.head[h]
            if p.tag[v] == "VBG" and p.dep[h] == "dobj" and p.lemma[g] == "wear" and g != h:
                return self.verb_subjects(g, depth + 1)
            if p.tag[v] == "VBG" and p.dep[h] == "pobj" and p.lower[g] == "in" and p.head[g] in self.obj_of:
                return [self.obj_of[p.head[g]]]
            subj_tokens = self.with_conjuncts(h)
        if not subj_tokens and depth < 3 and p.dep[v] in ("conj", "advcl", "xcomp", "pcomp") and p.head[v] != v:
            return self.verb_subjects(p.head[v], depth + 1)
        return self.objects_of(subj_tokens)

    def verb_relations(self, v: int) -> None:
        p = self.p
        if p.kids(v, "neg"):  # "the cat is not on the mat": a negated clause states no fact
            return
        subjects = self.verb_subjects(v)
        if not subjects:
            return
        lemma = p.lemma[v]
        is_be = lemma == "be"
        passive = p.tag[v] == "VBN" and (bool(p.kids(v, "auxpass")) or p.dep[v] in ("acl", "amod"))
        preps = p.kids(v, "prep")
        objects = self.objects_of([t for c in p.kids(v, *OBJECT_DEPS) for t in self.with_conjuncts(c)])
        # "a camera the hand is holding": the relative clause's own subject acts on its head
        if p.dep[v] == "relcl" and not objects and p.head[v] in self.obj_of:
            if [c for c in p.kids(v, "nsubj") if p.lower[c] not in RELATIVE_PRONOUNS]:
                objects = [self.obj_of[p.head[v]]]
        particles = [p.lower[c] for c in p.kids(v, "prt")]
        base = "" if is_be else " ".join([lemma, *particles]) if not preps else lemma
        produced = False
        located = bool(objects and preps)
        if not (lemma == "have" and located):
            for s in subjects:
                for o in objects:
                    self.relate(s, base or lemma, o, (v, v + 1), "verb")
                    produced = True
        for prep in preps:
            low = p.lower[prep]
            words, targets, used = self.prep_phrase(prep)
            span = (min(v, *used), max(v, *used) + 1)
            for o in self.objects_of(targets):
                produced = True
                if passive and (low == "by" or (lemma in PASSIVE_INVERTED and low in ("in", "with"))):
                    for s in subjects:
                        self.relate(o, lemma, s, span, "passive")
                elif located:  # "wearing a cap on her head", "putting a cup on the table": the object is there
                    for thing in objects:
                        if thing != o:
                            self.relate(thing, words, o, span, "preposition")
                else:
                    for s in subjects:
                        self.relate(s, f"{base} {words}", o, span, "verb")
        for agent in p.kids(v, "agent"):
            for o in self.objects_of([t for c in p.kids(agent, "pobj") for t in self.with_conjuncts(c)]):
                for s in subjects:
                    self.relate(o, lemma, s, (v, agent + 1), "passive")
                    produced = True
        for adv in p.kids(v, "advmod", "acomp"):
            if p.lower[adv] in ADVERB_PREPOSITIONS:
                for q in p.kids(adv, "prep"):
                    words, targets, used = self.prep_phrase(q)
                    for o in self.objects_of(targets):
                        for s in subjects:
                            if objects:  # "riding a horse next to a woman": the rider is next to her
                                self.relate(s, f"{p.lower[adv]} {words}", o, (adv, max(used) + 1), "preposition")
                            else:
                                self.relate(s, f"{base} {p.lower[adv]} {words}", o, (v, max(used) + 1), "verb")
                            produced = True
        if is_be or lemma in LINKING_VERBS:
            for a in p.kids(v, "acomp"):
                if p.lower[a] in ADVERB_PREPOSITIONS and p.kids(a, "prep"):
                    continue
                for _, attr in self.attribute_tree(a):
                    for s in subjects:
                        if attr not in self.graph.objects[s].attributes:
                            self.graph.objects[s].attributes.append(attr)
                produced = True
        if not produced and not is_be and lemma != "have" and p.pos[v] == "VERB":
            word = " ".join([p.lower[v], *particles])  # "a man walking": man is walking
            for s in subjects:
                if word not in self.graph.objects[s].attributes:
                    self.graph.objects[s].attributes.append(word)

    # ------------------------------------------------------------ driver

    def build(self) -> TextSceneGraph:
        p = self.p
        for i in range(len(p)):
            if self.is_object_head(i):
                self.add_object(i)
        for i in range(len(p)):
            if i in self.obj_of or self.of_decision(i) in (ABSORB, ATTRIBUTE):
                self.noun_relations(i)
        for i in range(len(p)):
            if p.pos[i] in ("VERB", "AUX") and (p.dep[i] not in ("aux", "auxpass") or p.head[i] == i):
                self.verb_relations(i)
        return self.graph


def _count(word: str) -> str | None:
    if word in NUMBER_WORDS:
        return NUMBER_WORDS[word]
    if word.isdigit() and int(word) > 1:
        return word
    return None


def _join(words: list[str]) -> str:
    return " ".join(words).replace(" - ", "-").replace(" -", "-").replace("- ", "-")


def build_graph(parse: Parse, lexicon: Lexicon = DEFAULT_LEXICON) -> TextSceneGraph:
    """The text scene graph of one parsed caption."""
    if len(parse) == 0:
        return TextSceneGraph(tokens=[])
    return _Builder(repair(parse), lexicon).build()
