"""Score the caption parser's facts against FACTUAL's human-annotated scene graphs.

    python -m benchmarks.eval_parser                 # dev split, ours with and without the lexicon
    python -m benchmarks.eval_parser --anchor        # also the public SceneGraphParser (pip install SceneGraphParser)
    python -m benchmarks.eval_parser --split train --limit 2000 --errors 20

Protocol: a caption's facts form a set; both sides are lower-cased, stripped of articles and
lemmatised element by element; micro precision, recall and F1 over all facts and by kind
(attribute facts incl. counts, relation facts, lone objects), and set match (the share of
captions whose whole set is right). The lexicon was learned on the train split only.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.factual import DEFAULT_DATA, read_factual
from stages.scene_graph.backends import SpacyBackend, resolve_spacy_model
from stages.scene_graph.lexicon import load_lexicon
from stages.scene_graph.rules import build_graph
from stages.scene_graph.scoring import Normalizer, parse_factual, score
from stages.scene_graph.tokens import from_spacy

NUMBERS = {"two": "2", "three": "3", "four": "4", "five": "5", "six": "6"}


def ours(backend: SpacyBackend, lexicon: str) -> Callable[[Sequence[str]], list[list[list[str]]]]:
    lex = load_lexicon(lexicon)

    def run(texts: Sequence[str]) -> list[list[list[str]]]:
        return [build_graph(from_spacy(d), lex).facts() for d in backend.nlp.pipe(texts, batch_size=256)]

    return run


def scene_graph_parser(model: str) -> Callable[[Sequence[str]], list[list[list[str]]]]:
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
    ap.add_argument("--limit", type=int, default=0, help="score only the first N captions")
    ap.add_argument("--anchor", action="store_true", help="also score the public SceneGraphParser")
    ap.add_argument("--errors", type=int, default=0, help="print N captions ours gets wrong")
    args = ap.parse_args()
    rows = read_factual(args.data / f"{args.split}.csv")[: args.limit or None]
    texts = [r["caption"] for r in rows]
    backend = SpacyBackend()
    normalize = Normalizer(backend.lemmatize)
    gold = [normalize(parse_factual(r["scene_graph"])) for r in rows]
    systems = {"sgmatch (rules + learned lexicon)": ours(backend, "factual"), "sgmatch (rules only)": ours(backend, "none")}
    if args.anchor:
        systems["SceneGraphParser 0.1 (anchor)"] = scene_graph_parser(resolve_spacy_model("en_core_web_sm"))
    results = {}
    predictions = {}
    for name, system in systems.items():
        started = time.perf_counter()
        facts = system(texts)
        seconds = time.perf_counter() - started
        predictions[name] = pred = [normalize(f) for f in facts]
        results[name] = {**score(pred, gold), "seconds": round(seconds, 2)}
        r = results[name]
        print(f"{name:38s} P {r['precision']:.3f}  R {r['recall']:.3f}  F1 {r['f1']:.3f}  "
              f"set match {r['set_match']:.3f}  (attribute F1 {r['attribute']['f1']:.3f}, "
              f"relation F1 {r['relation']['f1']:.3f})  {len(texts)} captions, {seconds:.1f} s")
    first = next(iter(predictions.values()))
    shown = 0
    for row, p, g in zip(rows, first, gold, strict=True):
        if p != g and shown < args.errors:
            shown += 1
            print(f"\n{row['caption']!r}\n  missing: {sorted(g - p)}\n  extra:   {sorted(p - g)}")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
