"""The text scene graph of one caption, and its facts in the FACTUAL convention.

Objects are noun phrases (name as written with its compound words, lemma, attributes,
count, token span); relations join two objects with a lemmatised predicate ("sit on").
:meth:`TextSceneGraph.facts` flattens a graph the way FACTUAL writes one: attributes as
``[obj, "is", attr]``, counts as ``[obj, "is", "2"]``, relations as ``[subj, pred, obj]``;
a caption with none of those lists its objects alone, as ``[obj]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TextObject:
    name: str  # as written, with compound words: "traffic light"
    lemma: str  # "traffic light"
    head: int  # token index of the head noun
    span: tuple[int, int]  # [start, end) tokens of the noun phrase
    attributes: list[str] = field(default_factory=list)
    count: str | None = None  # "2" for "two dogs" / "a pair of"
    label: str = ""  # the name facts use: the annotation's convention ("guy" -> "person"), else name

    def __post_init__(self) -> None:
        self.label = self.label or self.name


@dataclass
class TextRelation:
    subject: int  # index into objects
    predicate: str  # lemmatised: "sit on", "in front of", "have"
    object: int
    span: tuple[int, int]  # [start, end) tokens of the predicate words
    via: str = ""  # the construction it was read from: verb, preposition, possessive, of, passive


@dataclass
class TextSceneGraph:
    tokens: list[str]
    objects: list[TextObject] = field(default_factory=list)
    relations: list[TextRelation] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)  # character offset of each token in the caption

    def facts(self) -> list[list[str]]:
        out: list[list[str]] = []
        seen: set[tuple[str, ...]] = set()

        def add(fact: tuple[str, ...]) -> None:
            if fact not in seen:
                seen.add(fact)
                out.append(list(fact))

        for obj in self.objects:
            for attr in obj.attributes:
                add((obj.label, "is", attr))
            if obj.count is not None:
                add((obj.label, "is", obj.count))
        for rel in self.relations:
            add((self.objects[rel.subject].label, rel.predicate, self.objects[rel.object].label))
        if not out:  # FACTUAL lists a bare object only when the caption says nothing else
            for obj in self.objects:
                add((obj.label,))
        return out

    def to_dict(self) -> dict:
        """Objects, relations and facts as plain data (the ``text_graphs`` columns, JSON)."""
        return {
            "tokens": list(self.tokens),
            "offsets": list(self.offsets),
            "objects": [
                {"name": o.name, "lemma": o.lemma, "label": o.label, "head": o.head, "start": o.span[0],
                 "end": o.span[1], "attributes": list(o.attributes), "count": o.count}
                for o in self.objects
            ],
            "relations": [
                {"subject": r.subject, "predicate": r.predicate, "object": r.object, "start": r.span[0],
                 "end": r.span[1], "via": r.via}
                for r in self.relations
            ],
            "facts": self.facts(),
        }


def token_offsets(text: str, tokens: list[str]) -> list[int]:
    """Where each token starts in ``text`` (tokens in order; -1 for one not found verbatim)."""
    out, pos = [], 0
    for tok in tokens:
        k = text.find(tok, pos)
        out.append(k)
        if k >= 0:
            pos = k + len(tok)
    return out
