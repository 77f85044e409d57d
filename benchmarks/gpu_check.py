"""One command for a machine with a GPU (``make gpu-check``): the matchers' benchmark on CUDA, then a
short training and evaluation of the demo on CUDA, with the figures printed.

    python -m benchmarks.gpu_check                 # cuda, 3 epochs of the demo's vsepp and fusion
    python -m benchmarks.gpu_check --device cuda:1 --epochs 5 --keep /tmp/gpu-demo

Without a CUDA device it stops at once with one line saying so (exit 2): nothing here falls back to
the CPU, so a figure it prints is a GPU figure.

1. ``benchmarks.bench_matchers --device DEVICE --only train,eval``: a training step of each matcher at
   the field's shapes (batch 128, 36 regions of 2,048 features) and 1K images x 5K captions scored.
2. ``sgmatch init`` of a synthetic workspace (the demo's world, train and evaluate on DEVICE), then
   ``dvc repro`` in it (the world, parsing, negatives and regions run on the CPU, as in the demo),
   timed, and ``sgmatch compare`` of the runs' evaluation metrics.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def cuda_problem(device: str) -> str | None:
    """Why ``device`` cannot be used, or None."""
    import torch

    if not device.startswith("cuda"):
        return f"{device!r} is not a CUDA device (cuda or cuda:N)"
    if not torch.cuda.is_available():
        build = torch.version.cuda or "none (a CPU-only build)"
        return (f"no CUDA device: torch {torch.__version__} (CUDA build: {build}) sees no GPU "
                f"(CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', 'unset')}); "
                "run this on a machine with an NVIDIA GPU and its driver")
    index = int(device.partition(":")[2] or 0)
    if index >= torch.cuda.device_count():
        return f"{device}: only {torch.cuda.device_count()} CUDA device(s) here"
    return None


def step(title: str, words: list[str], cwd: Path) -> float:
    print(f"\n=== {title}\n$ {' '.join(words)}", flush=True)
    started = time.perf_counter()
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(words, cwd=cwd, env=env, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"gpu-check: {title} failed (exit {done.returncode})")
    print(f"--- {title}: {seconds:.1f} s", flush=True)
    return seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--epochs", type=int, default=3, help="epochs of each demo run")
    ap.add_argument("--runs", nargs="+", default=["vsepp", "fusion"])
    ap.add_argument("--steps", type=int, default=5, help="timed training steps of the benchmark")
    ap.add_argument("--keep", type=Path, help="build the demo workspace here and keep it (default: a temporary one)")
    args = ap.parse_args(argv)
    problem = cuda_problem(args.device)
    if problem:
        print(f"gpu-check: {problem}", file=sys.stderr)
        return 2
    py = str(Path(sys.executable))
    times = {"benchmark": step("the matchers' benchmark on " + args.device,
                               [py, "-m", "benchmarks.bench_matchers", "--device", args.device, "--only", "train,eval",
                                "--steps", str(args.steps)], ROOT)}
    with tempfile.TemporaryDirectory(prefix="sgmatch-gpu-check-") as tmp:
        ws = args.keep or Path(tmp) / "demo"
        times["init"] = step("a demo workspace", [
            str(BIN / "sgmatch"), "init", str(ws), "--format", "synthetic", "--device", args.device,
            "--runs", *args.runs, "--set", f"train.epochs={args.epochs}", "--force"], ROOT)
        what = f"{args.epochs} epochs of {', '.join(args.runs)} on {args.device}"
        times["dvc repro"] = step(f"dvc repro: the demo, {what}", [str(BIN / "dvc"), "repro"], ws)
        step("the runs' evaluation", [str(BIN / "sgmatch"), "compare",
                                      *[f"metrics/evaluate/details/{r}.json" for r in args.runs]], ws)
    print("\n=== times: " + ", ".join(f"{k} {v:.1f} s" for k, v in times.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
