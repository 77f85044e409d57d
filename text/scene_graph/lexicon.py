"""The word-by-word conventions of a scene-graph annotation, learned from annotated captions.

The rules decide the structure of a graph; some choices are lexical and the annotation makes
them word by word: is "fighter jet" one object or a jet that is "fighter"? Is "a piece of
cake" a cake that is "piece"? Is "man with glasses" ``with`` or ``wear``? Is "guy" written
"person"? A :class:`Lexicon` holds those choices; :func:`learn_lexicon` counts them on
annotated captions (the FACTUAL train split) by aligning what the rules produce with the
annotation. The learned lexicon ships as ``lexicon_factual.json`` beside this module
(``parse_captions.lexicon: factual``); ``none`` parses with the rules alone.

A choice is kept only when it was seen often enough (``min_votes``) and the annotation
prefers it clearly (``min_share``): the lexicon generalises word choices, it does not
memorise captions.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from text.scene_graph.graph import TextSceneGraph

BUILTIN = Path(__file__).with_name("lexicon_factual.json")

# Compound words: kept in the name, made an attribute, or dropped.
MERGE, ATTRIBUTE, DROP = "merge", "attribute", "drop"
# "X of Y": Y have X (part), Y is X (attribute), or X absorbed into Y (quantity).
HAVE, ABSORB = "have", "absorb"


@dataclass(frozen=True)
class Lexicon:
    compound_pairs: dict[str, str] = field(default_factory=dict)  # "modifier|head" -> decision
    compound_modifiers: dict[str, str] = field(default_factory=dict)  # modifier -> decision
    of_nouns: dict[str, str] = field(default_factory=dict)  # X lemma of "X of Y" -> decision
    adjective_prefixes: frozenset[str] = frozenset()  # "dark" in "dark green" is one attribute
    name_adjectives: frozenset[str] = frozenset()  # "hot|dog": the adjective is part of the name
    noun_map: dict[str, str] = field(default_factory=dict)  # object lemma -> conventional name
    predicate_map: dict[str, str] = field(default_factory=dict)  # predicate -> conventional one
    predicate_by_object: dict[str, str] = field(default_factory=dict)  # "with|glasses" -> "wear"
    inverted_predicates: dict[str, str] = field(default_factory=dict)  # predicate -> new, roles swapped
    source: str = "rules only"

    def compound(self, modifier: str, head: str) -> str:
        return self.compound_pairs.get(f"{modifier}|{head}") or self.compound_modifiers.get(modifier, MERGE)

    def to_json(self) -> str:
        data = asdict(self)
        data["adjective_prefixes"] = sorted(self.adjective_prefixes)
        data["name_adjectives"] = sorted(self.name_adjectives)
        return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def load_lexicon(spec: str) -> Lexicon:
    """``none`` (rules alone), ``factual`` (the built-in learned lexicon) or a JSON path."""
    if spec == "none":
        return Lexicon()
    path = BUILTIN if spec == "factual" else Path(spec)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["adjective_prefixes"] = frozenset(data.get("adjective_prefixes", ()))
    data["name_adjectives"] = frozenset(data.get("name_adjectives", ()))
    return Lexicon(**data)


# ---------------------------------------------------------------- learning


def _decide(votes: dict[str, Counter[str]], min_votes: int, min_share: float, default: str) -> dict[str, str]:
    """Keys whose winning choice has enough votes and share and is not ``default``."""
    out = {}
    for key, counter in votes.items():
        total = sum(counter.values())
        best, n = counter.most_common(1)[0]
        if total >= min_votes and n / total >= min_share and best != default:
            out[key] = best
    return dict(sorted(out.items()))


@dataclass
class _Votes:
    pairs: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    modifiers: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    of_nouns: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    adjectives: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    name_adjectives: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    nouns: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    predicates: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_object: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    raw_form: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))


def learn_lexicon(
    build: Callable[[Lexicon], Sequence[TextSceneGraph]],
    gold: Sequence[Sequence[Sequence[str]]],
    normalize: Callable[[str], str],
    min_votes: int = 3,
    min_share: float = 0.6,
) -> Lexicon:
    """Learn the lexical choices by aligning rule graphs with gold facts, in two passes.

    ``build(lexicon)`` returns the graphs of the annotated captions parsed with ``lexicon``.
    The first pass (no lexicon) decides how words combine into objects (compounds, "X of Y",
    adjective pairs); the second, on graphs rebuilt with those decisions, how objects and
    predicates are named. ``normalize`` maps one element to its scoring form (lower-cased,
    articles dropped, lemmatised), so "dogs" and "dog" align.
    """
    first = _count_votes(build(Lexicon()), gold, normalize)
    modifiers = _decide(first.modifiers, min_votes, min_share, MERGE)
    pairs = {  # a pair is kept only where it differs from its modifier's own decision
        k: d for k, d in _decide(first.pairs, min_votes, min_share, "").items()
        if d != modifiers.get(k.split("|")[0], MERGE)
    }
    structure = Lexicon(
        compound_pairs=pairs,
        compound_modifiers=modifiers,
        of_nouns=_decide(first.of_nouns, min_votes, min_share, HAVE),
        adjective_prefixes=frozenset(_decide(first.adjectives, min_votes, min_share, "separate")),
        name_adjectives=frozenset(_decide(first.name_adjectives, min_votes, min_share, ATTRIBUTE)),
    )
    second = _count_votes(build(structure), gold, normalize)

    def raw(n: str) -> str:
        return second.raw_form[n].most_common(1)[0][0] if second.raw_form.get(n) else n

    nouns = _decide(second.nouns, min_votes, min_share, "")
    noun_map = {k: raw(v) for k, v in nouns.items() if v not in (k, normalize(k))}
    predicates = _decide(second.predicates, min_votes, min_share, "")
    predicate_map = {k: raw(v) for k, v in predicates.items() if not v.startswith("<inv>") and v != normalize(k)}
    inverted = {k: raw(v[5:]) for k, v in predicates.items() if v.startswith("<inv>")}
    by_object = {
        k: raw(v) for k, v in _decide(second.by_object, min_votes, min_share, "").items()
        if normalize(predicate_map.get(k.split("|")[0], k.split("|")[0])) != v
    }
    return Lexicon(
        compound_pairs=structure.compound_pairs,
        compound_modifiers=structure.compound_modifiers,
        of_nouns=structure.of_nouns,
        adjective_prefixes=structure.adjective_prefixes,
        name_adjectives=structure.name_adjectives,
        noun_map=noun_map,
        predicate_map=predicate_map,
        predicate_by_object=by_object,
        inverted_predicates=inverted,
        source=f"learned from {len(gold)} annotated captions (min_votes={min_votes}, min_share={min_share})",
    )


def _count_votes(
    graphs: Sequence[TextSceneGraph], gold: Sequence[Sequence[Sequence[str]]], normalize: Callable[[str], str]
) -> _Votes:
    v = _Votes()
    for graph, facts in zip(graphs, gold, strict=True):
        g = [tuple(normalize(e) for e in f) for f in facts]
        for f, nf in zip(facts, g, strict=True):
            for raw, n in zip(f, nf, strict=True):
                v.raw_form[n][raw.strip().lower()] += 1
        elements = {e for f in g for e in f}
        attrs = {(f[0], f[2]) for f in g if len(f) == 3 and f[1] == "is"}
        rels = {f for f in g if len(f) == 3 and f[1] != "is"}
        by_pair: dict[tuple[str, str], set[str]] = defaultdict(set)
        by_pair_inv: dict[tuple[str, str], set[str]] = defaultdict(set)
        for s, p, o in rels:
            by_pair[(s, o)].add(p)
            by_pair_inv[(o, s)].add(p)
        names = [normalize(o.label) for o in graph.objects]
        text = " ".join(graph.tokens).lower()

        for obj, name in zip(graph.objects, names, strict=True):
            words = obj.name.split()
            if len(words) >= 2:  # compounds: one decision per modifier
                head = normalize(words[-1])
                decision = None
                if name in elements:
                    decision = MERGE
                elif any((head, normalize(m)) in attrs for m in words[:-1]):
                    decision = ATTRIBUTE
                elif head in elements:
                    decision = DROP
                if decision is not None:
                    for m in words[:-1]:
                        v.pairs[f"{m}|{words[-1]}"][decision] += 1
                        v.modifiers[m][decision] += 1
            for a, b in zip(obj.attributes, obj.attributes[1:], strict=False):  # adjacent adjectives
                if f"{a} {b}" in text and len(a.split()) == 1:
                    if (name, normalize(f"{a} {b}")) in attrs:
                        v.adjectives[a]["merge"] += 1
                    elif (name, normalize(a)) in attrs and (name, normalize(b)) in attrs:
                        v.adjectives[a]["separate"] += 1
            for a in obj.attributes:  # "hot dog": an adjective that belongs to the name
                if " " not in a and f"{a} {obj.name}" in text:
                    if normalize(f"{a} {obj.name}") in elements:
                        v.name_adjectives[f"{a}|{words[-1]}"]["name"] += 1
                    elif (name, normalize(a)) in attrs:
                        v.name_adjectives[f"{a}|{words[-1]}"][ATTRIBUTE] += 1
            if name in elements:
                v.nouns[obj.lemma][name] += 1

        for rel in graph.relations:
            s, o = names[rel.subject], names[rel.object]
            p = normalize(rel.predicate)
            if rel.via == "of":  # "X of Y" read as (Y, have, X): what did the annotation do?
                x = graph.objects[rel.object].lemma
                if (s, "have", o) in rels:
                    v.of_nouns[x][HAVE] += 1
                elif (s, o) in attrs:
                    v.of_nouns[x][ATTRIBUTE] += 1
                elif o not in elements and s in elements:
                    v.of_nouns[x][ABSORB] += 1
            for gs, gp, go in rels:  # names written differently ("guy" -> "person")
                if gp == p and go == o and gs != s and s not in elements:
                    v.nouns[graph.objects[rel.subject].lemma][gs] += 1
                if gp == p and gs == s and go != o and o not in elements:
                    v.nouns[graph.objects[rel.object].lemma][go] += 1
            # predicates: the same two objects related by another word, or the other way round
            choice = None
            if p in by_pair.get((s, o), ()):
                choice = p
            elif by_pair.get((s, o)):
                choice = sorted(by_pair[(s, o)])[0]
            elif by_pair_inv.get((s, o)):
                choice = "<inv>" + sorted(by_pair_inv[(s, o)])[0]
            if choice is not None:
                v.predicates[rel.predicate][choice] += 1
                if not choice.startswith("<inv>"):
                    v.by_object[f"{rel.predicate}|{graph.objects[rel.object].lemma}"][choice] += 1
    return v
