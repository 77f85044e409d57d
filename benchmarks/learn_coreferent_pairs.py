"""Learn the co-referent noun pairs that ship with the package, from Flickr8k's training captions.

    python -m benchmarks.learn_coreferent_pairs     # writes text/negatives/coreferent_pairs.json

Parses the five captions of every Flickr8k training image (``Flickr8k.token.txt`` and
``Flickr_8k.trainImages.txt`` of ``../shared/data/flickr8k``) and keeps the pairs of object
lemmas that describe the same image in different captions far more often than chance yet
almost never appear in one caption together (:func:`text.negatives.lexical.coreferent_pairs`):
"guy" / "man", "boy" / "child"; the pairs of verbs that do so ("ride" / "sit"); and the pairs of
predicates said so of one object, written ``predicate|object`` ("fly|kite" / "hold|kite").
:func:`text.negatives.lexical.relation` uses them when it is given no corpus of its own, and the
negatives' corpus statistics add them to a corpus's own.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.factual import DEFAULT_DATA
from text.negatives.lexical import SHIPPED_PAIRS, coreferent_pairs, object_predicates, verbs
from text.scene_graph.parser import ParserConfig, cached_parser


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--flickr8k", type=Path, default=DEFAULT_DATA / "flickr8k")
    ap.add_argument("--out", type=Path, default=SHIPPED_PAIRS)
    args = ap.parse_args()
    train = set((args.flickr8k / "Flickr_8k.trainImages.txt").read_text(encoding="utf-8").split())
    pairs = []
    for line in (args.flickr8k / "Flickr8k.token.txt").read_text(encoding="utf-8").splitlines():
        key, _, text = line.partition("\t")
        image = key.split("#")[0]
        if image in train and text.strip():
            pairs.append((image, text.strip()))
    parsed = cached_parser(ParserConfig()).parse([t for _, t in pairs])
    empty = {"objects": [], "relations": []}
    graphs = [{"image_id": image, **(p.graph.to_dict() if p.graph else empty)}
              for (image, _), p in zip(pairs, parsed, strict=True)]
    found = sorted(sorted(p) for p in coreferent_pairs(graphs) | coreferent_pairs(graphs, words=verbs)
                   | coreferent_pairs(graphs, words=object_predicates))
    args.out.write_text(json.dumps({"source": "Flickr8k training captions (Flickr_8k.trainImages.txt), "
                                              f"{len(pairs)} captions of {len(train)} images",
                                    "pairs": found}, indent=0) + "\n", encoding="utf-8")
    print(f"{len(found)} pairs from {len(pairs)} captions -> {args.out}")


if __name__ == "__main__":
    main()
