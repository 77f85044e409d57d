"""The command line: sgmatch, sgmatch stage NAME and python -m stages.NAME."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.artifacts import write_artifact
from pipeline.schemas import CAPTIONS
from sgmatch import cli
from stages import NAMES as STAGES


def test_help_lists_the_commands_and_stages(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for word in ("stage", "summary", "show", "schemas", *STAGES):
        assert word in out


def test_stage_dispatch_and_unknown_stage(capsys) -> None:
    assert cli.main(["stage", "nope"]) == 2
    assert "unknown stage 'nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        cli.main(["stage", "ingest", "--help"])
    assert exc.value.code == 0
    assert "--out-captions" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        cli.main(["stage", "ingest", "--no-such-option"])
    assert exc.value.code == 2


def test_python_dash_m_runs_the_same_stage(repo_root: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "stages.ingest", "--help"], capture_output=True,
                          text=True, cwd=repo_root, check=True)
    assert "sgmatch stage ingest" in proc.stdout and "Error policy" in proc.stdout


def test_show_and_summary_print_artifacts(tmp_path: Path, capsys) -> None:
    row = {"caption_id": "a#0", "image_id": "a", "split": "test", "sent_index": 0, "caption": "A cat.",
           "source": "x:1", "error": None, "true_facts": None}
    write_artifact(tmp_path / "captions", CAPTIONS, [CAPTIONS.table({k: [v] for k, v in row.items()})])
    assert cli.main(["show", str(tmp_path / "captions"), "--limit", "1"]) == 0
    assert '"caption": "A cat."' in capsys.readouterr().out
    assert cli.main(["summary", str(tmp_path)]) == 0
    assert "captions v1: 1 rows in 1 parts" in capsys.readouterr().out
    assert cli.main(["show", str(tmp_path / "nothing")]) == 2


def test_sgmatch_diff_types_a_pair_and_a_batch() -> None:
    proc = subprocess.run([sys.executable, "-m", "sgmatch.cli", "diff", "a dog chasing a cat", "a cat chasing a dog"],
                          capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines()[0] == "swap-obj"
    batch = '{"a": "a man on a bench", "b": "a man under a bench"}\n{"a": "a red car", "b": "a red car"}\n'
    proc = subprocess.run([sys.executable, "-m", "sgmatch.cli", "diff", "--batch", "-"], input=batch,
                          capture_output=True, text=True, check=True)
    import json

    types = [json.loads(line)["type"] for line in proc.stdout.splitlines()]
    assert types == ["replace-rel", "none"]
    bad = subprocess.run([sys.executable, "-m", "sgmatch.cli", "diff", "--batch", "-"], input="not json\n",
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "-:1" in bad.stderr


def test_show_and_summary_name_a_part_that_is_cut_short(tmp_path: Path, capsys) -> None:
    row = {"caption_id": "a#0", "image_id": "a", "split": "test", "sent_index": 0, "caption": "A cat.",
           "source": "x:1", "error": None, "true_facts": None}
    write_artifact(tmp_path / "data" / "captions", CAPTIONS, [CAPTIONS.table({k: [v] * 500 for k, v in row.items()})])
    write_artifact(tmp_path / "data" / "more", CAPTIONS, [CAPTIONS.table({k: [v] for k, v in row.items()})])
    part = tmp_path / "data" / "captions" / "part-00000.parquet"
    part.write_bytes(part.read_bytes()[:-40])
    (tmp_path / "data" / "broken.json").write_text('{"rows": ')
    assert cli.main(["show", str(tmp_path / "data" / "captions")]) == 2
    assert f"sgmatch: {part}: not a readable Parquet file" in capsys.readouterr().err
    assert cli.main(["summary", str(tmp_path / "data")]) == 2
    out, err = capsys.readouterr()
    assert "more  captions v1: 1 rows" in out  # the rest is still listed
    assert f"sgmatch: {part}: not a readable Parquet file" in err and "broken.json:1: not valid JSON" in err
    assert len(err.strip().split("\n")) == 2  # one line each, no traceback


def test_sgmatch_parse_reads_one_caption_a_line_and_names_junk(tmp_path: Path) -> None:
    text = "a dog\u2028on a sofa\r\n\u200b\u200b\n1 2 3\na red\x85car\n"
    proc = subprocess.run([sys.executable, "-m", "sgmatch.cli", "parse", "-"], input=text.encode(),
                          capture_output=True, check=True)
    rows = [json.loads(line) for line in proc.stdout.decode().split("\n") if line]
    assert [r["caption"] for r in rows] == ["a dog on a sofa", "", "1 2 3", "a red car"]
    assert [r.get("error") for r in rows] == [None, "caption: empty caption", "caption: no words", None]
    assert ["dog", "on", "sofa"] in rows[0]["facts"]
    bad = subprocess.run([sys.executable, "-m", "sgmatch.cli", "parse", "-"], input=b"caf\xe9\n", capture_output=True)
    assert bad.returncode == 2 and b"sgmatch: -:1: not UTF-8 text" in bad.stderr
