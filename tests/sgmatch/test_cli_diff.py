"""``sgmatch diff``: both views for one pair, JSON lines for a batch, and bad captions refused with why."""

from __future__ import annotations

import io
import json

from sgmatch import cli


def test_one_pair_prints_the_dominant_type_then_the_strict_one_and_every_edit(capsys) -> None:
    pair = ["Two adult bears play fight in the water.", "A flock of ducks play fight in the water."]
    assert cli.main(["diff", *pair]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "replace-obj"
    assert lines[1].split() == ["strict:", "other", "confidence:", "1.00"]
    assert lines[2].strip().startswith("replace-obj: two adult bears -> a flock of ducks")


def test_an_empty_caption_is_refused_with_its_reason(capsys) -> None:
    assert cli.main(["diff", "", "a dog"]) == 2
    err = capsys.readouterr().err
    assert "caption A" in err and "empty caption" in err


def test_batch_lines_carry_both_views_and_errors_their_reason(capsys, monkeypatch) -> None:
    pairs = [{"a": "A man on a bench", "b": "A guy on a bench"},
             {"a": "a dog", "b": " "},
             {"a": "A main sitting at a table being served", "b": "A man standing at a table being served."}]
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(json.dumps(p) + "\n" for p in pairs)))
    assert cli.main(["diff", "--batch", "-"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(o["a"], o["b"]) for o in out] == [(p["a"], p["b"]) for p in pairs]
    assert [(o["type"], o["dominant"], o["strict"]) for o in out] == [
        ("none", "none", "none"), ("error", "error", "error"), ("replace-rel", "replace-rel", "other")]
    assert out[1]["error"] == "b: caption: empty caption"
    assert out[2]["confidence"] == 0.8 and [e["type"] for e in out[2]["edits"]] == ["replace-obj", "replace-rel"]
