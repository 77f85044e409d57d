"""Stage ``generate_negatives``: typed hard-negative captions, each verified by re-parsing.

For every caption, candidate negatives are made by editing its scene graph and realising the
edit in its own words (:mod:`stages.negatives.edits`): ``replace-obj``, ``replace-att``,
``replace-rel``, ``swap-att``, ``swap-obj``, ``add-obj``, ``add-att``. Replacement words come
from the corpus's own vocabulary (the objects, attributes and predicates of its text graphs),
by kind. Each candidate is parsed with the same parser as ``parse_captions`` and kept as
verified only when the typed diff of the two graphs is exactly the declared edit. Up to
``per_caption`` verified negatives per caption, over at most ``max_rounds`` rounds of
candidates; every candidate tried is written, with ``verified`` saying how it fared.
Deterministic for a seed: each caption's choices depend only on the seed and its id.

Example::

    python -m stages.generate_negatives --params params.yaml --text-graphs data/text_graphs \\
        --out data/negatives --metrics metrics/generate_negatives.json
"""

from __future__ import annotations

import argparse
import logging
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.artifacts import read_table, split_rows, write_artifact, write_json
from pipeline.errors import InputError
from pipeline.parallel import dask_client, map_partitions
from pipeline.params import NonNegativeInt, PositiveInt, load_section
from pipeline.schemas import NEGATIVES, TEXT_GRAPHS
from pipeline.stage import add_dask_options, run_stage, stage_parser
from stages.negatives.diff import TYPES, diff
from stages.negatives.edits import Negative, Vocabulary, candidates
from stages.negatives.words import load_categories
from stages.parse_captions import ParseParams
from stages.scene_graph.parser import ParserConfig, cached_parser

log = logging.getLogger(__name__)

COLUMNS = ["caption_id", "image_id", "split", "caption", "tokens", "offsets", "objects", "relations", "error"]


@dataclass(frozen=True)
class NegativeParams:
    types: tuple[str, ...]  # which of the seven types to make
    per_caption: PositiveInt  # verified negatives wanted per caption
    max_rounds: PositiveInt  # rounds of candidates (each round re-parses the candidates still needed)
    seed: NonNegativeInt
    captions_per_task: PositiveInt
    partition_rows: PositiveInt


def corpus_vocabulary(rows: Sequence[dict[str, Any]]) -> Vocabulary:
    objects, attributes, predicates = set(), set(), set()
    for r in rows:
        for o in r["objects"]:
            objects.add(o["lemma"])
            attributes.update(o["attributes"])
        predicates.update(rel["predicate"] for rel in r["relations"])
        tokens = [t.lower() for t in r["tokens"]]
        for rel in r["relations"]:  # the prepositions as written ("to the left of"), not only as mapped
            predicates.add(" ".join(tokens[rel["start"]:rel["end"]]))
    return Vocabulary(frozenset(objects), frozenset(attributes), frozenset(predicates))


def negatives_for(rows: Sequence[dict[str, Any]], params: NegativeParams, config: ParserConfig,
                  vocab: Vocabulary) -> pa.Table:
    """Generate and verify the negatives of some captions (in this process or on a worker)."""
    parser = cached_parser(config)
    categories = load_categories()
    pending: list[tuple[dict[str, Any], list[Negative]]] = []
    for row in rows:
        if row["error"] is None and row["objects"]:
            rng = random.Random(f"{params.seed}:{row['caption_id']}")
            pending.append((row, candidates(row["caption"], row, categories, vocab, params.types, rng)))
    out: list[dict[str, Any]] = []
    verified: Counter[str] = Counter()
    for _ in range(params.max_rounds):
        batch = []
        for row, queue in pending:
            need = params.per_caption - verified[row["caption_id"]]
            while need > 0 and queue:
                batch.append((row, queue.pop(0)))
                need -= 1
        if not batch:
            break
        for (row, neg), parsed in zip(batch, parser.parse([n.text for _, n in batch]), strict=True):
            graph = parsed.graph.to_dict() if parsed.graph is not None else None
            found = diff(row, graph)["type"] if graph is not None else "unparsed"
            ok = found == neg.type
            verified[row["caption_id"]] += ok
            out.append({"caption_id": row["caption_id"], "image_id": row["image_id"], "split": row["split"],
                        "caption": row["caption"], "negative": neg.text, "type": neg.type, "before": neg.before,
                        "after": neg.after, "start": neg.start, "end": neg.end, "verified": ok, "found_type": found,
                        "tokens": graph["tokens"] if graph else [], "objects": graph["objects"] if graph else [],
                        "relations": graph["relations"] if graph else []})
    return pa.Table.from_pylist(out, schema=NEGATIVES.arrow)


def summarize(table: pa.Table, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    with_object = {r["caption_id"] for r in rows if r["error"] is None and r["objects"]}
    data = table.select(["caption_id", "type", "verified"]).to_pylist()
    got = {d["caption_id"] for d in data if d["verified"]}
    by_type: dict[str, Any] = {}
    for t in TYPES:
        made = [d for d in data if d["type"] == t]
        ok = sum(d["verified"] for d in made)
        by_type[t] = {"generated": len(made), "verified": ok,
                      "verified_share": round(ok / len(made), 4) if made else None}
    return {"captions": len(rows), "captions_with_object": len(with_object),
            "share_with_verified_negative": round(len(got & with_object) / len(with_object), 4) if with_object else None,
            "negatives": len(data), "verified": sum(d["verified"] for d in data), "by_type": by_type}


def _run(args: argparse.Namespace) -> None:
    params = load_section(args.params, "generate_negatives", NegativeParams)
    unknown = [t for t in params.types if t not in TYPES]
    if unknown:
        raise InputError(f"{args.params} [generate_negatives]", "generate_negatives.types",
                         f"unknown type {unknown[0]!r}; types are {', '.join(TYPES)}")
    config = load_section(args.params, "parse_captions", ParseParams).parser_config()
    started = time.perf_counter()
    rows = read_table(args.text_graphs, TEXT_GRAPHS, COLUMNS).to_pylist()
    vocab = corpus_vocabulary([r for r in rows if r["error"] is None])
    chunks = [rows[i:i + params.captions_per_task] for i in range(0, len(rows), params.captions_per_task)]
    with dask_client(args.dask_address, args.workers) as client:
        tables = map_partitions(negatives_for, chunks, client, "negatives", params=params, config=config, vocab=vocab)
    table = pa.concat_tables(tables) if tables else NEGATIVES.empty()
    write_artifact(args.out, NEGATIVES, split_rows(table, params.partition_rows))
    summary = summarize(table, rows)
    if args.metrics:  # timings stay in the log: the metrics file is a function of the inputs
        write_json(args.metrics, summary)
    log.info("generate_negatives: %d negatives, %d verified; %.3f of captions with an object have one; %.1f s",
             summary["negatives"], summary["verified"], summary["share_with_verified_negative"] or 0,
             time.perf_counter() - started)


def build_parser() -> argparse.ArgumentParser:
    parser = stage_parser("generate_negatives", __doc__)
    parser.add_argument("--text-graphs", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="the negatives artifact")
    add_dask_options(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return run_stage(_run, build_parser(), argv)


if __name__ == "__main__":
    raise SystemExit(main())
