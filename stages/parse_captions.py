"""Stage ``parse_captions``: captions into text scene graphs (the ``text_graphs`` artifact).

Each distinct caption text is parsed once (real corpora repeat captions), in tasks of
``texts_per_task`` texts spread over the dask workers; each worker loads the parser model
once. The output keeps the captions' order and one row per caption; a caption that could
not be parsed (an ingest error, an empty or over-long text, a failure of the rules) gets an
``error`` and an empty graph, and never stops the stage.

Example::

    python -m stages.parse_captions --params params.yaml --captions data/captions \\
        --out data/text_graphs --metrics metrics/parse_captions.json
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.artifacts import read_table, write_artifact, write_json
from pipeline.errors import InputError
from pipeline.parallel import dask_client, map_partitions
from pipeline.params import load_section
from pipeline.schemas import CAPTIONS, TEXT_GRAPHS
from pipeline.stage import METRICS, Port, StageSpec, run_stage
from text.scene_graph.backends import ModelNotFound, check_available
from text.scene_graph.parser import ParseParams, ParserConfig, cached_parser, check_mode

log = logging.getLogger(__name__)

GRAPH_COLUMNS = ("tokens", "offsets", "objects", "relations", "facts", "backend", "backend_version", "error")


def parse_texts(texts: Sequence[str], config: ParserConfig) -> pa.Table:
    """Parse ``texts`` (in this process or on a worker): one row of graph columns per text."""
    parser = cached_parser(config)
    rows = []
    for item in parser.parse(texts):
        graph = item.graph.to_dict() if item.graph is not None else {
            "tokens": [], "offsets": [], "objects": [], "relations": [], "facts": []}
        rows.append({**graph, "backend": parser.name, "backend_version": parser.version, "error": item.error})
    schema = pa.schema([TEXT_GRAPHS.arrow.field(c) for c in GRAPH_COLUMNS])
    return pa.Table.from_pylist(rows, schema=schema)


def distinct_texts(captions: pa.Table) -> tuple[list[str], list[int]]:
    """The distinct parseable texts in first-seen order, and each row's index into them (-1: none)."""
    index: dict[str, int] = {}
    texts: list[str] = []
    which = []
    for text, error in zip(captions.column("caption").to_pylist(), captions.column("error").to_pylist(),
                           strict=True):
        if error is not None or text is None:
            which.append(-1)
            continue
        k = index.get(text)
        if k is None:
            k = index[text] = len(texts)
            texts.append(text)
        which.append(k)
    return texts, which


def assemble(captions: pa.Table, which: list[int], parsed: pa.Table, partition_rows: int) -> list[pa.Table]:
    """Output partitions in caption order: each row takes its text's graph, or its ingest error."""
    upstream = captions.column("error").to_pylist()
    taken = parsed.take(pa.array([max(k, 0) for k in which], pa.int64())) if parsed.num_rows else None
    parts = []
    for start in range(0, captions.num_rows, partition_rows):
        stop = min(start + partition_rows, captions.num_rows)
        base = {c: captions.column(c).slice(start, stop - start) for c in ("caption_id", "image_id", "split", "caption")}
        cols: dict[str, Any] = {}
        for c in GRAPH_COLUMNS:
            col = taken.column(c).slice(start, stop - start).to_pylist() if taken is not None else [None] * (stop - start)
            cols[c] = col
        for r in range(stop - start):
            if which[start + r] < 0:  # rows that never reached the parser
                for c in ("tokens", "offsets", "objects", "relations", "facts"):
                    cols[c][r] = []
                cols["error"][r] = upstream[start + r] if upstream[start + r] else "caption: empty caption"
        parts.append(pa.table({**base, **cols}, schema=TEXT_GRAPHS.arrow))
    return parts


def summarize(parts: Sequence[pa.Table], n_distinct: int) -> dict[str, Any]:
    rows = sum(t.num_rows for t in parts)
    errors = sum(t.num_rows - t.column("error").null_count for t in parts)
    objects = sum(pc.sum(pc.list_value_length(t.column("objects"))).as_py() or 0 for t in parts)
    relations = sum(pc.sum(pc.list_value_length(t.column("relations"))).as_py() or 0 for t in parts)
    ok = max(rows - errors, 1)
    return {"captions": rows, "distinct_texts": n_distinct, "errors": errors,
            "objects_per_caption": round(objects / ok, 3), "relations_per_caption": round(relations / ok, 3)}


def _run(args: argparse.Namespace) -> None:
    params = load_section(args.params, "parse_captions", ParseParams)
    config = params.parser_config()
    try:  # fail here, with one clear line, rather than on every worker
        check_available(config.backend, config.spacy_model, config.stanza_dir)
        check_mode(config)
    except ModelNotFound as exc:
        raise InputError(f"{args.params} [parse_captions]", f"parse_captions.{exc.param}", str(exc)) from None
    started = time.perf_counter()
    captions = read_table(args.captions, CAPTIONS, columns=["caption_id", "image_id", "split", "caption", "error"])
    texts, which = distinct_texts(captions)
    chunks = [texts[i:i + params.texts_per_task] for i in range(0, len(texts), params.texts_per_task)]
    log.info("parsing %d distinct texts of %d captions in %d tasks", len(texts), captions.num_rows, len(chunks))
    with dask_client(args.dask_address, args.workers) as client:
        results = map_partitions(parse_texts, chunks, client, "parse captions", config=config)
    parsed = pa.concat_tables(results) if results else pa.table({})
    parts = assemble(captions, which, parsed, params.partition_rows)
    write_artifact(args.out, TEXT_GRAPHS, parts)
    summary = summarize(parts, len(texts))
    if args.metrics:  # timings stay in the log: the metrics file is a function of the inputs
        write_json(args.metrics, summary)
    seconds = time.perf_counter() - started
    log.info("parse_captions: %s in %.1f s (%.0f captions/s)", summary, seconds, captions.num_rows / seconds)


STAGE = StageSpec(
    name="parse_captions",
    summary="captions into text scene graphs (objects, attributes, relations)",
    inputs=(Port("--captions", "captions", "the captions artifact"),),
    outputs=(Port("--out", "text_graphs", "the text_graphs artifact to write"), METRICS),
    params=("parse_captions",),
    dask=True,
)


def main(argv: Sequence[str] | None = None) -> int:
    return run_stage(_run, STAGE.parser(__doc__), argv)


if __name__ == "__main__":
    raise SystemExit(main())
