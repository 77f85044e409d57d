"""What fits with what, counted on a corpus's own text scene graphs.

:class:`CorpusWords` holds the counts the edits draw their replacements from: which
attributes a noun takes (a person is tall or young, not metal), which predicates join which
subjects and objects ("a dog runs in the dirt", never "inside the dirt"), which phrases attach
to which nouns ("a man with a hat", "a bench next to a tree"), how each predicate is written,
which nouns are used alike (distributional neighbours, the candidates of ``replace-obj``), which
name one thing across the captions of an image and which verbs say one thing of it ("sit" /
"ride" a horse; which predicates say one thing of an object, "fly" / "hold" a kite: co-reference,
see :func:`text.negatives.lexical.coreferent_pairs`), and how
reliably the parser reads a word as a noun or an attribute: a word it misreads in real captions
would make a negative it cannot verify.

Shapes: rows as in the ``text_graphs`` artifact (``image_id``, ``tokens``, ``objects``,
``relations``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from scipy import sparse

from text.negatives.lexical import Pairs, coreferent_pairs, object_predicates, shipped_pairs, verbs

VERB_SUFFIXES = ("ing", "ed", "s")
ARTICLES = {"a", "an", "the", "some"}
# words other than "a" / "an" that may stand before a singular noun ("the dog", "his head", "one cat")
DETERMINED = {"the", "this", "that", "these", "those", "his", "her", "their", "its", "my", "our", "your", "each",
              "every", "another", "any", "no", "some", "one", "either", "neither", "which", "what", "whose"}
# a phrase said at least this often, of one noun in at least this share, is said of that noun
# ("on a leash": dogs): replace-obj gives it only to that noun's kin or to a noun it is said of twice
SELECTIVE_MIN = 5
SELECTIVE_SHARE = 0.6
# countable: a singular written this often without "the", "his", a number ... is a mass noun unless "a"
# stands before it in this share of those uses (meat 0.09, bread 0.11, grass 0.15; salad 0.36, pizza 0.8)
BARE_MIN = 10
BARE_SHARE = 0.2


# short verbs whose inflection no ending says: "horses ... eat grass" is no place for "has"
SHORT_FORMS = {"has": "s", "is": "s", "does": "s", "had": "ed", "was": "ed", "did": "ed"}


def mounted(predicate: str) -> bool:
    """A predicate of riding on something ("ride", "ride on", "ride in"), not along a way ("ride down")."""
    words = predicate.split()
    return words[:1] == ["ride"] and (len(words) == 1 or words[1] in ("on", "in", "atop", "inside"))


def participle_form(word: str) -> bool:
    """An -ing or -ed word ("parked", "sitting"), which right after a noun is most often said of it."""
    return word.isalpha() and word not in SHORT_FORMS and verb_form(word) in ("ing", "ed")


def verb_form(word: str) -> str:
    """The inflection a verb is written in, by its ending: "ing", "ed", "s" or "" (base)."""
    if word in SHORT_FORMS:
        return SHORT_FORMS[word]
    return next((s for s in VERB_SUFFIXES if word.endswith(s) and len(word) > len(s) + 2), "")


@dataclass(frozen=True)
class CorpusWords:
    """The corpus's words, by role, with the counts of what goes with what."""

    objects: Counter  # lemma -> occurrences as an object
    plurals: dict[str, str]  # lemma -> its plural as the corpus writes it
    attributes: Counter  # attribute -> occurrences
    noun_attributes: Counter  # (lemma, attribute) -> occurrences
    triples: Counter  # (subject lemma, predicate, object lemma)
    subject_predicates: Counter  # (subject lemma, predicate)
    predicate_objects: Counter  # (predicate, object lemma)
    surfaces: Counter  # (predicate, its words as written, via) for relations written in one piece
    phrases: Counter  # (host lemma, preposition as written, determiner, dependent lemma): "man with a hat"
    cooccurrence: Counter  # (lemma, lemma), sorted, in one caption
    pictured: Counter  # lemma -> images any of whose captions names it
    pictured_together: Counter  # (lemma, lemma), sorted, both named by the captions of one image
    neighbours: dict[str, tuple[str, ...]]  # lemma -> lemmas used alike, most alike first
    as_noun: dict[str, float]  # word -> share of its occurrences the parser read as an object's head
    as_attribute: dict[str, float]  # word -> share of its occurrences the parser read as an attribute
    coreferent: Pairs
    # (subject lemma, its verb as written): "seated" is said of people, not of trains; counts the
    # participle right after a noun too ("scooters parked"), whatever the parser relates
    verb_subjects: Counter
    of_phrases: Counter  # (X, lemma of Y) written "X of Y": "plate of food", "pair of scissors" (corpus.of_head)
    modifier_order: Counter  # (word, word) written in this order before a noun: ("cute", "little"), ("big", "round")
    determiners: Counter  # (lemma, "a" or ""): its singular name written after "a" / "an", or with no determiner

    def takes(self, lemma: str, attribute: str) -> int:
        """How often the noun takes the attribute; a compound ("stop sign") also as its head ("sign")."""
        n = self.noun_attributes[(lemma, attribute)]
        head = lemma.rsplit(" ", 1)[-1]
        return n + self.noun_attributes[(head, attribute)] if head != lemma else n

    def said_alike(self, predicate: str, other: str, obj: str) -> bool:
        """The captions of one image say both predicates of such an object far more often than
        chance ("flying" / "holding a kite", "eating" / "holding a sandwich"): one is most likely
        still true where the other is said (:func:`text.negatives.lexical.object_predicates`)."""
        return frozenset({f"{predicate}|{obj}", f"{other}|{obj}"}) in self.coreferent

    def related_count(self, a: str, b: str) -> int:
        """How often a relation of any predicate joins the two nouns, either way round."""
        return self._related[(a, b) if a < b else (b, a)]

    def verb_lemma(self, gerund: str) -> str | None:
        """The verb of an -ing word as the corpus's predicates write it ("riding": "ride", "sitting":
        "sit"), or ``None`` where no predicate starts with one."""
        stem = gerund[:-3] if gerund.endswith("ing") else ""
        return next((v for v in (stem + "e", stem, stem[:-1]) if len(v) > 1 and v in self._verbs), None)

    @cached_property
    def memo(self) -> dict[tuple, Any]:
        """Answers to the editors' questions that depend on this corpus and the words asked only,
        remembered across captions (:meth:`text.negatives.edits.Editor.usual`)."""
        return {}

    @cached_property
    def _verbs(self) -> frozenset[str]:
        return frozenset(p.split()[0] for p, _ in self.predicate_objects if p.split())

    @cached_property
    def _related(self) -> Counter:
        out: Counter = Counter()
        for (s, _, o), n in self.triples.items():
            out[(s, o) if s < o else (o, s)] += n
        return out

    def fits_noun(self, lemma: str, attributes: Sequence[str]) -> bool:
        return all(self.takes(lemma, a) > 0 for a in attributes)

    def fits_relation(self, subject: str, predicate: str, obj: str, strict: bool = False) -> bool:
        """Seen as a triple or, unless ``strict``, the subject seen doing it and the object seen
        receiving it, each a few times."""
        if self.triples[(subject, predicate, obj)] > 0:
            return True
        return (not strict and self.subject_predicates[(subject, predicate)] >= 3
                and self.predicate_objects[(predicate, obj)] >= 3)

    def fits_role(self, noun: str, predicate: str, role: str) -> bool:
        """The noun seen a few times as the ``role`` ("subject" or "object") of the predicate, or
        of a predicate of the same verb ("stand", "stand on", for "stand next to") or, as its
        object, ending in the same preposition ("next to", "sit next to"): what a noun that
        replaces one side of a caption's relation needs, the other side being the caption's own
        (a corpus of a few thousand captions says "stands next to a bike" of few nouns)."""
        if self.triples_with(noun, predicate, role) >= 3:
            return True
        words = predicate.split()
        if len(words) < 2:
            return False
        if role == "subject":
            return self._by_verb.get((noun, words[0]), 0) >= 3
        tail = " ".join(words[1:])
        return self.predicate_objects[(tail, noun)] + self._by_tail.get((tail, noun), 0) >= 3

    def said_of(self, predicate: str, other: str, role: str) -> str | None:
        """The noun the corpus says a phrase of mostly: "on a leash" is said of dogs
        (``said_of("on", "leash", "subject")``), "wearing a hat" of people. ``None`` when the phrase
        is rare (under :data:`SELECTIVE_MIN` times) or said of many nouns alike."""
        return self._said_of.get((predicate, other, role))

    @cached_property
    def _said_of(self) -> dict[tuple[str, str, str], str]:
        partners: dict[tuple[str, str, str], Counter] = {}
        for (s, p, o), n in self.triples.items():
            partners.setdefault((p, o, "subject"), Counter())[s] += n
            partners.setdefault((p, s, "object"), Counter())[o] += n
        out = {}
        for key, found in partners.items():
            total = sum(found.values())
            noun, n = found.most_common(1)[0]
            if total >= SELECTIVE_MIN and n >= SELECTIVE_SHARE * total:
                out[key] = noun
        return out

    def triples_with(self, noun: str, predicate: str, role: str) -> int:
        if role == "subject":
            return self.subject_predicates[(noun, predicate)]
        return self.predicate_objects[(predicate, noun)]

    def ridden(self, noun: str) -> int:
        """How often the noun is ridden: the object of "ride", "ride on", "ride in" (not of "ride down"
        a mountain, which is a way)."""
        return self._ridden[noun]

    @cached_property
    def _ridden(self) -> Counter:
        out: Counter = Counter()
        for (p, o), n in self.predicate_objects.items():
            if mounted(p):
                out[o] += n
        return out

    @cached_property
    def _by_verb(self) -> Counter:
        out: Counter = Counter()
        for (s, p), n in self.subject_predicates.items():
            out[(s, p.split()[0])] += n
        return out

    def held(self, subject: str, preposition: str, holder: str) -> int:
        """How often the corpus puts the subject ``preposition`` the holder, whatever the verb
        before it ("a sheep grazing on a hill" and "a sheep on a hill" both count for "on")."""
        return self._held[(subject, preposition, holder)]

    @cached_property
    def _held(self) -> Counter:
        out: Counter = Counter()
        for (s, p, o), n in self.triples.items():
            words = p.split()
            for k in range(len(words)):
                out[(s, " ".join(words[k:]), o)] += n
        return out

    @cached_property
    def _by_tail(self) -> Counter:
        """(preposition, object) -> relations whose predicate is a verb and that preposition."""
        out: Counter = Counter()
        for (p, o), n in self.predicate_objects.items():
            words = p.split()
            if len(words) >= 2:
                out[(" ".join(words[1:]), o)] += n
        return out

    def together(self, a: str, b: str) -> int:
        return self.cooccurrence[(a, b) if a < b else (b, a)]

    def pictured_with(self, a: str, b: str) -> float:
        """The share of the images a caption names ``a`` in whose captions also name ``b``: how
        often a picture of ``a`` has ``b`` in it, as far as its captions tell (on COCO's first 8,000
        captions one caption names a giraffe's field in 9 % of its captions, the five captions of a
        picture in 32 % of the pictures)."""
        n = self.pictured[a]
        return self.pictured_together[(a, b) if a < b else (b, a)] / n if n else 0.0

    def predicates_between(self, subject: str, obj: str) -> list[str]:
        """Every predicate that :meth:`fits_relation` between the two, commonest triples first."""
        exact = self._between.get((subject, obj), [])
        loose = self._done_by.get(subject, frozenset()) & self._done_to.get(obj, frozenset())
        return exact + sorted(loose - set(exact))

    def written(self, predicate: str, via: str, form: str) -> list[str] | None:
        """The commonest words the corpus writes ``predicate`` with, as a ``via`` ("verb",
        "preposition") whose verb is in ``form`` ("ing", "s", ...), seen at least twice."""
        return self._written.get((predicate, via, form))

    def received_share(self, predicate: str, obj: str) -> float:
        """The share of the relations the noun is the object of that have this predicate ("wear":
        most of a hat's, few of a bicycle's, however often the parser reads "a man wearing a
        helmet riding a bicycle" as him wearing the bicycle)."""
        total = self._received.get(obj, 0)
        return self.predicate_objects[(predicate, obj)] / total if total else 0.0

    @cached_property
    def _received(self) -> Counter:
        out: Counter = Counter()
        for (_, o), n in self.predicate_objects.items():
            out[o] += n
        return out

    def countable(self, lemma: str) -> bool:
        """Written with "a" in at least a tenth of the phrases that name it ("a field", never "a snow",
        "a sand"), and its singular, where it has no other determiner, after "a" in at least a fifth
        of its uses ("eating meat", "with bread": no "a meat"); a noun seen fewer times counts as
        countable."""
        with_a, total = self._articles.get(lemma, (0, 0))
        a, bare = self.determiners[(lemma, "a")], self.determiners[(lemma, "")]
        return (total < 5 or with_a >= 0.1 * total) and (a + bare < BARE_MIN or a >= BARE_SHARE * (a + bare))

    @cached_property
    def _articles(self) -> dict[str, tuple[int, int]]:
        out: dict[str, list[int]] = {}
        for (_, _, determiner, dependent), n in self.phrases.items():
            c = out.setdefault(dependent, [0, 0])
            c[0] += n if determiner == "a" else 0
            c[1] += n
        return {k: (a, t) for k, (a, t) in out.items()}

    def attachments(self, host: str) -> list[tuple[str, str, str]]:
        """(preposition as written, determiner, dependent lemma) the corpus attaches to ``host``
        at least twice, commonest first: ("with", "a", "hat")."""
        return self._attachments.get(host) or self._attachments.get(host.rsplit(" ", 1)[-1], [])

    @cached_property
    def _written(self) -> dict[tuple[str, str, str], list[str]]:
        best: dict[tuple[str, str, str], tuple[int, str]] = {}
        for (predicate, written, via), n in self.surfaces.items():
            key = (predicate, via, verb_form(written.split()[0]) if via == "verb" else "")
            if n >= 2 and (n, written) > best.get(key, (0, "")):
                best[key] = (n, written)
        return {k: w.split() for k, (_, w) in best.items()}

    @cached_property
    def _between(self) -> dict[tuple[str, str], list[str]]:
        out: dict[tuple[str, str], list[tuple[int, str]]] = {}
        for (s, p, o), n in self.triples.items():
            out.setdefault((s, o), []).append((-n, p))
        return {k: [p for _, p in sorted(v)] for k, v in out.items()}

    @cached_property
    def _done_by(self) -> dict[str, frozenset[str]]:
        return _common(((s, p), n) for (s, p), n in self.subject_predicates.items())

    @cached_property
    def _done_to(self) -> dict[str, frozenset[str]]:
        return _common(((o, p), n) for (p, o), n in self.predicate_objects.items())

    @cached_property
    def _attachments(self) -> dict[str, list[tuple[str, str, str]]]:
        out: dict[str, list[tuple[int, str, str, str]]] = {}
        for (host, preposition, determiner, dependent), n in self.phrases.items():
            if n >= 2 and " " not in dependent and host != dependent:
                out.setdefault(host, []).append((n, preposition, determiner, dependent))
        return {h: [x[1:] for x in sorted(v, key=lambda x: (-x[0], x[1:]))] for h, v in out.items()}

    @classmethod
    def of(cls, rows: Sequence[dict[str, Any]], neighbours_per_word: int = 30) -> CorpusWords:
        objects: Counter = Counter()
        plural_names: Counter = Counter()
        attributes: Counter = Counter()
        noun_attributes: Counter = Counter()
        triples: Counter = Counter()
        surfaces: Counter = Counter()
        verb_subjects: Counter = Counter()
        phrases: Counter = Counter()
        cooccurrence: Counter = Counter()
        named_in: dict[Any, set[str]] = {}
        tokens_seen: Counter = Counter()
        heads: Counter = Counter()
        modifiers: Counter = Counter()
        of_phrases: Counter = Counter()
        modifier_order: Counter = Counter()
        determiners: Counter = Counter()
        for r in rows:
            tokens = [t.lower() for t in r["tokens"]]
            tokens_seen.update(tokens)
            objs = r["objects"]
            for o in objs:
                objects[o["lemma"]] += 1
                if o["name"] != o["lemma"] and " " not in o["name"]:
                    plural_names[(o["lemma"], o["name"].lower())] += 1
                if 0 <= o["head"] < len(tokens):
                    heads[tokens[o["head"]]] += 1
                    if o["head"] + 1 < len(tokens) and participle_form(tokens[o["head"] + 1]):
                        verb_subjects[(o["lemma"], tokens[o["head"] + 1])] += 1
                    before = tokens[o["start"]:o["head"]]
                    modifier_order.update(zip(before, before[1:], strict=False))
                previous = tokens[o["start"] - 1] if o["start"] > 0 else ""
                if o["name"] == o["lemma"] and previous not in DETERMINED:
                    determiners[(o["lemma"], "a" if previous in ("a", "an") else "")] += 1
                for a in o["attributes"]:
                    attributes[a] += 1
                    modifiers[a] += 1
                    if not of_another(tokens, a, o["head"]):
                        noun_attributes[(o["lemma"], a)] += 1
            of_phrases.update((x, o["lemma"]) for o in objs if (x := of_head(tokens, objs, o)) is not None)
            lemmas = sorted({o["lemma"] for o in objs})
            cooccurrence.update((x, y) for i, x in enumerate(lemmas) for y in lemmas[i + 1:])
            named_in.setdefault(r["image_id"], set()).update(lemmas)
            for rel in r["relations"]:
                s, o = objs[rel["subject"]]["lemma"], objs[rel["object"]]["lemma"]
                triples[(s, rel["predicate"], o)] += 1
                written = tokens[rel["start"]:rel["end"]]
                if rel["via"] == "verb" and written:
                    verb_subjects[(s, written[0])] += 1
                if len(written) == len(rel["predicate"].split()) and rel["via"] in ("verb", "preposition"):
                    surfaces[(rel["predicate"], " ".join(written), rel["via"])] += 1
                    dependent = objs[rel["object"]]
                    between = tokens[rel["end"]:dependent["head"]]
                    # "next to a (large yellow) tree": the phrase is kept with its article, without adjectives
                    adjectives = set(dependent["attributes"]) | ({dependent["count"]} if dependent["count"] else set())
                    if between[:1] and between[0] in ARTICLES:
                        between = [between[0]] + [t for t in between[1:] if t not in adjectives]
                    if rel["via"] == "preposition" and len(between) <= 1 and set(between) <= ARTICLES:
                        determiner = ("a" if between[0] == "an" else between[0]) if between else ""
                        phrases[(s, " ".join(written), determiner, o)] += 1
        pictured: Counter = Counter()
        pictured_together: Counter = Counter()
        for named in named_in.values():
            names = sorted(named)
            pictured.update(names)
            pictured_together.update((x, y) for i, x in enumerate(names) for y in names[i + 1:])
        subject_predicates: Counter = Counter()
        predicate_objects: Counter = Counter()
        for (s, p, o), n in triples.items():
            subject_predicates[(s, p)] += n
            predicate_objects[(p, o)] += n
        plurals: dict[str, str] = {}
        for (lemma, name), _ in plural_names.most_common():
            plurals.setdefault(lemma, name)
        as_noun = {w: min(1.0, heads[w] / n) for w, n in tokens_seen.items() if heads[w]}
        as_attribute = {w: min(1.0, modifiers[w] / n) for w, n in tokens_seen.items() if modifiers[w]}
        return cls(objects, plurals, attributes, noun_attributes, triples, subject_predicates, predicate_objects,
                   surfaces, phrases, cooccurrence, pictured, pictured_together, _neighbours(objects, noun_attributes, triples, neighbours_per_word),
                   as_noun, as_attribute,
                   coreferent_pairs(rows) | coreferent_pairs(rows, words=verbs)
                   | coreferent_pairs(rows, words=object_predicates) | shipped_pairs(), verb_subjects, of_phrases,
                   modifier_order, determiners)


