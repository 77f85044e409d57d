"""Seed statistics: mean, sample standard deviation, paired differences and the verdict, by hand."""

from __future__ import annotations

import math

import pytest

from pipeline.stats import paired, summarize, verdict


def test_mean_and_sample_std_of_a_hand_made_case() -> None:
    s = summarize([2.0, 4.0, 9.0])  # mean 5; squared deviations 9 + 1 + 16 = 26; 26 / 2 = 13
    assert s.mean == pytest.approx(5.0) and s.std == pytest.approx(math.sqrt(13.0)) and s.n == 3
    assert s.format(2) == "5.00 ± 3.61"
    one = summarize([7.5])
    assert (one.mean, one.std, one.n, one.format()) == (7.5, 0.0, 1, "7.5")
    assert summarize([]).n == 0 and summarize([]).format() == "-"


def test_paired_differences_use_only_the_common_seeds_in_seed_order() -> None:
    row = {0: 10.0, 1: 12.0, 2: 11.0, 5: 100.0}
    base = {2: 10.0, 0: 9.0, 1: 9.0, 3: -50.0}
    d = paired(row, base)
    assert d.seeds == (0, 1, 2) and d.differences == (1.0, 3.0, 1.0)
    assert d.summary.mean == pytest.approx(5 / 3)
    assert d.summary.std == pytest.approx(math.sqrt(((1 - 5 / 3) ** 2 * 2 + (3 - 5 / 3) ** 2) / 2))


def test_pairing_removes_what_a_seed_does_to_both_rows() -> None:
    # each row alone swings by 10 over the seeds, but the row is 1 above the base on every seed
    base = {0: 50.0, 1: 60.0, 2: 70.0}
    row = {s: v + 1.0 for s, v in base.items()}
    assert summarize(list(row.values())).std == pytest.approx(10.0)
    d = paired(row, base)
    assert d.summary.mean == pytest.approx(1.0) and d.summary.std == pytest.approx(0.0)
    assert verdict(d) == "better" and verdict(d, higher_is_better=False) == "worse"


def test_verdict_needs_a_difference_beyond_one_std() -> None:
    assert verdict(paired({0: 1.0, 1: 3.0}, {0: 0.0, 1: 0.0})) == "better"  # mean 2, std 1.41
    assert verdict(paired({0: 1.0, 1: -0.5}, {0: 0.0, 1: 0.0})) == "within noise"  # mean 0.25, std 1.06
    assert verdict(paired({0: -2.0, 1: -3.0}, {0: 0.0, 1: 0.0})) == "worse"
    assert verdict(paired({0: 1.0}, {0: 0.0})) == "one seed"
    assert verdict(paired({0: 1.0}, {1: 0.0})) == "-"
