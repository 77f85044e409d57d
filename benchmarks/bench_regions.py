"""Region features at scale: convert a SCAN precomp file larger than memory and read it back.

    python -m benchmarks.bench_regions --images 20000          # ~5.9 GB of float32 features
    python -m benchmarks.bench_regions --images 2000 --workdir /tmp/bench
    python -m benchmarks.bench_regions --images 64             # the smoke size

Builds ``test_ims.npy`` of shape (images, 36, 2048) with random features (written in slices),
converts it with the ``precomputed`` backend of ``detect_regions``, then reads the artifact
back in training-sized batches (128 images, decoding the features to arrays), beside a raw
numpy memory-map read of the same file in the same batches. Each step runs in its own process
so its peak memory is its own. Peak memory is the private (anonymous) resident memory, sampled;
the resident size including the page-cache pages of memory-mapped files is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from benchmarks.memory import status_mb

REGIONS, DIM, BATCH = 36, 2048, 128


IMAGE_SIZE = (640, 480)  # width, height of the images the random boxes are drawn in (with --boxes)


def make(directory: Path, images: int, dtype: str = "float32", boxes: bool = False) -> None:
    """SCAN's ``test_ims.npy`` (images, 36, 2048) of random ReLU features and ``test_ids.txt``;
    with ``boxes``, ``test_boxes.npy`` and ``test_img_sizes.npy`` too, so a spatial graph is built."""
    out = np.lib.format.open_memmap(directory / "test_ims.npy", mode="w+", dtype=np.dtype(dtype),
                                    shape=(images, REGIONS, DIM))
    rng = np.random.default_rng(0)
    for start in range(0, images, 512):
        stop = min(start + 512, images)
        block = rng.standard_normal((stop - start, REGIONS, DIM), dtype=np.float32)
        np.maximum(block, 0, out=block)  # ReLU features: half zeros, as bottom-up features are
        out[start:stop] = block
    out.flush()
    del out
    (directory / "test_ids.txt").write_text("".join(f"{i}\n" for i in range(images)))
    if boxes:
        width, height = IMAGE_SIZE
        size = rng.uniform(0.05, 0.6, (images, REGIONS, 2)) * [width, height]
        corner = rng.uniform(0, 1, (images, REGIONS, 2)) * ([width, height] - size)
        np.save(directory / "test_boxes.npy", np.concatenate([corner, corner + size], axis=-1).astype(np.float32))
        np.save(directory / "test_img_sizes.npy", np.tile(np.array(IMAGE_SIZE, np.float32), (images, 1)))


def convert(directory: Path, out: Path, feature_dtype: str = "float32", graph_k: int = 0) -> None:
    import yaml

    from stages import detect_regions

    params = directory / "params.yaml"
    section = yaml.safe_load(Path("params.yaml").read_text())["detect_regions"]  # the project's, then overridden
    section.update(backend="precomputed", feature_dtype=feature_dtype, graph_k=graph_k, on_error="record",
                   precomputed_format="npy", precomputed_split="test", images_per_task=100, rows_per_part=512)
    params.write_text(yaml.safe_dump({"detect_regions": section}))
    assert detect_regions.main(["--params", str(params), "--input", str(directory), "--out", str(out),
                                "--workers", "0", "--log-level", "WARNING"]) == 0


def read_artifact(out: Path) -> int:
    from pipeline.artifacts import iter_batches
    from pipeline.features import batch_feature_block
    from pipeline.schemas import REGIONS as SCHEMA

    total = 0
    for batch in iter_batches(out, SCHEMA, batch_rows=BATCH, columns=["features", "feature_dim", "feature_dtype"]):
        # (batch, regions, dim): an in-memory ndarray viewing the decoded row group, which is what
        # RegionStore hands to training; numpy's side below makes its one copy out of the memory map
        feats = batch_feature_block(batch)
        assert feats is not None and feats.flags.c_contiguous
        total += feats.shape[0]
    return total


def read_numpy(directory: Path) -> int:
    ims = np.load(directory / "test_ims.npy", mmap_mode="r")
    total = 0
    for start in range(0, len(ims), BATCH):
        block = np.array(ims[start:start + BATCH])
        total += len(block)
    return total


def _anon_mb() -> float:
    """This process's private (anonymous) resident memory: what it needs, not the page cache
    pages of memory-mapped files, which count in its RSS but belong to the file."""
    return status_mb("RssAnon")


def child(step: str, directory: Path, out: Path, feature_dtype: str) -> None:
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _anon_mb())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    result = {"convert": lambda: convert(directory, out, feature_dtype), "read_artifact": lambda: read_artifact(out),
              "read_numpy": lambda: read_numpy(directory)}[step]()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    rss = status_mb("VmHWM")  # this process's own peak (ru_maxrss of a child starts at its parent's)
    print(json.dumps({"step": step, "seconds": seconds, "peak_mb": max(peak[0], _anon_mb()), "peak_rss_mb": rss,
                      "result": result}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=20000)
    ap.add_argument("--dtype", choices=["float32", "float16"], default="float32", help="the features' dtype")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--child", choices=["convert", "read_artifact", "read_numpy"])
    ap.add_argument("--feature-dtype", default="float32", help=argparse.SUPPRESS)  # the child's convert
    ap.add_argument("--dir", type=Path)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.dir, args.out, args.feature_dtype)
        return
    work = Path(tempfile.mkdtemp(dir=args.workdir))
    try:
        make(work, args.images, args.dtype)
        size_gb = (work / "test_ims.npy").stat().st_size / 1e9
        results = {}
        for step in ("convert", "read_artifact", "read_numpy"):
            proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_regions", "--child", step, "--dir",
                                   str(work), "--out", str(work / "regions"), "--feature-dtype", args.dtype],
                                  capture_output=True, text=True, check=True)
            results[step] = json.loads(proc.stdout.strip().splitlines()[-1])
        gb = args.images * REGIONS * DIM * np.dtype(args.dtype).itemsize / 1e9
        print(f"{args.images} images x {REGIONS} x {DIM} {args.dtype} = {size_gb:.2f} GB on disk")
        for step, r in results.items():
            print(f"{step:14s} {r['seconds']:7.1f} s  {gb / r['seconds']:6.2f} GB/s  peak private memory "
                  f"{r['peak_mb']:6.0f} MB (resident incl. mapped file pages {r['peak_rss_mb']:6.0f} MB)")
        ratio = results["read_numpy"]["seconds"] / results["read_artifact"]["seconds"]
        print(f"artifact read throughput: {ratio:.2f} of raw numpy")
        print(json.dumps({"images": args.images, **results, "read_ratio": ratio}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
