"""FACTUAL's annotated facts aligned to a caption's tokens: the targets of the learned parser.

An annotation is a set of strings (``( man , sit on , bench ) , ( bench , is , wooden )``);
the learned parser predicts token spans and links. :func:`align` finds, for one caption,

- every **object mention**: each token span whose words spell an object of the facts (all
  occurrences, so a second "man" is a mention too);
- every **attribute mention**: a span spelling an attribute value, linked to the mention of
  its object nearest to it ("two" spells the count ``2``);
- every **relation**: a subject mention, an object mention and the predicate string (the
  parser classifies predicates; it does not copy them), on the nearest pair of mentions.

A value the caption does not spell as written is found by its letters ("cieling" for
``ceiling``, "cell phone" for ``cellphone``), by the usual names of people ("guy" for
``person``, "she" for ``woman``), or through a :class:`Forms` table of span text -> annotated
form ("wood" -> ``wooden``) that :func:`learn_forms` counts over the aligned captions. A count
no word says ("a man's hands" -> ``( hands , is , 2 )``) is kept as implicit. A caption whose
facts cannot all be found is left out of training (:attr:`Alignment.problem` says why).

Shapes: ``tokens`` has ``n`` words; a span is ``(start, end)`` over them, end exclusive.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

Span = tuple[int, int]

# Words that spell a count (FACTUAL writes counts as digits: "two dogs" -> ( dogs , is , 2 )).
COUNT_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "both": "2", "pair": "2", "couple": "2",
    "dozen": "12", "twin": "2", "twins": "2", "pairs": "2", "double": "2",
}
# Spellings of people the annotation names otherwise, tried when a name is not written as such;
# whether each is kept is then learned from how often the annotation really writes it so.
PERSON_SPELLINGS = {
    "person": ("guy", "someone", "somebody", "person"), "people": ("guys", "they", "persons"),
    "man": ("he", "his", "him", "mans", "men"), "woman": ("she", "her", "lady", "womans"),
}


@dataclass(frozen=True)
class Mention:
    span: Span
    text: str  # the annotated form ("wooden" for the span "wood")


@dataclass
class Alignment:
    """Targets for one caption; ``problem`` is set (and the rest partial) when a fact was not found."""

    tokens: list[str]
    objects: list[Mention] = field(default_factory=list)
    attributes: list[tuple[Mention, int]] = field(default_factory=list)  # (value, object mention index)
    relations: list[tuple[int, str, int]] = field(default_factory=list)  # (subject, predicate, object) mentions
    implicit: list[tuple[int, str]] = field(default_factory=list)  # (object mention, count) with no word for it
    problem: str | None = None


@dataclass
class Forms:
    """Annotated forms of span texts the annotation writes differently, by role."""

    objects: dict[str, str] = field(default_factory=dict)  # "guy" -> "person"
    attributes: dict[str, str] = field(default_factory=dict)  # "wood" -> "wooden"

    def spellings(self, role: str) -> dict[str, list[str]]:
        """Annotated form -> the span texts that spell it ("person" -> ["guy", ...])."""
        table = self.objects if role == "object" else self.attributes
        out: dict[str, list[str]] = defaultdict(list)
        for text, form in table.items():
            out[form].append(text)
        return out


def split_facts(facts: Iterable[Sequence[str]]) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str, str]]]:
    """Object strings (first-seen order), (object, attribute) pairs and relation triples."""
    objects: list[str] = []
    attributes: list[tuple[str, str]] = []
    relations: list[tuple[str, str, str]] = []

    def obj(name: str) -> None:
        if name not in objects:
            objects.append(name)

    for fact in facts:
        if len(fact) == 1:
            obj(fact[0])
        elif len(fact) == 3 and fact[1] == "is":
            obj(fact[0])
            attributes.append((fact[0], fact[2]))
        elif len(fact) == 3:
            obj(fact[0])
            obj(fact[2])
            relations.append((fact[0], fact[1], fact[2]))
    return objects, attributes, relations


def occurrences(words: Sequence[str], text: str, spellings: Sequence[str] = ()) -> list[Span]:
    """Spans of ``words`` that spell ``text`` (or one of ``spellings``), in token order."""
    out = []
    for form in (text, *spellings):
        target = split_words(form)
        k = len(target)
        if not k:
            continue
        out += [(i, i + k) for i in range(len(words) - k + 1) if list(words[i:i + k]) == target]
    return sorted(set(out))


def split_words(text: str) -> list[str]:
    """The words of an annotated string as a tokenizer splits them ("t-shirt" -> t - shirt)."""
    return text.replace("-", " - ").split()


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _distance(a: Span, b: Span) -> int:
    return max(a[0] - b[1], b[0] - a[1], 0)


def align(tokens: Sequence[str], facts: Iterable[Sequence[str]], forms: Forms | None = None) -> Alignment:
    """Align one caption's facts to its tokens (see the module docstring)."""
    forms = forms or Forms()
    words = [t.lower() for t in tokens]
    result = Alignment(tokens=list(tokens))
    objects, attributes, relations = split_facts(facts)
    object_spellings = forms.spellings("object")
    for name, extra in PERSON_SPELLINGS.items():
        object_spellings[name] = [*object_spellings.get(name, ()), *extra]
    mentions_of: dict[str, list[int]] = {}
    taken: list[Span] = []
    # longer names first, so "tree trunk" claims its words before "trunk" could
    for name in sorted(objects, key=lambda s: -len(split_words(s))):
        spans = _find(words, name, object_spellings.get(name, ()), taken)
        if not spans:
            result.problem = f"object {name!r} not found"
            return result
        mentions_of[name] = []
        for s in spans:
            mentions_of[name].append(len(result.objects))
            result.objects.append(Mention(s, name))
            taken.append(s)
    attribute_spellings = forms.spellings("attribute")
    for owner, value in attributes:
        spellings = list(attribute_spellings.get(value, ()))
        spellings += [w for w, digit in COUNT_WORDS.items() if digit == value]
        spans = _find(words, value, spellings, taken)
        if not spans and value.isdigit():  # "a man's hands" -> ( hands , is , 2 ): no word says it
            result.implicit.append((mentions_of[owner][0], value))
            continue
        if not spans:
            result.problem = f"attribute {value!r} of {owner!r} not found"
            return result
        # the value nearest to a mention of its owner ("a red car and a blue car": each its own)
        span, owner_mention = min(((s, m) for s in spans for m in mentions_of[owner]),
                                  key=lambda sm: (_distance(sm[0], result.objects[sm[1]].span), sm[0]))
        result.attributes.append((Mention(span, value), owner_mention))
        taken.append(span)
    for subj, pred, obj in relations:
        pairs = [(a, b) for a in mentions_of[subj] for b in mentions_of[obj] if a != b or subj != obj]
        if subj == obj and len(mentions_of[subj]) == 1:  # "boats next to each other": one mention
            pairs = [(mentions_of[subj][0], mentions_of[subj][0])]
        a, b = min(pairs, key=lambda ab: (_distance(result.objects[ab[0]].span, result.objects[ab[1]].span), ab))
        result.relations.append((a, pred, b))
    return result


