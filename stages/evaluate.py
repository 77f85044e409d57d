"""Stage ``evaluate``: the field's retrieval protocol, compositional accuracy and each loss's own figure.

The captions of ``evaluate.split`` and their images are encoded once; every image is scored
against every caption in chunks (``image_chunk x text_chunk`` pairs at a time). The full detail
goes to ``--details`` (JSON, which ``sgmatch compare`` reads):

- ``retrieval``: image-to-text and text-to-image R@1/5/10, rSum and median ranks over the whole
  split (Flickr30K's 1K test when it has 1,000 images, COCO 5K when 5,000), plus COCO's five
  folds of 1,000 averaged when the split has a multiple of 1,000 images above 1,000;
- ``hard_queries``: the same recalls on the hardest share (``evaluate.hard_share``) of the
  queries, hardness being a property of the data, not the model: a caption's largest word
  overlap (Jaccard) with a caption of another image, an image's the largest of its captions'
  (the figure of LSEH's and AHRL's claims, which are about the confusable pairs);
- ``compositional``: for each verified generated negative of the split, whether the image scores
  its true caption above the negative, by negative type (swap-att, swap-obj, replace-rel, ...);
- ``modality_gap``: the distance between the two modalities' mean vectors and the held-out
  accuracy of a fresh discriminator telling them apart (the modality-adversarial loss's figure);
- ``phrases`` (with ``--labels``): how well the matcher's score of an image with a label phrase
  ("red circle", "circle") ranks the image's own phrases, mean average precision by kind (the
  phrase-level supervision's figure);
- ``shortlist`` (with ``evaluate.shortlist: K``): each query's top K by the cheap global score
  re-ranked exactly; with ``shortlist_cost``, the exact recalls beside it and the difference.

``--metrics`` gets a few headline figures of these (for ``dvc metrics show``, one line a run);
``sgmatch compare`` prints several runs' details as one table.

Example::

    python -m stages.evaluate --params params.yaml --model models/fusion.pt --text-graphs data/text_graphs \\
        --regions data/regions --negatives data/negatives --labels data/image_labels \\
        --metrics metrics/evaluate/fusion.json --details metrics/evaluate/details/fusion.json
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
import torch

from graph_models import inputs
from graph_models.checkpoint import load_model
from graph_models.evaluation import (
    encode_images,
    encode_texts,
    image_rows,
    modality_gap,
    phrase_graph,
    score_matrix,
    score_pairs,
    shortlist_matrix,
)
from graph_models.metrics import (
    caption_hardness,
    compositional_accuracy,
    hardest,
    mean_average_precision,
    protocol,
    round_metrics,
    subset_recalls,
)
from graph_models.regions import RegionStore
from graph_models.text_graphs import TextBank, encode_caption
from pipeline.artifacts import write_json
from pipeline.errors import InputError
from pipeline.params import NonNegativeInt, PositiveInt, Range, load_section
from pipeline.stage import METRICS, Port, StageSpec, run_stage

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class EvaluateParams:
    split: str
    device: str
    batch: PositiveInt  # images or captions encoded at once
    image_chunk: PositiveInt  # pairs scored at once: image_chunk x text_chunk
    text_chunk: PositiveInt
    shortlist: NonNegativeInt  # 0: exact scores for every pair; K: each query's top K by the global score, re-ranked
    shortlist_cost: bool  # with a shortlist, also compute the exact matrix and report the difference
    hard_share: Annotated[float, Range(gt=0, le=1)]  # the share of queries (hardest first) of hard_queries


def _run(args: argparse.Namespace) -> None:
    params = load_section(args.params, "evaluate", EvaluateParams)
    device = torch.device(params.device)
    matcher, words, record = load_model(args.model, device)
    store = RegionStore(args.regions)
    rows, counts = inputs.split_captions(inputs.read_graphs(args.text_graphs), params.split, store)
    if not rows:
        raise InputError(" ".join(map(str, args.text_graphs)), "split", f"no usable caption of split {params.split!r}")
    images, caption_image = image_rows([r["image_id"] for r in rows])
    bank = TextBank([encode_caption(r, words) for r in rows])

    started = time.perf_counter()
    img = encode_images(matcher, store, images, params.batch, device)
    txt = encode_texts(matcher, bank, range(len(rows)), params.batch, device)
    encoded = time.perf_counter()
    out: dict[str, Any] = {"run": record["run"], "matcher": record["config"]["name"], "split": params.split,
                           "seed": args.seed, "images": len(images), "captions": counts}
    exact = None
    if not params.shortlist or params.shortlist_cost:
        exact = score_matrix(matcher, img, txt, params.image_chunk, params.text_chunk)
        out["retrieval"] = protocol(exact, caption_image)
        out["hard_queries"] = hard_queries(exact, caption_image, [r["tokens"] or [] for r in rows],
                                           params.hard_share)
    scored = time.perf_counter()
    if params.shortlist:
        short = shortlist_matrix(matcher, img, txt, params.shortlist)
        result = protocol(short, caption_image)
        out["shortlist"] = {"k": params.shortlist, "retrieval": result}
        if exact is not None:
            out["shortlist"]["rsum_cost"] = out["retrieval"]["all"]["rsum"] - result["all"]["rsum"]
        else:
            out["retrieval"] = result
    log.info("encoded %d images and %d captions in %.1f s; scored every pair in %.1f s%s", len(images), len(rows),
             encoded - started, scored - encoded,
             f"; shortlist in {time.perf_counter() - scored:.1f} s" if params.shortlist else "")
    out["modality_gap"] = modality_gap(img.vector, txt.vector)

    if args.negatives:
        caption_row = {r["caption_id"]: k for k, r in enumerate(rows)}
        negs = [n for n in inputs.verified_negatives(args.negatives, params.split)
                if n["caption_id"] in caption_row]
        positive = negative = np.zeros(0, np.float32)
        if negs:
            owners = np.array([caption_row[n["caption_id"]] for n in negs], dtype=np.int64)
            neg_txt = encode_texts(matcher, TextBank([encode_caption(n, words) for n in negs]), range(len(negs)),
                                   params.batch, device)
            chunk = params.image_chunk * 10
            positive = score_pairs(matcher, img, txt, caption_image[owners], owners, chunk)
            negative = score_pairs(matcher, img, neg_txt, caption_image[owners], np.arange(len(negs)), chunk)
        out["compositional"] = compositional_accuracy(positive, negative, [n["type"] for n in negs])
    if args.labels:
        out["phrases"] = phrase_prediction(matcher, img, images, inputs.image_phrase_labels(args.labels, params.split),
                                           words, params, device)
    if args.details:
        write_json(args.details, round_metrics(out, 4))
    if args.metrics:
        write_json(args.metrics, round_metrics(headline(out), 4))
    log.info("evaluate %s: %s", record["run"], json.dumps(round_metrics(headline(out), 3)))


def hard_queries(sim: np.ndarray, caption_image: np.ndarray, tokens: Sequence[Sequence[str]],
                 share: float) -> dict[str, Any]:
    """Recalls on the ``share`` hardest captions (text-to-image) and images (image-to-text) by
    :func:`~graph_models.metrics.caption_hardness` (an image: the hardest of its captions)."""
    hardness = caption_hardness(tokens, caption_image)
    image_hardness = np.full(sim.shape[0], -np.inf)
    np.maximum.at(image_hardness, caption_image, hardness)
    out = subset_recalls(sim, caption_image, hardest(hardness, share), hardest(image_hardness, share))
    return {"share": share, "mean_hardness": float(hardness.mean()) if len(hardness) else None, **out}


def phrase_prediction(matcher: Any, img: Any, images: Sequence[str], labels: dict[str, dict[str, frozenset[str]]],
                      words: Any, params: EvaluateParams, device: torch.device) -> dict[str, Any]:
    """Mean average precision of each image's own label phrases among every phrase of the split,
    ranked by the matcher's score of the image with the phrase as a short caption, per kind."""
    out: dict[str, Any] = {}
    kinds = sorted({k for per_image in labels.values() for k in per_image})
    for kind in kinds:
        vocab = sorted({p for per_image in labels.values() for p in per_image[kind]})
        if not vocab:
            out[kind] = {"map": None, "r_precision": None, "rows": 0, "phrases": 0}
            continue
        graphs = TextBank([encode_caption(phrase_graph(p, attribute=kind == "attributes"), words) for p in vocab])
        encoded = encode_texts(matcher, graphs, range(len(vocab)), params.batch, device)
        scores = score_matrix(matcher, img, encoded, params.image_chunk, params.text_chunk)
        index = {p: k for k, p in enumerate(vocab)}
        targets = np.zeros(scores.shape, bool)
        for row, image_id in enumerate(images):
            for p in labels.get(image_id, {}).get(kind, ()):
                targets[row, index[p]] = True
        out[kind] = {**mean_average_precision(scores, targets), "phrases": len(vocab)}
    return out


