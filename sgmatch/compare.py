"""``sgmatch compare``: several runs' evaluation details as one table, over seeds when they repeat.

Each file is one evaluation (the ``--details`` JSON of the evaluate stage). Files that share a
run name are the same row trained with other seeds (their ``seed``, which the ablation passes
to the evaluate stage): a cell is then the mean ± standard deviation over them
(:func:`pipeline.stats.summarize`). With a base row (``--base NAME``), a second table gives each
row's difference from the base on the same seeds (:func:`pipeline.stats.paired`) and whether it
is beyond one standard deviation of those differences. :func:`plot` draws the figure the README
shows: rSum and compositional accuracy per row, with the seeds' spread as error bars.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.stats import Summary, paired, summarize, verdict

NEGATIVE_TYPES = ("swap-att", "swap-obj", "replace-rel", "replace-att")  # the columns of compositional accuracy


def _get(*keys: str) -> Callable[[dict[str, Any]], float | None]:
    def get(d: dict[str, Any]) -> float | None:
        for k in keys:
            if not isinstance(d, dict) or d.get(k) is None:
                return None
            d = d[k]
        return float(d)  # type: ignore[arg-type]
    return get


def _percent(getter: Callable[[dict[str, Any]], float | None]) -> Callable[[dict[str, Any]], float | None]:
    def get(d: dict[str, Any]) -> float | None:
        v = getter(d)
        return None if v is None else 100.0 * v
    return get


@dataclass(frozen=True)
class Figure:
    """One column: its header, how to read it from a details dict, its digits, which way is better."""

    header: str
    read: Callable[[dict[str, Any]], float | None]
    digits: int = 1
    higher_is_better: bool = True


FIGURES = (
    Figure("i2t R@1", _get("retrieval", "all", "i2t_r1")),
    Figure("t2i R@1", _get("retrieval", "all", "t2i_r1")),
    Figure("rSum", _get("retrieval", "all", "rsum")),
    Figure("hard rSum", _get("hard_queries", "rsum")),
    *(Figure(f"{t} %", _percent(_get("compositional", t, "accuracy"))) for t in NEGATIVE_TYPES),
    Figure("all neg. %", _percent(_get("compositional", "all", "accuracy"))),
    Figure("probe %", _percent(_get("modality_gap", "probe_accuracy")), higher_is_better=False),
    Figure("gap", _get("modality_gap", "centroid_distance"), digits=3, higher_is_better=False),
    Figure("attr. mAP %", _percent(_get("phrases", "attributes", "map"))),
)
PAIRED = ("rSum", "hard rSum", "swap-att %", "all neg. %", "probe %", "attr. mAP %")  # the paired table's columns


@dataclass
class Row:
    """One run name: its evaluations by seed, in the order the files came."""

    run: str
    matcher: str
    by_seed: dict[int, dict[str, Any]] = field(default_factory=dict)

    def values(self, figure: Figure) -> dict[int, float]:
        out = {}
        for seed, d in self.by_seed.items():
            v = figure.read(d)
            if v is not None:
                out[seed] = v
        return out

    def summary(self, figure: Figure) -> Summary:
        return summarize(list(self.values(figure).values()))


def load_rows(paths: Sequence[Path]) -> list[Row]:
    """Details files grouped by run name (first appearance first). A file without a seed counts
    as seed 0; two files of one run with the same seed are refused (the second would hide the first)."""
    rows: dict[str, Row] = {}
    for path in paths:
        try:
            d = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{exc.lineno}", "", f"not valid JSON: {exc.msg}") from None
        if not isinstance(d, dict) or "retrieval" not in d:
            raise InputError(str(path), "retrieval", "not an evaluation details file (evaluate --details writes one)")
        run = str(d.get("run", Path(path).stem))
        seed = int(d.get("seed") or 0)
        row = rows.setdefault(run, Row(run, str(d.get("matcher", "?"))))
        if seed in row.by_seed:
            raise InputError(str(path), "seed", f"run {run!r} has seed {seed} twice")
        row.by_seed[seed] = d
    return list(rows.values())


def _count(row: Row, negative_type: str) -> str:
    counts = {int(d.get("compositional", {}).get(negative_type, {}).get("count", 0)) for d in row.by_seed.values()}
    return "/".join(str(c) for c in sorted(counts))


def table(rows: Sequence[Row]) -> str:
    """Mean ± std over each row's seeds, one line a run (Markdown)."""
    head = ["run", "matcher", "seeds", *(f.header for f in FIGURES), "negatives a type"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for row in rows:
        cells = [row.run, row.matcher, str(len(row.by_seed)), *(row.summary(f).format(f.digits) for f in FIGURES),
                 " ".join(f"{t}:{_count(row, t)}" for t in NEGATIVE_TYPES[:3])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def paired_table(rows: Sequence[Row], base: str) -> str:
    """Each row minus ``base`` on their common seeds: mean ± std of the differences and the verdict."""
    by_name = {r.run: r for r in rows}
    if base not in by_name:
        raise InputError("--base", base, f"no run of that name among the files; runs: {', '.join(by_name)}")
    figures = [f for f in FIGURES if f.header in PAIRED]
    head = ["run", "paired seeds", *(f"Δ {f.header}" for f in figures)]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    ref = by_name[base]
    for row in rows:
        if row.run == base:
            continue
        cells = [row.run]
        diffs = [paired(row.values(f), ref.values(f)) for f in figures]
        cells.append(str(max((len(d.seeds) for d in diffs), default=0)))
        for f, d in zip(figures, diffs, strict=True):
            if not d.seeds:
                cells.append("-")
                continue
            sign = "+" if d.summary.mean >= 0 else ""
            spread = f" ± {d.summary.std:.{f.digits}f}" if d.summary.n > 1 else ""
            cells.append(f"{sign}{d.summary.mean:.{f.digits}f}{spread} ({verdict(d, f.higher_is_better)})")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(rows: Sequence[Row], out: Path) -> None:
    """A PNG: rSum per row (left) and compositional accuracy per row and negative type (right),
    bars at the mean over seeds, error bars one standard deviation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from pipeline.artifacts import atomic_write_file

    names = [r.run for r in rows]
    y = np.arange(len(rows))
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 0.45 * len(rows) + 1.6), sharey=True)
    rsum = [r.summary(FIGURES[2]) for r in rows]
    left.barh(y, [s.mean for s in rsum], xerr=[s.std for s in rsum], color="#4c72b0", capsize=3)
    left.set_yticks(y, names)
    left.invert_yaxis()
    left.set_xlabel("rSum (test split; mean ± std over seeds)")
    left.grid(axis="x", alpha=0.3)
    kinds = [f for f in FIGURES if f.header in ("swap-att %", "swap-obj %", "replace-rel %", "all neg. %")]
    height = 0.8 / len(kinds)
    for k, f in enumerate(kinds):
        s = [r.summary(f) for r in rows]
        right.barh(y - 0.4 + height * (k + 0.5), [v.mean if v.n else 0 for v in s],
                   xerr=[v.std if v.n else 0 for v in s], height=height, capsize=2, label=f.header.removesuffix(" %"))
    right.axvline(50, color="grey", ls="--", lw=1)
    right.set_xlim(0, 100)
    right.set_xlabel("compositional accuracy, % (true caption above its negative; 50 = chance)")
    right.legend(ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=8, frameon=False)
    right.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    atomic_write_file(out, lambda f: fig.savefig(f, format="png", dpi=110))
    plt.close(fig)
