"""Stage ``extract_labels``: phrase-level labels from the text scene graphs (SSAMT-style).

For every caption its phrases with token spans: entities (object lemmas: "dog"), attribute
pairs ("brown dog") and triples ("dog on couch"). For every image the union over its
captions, each with the number of captions that mention it. Vocabularies of each kind are
counted on the captions of ``vocab_split`` (the training split: test labels never shape the
vocabulary), keep phrases seen in at least ``min_count`` captions, at most ``max_size`` of
them by frequency, and give them integer ids; a phrase outside the vocabulary has id -1.

Example::

    python -m stages.extract_labels --params params.yaml --text-graphs data/text_graphs \\
        --out-images data/image_labels --out-captions data/caption_phrases \\
        --out-vocab data/label_vocab --metrics metrics/extract_labels.json
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.artifacts import read_table, write_artifact, write_json
from pipeline.params import PositiveInt, load_section
from pipeline.schemas import CAPTION_PHRASES, IMAGE_LABELS, LABEL_VOCAB, TEXT_GRAPHS
from pipeline.stage import METRICS, Port, StageSpec, run_stage
from text.phrases import KINDS, build_vocabulary, caption_phrases, label_tables

log = logging.getLogger(__name__)

COLUMNS = ["caption_id", "image_id", "split", "objects", "relations", "error"]


@dataclass(frozen=True)
class LabelParams:
    vocab_split: str  # the split whose captions build the vocabularies; "" for all
    min_count: PositiveInt  # captions a phrase must appear in to enter a vocabulary
    max_size: PositiveInt  # phrases kept per kind, most frequent first


def _run(args: argparse.Namespace) -> None:
    params = load_section(args.params, "extract_labels", LabelParams)
    rows = read_table(args.text_graphs, TEXT_GRAPHS, COLUMNS).to_pylist()
    if params.vocab_split and not any(r["split"] == params.vocab_split for r in rows):
        log.warning("no caption of split %r: the vocabularies are built on all captions", params.vocab_split)
        params = LabelParams("", params.min_count, params.max_size)
    phrases = [caption_phrases(r) if r["error"] is None else [] for r in rows]
    vocab = build_vocabulary(((r["image_id"], r["split"], p) for r, p in zip(rows, phrases, strict=True)),
                             params.vocab_split, params.min_count, params.max_size)
    captions, images, coverage = label_tables(rows, phrases, vocab)
    write_artifact(args.out_vocab, LABEL_VOCAB, [vocab.table])
    write_artifact(args.out_captions, CAPTION_PHRASES, [captions])
    write_artifact(args.out_images, IMAGE_LABELS, [images])
    summary = {"vocabulary_size": {k: len(vocab.ids[k]) for k in KINDS}, "coverage": coverage,
               "vocabulary_split": params.vocab_split or "all", "images": images.num_rows,
               "captions": captions.num_rows}
    if args.metrics:
        write_json(args.metrics, summary)
    log.info("extract_labels: %s", summary)


STAGE = StageSpec(
    name="extract_labels",
    summary="phrase-level labels: entities, attribute pairs, triples, with vocabularies",
    inputs=(Port("--text-graphs", "text_graphs", "the text_graphs artifact"),),
    outputs=(Port("--out-images", "image_labels", "the image_labels artifact"),
             Port("--out-captions", "caption_phrases", "the caption_phrases artifact"),
             Port("--out-vocab", "label_vocab", "the label_vocab artifact"),
             METRICS),
    params=("extract_labels",),
)


def main(argv: Sequence[str] | None = None) -> int:
    return run_stage(_run, STAGE.parser(__doc__), argv)


if __name__ == "__main__":
    raise SystemExit(main())
