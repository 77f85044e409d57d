"""Hard negatives on real captions: coverage, verified share by type, blind readers, speed, samples.

    python -m benchmarks.bench_negatives                  # Flickr30K test and COCO testall of ../shared/data
    python -m benchmarks.bench_negatives --limit 2000     # the first 2,000 captions of each
    python -m benchmarks.bench_negatives --negclip        # also type NegCLIP's swap negatives

For each corpus, in one process and one run: captions/s of parsing the captions alone, and of
fitting the generator plus generating and verifying the negatives with the project's default
params (``generate_negatives`` of params.yaml; these corpora have no train split, so the
generator is fitted on all their captions); the share of captions with a verified negative;
the verified share and count of each type, and the share verified with the whole re-parse
read as the edit (``read_whole``: nothing away from the edit taken from the caption's graph);
and how often a blind reader (a caption language model, scoring log-probability per token)
prefers the true caption over its verified negative, by type. 0.5 is chance: a reader that cannot tell them apart.

The blind readers are not the generator's model (a 3-gram fitted on the corpus itself):

- ``blind A``: a 4-gram on other captions of everyday scenes: Flickr8k for COCO; COCO testall and
  the Flickr8k images none of whose captions are in the Flickr30K test split, for Flickr30K;
- ``blind B``: a 4-gram on FACTUAL's region descriptions (Visual Genome), a corpus of its own.

Beside them on COCO, the same readers on SugarCrepe's unselected pairs (``sugarcrepe_dev``: written by
an LLM, checked by people, not filtered against text-only models) give a reference level.
Then why the other candidates failed verification, by type (:mod:`text.negatives.verify`), how the
verified share falls over each caption's successive candidates, and 20 random verified negatives
of each type.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import os
import random
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks.factual import DEFAULT_DATA
from pipeline.params import load_section
from stages.generate_negatives import NegativeParams, fit, negatives_for, summarize
from text.negatives.diff import TYPES, diff
from text.negatives.language_model import CaptionLanguageModel, words
from text.negatives.lexical import embed
from text.scene_graph.parser import ParserConfig, cached_parser

PARAMS = Path(__file__).resolve().parents[1] / "params.yaml"


def read_lines(path: Path) -> list[str]:
    return [t.strip() for t in path.read_text(encoding="utf-8").splitlines()]


def flickr8k(data: Path) -> dict[str, list[str]]:
    """Image -> its captions."""
    out: dict[str, list[str]] = {}
    for line in read_lines(data / "flickr8k" / "Flickr8k.token.txt"):
        key, _, text = line.partition("\t")
        if text:
            out.setdefault(key.split("#")[0], []).append(text)
    return out


def blind_readers(data: Path, scored: list[str], name: str) -> dict[str, CaptionLanguageModel]:
    """Two 4-grams trained on captions other than ``scored``."""
    seen = {" ".join(words(t)) for t in scored}
    f8 = flickr8k(data)
    if name == "f30k":  # Flickr8k's images are Flickr30K's: leave out every image with a scored caption
        other = read_lines(data / "coco" / "testall_caps.txt")
        other += [c for caps in f8.values() if not any(" ".join(words(c)) in seen for c in caps) for c in caps]
    else:
        other = [c for caps in f8.values() for c in caps]
    other = [c for c in other if " ".join(words(c)) not in seen]
    with open(data / "factual" / "train.csv", encoding="utf-8", newline="") as fh:
        factual = [r["caption"] for r in csv.DictReader(fh)]
    return {"blind A": CaptionLanguageModel.fit(other, 4), "blind B": CaptionLanguageModel.fit(factual, 4)}


def prefers_true(reader: CaptionLanguageModel, pairs: list[tuple[str, str]]) -> float | None:
    wins = [reader.logprob_per_token(a) > reader.logprob_per_token(b) for a, b in pairs]
    return round(sum(wins) / len(wins), 3) if wins else None


def parse_rows(texts: list[str], config: ParserConfig) -> tuple[list[dict[str, Any]], float]:
    parser = cached_parser(config)
    started = time.perf_counter()
    parsed = list(parser.parse(texts))
    seconds = time.perf_counter() - started
    rows = []
    for k, (text, item) in enumerate(zip(texts, parsed, strict=True)):
        graph = item.graph.to_dict() if item.graph else {"tokens": [], "offsets": [], "objects": [], "relations": []}
        rows.append({"caption_id": f"{k}", "image_id": f"{k // 5}", "split": "test", "caption": text,
                     "error": item.error, **graph})
    return rows, seconds


def run_corpus(name: str, path: Path, args: argparse.Namespace, params: NegativeParams,
               config: ParserConfig) -> dict[str, Any]:
    texts = read_lines(path)[: args.limit or None]
    rows, parse_s = parse_rows(texts, config)
    started = time.perf_counter()
    fitted = fit(rows, params)
    fit_s = time.perf_counter() - started
    table = negatives_for(rows, params, config, fitted)
    total_s = time.perf_counter() - started
    summary = summarize(table, rows)
    summary.update(parse_captions_per_second=round(len(rows) / parse_s, 1), fit_seconds=round(fit_s, 1),
                   captions_per_second=round(len(rows) / total_s, 1), negatives_over_parse=round(parse_s / total_s, 3))
    negatives = table.to_pylist()
    verified = [r for r in negatives if r["verified"]]
    summary["by_attempt"] = by_attempt(negatives)
    readers = blind_readers(args.data, texts, name)
    summary["blind"] = {}
    for reader_name, reader in readers.items():
        by_type = {t: prefers_true(reader, [(r["caption"], r["negative"]) for r in verified if r["type"] == t])
                   for t in params.types}
        summary["blind"][reader_name] = {"all": prefers_true(reader, [(r["caption"], r["negative"]) for r in verified]),
                                         **by_type}
    summary["samples"] = {t: [(r["caption"], r["negative"], round(r["plausibility"], 2)) for r in random.Random(0).sample(
        [r for r in verified if r["type"] == t], min(20, sum(r["type"] == t for r in verified)))] for t in params.types}
    summary["readers"] = readers
    return summary


def by_attempt(negatives: list[dict[str, Any]]) -> list[tuple[int, float]]:
    """(candidates, verified share) of each caption's first, second, ... candidate tried: when a
    caption's later candidates fail far more often than its first, the parser misreads some
    captions whatever the edit, not some edits."""
    tried: dict[str, int] = {}
    counts: dict[int, list[int]] = {}
    for n in negatives:  # in the order tried
        k = tried.get(n["caption_id"], 0)
        tried[n["caption_id"]] = k + 1
        c = counts.setdefault(k, [0, 0])
        c[0] += 1
        c[1] += n["verified"]
    return [(n, round(ok / n, 3)) for _, (n, ok) in sorted(counts.items())]


def sugarcrepe_reference(data: Path, readers: dict[str, CaptionLanguageModel]) -> dict[str, dict[str, float | None]]:
    out: dict[str, dict[str, float | None]] = {}
    for t in TYPES:
        path = data / "sugarcrepe_dev" / f"{t.replace('-', '_')}.json"
        if path.exists():
            pairs = [(v["caption"], v["negative_caption"]) for v in json.loads(path.read_text(encoding="utf-8")).values()]
            out[t] = {name: prefers_true(r, pairs) for name, r in readers.items()}
    return out


def negclip_typing(data: Path, config: ParserConfig) -> dict[str, Any]:
    pairs = []
    with open(data / "negclip" / "valid_neg_clip.tsv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            pairs += [(row["title"], neg) for neg in ast.literal_eval(row["neg_caption"])]
    graphs = list(cached_parser(config).parse([t for p in pairs for t in p]))
    found: Counter[str] = Counter()
    for k in range(len(pairs)):
        a, b = graphs[2 * k], graphs[2 * k + 1]
        found[diff(a.graph.to_dict(), b.graph.to_dict())["type"] if a.graph and b.graph else "unparsed"] += 1
    return {"pairs": len(pairs), "single_clean_edit": round(sum(n for t, n in found.items() if t in TYPES) / len(pairs), 4),
            "by_type": dict(found.most_common())}


def report(name: str, s: dict[str, Any], reference: dict[str, dict[str, float | None]]) -> None:
    print(f"\n=== {name}: {s['captions']} captions, {s['captions_with_object']} with an object")
    print(f"parse alone {s['parse_captions_per_second']} captions/s; fit + generate + verify {s['captions_per_second']} "
          f"captions/s (fit {s['fit_seconds']} s) = {s['negatives_over_parse']:.2f} of the parse rate")
    print(f"captions with a verified negative: {s['share_of_all_with_verified_negative']} of all, "
          f"{s['share_with_verified_negative']} of those with an object")
    readers = list(s["blind"])
    print(f"{'type':12s} {'tried':>6s} {'verified':>8s} {'share':>6s} {'whole':>6s}  " + "  ".join(
        f"{r:>8s} (SugarCrepe dev)" for r in readers))
    for t, v in s["by_type"].items():
        blind = "  ".join(f"{str(s['blind'][r].get(t)):>8s} ({str(reference.get(t, {}).get(r)):>5s})" for r in readers)
        whole = str(round(v["read_whole"] / v["generated"], 4) if v["generated"] else None)
        print(f"{t:12s} {v['generated']:6d} {v['verified']:8d} {str(v['verified_share']):>6s} {whole:>6s}  {blind}")
    n, whole_n = max(s["negatives"], 1), sum(v["read_whole"] for v in s["by_type"].values())
    print(f"{'all':12s} {s['negatives']:6d} {s['verified']:8d} {round(s['verified'] / n, 4):>6} "
          f"{round(whole_n / n, 4):>6}  " + "  ".join(f"{str(s['blind'][r]['all']):>8s}" + " " * 8 for r in readers))
    print("(share: verified, the re-parse read where the edit wrote words; "
          "whole: verified with the whole re-parse read as the edit)")
    print("why candidates failed verification (the re-parse against the caption's graph), by type:")
    for t, reasons in s["failures"].items():
        print(f"  {t:12s} " + "; ".join(f"{k} {n}" for k, n in list(reasons.items())[:6]))
    print("verified share of each caption's 1st, 2nd, ... candidate: "
          + ", ".join(f"{share} ({n})" for n, share in s["by_attempt"]))
    for t, samples in s["samples"].items():
        print(f"--- {t}: {len(samples)} random verified negatives (plausibility)")
        for caption, negative, plausibility in samples:
            print(f"  {plausibility:+.2f}  {caption}  ->  {negative}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--params", type=Path, default=PARAMS)
    ap.add_argument("--limit", type=int, default=0, help="captions of each corpus (0: all)")
    ap.add_argument("--negclip", action="store_true", help="also type NegCLIP's swap negatives with the diff")
    args = ap.parse_args()
    params = load_section(args.params, "generate_negatives", NegativeParams)
    params = replace(params, captions_per_task=10**9)
    config = ParserConfig()
    list(cached_parser(config).parse(["warm up the model"]))
    embed(["warm", "up"])  # both rates without their one-time model loads: the parser's, and the word encoder's
    print(f"load average {os.getloadavg()[0]:.2f} (2 cores shared); params: {params}")
    results = {}
    for name, path in (("f30k", args.data / "f30k" / "test_caps.txt"), ("coco", args.data / "coco" / "testall_caps.txt")):
        s = run_corpus(name, path, args, params, config)
        readers = s.pop("readers")
        # SugarCrepe's pairs are COCO captions: only the COCO readers never saw them
        reference = sugarcrepe_reference(args.data, readers) if name == "coco" else {}
        report({"f30k": "Flickr30K test", "coco": "COCO testall"}[name], s, reference)
        results[name] = {k: v for k, v in s.items() if k != "samples"}
    if args.negclip:
        results["negclip"] = negclip_typing(args.data, config)
        print(f"\nNegCLIP swap negatives typed by the diff: {results['negclip']}")
    print(f"\nload average {os.getloadavg()[0]:.2f}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
