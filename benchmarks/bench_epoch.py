"""A Flickr30K-sized training epoch on the CPU: is reading the regions hidden behind the steps?

    python -m benchmarks.bench_epoch --steps 150                    # 29,000 images (~4.3 GB), 145,000 captions
    python -m benchmarks.bench_epoch --images 512 --steps 3         # the smoke size

Writes a regions artifact the size of Flickr30K's training set (``--images`` x 36 regions x
2,048 float16 features of random ReLU values, boxes and a k = 8 spatial graph) the way a user
converts SCAN's layout (``bench_regions.make`` then the ``precomputed`` backend), makes five
synthetic captions an image with their scene graphs (``bench_matchers.caption_row``: 2-4 objects
in a chain of relations, 1-3 attributes, ~12 tokens from a 10,000-word vocabulary), one
replace-obj generated negative each and the images' phrase labels, and trains ``fusion`` with the
losses of ``params.yaml``'s ``runs.fusion`` at batch 128 (``train`` settings: shuffle window,
negatives per caption, phrase pool). It then times, each in a fresh process, the first
``--steps`` batches of an epoch's plan:

- ``loading``: the batches built (row groups read, batches collated) and nothing else;
- ``compute``: training steps (forward, backward, clipping, Adam) on batches built beforehand
  (the first 16 of the plan, cycled, so they need not all be in memory);
- ``epoch``: the training loop as the stage runs it, batches from the loader worker
  (``train.prefetch_batches``) while the steps run;
- ``paired``: the two in one process, ``PAIRED_CHUNK`` steps of compute alone and then of the
  epoch in turn, so a shared machine's changing load falls on both alike (the worker's two
  batches ready at the start of each epoch chunk hide two loads, ~0.1 s: next to nothing).

The goal: the epoch within 1.1 x compute alone (loading hidden; judged on ``paired``), resident memory of the
training process and its loader worker together at most 4 GB. Peak memory is the largest sum of
the two processes' proportional resident sizes (``Pss``: a page they share counts once),
sampled every 200 ms; the pages of the memory-mapped artifact they touch count in it. The
artifact is deleted at the end (``--keep DIR`` keeps it there and reuses it).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.bench_matchers import captions_for, negative_row, word_pools
from benchmarks.bench_regions import convert, make

PREBUILT = 16  # batches the compute measurement cycles over
PAIRED_CHUNK = 10  # steps of each kind in turn in the paired measurement
GOAL_RATIO, GOAL_PEAK_GB = 1.1, 4.0


@dataclass(frozen=True)
class Settings:
    params: Path
    regions: Path
    images: int
    steps: int
    threads: int
    prefetch: int


def tree_pss_mb() -> float:
    """This process's proportional resident size plus its children's (the loader worker), from
    /proc: ``Pss`` shares each page among the processes that map it, so the pages the forked
    worker shares with its parent count once, not twice as in a sum of ``VmRSS``."""
    def rss(pid: int) -> float:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def children(pid: int) -> list[int]:
        out = []
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                out += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
        return out

    me = os.getpid()
    return rss(me) + sum(rss(c) for c in children(me))


class PeakSampler:
    def __init__(self) -> None:
        self.peak = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, tree_pss_mb())
            time.sleep(0.2)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, tree_pss_mb())


def training_inputs(settings: Settings) -> tuple[Any, ...]:
    """The objective, optimiser, train settings, epoch plan and everything the batches need."""
    import torch

    from graph_models.batches import PhraseBank, attach_negatives, caption_set, epoch_plan
    from graph_models.config import TrainParams, build_objective, load_run
    from graph_models.regions import RegionStore
    from graph_models.text_graphs import WordIndex
    from pipeline.params import load_section
    from text.phrases import caption_phrases

    torch.set_num_threads(settings.threads)
    torch.manual_seed(0)
    train = replace(load_section(settings.params, "train", TrainParams), batch_size=128)
    run = load_run(settings.params, "fusion")
    pools = word_pools()
    words = WordIndex(pools.all)
    rows = captions_for(settings.images, 5, seed=1)
    for r in rows:
        r["image_id"] = r["image_id"][1:]  # "i17" -> "17", the ids bench_regions writes
    captions = caption_set(rows, words)
    rng = np.random.default_rng(2)
    attach_negatives(captions, [negative_row(r, rng, pools) for r in rows], words, caption_phrases)
    phrases: dict[str, set[str]] = {}
    for r in rows:
        phrases.setdefault(r["image_id"], set()).update(p["phrase"] for p in caption_phrases(r))
    captions.image_phrases = {im: frozenset(p) for im, p in phrases.items()}
    store = RegionStore(settings.regions)
    plan = epoch_plan(captions, store, train.batch_size, train.shuffle_groups, seed=0)[: settings.steps]
    objective = build_objective(run, len(words), store.feature_dim)
    optimizer = torch.optim.Adam(objective.parameters(), lr=train.learning_rate)
    return objective, optimizer, train, run, captions, store, plan, PhraseBank(words)


def measure(part: str, settings: Settings) -> dict[str, Any]:
    """One measurement (``loading``, ``compute`` or ``epoch``) in this process."""
    import torch

    from graph_models.batches import batch_loader
    from graph_models.engine import train_epoch

    objective, optimizer, train, run, captions, store, plan, phrases = training_inputs(settings)
    epoch = run.ranking.warmup_epochs  # the max of hinges, as most of a training runs

    def loader(prefetch: int):  # noqa: ANN202
        return batch_loader(captions, store, plan, phrases, train.negatives_per_caption, train.max_phrases, 0,
                            prefetch)

    cpu = torch.device("cpu")
    with PeakSampler() as sampler:
        started = time.perf_counter()
        if part == "loading":
            batches = sum(1 for _ in loader(0))
        elif part == "compute":
            built = [b for b, _ in zip(loader(0), range(PREBUILT), strict=False)]
            started = time.perf_counter()
            batches = len(plan)
            train_epoch(objective, (built[k % len(built)] for k in range(batches)), optimizer, train.grad_clip, cpu,
                        epoch)
        elif part == "epoch":
            batches = int(train_epoch(objective, loader(settings.prefetch), optimizer, train.grad_clip, cpu,
                                      epoch)["steps"])
        else:  # paired: chunks of compute alone and of the epoch in turn, so the machine's load hits both alike
            built = [b for b, _ in zip(loader(0), range(PREBUILT), strict=False)]
            stream = iter(loader(settings.prefetch))
            paired = {"compute": 0.0, "epoch": 0.0}
            for start in range(0, len(plan), PAIRED_CHUNK):
                n = min(PAIRED_CHUNK, len(plan) - start)
                for name, batches_of in (("compute", (built[(start + k) % len(built)] for k in range(n))),
                                         ("epoch", itertools.islice(stream, n))):
                    began = time.perf_counter()
                    train_epoch(objective, batches_of, optimizer, train.grad_clip, cpu, epoch)
                    paired[name] += time.perf_counter() - began
            batches = len(plan)
        seconds = time.perf_counter() - started
    out = {"part": part, "seconds": seconds, "batches": batches, "peak_mb": sampler.peak}
    if part == "paired":
        out.update(compute_s=paired["compute"], epoch_s=paired["epoch"])
    return out


def in_fresh_process(part: str, settings: Settings) -> dict[str, Any]:
    """``measure(part)`` in a new interpreter, started as the train stage is (so its loader
    worker starts the way the stage's does)."""
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_epoch", "--child", part, "--params",
                           str(settings.params), "--regions", str(settings.regions), "--images", str(settings.images),
                           "--steps", str(settings.steps), "--threads", str(settings.threads), "--prefetch",
                           str(settings.prefetch)], capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"the {part} measurement failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def write_regions(directory: Path, images: int) -> Path:
    out = directory / "regions"
    if not out.exists():
        make(directory, images, dtype="float16", boxes=True)
        convert(directory, out, feature_dtype="float16", graph_k=8)
        for leftover in directory.glob("test_*"):
            leftover.unlink()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=29000, help="images (five captions each)")
    ap.add_argument("--steps", type=int, default=150, help="batches of the epoch timed (a full one is images*5/128)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads of the training process")
    ap.add_argument("--prefetch", type=int, default=2, help="batches the loader worker builds ahead")
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    ap.add_argument("--workdir", type=Path, default=None, help="where the artifact is written (a temporary folder)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the artifact in this folder (and reuse it)")
    ap.add_argument("--child", choices=["loading", "compute", "epoch", "paired"], help=argparse.SUPPRESS)
    ap.add_argument("--regions", type=Path, help=argparse.SUPPRESS)  # the child's artifact
    args = ap.parse_args()
    if args.child:
        settings = Settings(args.params, args.regions, args.images, args.steps, args.threads, args.prefetch)
        print(json.dumps(measure(args.child, settings)))
        return
    if min(args.images, args.steps, args.threads, args.prefetch) < 1:
        ap.error("--images, --steps, --threads and --prefetch must be at least 1")
    work = args.keep or Path(tempfile.mkdtemp(dir=args.workdir))
    work.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        regions = write_regions(work, args.images)
        size_gb = sum(f.stat().st_size for f in regions.glob("*.parquet")) / 1e9
        print(f"regions: {args.images:,} images x 36 x 2048 float16, k=8 spatial graph: {size_gb:.2f} GB "
              f"(written in {time.perf_counter() - started:.0f} s); captions: {args.images * 5:,} with graphs, one "
              f"generated negative each")
        settings = Settings(args.params, regions, args.images, args.steps, args.threads, args.prefetch)
        results = {part: in_fresh_process(part, settings) for part in ("loading", "compute", "epoch", "paired")}
        full = args.images * 5 // 128
        print(f"fusion, batch 128, {settings.threads} torch threads, {args.steps} of the epoch's {full:,} batches "
              f"(a full epoch on 2 shared cores takes too long); loader worker {args.prefetch} batches ahead; "
              f"load average {os.getloadavg()[0]:.1f}")
        for part, r in results.items():
            if part == "paired":
                continue
            print(f"   {part:8s} {r['seconds']:8.1f} s  {r['seconds'] / r['batches']:6.3f} s/batch  peak resident "
                  f"{r['peak_mb'] / 1024:5.2f} GB")
        ratio = results["epoch"]["seconds"] / results["compute"]["seconds"]
        peak = results["epoch"]["peak_mb"] / 1024
        loading = results["loading"]["seconds"] / results["compute"]["seconds"]
        print(f"epoch / compute alone, separate processes = {ratio:.2f} (on a shared machine this follows the other "
              f"jobs); loading alone / compute alone = {loading:.2f}")
        paired = results["paired"]
        paired_ratio = paired["epoch_s"] / paired["compute_s"]
        met = "MET" if paired_ratio <= GOAL_RATIO else "NOT MET"
        print(f"paired, in one process ({PAIRED_CHUNK} steps of each in turn, the same load on both): compute alone "
              f"{paired['compute_s']:.1f} s, epoch {paired['epoch_s']:.1f} s: epoch / compute alone = "
              f"{paired_ratio:.2f} (goal <= {GOAL_RATIO}: {met})")
        print(f"epoch peak resident memory, training process + loader worker: {peak:.2f} GB "
              f"(goal <= {GOAL_PEAK_GB:.0f} GB: {'MET' if peak <= GOAL_PEAK_GB else 'NOT MET'})")
        print(json.dumps({"images": args.images, "steps": args.steps, "threads": args.threads, **results}))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
