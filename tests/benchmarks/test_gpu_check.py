"""make gpu-check: on a machine without CUDA it stops at once with one line saying so."""

from __future__ import annotations

import pytest
import torch

from benchmarks import gpu_check


def test_without_cuda_gpu_check_fails_fast_and_says_why(capsys) -> None:
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is here: make gpu-check runs for real")
    assert gpu_check.main([]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("gpu-check: no CUDA device: torch")


def test_a_device_that_is_not_cuda_is_refused(capsys) -> None:
    assert gpu_check.main(["--device", "cpu"]) == 2
    assert "'cpu' is not a CUDA device" in capsys.readouterr().err