def _find(words: Sequence[str], value: str, spellings: Sequence[str], taken: Sequence[Span]) -> list[Span]:
    """Free spans spelling ``value``: as written or as a known spelling, else the one closest in
    letters ("cieling" for ``ceiling``, "cell phone" for ``cellphone``, "clock" for ``clocks``)."""
    free = [s for s in occurrences(words, value, spellings) if not any(_overlaps(s, t) for t in taken)]
    if free:
        return free
    target = value.replace(" ", "")
    best: tuple[float, Span] | None = None
    for i in range(len(words)):
        for k in range(1, 4):
            s = (i, i + k)
            if s[1] > len(words) or any(_overlaps(s, t) for t in taken) or words[i] in _FUNCTION_WORDS:
                continue
            candidate = "".join(words[i:i + k])
            ratio = SequenceMatcher(None, candidate, target).ratio()
            if ratio >= FUZZY_RATIO and (best is None or ratio > best[0]):
                best = (ratio, s)
    return [best[1]] if best else []


def learn_forms(alignments: Iterable[Alignment], min_votes: int = 2, min_share: float = 0.5) -> Forms:
    """The span texts the annotation writes otherwise, by role, from aligned captions.

    A span text gets a form when, over all its mentions, that form was written at least
    ``min_votes`` times and in at least ``min_share`` of them (so "wood", an attribute written
    ``wooden`` nearly always, maps; "clock", written ``clocks`` once in a while, does not).
    """
    votes: dict[str, dict[str, Counter[str]]] = {"object": defaultdict(Counter), "attribute": defaultdict(Counter)}
    for a in alignments:
        if a.problem is not None:
            continue
        words = [t.lower() for t in a.tokens]
        for role, mentions in (("object", a.objects), ("attribute", [m for m, _ in a.attributes])):
            for m in mentions:
                votes[role][_join(words[m.span[0]:m.span[1]])][m.text] += 1
    tables: dict[str, dict[str, str]] = {}
    for role, by_text in votes.items():
        tables[role] = {}
        for text, counter in sorted(by_text.items()):
            form, n = counter.most_common(1)[0]
            if form != text and n >= min_votes and n / sum(counter.values()) >= min_share:
                tables[role][text] = form
    return Forms(objects=tables["object"], attributes=tables["attribute"])


def _join(words: Sequence[str]) -> str:
    """Words back into an annotated string (the tokenizer's hyphens rejoined: t - shirt -> t-shirt)."""
    return " ".join(words).replace(" - ", "-")


FUZZY_RATIO = 0.8  # letters in common for a misspelt or re-spaced word to count as the value
_FUNCTION_WORDS = {
    "a", "an", "the", "is", "are", "of", "on", "in", "with", "and", "to", "at", "by", "for", "from", "this",
    "that", "it", "its", "his", "her", "their", "there", "some", "has", "have", "be", "being", "was", "were",
}
