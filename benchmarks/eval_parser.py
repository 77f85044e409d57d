"""Score the caption parser against FACTUAL's human-annotated scene graphs.

    python -m benchmarks.eval_parser                  # dev split: learned, rules, SceneGraphParser
    python -m benchmarks.eval_parser --no-anchor --errors 20
    python -m benchmarks.eval_parser --split train --tail 0.1 --weights /tmp/model.safetensors

Two measures, on the same predictions:

- **FACTUAL set match** (the figure FACTUAL publishes): a caption counts when its graph string
  equals the annotated one as a set of fact strings, spacing normalised and nothing else: no
  lower-casing, lemmas or synonyms, so the parser must write FACTUAL's own forms
  (:func:`text.scene_graph.scoring.set_match`);
- **fact F1** (the project's, lenient): both sides lower-cased, stripped of articles and
  lemmatised element by element; micro precision, recall and F1 over all facts and by kind
  (attributes incl. counts, relations, lone objects), and the set match of those normalised sets.

After the scores comes where the first system (the default parser) loses set match: each
caption it gets wrong, by the kinds of error in it (:func:`text.scene_graph.scoring.error_kinds`),
with how many captions that kind alone keeps from matching (what fixing it would win).

``--split train --tail F`` scores the last fraction F of the train split: where the learned
parser is developed when it was trained with ``--holdout F``. The dev split is for reporting.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.factual import DEFAULT_DATA, read_factual
from text.scene_graph.backends import SpacyBackend, resolve_spacy_model
from text.scene_graph.parser import CaptionParser, ParserConfig
from text.scene_graph.scoring import Normalizer, error_kinds, graph_string, parse_factual, score, set_match

NUMBERS = {"two": "2", "three": "3", "four": "4", "five": "5", "six": "6"}
System = Callable[[Sequence[str]], list[list[list[str]]]]


def print_breakdown(name: str, facts: Sequence[list[list[str]]], golds: Sequence[str]) -> dict[str, dict[str, int]]:
    """Print (and return) how many captions each error kind spoils, and how many it alone spoils."""
    spoiled, alone = Counter(), Counter()
    for f, g in zip(facts, golds, strict=True):
        kinds = error_kinds(f, g)
        spoiled.update(kinds)
        alone.update(kinds if len(kinds) == 1 else ())
    n = len(golds)
    wrong = sum(1 for f, g in zip(facts, golds, strict=True) if not set_match(f, g))
    print(f"\nwhere {name} loses set match: {wrong} of {n} captions wrong "
          "(a caption can have several kinds; 'alone': the only kind in it)")
    for kind, count in spoiled.most_common():
        print(f"  {kind:20s} in {count:4d} ({100 * count / n:4.1f}%)   "
              f"alone {alone[kind]:4d} ({100 * alone[kind] / n:4.1f}%)")
    return {k: {"in": c, "alone": alone[k]} for k, c in spoiled.most_common()}


def ours(config: ParserConfig) -> System:
    parser = CaptionParser(config)

    def run(texts: Sequence[str]) -> list[list[list[str]]]:
        return [item.graph.facts() if item.graph is not None else [] for item in parser.parse(texts)]

    return run


def scene_graph_parser(model: str) -> System:
    """The public rule-based SceneGraphParser (Schuster et al.'s rules on spaCy), as facts."""
    import sng_parser

    parser = sng_parser.Parser("spacy", model=model)

    def facts_of(text: str) -> list[list[str]]:
        graph = parser.parse(text)
        ents = graph["entities"]
        out = []
        for e in ents:
            for m in e["modifiers"]:
                if m["dep"] == "nummod":
                    out.append([e["head"], "is", NUMBERS.get(m["span"].lower(), m["span"])])
                elif m["dep"] not in ("det",):
                    out.append([e["head"], "is", m["span"]])
        out += [[ents[r["subject"]]["head"], r["relation"], ents[r["object"]]["head"]] for r in graph["relations"]]
        return out or [[e["head"]] for e in ents]

    return lambda texts: [facts_of(t) for t in texts]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="dev", choices=["dev", "train"])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA / "factual")
    ap.add_argument("--tail", type=float, default=0.0, help="score only the last fraction of the split")
    ap.add_argument("--limit", type=int, default=0, help="score only the first N captions (after --tail)")
    ap.add_argument("--weights", default="", help="the learned parser's weights (default: the shipped ones)")
    ap.add_argument("--no-anchor", action="store_true", help="skip the public SceneGraphParser")
    ap.add_argument("--no-rules", action="store_true", help="skip the rules-only modes")
    ap.add_argument("--errors", type=int, default=0, help="print N captions the first system gets wrong")
    args = ap.parse_args()
    rows = read_factual(args.data / f"{args.split}.csv")
    if args.tail:
        rows = rows[len(rows) - int(len(rows) * args.tail):]
    rows = rows[: args.limit or None]
    texts = [r["caption"] for r in rows]
    normalize = Normalizer(SpacyBackend().lemmatize)
    gold = [normalize(parse_factual(r["scene_graph"])) for r in rows]
    systems: dict[str, System] = {"sgmatch learned (default)": ours(ParserConfig(weights=args.weights))}
    if not args.no_rules:
        systems["sgmatch rules + lexicon"] = ours(ParserConfig(mode="rules"))
        systems["sgmatch rules only"] = ours(ParserConfig(mode="rules", lexicon="none"))
    if not args.no_anchor:
        systems["SceneGraphParser 0.1"] = scene_graph_parser(resolve_spacy_model("en_core_web_sm"))
    results: dict[str, dict] = {}
    first_facts: list[list[list[str]]] = []
    for name, system in systems.items():
        started = time.perf_counter()
        facts = system(texts)
        seconds = time.perf_counter() - started
        first_facts = first_facts or facts
        exact = sum(set_match(f, r["scene_graph"]) for f, r in zip(facts, rows, strict=True)) / len(rows)
        r = results[name] = {"factual_set_match": round(exact, 4), **score([normalize(f) for f in facts], gold),
                             "seconds": round(seconds, 2)}
        print(f"{name:28s} FACTUAL set match {100 * exact:5.1f}   fact F1 {r['f1']:.3f} (P {r['precision']:.3f} "
              f"R {r['recall']:.3f}; attribute {r['attribute']['f1']:.3f}, relation {r['relation']['f1']:.3f}, "
              f"object {r['object']['f1']:.3f}; lenient set match {100 * r['set_match']:.1f})  {seconds:.1f} s")
    first = next(iter(systems))
    results[first]["errors"] = print_breakdown(first, first_facts, [r["scene_graph"] for r in rows])
    shown = 0
    for row, facts in zip(rows, first_facts, strict=True):
        if shown < args.errors and not set_match(facts, row["scene_graph"]):
            shown += 1
            print(f"\n{row['caption']!r} {sorted(error_kinds(facts, row['scene_graph']))}\n"
                  f"  gold: {row['scene_graph']}\n  ours: {graph_string(facts)}")
    print(json.dumps({"split": args.split, "captions": len(rows), "results": results}, indent=1))


if __name__ == "__main__":
    main()
