"""Building PyG batches both ways: from the columnar stores, or by collating ``Data`` objects.

    python -m benchmarks.bench_batches                 # 200 batches of 128 captions / 128 images
    python -m benchmarks.bench_batches --batches 5     # the smoke size

The training batches of the field's shapes (captions of about 12 tokens with graphs of about 3
objects, 2 attributes and 2 relations, as ``bench_matchers`` makes them; images of 36 regions
of 2,048 float16 features on a spatial graph of 8 neighbours), built

- ``columnar``: ``TextBank.batch`` and ``collate_regions``, which gather the batch's rows from
  flat arrays and assemble the ``Batch`` directly (what training uses);
- ``Data list``: each caption's ``CaptionGraph`` (``TextBank.graph``) and each image's ``Data``
  (``ImageRegions.graph``) made, then ``Batch.from_data_list``, PyG's own way.

Both give equal batches (checked here on the first one, and in the tests); the times are per
batch, the fastest of three rounds, in one process with one torch thread.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np

from benchmarks.bench_matchers import captions_for, image_regions_for, word_pools

BATCH = 128


def best_of(rounds: int, job: Callable[[], object]) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        job()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batches", type=int, default=200, help="batches timed per way and round")
    args = ap.parse_args()
    if args.batches < 1:
        ap.error("--batches must be at least 1")
    import torch
    from torch_geometric.data import Batch

    from graph_models.regions import collate_regions
    from graph_models.text_graphs import FOLLOW_BATCH, TextBank, WordIndex, encode_caption

    torch.set_num_threads(1)
    words = WordIndex(word_pools().all)
    images = 4 * BATCH
    rows = captions_for(images, 5, seed=0)
    bank = TextBank([encode_caption(r, words) for r in rows])
    regions = image_regions_for([f"i{k}" for k in range(images)], seed=1)
    for im in regions.values():
        im.features = im.features.astype(np.float16)  # as the regions artifact stores them
    rng = np.random.default_rng(2)
    text_batches = [rng.choice(len(bank), BATCH, replace=False).tolist() for _ in range(args.batches)]
    image_batches = [[f"i{k}" for k in rng.choice(images, BATCH, replace=False)] for _ in range(args.batches)]

    first_ours, first_pyg = bank.batch(text_batches[0]), Batch.from_data_list(
        [bank.graph(i) for i in text_batches[0]], follow_batch=list(FOLLOW_BATCH))
    assert all(torch.equal(first_ours[k], first_pyg[k]) for k in first_pyg.keys())
    first_regions = collate_regions([regions[i] for i in image_batches[0]])
    assert torch.equal(first_regions.x, Batch.from_data_list([regions[i].graph() for i in image_batches[0]]).x)

    ways = {
        "captions": {
            "columnar": lambda: [bank.batch(b) for b in text_batches],
            "Data list": lambda: [Batch.from_data_list([bank.graph(i) for i in b], follow_batch=list(FOLLOW_BATCH))
                                  for b in text_batches]},
        "regions": {
            "columnar": lambda: [collate_regions([regions[i] for i in b]) for b in image_batches],
            "Data list": lambda: [Batch.from_data_list([regions[i].graph() for i in b]) for b in image_batches]},
    }
    print(f"machine: {os.cpu_count()} cores, torch {torch.__version__}, 1 torch thread; load {os.getloadavg()[0]:.1f}")
    print(f"batches of {BATCH} captions (~12 tokens, ~3 objects) or {BATCH} images (36 x 2048 float16, k=8 edges); "
          f"{args.batches} batches a way, best of 3 rounds")
    print(f"{'what':10s} {'columnar':>12s} {'Data list':>12s} {'ratio':>7s}")
    for what, timed in ways.items():
        ms = {way: best_of(3, job) / args.batches * 1e3 for way, job in timed.items()}
        print(f"{what:10s} {ms['columnar']:9.2f} ms {ms['Data list']:9.2f} ms {ms['Data list'] / ms['columnar']:6.1f}x")


if __name__ == "__main__":
    main()
