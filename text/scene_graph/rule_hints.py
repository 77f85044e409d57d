"""What the rules say about a caption, as inputs of the learned parser.

The rules (with the lexicon learned on FACTUAL) are right most of the time and cheap (about
0.1 ms a caption on a spaCy parse), so the network reads their graph as hints and learns when
to trust them:

- per token, its role in the rules' graph (:data:`ROLES`): an object's head word, another word
  of an object, a word of a relation;
- per ordered pair of object mentions, the predicate the rules give the pair (the predicate's
  class, "another predicate" when it is not one of the classes, or none);
- per (attribute, object) mention pair, whether the rules give that object that attribute.

A mention stands for the rules' object whose head word lies inside it.

Two predicates of a pair can also be chosen by the network as they are (they compose what no
class holds: "float along", "hang on side of"): the rules' predicate for the pair, and the
words between the two mentions with verbs lemmatised and determiners dropped
(:func:`pair_predicates`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from text.scene_graph.alignment import COUNT_WORDS
from text.scene_graph.graph import TextRelation, TextSceneGraph
from text.scene_graph.repairs import fixed_lemma, gerund_lemma

ROLES = ("<pad>", "none", "object head", "object word", "relation word")
# Words a predicate read between two mentions leaves out ("sitting on a bench": sit on).
NOT_PREDICATE_WORDS = {"a", "an", "the", "this", "that", "these", "those", "its", "his", "her", "their", "some",
                       "is", "are", "was", "were", "be", "being", "been"}
NO_RELATION, OTHER_PREDICATE = 0, 1  # predicate hint k + 2 is predicate class k + 1


def token_roles(graph: TextSceneGraph, n: int) -> list[int]:
    """(n,) role ids of the caption's tokens in the rules' graph."""
    roles = [ROLES.index("none")] * n
    for rel in graph.relations:
        for k in range(max(rel.span[0], 0), min(rel.span[1], n)):
            roles[k] = ROLES.index("relation word")
    for obj in graph.objects:
        for k in range(max(obj.span[0], 0), min(obj.span[1], n)):
            roles[k] = ROLES.index("object word")
        if 0 <= obj.head < n:
            roles[obj.head] = ROLES.index("object head")
    return roles


def _rule_object(graph: TextSceneGraph, span: tuple[int, int]) -> int | None:
    for i, obj in enumerate(graph.objects):
        if span[0] <= obj.head < span[1]:
            return i
    return None


def relation_hints(graph: TextSceneGraph, objects: Sequence[tuple[int, int]], classes: Mapping[str, int]) -> list[int]:
    """(k * k,) predicate hints of every ordered pair of the ``objects`` mention spans, row-major.

    ``classes`` maps a predicate to its class (1-based, as the relation head counts them).
    """
    return [NO_RELATION if r is None else classes[r.predicate] + 1 if r.predicate in classes else OTHER_PREDICATE
            for r in pair_relations(graph, objects)]


def pair_relations(graph: TextSceneGraph, objects: Sequence[tuple[int, int]]) -> list[TextRelation | None]:
    """(k * k,) the rules' relation between every ordered pair of the ``objects`` mention spans,
    row-major (None where the rules read none): its words and the construction it was read from."""
    which = [_rule_object(graph, s) for s in objects]
    said = {(r.subject, r.object): r for r in graph.relations}
    return [said.get((a, b)) if a is not None and b is not None else None for a in which for b in which]


def link_hints(graph: TextSceneGraph, attributes: Sequence[tuple[tuple[int, int], str]],
               objects: Sequence[tuple[int, int]]) -> list[int]:
    """(a * k,) 1 where the rules give object mention j the attribute mention i's text, row-major."""
    which = [_rule_object(graph, s) for s in objects]
    out = []
    for _, text in attributes:
        for b in which:
            obj = graph.objects[b] if b is not None else None
            out.append(int(obj is not None and (text in obj.attributes or COUNT_WORDS.get(text, text) == obj.count)))
    return out


def pair_predicates(graph: TextSceneGraph, doc: Sequence[Any], objects: Sequence[tuple[int, int]]
                    ) -> tuple[list[str | None], list[str | None]]:
    """(k * k,) the rules' predicate and the words-between predicate of every ordered pair of
    the ``objects`` mention spans, row-major (None where there is none). ``doc`` is the spaCy
    doc (tokens with ``lower_``, ``lemma_``, ``pos_``)."""
    rules = [r.predicate if r is not None else None for r in pair_relations(graph, objects)]
    between = [words_between(doc, s, o) for s in objects for o in objects]
    return rules, between


def words_between(doc: Sequence[Any], s: tuple[int, int], o: tuple[int, int]) -> str | None:
    """"man sitting on a bench" -> "sit on": the words from subject to object, verbs lemmatised."""
    if s[1] > o[0]:
        return None
    words = [_verb_form(t) for t in doc[s[1]:o[0]] if t.lower_ not in NOT_PREDICATE_WORDS and t.pos_ != "PUNCT"]
    return " ".join(words) or None


def _verb_form(token: Any) -> str:
    """A word of a predicate: verbs lemmatised, also an -ing form tagged as a noun ("lady
    holding/NN dish": hold), which between two objects is the verb."""
    if token.pos_ in ("VERB", "AUX"):
        return fixed_lemma(token.lower_, token.lemma_.lower(), token.tag_)
    if token.pos_ == "NOUN" and token.lower_.endswith("ing") and len(token.lower_) > 5:
        return gerund_lemma(token.lower_)
    return token.lower_
