"""How well ``sgmatch diff`` names the edit a person made: SugarCrepe's dev pairs, by type.

    python -m benchmarks.eval_diff                      # ../shared/data/sugarcrepe_dev (9,955 pairs)
    python -m benchmarks.eval_diff --limit 200          # the first 200 pairs of each type

Each pair is a COCO caption and a negative an LLM made from it by one typed edit, checked by
people (the items of SugarCrepe's unrefined release whose captions are not in its released
benchmark). Both captions are parsed as ``sgmatch diff`` parses them and tagged as it tags
them; the printed accuracy of a type is the share of its pairs typed as that type, and the
macro accuracy their mean over the seven types. Rows:

- ``dominant``: :func:`text.negatives.diff.explain`'s dominant type (graph and tagged words);
- ``dominant, graph only``: the same without the tagger's parts of speech and lemmas;
- ``strict``: :func:`text.negatives.diff.diff`, the generator's verifier (``other`` unless the
  pair is exactly one clean edit);
- ``word baseline``: the part of speech of the first changed word (a noun is ``replace-obj``,
  an adjective or number ``replace-att``, anything else ``replace-rel``); ``swap-obj`` or
  ``swap-att`` (by that word) when the two captions have the same words in another order;
  ``add-obj`` or ``add-att`` when B only adds words to A. Words are the lower-cased tokens
  with a letter or digit, tagged as above.

The dominant view's rules were developed on one half of these pairs (those whose
``crc32("type/id")`` is even); both halves are printed, then the confusion table of all pairs.
"""

from __future__ import annotations

import argparse
import json
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from benchmarks.factual import DEFAULT_DATA
from text.negatives.alignment import WordTags
from text.negatives.diff import TYPES, diff, explain
from text.scene_graph.parser import CaptionParser, ParserConfig
from text.word_tags import WordTagger

NOUNS = ("NOUN", "PROPN")


def read_pairs(root: Path, limit: int) -> list[dict[str, str]]:
    """The pairs of every type file (``add_att.json`` ...), in file order."""
    if not root.is_dir():
        raise SystemExit(f"{root} not found: SugarCrepe's dev pairs (one JSON file per type) are needed")
    pairs = []
    for kind in TYPES:
        items = json.loads((root / f"{kind.replace('-', '_')}.json").read_text(encoding="utf-8"))
        for key, item in list(items.items())[: limit or None]:
            pairs.append({"type": kind, "id": key, "a": item["caption"], "b": item["negative_caption"]})
    return pairs


def development_half(pair: dict[str, str]) -> bool:
    return zlib.crc32(f"{pair['type']}/{pair['id']}".encode()) % 2 == 0


def word_baseline(tokens_a: Sequence[str], tags_a: WordTags, tokens_b: Sequence[str], tags_b: WordTags) -> str:
    """The word-level baseline of the module's doc."""
    def words(tokens: Sequence[str], tags: WordTags) -> list[tuple[str, str]]:
        return [(t.lower(), p) for t, p in zip(tokens, tags.pos, strict=True) if any(c.isalnum() for c in t)]

    a, b = words(tokens_a, tags_a), words(tokens_b, tags_b)
    wa, wb = [w for w, _ in a], [w for w, _ in b]
    changes = [op for op in SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes() if op[0] != "equal"]
    if not changes:
        return "none"
    _, i1, i2, j1, j2 = changes[0]
    pos = (b[j1:j2] or a[i1:i2])[0][1]
    noun = pos in NOUNS
    if Counter(wa) == Counter(wb):
        return "swap-obj" if noun else "swap-att"
    if all(op[0] == "insert" for op in changes):
        return "add-obj" if noun else "add-att"
    return "replace-obj" if noun else "replace-att" if pos in ("ADJ", "NUM") else "replace-rel"


def accuracy(truth: Sequence[str], guess: Sequence[str]) -> dict[str, float]:
    right: dict[str, list[bool]] = defaultdict(list)
    for t, g in zip(truth, guess, strict=True):
        right[t].append(t == g)
    out = {t: sum(right[t]) / len(right[t]) for t in TYPES if right[t]}
    out["macro"] = sum(out.values()) / len(out)
    return out


def table(title: str, rows: dict[str, dict[str, float]], n: int) -> str:
    head = f"{title} ({n:,} pairs)\n{'':<24}" + "".join(f"{t:>12}" for t in TYPES) + f"{'macro':>9}"
    lines = [head]
    for name, acc in rows.items():
        lines.append(f"{name:<24}" + "".join(f"{acc.get(t, float('nan')):>12.3f}" for t in TYPES)
                     + f"{acc['macro']:>9.3f}")
    return "\n".join(lines)


def confusion(truth: Sequence[str], guess: Sequence[str]) -> str:
    columns = [*TYPES, "none", "other"]
    counts = Counter(zip(truth, guess, strict=True))
    lines = ["confusion of the dominant view, all pairs (rows: the person's type; columns: found)",
             f"{'':<12}" + "".join(f"{c:>12}" for c in columns)]
    for t in TYPES:
        lines.append(f"{t:<12}" + "".join(f"{counts[(t, c)]:>12}" for c in columns))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA / "sugarcrepe_dev")
    ap.add_argument("--limit", type=int, default=0, help="pairs of each type (0: all)")
    args = ap.parse_args()
    pairs = read_pairs(args.data, args.limit)
    parser = CaptionParser(ParserConfig())
    parsed = list(parser.parse([t for p in pairs for t in (p["a"], p["b"])]))
    tags = WordTagger().tag([item.graph.tokens if item.graph is not None else [] for item in parsed])

    views: dict[str, list[str]] = defaultdict(list)
    methods: dict[str, Callable[[dict[str, Any], dict[str, Any], WordTags, WordTags], str]] = {
        "dominant": lambda a, b, ta, tb: explain(a, b, ta, tb)["dominant"],
        "dominant, graph only": lambda a, b, ta, tb: explain(a, b)["dominant"],
        "strict": lambda a, b, ta, tb: diff(a, b)["type"],
        "word baseline": lambda a, b, ta, tb: word_baseline(a["tokens"], ta, b["tokens"], tb),
    }
    for k in range(len(pairs)):
        ga, gb = parsed[2 * k].graph, parsed[2 * k + 1].graph
        for name, method in methods.items():
            found = "error" if ga is None or gb is None else method(ga.to_dict(), gb.to_dict(), tags[2 * k],
                                                                     tags[2 * k + 1])
            views[name].append(found)
    truth = [p["type"] for p in pairs]
    for title, keep in [("development half", development_half), ("check half", lambda p: not development_half(p)),
                        ("all pairs", lambda p: True)]:
        idx = [k for k, p in enumerate(pairs) if keep(p)]
        rows = {name: accuracy([truth[k] for k in idx], [found[k] for k in idx]) for name, found in views.items()}
        print(table(title, rows, len(idx)))
        print()
    print(confusion(truth, views["dominant"]))


if __name__ == "__main__":
    main()