# "X of Y" where X says how many Ys, not what they are: a group of anything is a group
COLLECTIVES = {"group", "groups", "crowd", "bunch", "lot", "lots", "couple", "number", "herd", "flock", "team",
               "line", "row", "pack", "family", "set", "variety", "assortment", "array", "collection", "selection",
               "cluster", "fleet", "series", "kind", "kinds", "type", "types", "bunches", "dozen", "few"}


def of_before(tokens: Sequence[str], o: dict[str, Any]) -> int | None:
    """Where the "of" of "X of Y" is, for the object Y: right before it ("a plate of cookies"), or
    inside Y's own words, before its head, where the parser reads the phrase as one thing ("a black
    piece of luggage"), unless X only counts its members ("a group of men": :data:`COLLECTIVES`);
    ``None`` for no such phrase."""
    if o["start"] >= 2 and tokens[o["start"] - 1] == "of":
        return o["start"] - 1
    if (o["start"] < o["head"] - 1 and tokens[o["head"] - 1] == "of"
            and tokens[o["head"] - 2].lower() not in COLLECTIVES):
        return o["head"] - 1
    return None


def of_head(tokens: Sequence[str], objects: Sequence[dict[str, Any]], o: dict[str, Any]) -> str | None:
    """The X of "X of Y" for the object Y (see :func:`of_before`): the lemma of the object whose
    head X is ("a plate of cookies": plate), or the word as written ("a pair of scissors": pair);
    ``None`` where Y is in no such phrase."""
    of = of_before(tokens, o)
    if of is None:
        return None
    return next((x["lemma"] for x in objects if x["head"] == of - 1), tokens[of - 1].lower())


