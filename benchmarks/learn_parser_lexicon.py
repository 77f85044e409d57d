"""Learn the parser's lexicon from FACTUAL's train split and write it where the parser finds it.

    python -m benchmarks.learn_parser_lexicon                      # ../shared/data/factual/train.csv
    python -m benchmarks.learn_parser_lexicon --train my.csv --out my_lexicon.json

Only the train split is read: the dev split stays for measuring (python -m benchmarks.eval_parser).
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from benchmarks.factual import DEFAULT_DATA, parse_all, read_factual
from pipeline.artifacts import atomic_write_text
from text.scene_graph.backends import SpacyBackend
from text.scene_graph.lexicon import BUILTIN, learn_lexicon
from text.scene_graph.rules import build_graph
from text.scene_graph.scoring import Normalizer, parse_factual


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", type=Path, default=DEFAULT_DATA / "factual" / "train.csv")
    ap.add_argument("--out", type=Path, default=BUILTIN)
    ap.add_argument("--min-votes", type=int, default=3)
    ap.add_argument("--min-share", type=float, default=0.6)
    ap.add_argument("--processes", type=int, default=2)
    args = ap.parse_args()
    logging.basicConfig(level="INFO", format="%(asctime)s %(message)s")
    rows = read_factual(args.train)
    backend = SpacyBackend()
    started = time.perf_counter()
    parses = parse_all(backend, [r["caption"] for r in rows], args.processes)
    logging.info("parsed %d captions in %.0f s", len(rows), time.perf_counter() - started)
    normalize = Normalizer(backend.lemmatize)
    gold = [parse_factual(r["scene_graph"]) for r in rows]
    lexicon = learn_lexicon(lambda lex: [build_graph(p, lex) for p in parses], gold, normalize.element,
                            args.min_votes, args.min_share)
    atomic_write_text(args.out, lexicon.to_json())
    sizes = {k: len(v) for k, v in vars(lexicon).items() if not isinstance(v, str)}
    logging.info("wrote %s: %s", args.out, sizes)


if __name__ == "__main__":
    main()
