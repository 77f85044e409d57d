"""Each benchmark of the matchers, the regions and the training epoch runs, at its smallest size.

These check that ``python -m benchmarks.NAME`` still runs from the repo and prints its report
(the figures themselves come from the full-size runs the README gives the commands of)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]

SMOKE = {
    "bench_matchers": (["--steps", "1", "--images", "4", "--captions-per-image", "2", "--batch", "8",
                        "--threads", "1"], ["TRAINING STEP", "EVALUATION", "SGRAF REFERENCE", "GOALS"]),
    "bench_regions": (["--images", "64"], ["artifact read throughput"]),
    "bench_batches": (["--batches", "2"], ["captions", "regions", "Data list"]),
    "bench_epoch": (["--images", "256", "--steps", "2", "--threads", "1"],
                    ["epoch / compute alone", "paired", "loader worker"]),
}


@pytest.mark.parametrize("name", sorted(SMOKE))
def test_benchmark_runs_at_its_smallest_size(name: str, tmp_path: Path) -> None:
    args, expected = SMOKE[name]
    proc = subprocess.run([sys.executable, "-m", f"benchmarks.{name}", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=900, env={**os.environ, "TMPDIR": str(tmp_path), "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    for text in expected:
        assert text in proc.stdout, (text, proc.stdout[-2000:])
