"""Caption parsing throughput, three ways, on the same captions in one run.

    python -m benchmarks.bench_parse                    # the Flickr8k captions of ../shared/data (40,460)
    python -m benchmarks.bench_parse --limit 5000 --no-anchor

1. ceiling: bare spaCy ``nlp.pipe`` with the same model, components and process count;
2. the ``parse_captions`` stage end to end: read the captions artifact, start the dask
   workers, load the model on each, parse, build the graphs, write the Parquet artifact;
3. anchor: the public SceneGraphParser (``pip install SceneGraphParser``) on the same
   model and process count.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks.factual import DEFAULT_DATA
from pipeline.artifacts import write_artifact
from pipeline.schemas import CAPTIONS
from stages import formats, ingest, parse_captions
from stages.scene_graph.backends import SPACY_EXCLUDE, resolve_spacy_model

_anchor = None


def _anchor_init(model: str) -> None:
    global _anchor
    import sng_parser

    _anchor = sng_parser.Parser("spacy", model=model)


def _anchor_parse(text: str) -> int:
    graph = _anchor.parse(text)  # type: ignore[union-attr]
    return len(graph["relations"])


def bare_spacy(texts: list[str], model: str, processes: int) -> float:
    import spacy

    started = time.perf_counter()
    nlp = spacy.load(model, exclude=SPACY_EXCLUDE)
    for _ in nlp.pipe(texts, batch_size=256, n_process=processes):
        pass
    return time.perf_counter() - started


def stage(texts_file: Path, work: Path, processes: int) -> float:
    rows = formats.check_rows(formats.read_flickr_token(texts_file, "all", {}))
    _, captions = ingest.rows_to_tables(rows, 1_000_000)
    write_artifact(work / "captions", CAPTIONS, captions)
    params = work / "params.yaml"
    repo_params = yaml.safe_load((Path(__file__).resolve().parents[1] / "params.yaml").read_text())
    params.write_text(yaml.safe_dump({"parse_captions": repo_params["parse_captions"]}))
    started = time.perf_counter()
    code = parse_captions.main(["--params", str(params), "--captions", str(work / "captions"),
                                "--out", str(work / "text_graphs"), "--workers", str(processes),
                                "--log-level", "WARNING"])
    assert code == 0
    return time.perf_counter() - started


def anchor(texts: list[str], model: str, processes: int) -> float:
    started = time.perf_counter()
    with mp.get_context("fork").Pool(processes, initializer=_anchor_init, initargs=(model,)) as pool:
        pool.map(_anchor_parse, texts, chunksize=256)
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", type=Path, default=DEFAULT_DATA / "flickr8k" / "Flickr8k.token.txt")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N captions")
    ap.add_argument("--no-anchor", action="store_true")
    args = ap.parse_args()
    model = resolve_spacy_model("en_core_web_sm")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lines = args.tokens.read_text(encoding="utf-8").splitlines()[: args.limit or None]
        subset = work / "tokens.txt"
        subset.write_text("\n".join(lines) + "\n", encoding="utf-8")
        texts = [line.split("\t", 1)[1] for line in lines]
        n = len(texts)
        results = {"captions": n, "distinct": len(set(texts)), "processes": args.processes, "model": model}
        results["bare_spacy_s"] = bare_spacy(texts, model, args.processes)
        results["stage_s"] = stage(subset, work, args.processes)
        if not args.no_anchor:
            results["anchor_s"] = anchor(texts, model, args.processes)
    for key in ("bare_spacy", "stage", "anchor"):
        if f"{key}_s" in results:
            results[f"{key}_per_s"] = round(n / results[f"{key}_s"], 1)
    results["stage_over_ceiling"] = round(results["bare_spacy_s"] / results["stage_s"], 3)
    if "anchor_s" in results:
        results["stage_over_anchor"] = round(results["anchor_s"] / results["stage_s"], 2)
    print(f"{'bare spaCy nlp.pipe (ceiling)':34s} {results['bare_spacy_per_s']:8.1f} captions/s")
    print(f"{'parse_captions stage, end to end':34s} {results['stage_per_s']:8.1f} captions/s "
          f"({results['stage_over_ceiling']:.2f} of the ceiling)")
    if "anchor_s" in results:
        print(f"{'SceneGraphParser (anchor)':34s} {results['anchor_per_s']:8.1f} captions/s "
              f"(stage is {results['stage_over_anchor']:.1f}x)")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