HEADLINE_TYPES = ("swap-att", "swap-obj", "replace-rel")


def headline(details: dict[str, Any]) -> dict[str, Any]:
    """The few figures of a details dict that ``dvc metrics show`` lists (one flat line a run)."""
    r = details.get("retrieval", {}).get("all", {})
    out: dict[str, Any] = {"rsum": r.get("rsum"), "i2t_r1": r.get("i2t_r1"), "t2i_r1": r.get("t2i_r1")}
    if "hard_queries" in details:
        out["hard_rsum"] = details["hard_queries"].get("rsum")
    comp = details.get("compositional")
    if comp is not None:
        out["negatives_acc"] = comp.get("all", {}).get("accuracy")
        for t in HEADLINE_TYPES:
            out[f"{t.replace('-', '_')}_acc"] = comp.get(t, {}).get("accuracy")
    if "modality_gap" in details:
        out["probe_acc"] = details["modality_gap"].get("probe_accuracy")
    if "phrases" in details:
        out["attribute_map"] = details["phrases"].get("attributes", {}).get("map")
    return out


STAGE = StageSpec(
    name="evaluate",
    summary="R@1/5/10 and rSum (1K, 5-fold 1K, 5K) and compositional accuracy by negative type",
    inputs=(Port("--model", "model", "a model file written by the train stage"),
            Port("--text-graphs", "text_graphs", "one or more text_graphs artifacts", many=True),
            Port("--regions", "regions", "one or more regions artifacts", many=True),
            Port("--negatives", "negatives", "negatives artifact: compositional accuracy by type", required=False),
            Port("--labels", "image_labels", "image_labels artifact: phrase prediction", required=False)),
    outputs=(METRICS,
             Port("--details", "file", "every figure, JSON (what sgmatch compare reads)", required=False)),
    options=(("--seed", {"type": int, "default": None,
                         "help": "the training seed of the model, kept in the details (compare pairs runs by it)"}),),
    params=("evaluate",),
)


def main(argv: Sequence[str] | None = None) -> int:
    return run_stage(_run, STAGE.parser(__doc__), argv)


if __name__ == "__main__":
    raise SystemExit(main())
