"""``sgmatch compare``: runs sharing a name across seeds as mean ± std, paired against a base, the PNG."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from sgmatch.cli import main


def details(run: str, seed: int | None, rsum: float, swap_att: float, matcher: str = "fusion") -> dict:
    return {"run": run, "matcher": matcher, "seed": seed, "split": "test", "images": 10,
            "retrieval": {"all": {"i2t_r1": rsum / 6, "t2i_r1": rsum / 6, "rsum": rsum}},
            "hard_queries": {"rsum": rsum / 2},
            "compositional": {"swap-att": {"accuracy": swap_att, "count": 200}, "all": {"accuracy": swap_att,
                                                                                         "count": 1400}},
            "modality_gap": {"probe_accuracy": 0.9, "centroid_distance": 0.5}}


def write(tmp_path: Path, name: str, d: dict) -> Path:
    p = tmp_path / f"{name}.json"
    p.write_text(json.dumps(d))
    return p


def test_seeds_of_a_run_print_as_mean_and_std_and_pair_against_the_base(tmp_path: Path, capsys) -> None:
    files = []
    for seed, (b, r) in enumerate([(100.0, 103.0), (110.0, 111.0), (120.0, 125.0)]):
        files.append(write(tmp_path, f"base{seed}", details("base", seed, b, 0.5 + seed / 100)))
        files.append(write(tmp_path, f"neg{seed}", details("neg", seed, r, 0.9)))
    png = tmp_path / "ablation.png"
    assert main(["compare", *map(str, files), "--base", "base", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    lines: dict[str, str] = {}
    for line in out.splitlines():  # the first table's line of each run
        if line.startswith("| "):
            lines.setdefault(line.split(" | ")[0].strip("| "), line)
    # base rSum 100, 110, 120: mean 110, std 10; neg 103, 111, 125: mean 113, std 11.1
    assert "| base | fusion | 3 |" in lines["base"] and "110.0 ± 10.0" in lines["base"]
    assert "113.0 ± 11.1" in lines["neg"]
    paired = [line for line in out.splitlines() if line.startswith("| neg | 3 |")]
    # differences 3, 1, 5: mean 3, std 2; swap-att 40, 39, 38 points: mean 39, std 1
    assert len(paired) == 1 and "+3.0 ± 2.0 (better)" in paired[0] and "+39.0 ± 1.0 (better)" in paired[0]
    image = Image.open(png)
    assert image.format == "PNG" and image.size[0] > 600


def test_a_single_seed_prints_plain_values_and_bad_files_are_refused(tmp_path: Path, capsys) -> None:
    one = write(tmp_path, "one", details("vsepp", None, 90.0, 0.5, "vsepp"))
    assert main(["compare", str(one)]) == 0
    out = capsys.readouterr().out
    assert "| vsepp | vsepp | 1 | 15.0 | 15.0 | 90.0 |" in out and "±" not in out
    assert main(["compare", str(one), str(write(tmp_path, "again", details("vsepp", None, 91.0, 0.5)))]) == 2
    assert "seed 0 twice" in capsys.readouterr().err
    headline = write(tmp_path, "headline", {"rsum": 90.0})
    assert main(["compare", str(headline)]) == 2
    assert "not an evaluation details file" in capsys.readouterr().err
    assert main(["compare", str(one), "--base", "nope"]) == 2
