"""Hostile captions through ingest, parse_captions, generate_negatives and inspect.

A seeded generator writes captions of every kind a hostile file can hold (empty, zero-width,
control characters, NUL, lone surrogates, bidirectional overrides, emoji, markup,
10,000-word captions, 100,000-character tokens, every Unicode line separator) into a
Karpathy JSON file, and each one is labelled by how it was made: junk (nothing a parser can
read) or wordy. The stages run in this process. Nothing may crash; every stage keeps one row
per caption; every junk caption and nothing else gets an ingest error, named; no object name
or negative holds a control or invisible character; the page has no markup but its own.
The same captions written one a line (the precomp layout) must come out the same, in order.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from PIL import Image

from pipeline.artifacts import read_table
from pipeline.schemas import CAPTIONS, NEGATIVES, TEXT_GRAPHS
from sgmatch import cli
from stages import generate_negatives, ingest, parse_captions

BASES = ["a red car next to a blue house", "two dogs playing on the beach", "a man riding a brown horse",
         "a woman holding an umbrella in the rain", "a cat sleeping on a sofa", "three birds sitting on a wire",
         "a little girl eating an ice cream", "a green bus parked beside a white building"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f"]
CONTROLS = [chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)]]
LINE_SEPARATORS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
EMOJI = ["\U0001f436", "\U0001f431", "\U0001f600", "\U0001f469\u200d\U0001f4bb", "\u2764\ufe0f", "\U0001f1fa\U0001f1f8"]
MARKUP = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\"'><svg onload=alert(1)>", "&amp;&lt;",
          "<b>", "]]><!--", "{{7*7}}", "javascript:alert(1)"]
PUNCTUATION = "!?.,;:-_()[]{}'\"/\\|@#$%^&*~`"
OTHER_SCRIPTS = ["\u0441\u043e\u0431\u0430\u043a\u0430", "\u72ac", "\u0643\u0644\u0628", "\u03c3\u03ba\u03cd\u03bb\u03bf\u03c2"]
HOSTILE = INVISIBLE + BIDI + CONTROLS + LINE_SEPARATORS + EMOJI + MARKUP + ["\x00"]


def _sprinkle(rng: random.Random, text: str, pieces: list[str], k: int) -> str:
    chars = list(text)
    for _ in range(k):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(pieces))
    return "".join(chars)


def _junk(rng: random.Random) -> str:
    kind = rng.randrange(9)
    n = rng.randint(1, 12)
    if kind == 0:
        return rng.choice(["", " ", "\t \t", "\u3000", "\u00a0\u00a0"])
    if kind == 1:
        return "".join(rng.choice(INVISIBLE + BIDI) for _ in range(n))
    if kind == 2:
        return "".join(rng.choice(CONTROLS) for _ in range(n))
    if kind == 3:
        return "\x00" * n
    if kind == 4:
        return "".join(rng.choice(PUNCTUATION + " ") for _ in range(n))
    if kind == 5:
        return " ".join(str(rng.randrange(10**6)) for _ in range(n))
    if kind == 6:
        return "".join(rng.choice(EMOJI + [" "]) for _ in range(n))
    if kind == 7:
        return _sprinkle(rng, rng.choice(BASES), [chr(rng.randrange(0xD800, 0xE000))], 1)  # a lone surrogate
    return _sprinkle(rng, "".join(rng.choice(PUNCTUATION) for _ in range(n)), INVISIBLE + CONTROLS + EMOJI, n)


def _wordy(rng: random.Random, big: bool) -> str:
    base = rng.choice(BASES)
    if big:
        return rng.choice([" ".join(rng.choice(base.split()) for _ in range(10_000)),  # 10,000 words
                           "a" * 100_000, f"{base} {'x' * 100_000} {base}"])  # 100,000-character tokens
    kind = rng.randrange(7)
    if kind == 0:
        return _sprinkle(rng, base, INVISIBLE + BIDI + CONTROLS + ["\x00"], rng.randint(1, 6))  # normalises to base
    if kind == 1:
        return _sprinkle(rng, base, HOSTILE, rng.randint(1, 4))
    if kind == 2:
        return "".join(w + rng.choice(LINE_SEPARATORS) for w in base.split())
    if kind == 3:
        return f"\u202e{base}\u202c {rng.choice(EMOJI)}"
    if kind == 4:
        return f"{rng.choice(MARKUP)} {base}"
    if kind == 5:
        return f"{base} {rng.choice(OTHER_SCRIPTS)}"
    return base.replace("a ", "a\u0301\u0301\u0301 ", 1)  # combining marks


def hostile_captions(n: int, seed: int = 10) -> list[tuple[str, bool]]:
    """``n`` (caption, is_junk) pairs; a few huge ones, every line separator among them."""
    rng = random.Random(seed)
    out = [(f"a dog{sep}on a sofa", False) for sep in LINE_SEPARATORS]
    out += [("a dog " * 5_000, False), ("x" * 100_000, False), (f"a cat {'y' * 100_000} on a mat", False)]
    while len(out) < n:
        if rng.random() < 0.45:
            out.append((_junk(rng), True))
        else:
            out.append((_wordy(rng, big=rng.random() < 0.004), False))
    return out[:n]


HOSTILE_FILENAMES = ["../../etc/passwd", "a\x00.jpg", "/etc/shadow", "\u202egpj.exe", "<script>.jpg"]


def _karpathy(path: Path, captions: list[tuple[str, bool]], per_image: int) -> None:
    images = []
    for k in range(0, len(captions), per_image):
        i = k // per_image
        name = HOSTILE_FILENAMES[i] if i < len(HOSTILE_FILENAMES) else f"{i}.png"
        images.append({"filename": name, "cocoid": i, "split": "test",
                       "sentences": [{"raw": text} for text, _ in captions[k:k + per_image]]})
    path.write_text(json.dumps({"images": images}, ensure_ascii=True))  # lone surrogates travel as \\udXXX


def _params(tmp_path: Path, repo_root: Path, fmt: str) -> Path:
    params = yaml.safe_load((repo_root / "params.yaml").read_text())
    params["ingest"].update(format=fmt, split="test", partition_rows=3000)
    params["parse_captions"].update(texts_per_task=1000, partition_rows=3000)
    params["generate_negatives"].update(per_caption=1, max_rounds=1, partition_rows=3000)
    path = tmp_path / f"params-{fmt}.yaml"
    path.write_text(yaml.safe_dump(params))
    return path


PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "div", "span", "mark", "b", "svg",
             "defs", "marker", "path", "rect", "text", "image"}


class PageTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.add(tag)
        self.handlers += [name for name, _ in attrs if name.startswith("on") or name in ("src", "srcdoc")]


def _invisible(text: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")]


@pytest.mark.parametrize("count", [pytest.param(600, id="600"), pytest.param(10_000, id="10000", marks=pytest.mark.slow)])
def test_hostile_captions_through_ingest_parse_negatives_and_inspect(tmp_path: Path, repo_root: Path,
                                                                     count: int) -> None:
    captions = hostile_captions(count)
    per_image = 5
    source = tmp_path / "hostile.json"
    _karpathy(source, captions, per_image)
    root = tmp_path / "pictures"
    root.mkdir()
    Image.new("RGB", (16, 16), (20, 120, 40)).save(root / f"{len(HOSTILE_FILENAMES)}.png")
    p = _params(tmp_path, repo_root, "karpathy")
    caps, imgs, graphs, negs = (tmp_path / n for n in ("captions", "images", "text_graphs", "negatives"))

    assert ingest.main(["--params", str(p), "--input", str(source), "--out-captions", str(caps), "--out-images",
                        str(imgs), "--workers", "0"]) == 0
    rows = read_table(caps, CAPTIONS).to_pylist()
    assert len(rows) == count
    named = re.compile(r"^caption: (empty caption|no words|not valid Unicode \(lone surrogate U\+D[89A-F][0-9A-F]{2}\))$")
    for row, (raw, junk) in zip(rows, captions, strict=True):
        if junk:
            assert row["error"] is not None and named.match(row["error"]), (raw, row)
        else:
            assert row["error"] is None, (raw, row)
            assert not _invisible(row["caption"]) and row["caption"] == " ".join(row["caption"].split())

    assert parse_captions.main(["--params", str(p), "--captions", str(caps), "--out", str(graphs),
                                "--workers", "0"]) == 0
    parsed = read_table(graphs, TEXT_GRAPHS).to_pylist()
    assert [g["caption_id"] for g in parsed] == [r["caption_id"] for r in rows]
    for g, row in zip(parsed, rows, strict=True):
        if row["error"]:
            assert g["error"] == row["error"]
        if g["error"]:
            assert re.match(r"^[a-z_]+: \S", g["error"]), g["error"]
        for o in g["objects"]:
            assert not _invisible(o["name"] + o["label"] + "".join(o["attributes"])), o
    long_rows = [g for g in parsed if len(g["caption"] or "") > 1000]
    assert long_rows and all(g["error"].startswith("caption: longer than 1000 characters") for g in long_rows)

    assert generate_negatives.main(["--params", str(p), "--text-graphs", str(graphs), "--out", str(negs),
                                    "--workers", "0"]) == 0
    negatives = read_table(negs, NEGATIVES).to_pylist()
    ok_ids = {g["caption_id"] for g in parsed if g["error"] is None}
    assert negatives and all(n["caption_id"] in ok_ids for n in negatives)
    for n in negatives:
        assert not _invisible(n["negative"]) and any(c.isalpha() for c in n["negative"]), n

    page_path = tmp_path / "report.html"
    assert cli.main(["inspect", "--text-graphs", str(graphs), "--images", str(imgs), "--image-root", str(root),
                     "--negatives", str(negs), "--labels", str(tmp_path / "none"), "--regions",
                     str(tmp_path / "none"), "--sample", str(count), "--out", str(page_path)]) == 0
    page = page_path.read_text(encoding="utf-8")
    tags = PageTags()
    tags.feed(page)
    assert tags.tags <= PAGE_TAGS and not tags.handlers, (tags.tags - PAGE_TAGS, tags.handlers)
    assert "<script" not in page and "<img" not in page and "&lt;script&gt;alert(1)" in page
    assert set(_invisible(page)) <= {"U+000A"}  # only the page's own newlines
    assert page.count("data:image/png;base64,") == 1 and "/etc/passwd" not in page.replace("../../etc/passwd", "")
    assert len(page) < 2_000 * count  # long captions are shortened on the page

    # the same captions one a line (SCAN's precomp layout): as many rows, the same text in the same order
    lines = [text.replace("\r\n", "\u2028").replace("\n", "\u2028") for text, _ in captions]
    keep = [k for k, text in enumerate(lines) if not any("\ud800" <= c <= "\udfff" for c in text)]
    (tmp_path / "test_caps.txt").write_text("".join(lines[k] + "\n" for k in keep), encoding="utf-8", newline="")
    p = _params(tmp_path, repo_root, "precomp")
    assert ingest.main(["--params", str(p), "--input", str(tmp_path), "--out-captions", str(tmp_path / "c2"),
                        "--out-images", str(tmp_path / "i2"), "--workers", "0"]) == 0
    again = read_table(tmp_path / "c2", CAPTIONS).to_pylist()
    assert [(r["caption"], r["error"]) for r in again] == [(rows[k]["caption"], rows[k]["error"]) for k in keep]