def _common(pairs: Iterable[tuple[tuple[str, str], int]], min_count: int = 3) -> dict[str, frozenset[str]]:
    """Noun -> the predicates seen with it at least ``min_count`` times."""
    out: dict[str, set[str]] = {}
    for (noun, predicate), n in pairs:
        if n >= min_count:
            out.setdefault(noun, set()).add(predicate)
    return {k: frozenset(v) for k, v in out.items()}


def of_another(tokens: list[str], attribute: str, head: int) -> bool:
    """The attribute is written before an "of" that comes before the noun: "a big herd of sheep"
    says the herd is big, not the sheep, however the parser attached it."""
    first = attribute.split()[0].lower() if attribute.split() else ""
    at = [k for k in range(min(head, len(tokens))) if tokens[k] == first]
    return bool(at) and "of" in tokens[at[-1] + 1:head]


def _neighbours(objects: Counter, noun_attributes: Counter, triples: Counter, k: int,
                min_count: int = 3) -> dict[str, tuple[str, ...]]:
    """Each noun's ``k`` nearest nouns seen at least ``min_count`` times (the candidates a
    replacement is drawn from), by the cosine of their contexts (the attributes they take, the
    predicates they are subject and object of), weighted by positive PMI."""
    nouns = sorted(objects)
    index = {n: i for i, n in enumerate(nouns)}
    contexts: dict[tuple[str, str], int] = {}
    entries: Counter = Counter()
    for (n, a), c in noun_attributes.items():
        entries[(index[n], contexts.setdefault(("att", a), len(contexts)))] += c
    for (s, p, o), c in triples.items():
        entries[(index[s], contexts.setdefault(("subj", p), len(contexts)))] += c
        entries[(index[o], contexts.setdefault(("obj", p), len(contexts)))] += c
    targets = np.array([i for i, n in enumerate(nouns) if objects[n] >= min_count], dtype=np.int64)
    if not entries or len(targets) < 2:
        return {}
    (rows, cols), vals = zip(*entries.keys(), strict=True), np.array(list(entries.values()), float)
    m = sparse.csr_matrix((vals, (np.array(rows), np.array(cols))), shape=(len(nouns), len(contexts)))
    total = m.sum()
    row_sum, col_sum = np.asarray(m.sum(1)).ravel(), np.asarray(m.sum(0)).ravel()
    m = m.tocoo()
    pmi = np.log(m.data * total / (row_sum[m.row] * col_sum[m.col]))
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (m.row[keep], m.col[keep])), shape=m.shape)
    norms = np.sqrt(np.asarray(ppmi.multiply(ppmi).sum(1)).ravel())
    norms[norms == 0] = 1.0
    unit = (sparse.diags(1.0 / norms) @ ppmi).tocsr()
    sims = (unit @ unit[targets].T).tocsr()  # every noun against the candidates only
    out: dict[str, tuple[str, ...]] = {}
    for i, n in enumerate(nouns):
        row = sims.getrow(i)
        order = np.argsort(-row.data, kind="stable")
        found = tuple(nouns[targets[row.indices[j]]] for j in order if targets[row.indices[j]] != i)[:k]
        if found:
            out[n] = found
    return out
