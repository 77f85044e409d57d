"""Hard negatives on real captions: coverage, verified share by type, speed; NegCLIP's swaps typed.

    python -m benchmarks.bench_negatives               # Flickr30K test captions of ../shared/data (5,000)
    python -m benchmarks.bench_negatives --limit 1000

Prints, in one run and one process: captions/s of parsing the captions alone, and of generating
plus verifying their negatives (each candidate re-parsed); the share of captions with at least
one verified negative among those with an object; the verified share of each type; and the
share of NegCLIP's swap negatives (``negclip/valid_neg_clip.tsv``) that ``sgmatch diff`` types
as one clean edit, by type.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import time
from collections import Counter
from pathlib import Path

from benchmarks.factual import DEFAULT_DATA
from stages.generate_negatives import NegativeParams, corpus_vocabulary, negatives_for, summarize
from stages.negatives.diff import TYPES, diff
from stages.scene_graph.parser import ParserConfig, cached_parser


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--captions", type=Path, default=DEFAULT_DATA / "f30k" / "test_caps.txt")
    ap.add_argument("--negclip", type=Path, default=DEFAULT_DATA / "negclip" / "valid_neg_clip.tsv")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--per-caption", type=int, default=2)
    args = ap.parse_args()
    texts = [t.strip() for t in args.captions.read_text(encoding="utf-8").splitlines()][: args.limit or None]
    config = ParserConfig()
    parser = cached_parser(config)
    list(parser.parse(["warm up the model"]))

    started = time.perf_counter()
    parsed = list(parser.parse(texts))
    parse_s = time.perf_counter() - started
    rows = []
    for k, (text, item) in enumerate(zip(texts, parsed, strict=True)):
        graph = item.graph.to_dict() if item.graph else {"tokens": [], "offsets": [], "objects": [], "relations": []}
        rows.append({"caption_id": f"{k}", "image_id": f"{k // 5}", "split": "test", "caption": text,
                     "error": item.error, **graph})
    params = NegativeParams(types=TYPES, per_caption=args.per_caption, max_rounds=2, seed=0,
                            captions_per_task=len(rows), partition_rows=100000)
    vocab = corpus_vocabulary([r for r in rows if r["error"] is None])
    started = time.perf_counter()
    table = negatives_for(rows, params, config, vocab)
    negatives_s = time.perf_counter() - started
    summary = summarize(table, rows)
    summary["captions_per_second"] = round(len(rows) / negatives_s, 1)
    summary["parse_captions_per_second"] = round(len(texts) / parse_s, 1)
    summary["negatives_over_parse"] = round(parse_s / negatives_s, 3)

    print(f"captions: {len(texts)}; with an object: {summary['captions_with_object']}")
    print(f"parse alone: {summary['parse_captions_per_second']} captions/s; generate + verify: "
          f"{summary['captions_per_second']} captions/s ({summary['negatives_over_parse']:.2f} of the parse rate)")
    print(f"captions with a verified negative (of those with an object): {summary['share_with_verified_negative']}")
    for t, v in summary["by_type"].items():
        print(f"  {t:12s} generated {v['generated']:5d}  verified share {v['verified_share']}")

    if args.negclip.exists():
        pairs = []
        with open(args.negclip, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                for neg in ast.literal_eval(row["neg_caption"]):
                    pairs.append((row["title"], neg))
        graphs = list(parser.parse([t for p in pairs for t in p]))
        found: Counter[str] = Counter()
        for k in range(len(pairs)):
            a, b = graphs[2 * k], graphs[2 * k + 1]
            found[diff(a.graph.to_dict(), b.graph.to_dict())["type"] if a.graph and b.graph else "unparsed"] += 1
        clean = sum(n for t, n in found.items() if t in TYPES)
        summary["negclip"] = {"pairs": len(pairs), "single_clean_edit": round(clean / len(pairs), 4),
                              "by_type": dict(found.most_common())}
        print(f"NegCLIP swap negatives: {len(pairs)} pairs; typed as one clean edit: "
              f"{summary['negclip']['single_clean_edit']}  {dict(found.most_common())}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
