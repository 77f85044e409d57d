"""Seed statistics of an ablation: a row's mean and standard deviation, and paired differences.

Published numbers of image-text matching are single runs, and seeds move them by more than
most of the differences papers report. An ablation here trains each row with several seeds and
reports, per figure:

- :func:`summarize`: the mean and the sample standard deviation (``ddof=1``; 0 for one seed)
  over the seeds a row ran with;
- :func:`paired`: the difference of a row against the base row *on the same seeds* (seed s of
  the row minus seed s of the base), with its mean and standard deviation. Pairing removes what
  a seed does to both (the same world, the same batches, the same first weights where the
  shapes agree), so the differences' spread is the one to judge a change by;
- :func:`verdict`: "better" when the mean paired difference exceeds one standard deviation of
  the differences in the direction that is better, "worse" when it does in the other, "within
  noise" otherwise ("one seed" when there is nothing to compare the spread with).

Pure functions of plain numbers (no numpy needed by the callers), so a table and a test can
check them by hand.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    """Mean, sample standard deviation and count of some values (NaN mean when there are none)."""

    mean: float
    std: float
    n: int

    def format(self, digits: int = 1) -> str:
        """``"mean ± std"`` (just the mean for a single value, ``"-"`` for none)."""
        if self.n == 0:
            return "-"
        if self.n == 1:
            return f"{self.mean:.{digits}f}"
        return f"{self.mean:.{digits}f} ± {self.std:.{digits}f}"


def summarize(values: Sequence[float]) -> Summary:
    """The mean and sample standard deviation (``n - 1`` in the denominator; 0 for one value)."""
    xs = [float(v) for v in values]
    n = len(xs)
    if n == 0:
        return Summary(math.nan, math.nan, 0)
    mean = sum(xs) / n
    std = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1)) if n > 1 else 0.0
    return Summary(mean, std, n)


@dataclass(frozen=True)
class Paired:
    """A row minus the base on the seeds both ran: the differences, seed by seed, and their summary."""

    seeds: tuple[int, ...]
    differences: tuple[float, ...]
    summary: Summary


def paired(row: Mapping[int, float], base: Mapping[int, float]) -> Paired:
    """``row[s] - base[s]`` for every seed ``s`` both have (in seed order), with mean and std."""
    seeds = tuple(sorted(set(row) & set(base)))
    diffs = tuple(float(row[s]) - float(base[s]) for s in seeds)
    return Paired(seeds, diffs, summarize(diffs))


def verdict(difference: Paired, higher_is_better: bool = True) -> str:
    """Whether the row beat the base beyond one standard deviation of the paired differences."""
    s = difference.summary
    if s.n < 2:
        return "one seed" if s.n == 1 else "-"
    gain = s.mean if higher_is_better else -s.mean
    if gain > s.std:
        return "better"
    if gain < -s.std:
        return "worse"
    return "within noise"
