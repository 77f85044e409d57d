"""Benchmark and evaluation scripts (run from the repository root: python -m benchmarks.NAME)."""
