"""The matchers at the field's shapes on the CPU: training steps, 1K x 5K scoring, SGRAF beside.

    python -m benchmarks.bench_matchers                       # everything (~6 minutes on 2 idle cores)
    python -m benchmarks.bench_matchers --only train,eval --steps 3
    python -m benchmarks.bench_matchers --only sgraf --images 500
    python -m benchmarks.bench_matchers --steps 1 --images 4 --batch 8    # the smoke size

Prints one report with three parts (``--only`` picks some):

- ``train``: a training step of each matcher (vsepp, sgm, fusion) on one batch of 128 captions
  of 128 distinct images: 36 regions of 2,048 features an image on a spatial graph of each
  region's 8 nearest regions (``vision.regions.geometry.spatial_graph`` on random boxes), captions
  of about 12 tokens with scene graphs of about 3 objects, 2 attributes and 2 relations, one
  generated negative each, a phrase pool of 256, a vocabulary of 10,000 words. The batch is
  built once by the training code (``caption_set``, ``attach_negatives``, ``make_batch``), the
  model from ``params.yaml`` (``runs.fusion`` for fusion and sgm, ``runs.vsepp`` for vsepp with
  VSE++'s embedding of 1,024), and a step is ``graph_models.engine.train_epoch`` over that
  batch: forward, backward, gradient clipping, Adam. One warm-up step, then ``--steps`` timed.
  The epoch passed is ``ranking_warmup_epochs``, so the ranking loss is the max of hinges.
- ``eval``: 1,000 images against 5,000 captions (``--images``, ``--captions-per-image``) with
  random weights: ``encode_images`` / ``encode_texts``, then ``score_matrix`` with the chunks of
  ``params.yaml`` ``evaluate``, and for the graph matchers ``shortlist_matrix`` at K = 20 and 50.
  The image side reads an in-memory region source (``load`` and ``order_of``, as ``RegionStore``
  gives them), so the encode
  time leaves out Parquet reads (``bench_regions`` measures those) and the peak includes all the
  images' features (~0.3 GB for 1,000 images).
- ``sgraf``: ``benchmarks/sgraf_reference.py`` (a re-implementation of SGRAF's similarity at its
  published shapes and loop structure): a training step of SAF and of SGR at batch 128 (one
  warm-up, then ``--steps``), and SAF scoring a subset of 100 images x 500 captions, extrapolated
  linearly by pairs to the full set; then the published references and the project's goals.

Every measurement runs in its own fresh process (``multiprocessing`` spawn), so one matcher's
memory does not count in another's. Peak memory is the process's resident high-water mark
(``VmHWM``): ``ru_maxrss`` is not used because on Linux a spawned child's ``ru_maxrss`` starts
at its parent's peak (the value survives the exec), which would hide a child smaller than its
parent. ``base`` is the resident size just before the model is built (the interpreter, torch,
and the batch or the evaluation data); ``+model`` is the peak minus it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from benchmarks.memory import status_mb

REGIONS, FEATURE_DIM, GRAPH_K = 36, 2048, 8
IMAGE_SIZE = (640.0, 480.0)  # width, height of the random images the boxes are drawn in
CAPTION_TOKENS = 12
VOCAB_WORDS = 10_000
VSEPP_DIM = 1024  # VSE++'s joint embedding
SHORTLIST_KS = (20, 50)
MATCHERS = ("vsepp", "sgm", "fusion")
RUN_OF = {"vsepp": "vsepp", "sgm": "fusion", "fusion": "fusion"}  # the params.yaml run whose losses a matcher uses
SGRAF_SUBSET = (100, 500)  # images x captions SAF scores; extrapolated to the full set
PARTS = ("train", "eval", "sgraf")

# Published references (SGRAF's public code on 2 CPU cores, as quoted in the project's issue).
PUBLISHED: dict[str, Any] = {
    "sgraf_saf_step_s": 10.0,
    "sgraf_sgr_step_s": 18.0,
    "sgraf_peak_gb": (5.8, 7.8),
    "sgraf_score_1k5k_min": (16, 26),
    "vsepp_step_s": 0.5,
}
GOAL_SPEEDUP, GOAL_SCORE_S = 4.0, 120.0


@dataclass(frozen=True)
class Settings:
    params: Path
    batch: int  # captions (of as many images) in a training step: 128, the field's
    steps: int
    images: int
    captions_per_image: int
    threads: int
    device: str = "cpu"  # cuda: the same measurements on a GPU (make gpu-check)


# ---------------------------------------------------------------- synthetic data at the field's shapes


@dataclass(frozen=True)
class WordPools:
    """The 10,000 words of the vocabulary, by the role captions give them (arrays: drawing from
    a list would convert it to an array at every draw)."""

    nouns: np.ndarray
    adjectives: np.ndarray
    predicates: np.ndarray
    fillers: np.ndarray

    @property
    def all(self) -> list[str]:
        return [str(w) for pool in (self.nouns, self.adjectives, self.predicates, self.fillers) for w in pool]


def word_pools() -> WordPools:
    words = np.array([f"w{i:05d}" for i in range(VOCAB_WORDS - 2)])
    return WordPools(nouns=words[:3000], adjectives=words[3000:4000], predicates=words[4000:4300],
                     fillers=np.concatenate([["a", "and"], words[4300:]]))


def caption_row(rng: np.random.Generator, pools: WordPools, caption_id: str, image_id: str) -> dict[str, Any]:
    """A ``text_graphs`` row: 2-4 objects (3 on average) in a chain of 1-3 relations, 1-3
    attributes spread over them, filler words up to about 12 tokens."""
    n_objects = int(rng.integers(2, 5))
    n_relations = min(n_objects - 1, int(rng.integers(1, 4)))
    attributes_of = np.bincount(rng.integers(0, n_objects, int(rng.integers(1, 4))), minlength=n_objects)
    tokens: list[str] = []
    objects: list[dict[str, Any]] = []
    relations: list[dict[str, Any]] = []
    for k in range(n_objects):
        if k:
            related = k - 1 < n_relations
            start = len(tokens)
            tokens += [str(w) for w in rng.choice(pools.predicates, int(rng.integers(1, 3)))] if related else ["and"]
            if related:
                relations.append({"subject": k - 1, "predicate": " ".join(tokens[start:]), "object": k,
                                  "start": start, "end": len(tokens), "via": "preposition"})
        noun = str(rng.choice(pools.nouns))
        attributes = [str(a) for a in rng.choice(pools.adjectives, attributes_of[k])]
        start = len(tokens)
        tokens += ["a", *attributes, noun]
        objects.append({"name": noun, "lemma": noun, "label": noun, "head": len(tokens) - 1, "start": start,
                        "end": len(tokens), "attributes": attributes, "count": None})
    tokens += [str(w) for w in rng.choice(pools.fillers, max(0, CAPTION_TOKENS - len(tokens)))]
    return {"caption_id": caption_id, "image_id": image_id, "split": "train", "tokens": tokens,
            "objects": objects, "relations": relations}


def negative_row(row: dict[str, Any], rng: np.random.Generator, pools: WordPools) -> dict[str, Any]:
    """A replace-obj negative: the last object's noun swapped for another, graph and tokens alike."""
    objects = [dict(o) for o in row["objects"]]
    last = objects[-1]
    noun = str(rng.choice(pools.nouns))
    tokens = list(row["tokens"])
    tokens[last["head"]] = noun
    objects[-1] = {**last, "name": noun, "lemma": noun, "label": noun}
    return {**row, "tokens": tokens, "objects": objects, "type": "replace-obj", "verified": True}


def captions_for(images: int, per_image: int, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    pools = word_pools()
    return [caption_row(rng, pools, f"c{i}_{j}", f"i{i}") for i in range(images) for j in range(per_image)]


def region_row(rng: np.random.Generator) -> dict[str, Any]:
    """A ``regions`` row's geometry: 36 random boxes and their k = 8 spatial graph."""
    from vision.regions.geometry import spatial_graph

    width, height = IMAGE_SIZE
    size = rng.uniform(0.05, 0.6, (REGIONS, 2)) * [width, height]
    corner = rng.uniform(0, 1, (REGIONS, 2)) * ([width, height] - size)
    boxes = np.concatenate([corner, corner + size], axis=1)
    edges, attr = spatial_graph(boxes, width, height, GRAPH_K)
    return {"boxes": boxes.reshape(-1).tolist(), "width": width, "height": height, "edge_src": edges[0].tolist(),
            "edge_dst": edges[1].tolist(), "edge_attr": attr.reshape(-1).tolist()}


def image_regions_for(image_ids: list[str], seed: int) -> dict[str, Any]:
    """Image id -> ``ImageRegions`` of random ReLU features (half zeros, as bottom-up features are)."""
    from graph_models.regions import image_regions

    rng = np.random.default_rng(seed)
    out = {}
    for image_id in image_ids:
        features = np.maximum(rng.standard_normal((REGIONS, FEATURE_DIM), dtype=np.float32), 0)
        out[image_id] = image_regions(region_row(rng), features, FEATURE_DIM)
    return out


class InMemoryRegions:
    """A region source for ``evaluation.encode_images`` (``load`` and ``order_of``, as a
    ``RegionStore`` offers them), held in memory."""

    def __init__(self, regions: dict[str, Any]) -> None:
        self.regions = regions
        self.order = {image_id: k for k, image_id in enumerate(regions)}

    def load(self, image_ids: Iterable[str]) -> dict[str, Any]:
        return {i: self.regions[i] for i in image_ids}

    def order_of(self, image_id: str) -> tuple[int, int]:
        return (0, self.order.get(image_id, -1))


# ---------------------------------------------------------------- measurements (each in its own process)


def rss_mb() -> float:
    return status_mb("VmRSS")


def peak_mb() -> float:
    return status_mb("VmHWM")


def _setup(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)


SGM_RHO = 1.0  # sgm's relation weight (the demo has no sgm run to take it from)


def _objective(settings: Settings, name: str, vocab_size: int) -> tuple[Any, Any]:
    """The matcher ``name`` and its objective, built as the train stage builds them (sizes and
    losses of the params.yaml run of RUN_OF; vsepp with VSE++'s 1,024), and the run."""
    from graph_models.config import build_objective, load_run
    from graph_models.matchers import MATCHERS

    run = load_run(settings.params, RUN_OF[name])
    sizes = {**asdict(run.model), "dim": VSEPP_DIM if name == "vsepp" else run.model.dim, "rho": SGM_RHO}
    params_cls = MATCHERS.get(name).Params
    model = params_cls(**{f.name: sizes[f.name] for f in fields(params_cls)})
    run = replace(run, matcher=name, model=model)
    return build_objective(run, vocab_size, FEATURE_DIM), run


def train_matcher(name: str, settings: Settings) -> dict[str, Any]:
    """One matcher's training step: a batch built by the training code, then ``train_epoch`` steps."""
    _setup(settings.threads)
    import torch

    from graph_models.batches import PhraseBank, attach_negatives, caption_set, make_batch, to_device
    from graph_models.config import TrainParams
    from graph_models.engine import train_epoch
    from graph_models.text_graphs import WordIndex
    from pipeline.params import load_section
    from text.phrases import caption_phrases

    train = load_section(settings.params, "train", TrainParams)
    pools = word_pools()
    words = WordIndex(pools.all)
    per_image = 5  # an image's label set is the union of its captions' phrases, as in extract_labels
    rows = captions_for(settings.batch, per_image, seed=1)
    captions = caption_set(rows, words)
    rng = np.random.default_rng(2)
    attach_negatives(captions, [negative_row(r, rng, pools) for r in rows], words, caption_phrases)
    captions.image_phrases = {}
    for r in rows:
        phrases = {p["phrase"] for p in caption_phrases(r)}
        captions.image_phrases[r["image_id"]] = captions.image_phrases.get(r["image_id"], frozenset()) | phrases
    chunk = list(range(0, len(rows), per_image))  # one caption of each image: 128 distinct images
    regions = image_regions_for(list(dict.fromkeys(captions.image_ids)), seed=3)
    batch = make_batch(captions, chunk, regions, PhraseBank(words), train.negatives_per_caption, train.max_phrases,
                       np.random.default_rng(4))

    base = rss_mb()
    device = torch.device(settings.device)
    objective, run = _objective(settings, name, len(words))
    objective = objective.to(device)
    dim = run.model.dim
    optimizer = torch.optim.Adam(objective.parameters(), lr=train.learning_rate)
    epoch = run.ranking.warmup_epochs

    def step() -> float:
        started = time.perf_counter()
        train_epoch(objective, iter([batch]), optimizer, train.grad_clip, device, epoch)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        return time.perf_counter() - started

    warmup = step()
    times = [step() for _ in range(settings.steps)]
    with torch.no_grad():
        terms = sorted(k for k in objective(to_device(batch, device), epoch) if k != "loss")
    model = (f"bi-GRU, word {run.model.word_dim}" if not hasattr(run.model, "layers") else
             f"word {run.model.word_dim}, {run.model.layers} layers, {run.model.heads} heads")
    return {"matcher": name, "dim": dim, "model": model, "captions": batch.texts.num_graphs,
            "images": batch.regions.num_graphs,
            "negatives": 0 if batch.negatives is None else batch.negatives.num_graphs,
            "phrases": 0 if batch.phrases is None else len(batch.phrases), "text_nodes": len(batch.texts.node_type),
            "region_edges": batch.regions.edge_index.shape[1], "terms": terms,
            "parameters": sum(p.numel() for p in objective.parameters()), "warmup_s": warmup,
            "step_s": float(np.mean(times)), "step_min_s": min(times), "step_max_s": max(times),
            "pairs_per_s": batch.texts.num_graphs / float(np.mean(times)), "base_mb": base, "peak_mb": peak_mb()}


def evaluate_matcher(name: str, settings: Settings) -> dict[str, Any]:
    """Encode ``images`` x ``captions_per_image`` captions, score exactly, then shortlist."""
    _setup(settings.threads)
    from graph_models.evaluation import encode_images, encode_texts, score_matrix, shortlist_matrix
    from graph_models.metrics import recalls
    from graph_models.text_graphs import TextBank, WordIndex, encode_caption
    from pipeline.params import load_section
    from stages.evaluate import EvaluateParams

    params = load_section(settings.params, "evaluate", EvaluateParams)
    words = WordIndex(word_pools().all)
    rows = captions_for(settings.images, settings.captions_per_image, seed=5)
    bank = TextBank([encode_caption(r, words) for r in rows])
    image_ids = list(dict.fromkeys(r["image_id"] for r in rows))
    caption_image = np.repeat(np.arange(len(image_ids)), settings.captions_per_image)
    store = InMemoryRegions(image_regions_for(image_ids, seed=6))

    base = rss_mb()
    matcher = _objective(settings, name, len(words))[0].matcher.to(settings.device)
    started = time.perf_counter()
    images = encode_images(matcher, store, image_ids, params.batch, settings.device)
    encoded_images = time.perf_counter()
    texts = encode_texts(matcher, bank, range(len(rows)), params.batch, settings.device)
    encoded = time.perf_counter()
    exact = score_matrix(matcher, images, texts, params.image_chunk, params.text_chunk)
    scored = time.perf_counter()
    out: dict[str, Any] = {
        "matcher": name, "images": len(image_ids), "captions": len(rows),
        "encode_images_s": encoded_images - started, "encode_texts_s": encoded - encoded_images,
        "score_s": scored - encoded, "rsum": recalls(exact, caption_image)["rsum"], "peak_exact_mb": peak_mb(),
        "chunks": f"{params.image_chunk}x{params.text_chunk}", "shortlist": {}}
    if not matcher.score_is_global:  # a shortlist by the global score would be the exact ranking
        for k in SHORTLIST_KS:
            started = time.perf_counter()
            short = shortlist_matrix(matcher, images, texts, k)
            seconds = time.perf_counter() - started
            out["shortlist"][k] = {"score_s": seconds, "rsum": recalls(short, caption_image)["rsum"],
                                   "pairs": int(np.isfinite(short).sum()), "peak_mb": peak_mb()}
    out.update(base_mb=base, peak_mb=peak_mb())
    return out


def _sgraf_inputs(images: int, captions: int, seed: int) -> tuple[Any, Any, Any]:
    """Random region features (images, 36, 2048) and word ids (captions, T) with lengths near 12."""
    import torch

    g = torch.Generator().manual_seed(seed)
    features = torch.relu(torch.randn(images, REGIONS, FEATURE_DIM, generator=g))
    lengths = torch.randint(CAPTION_TOKENS - 3, CAPTION_TOKENS + 4, (captions,), generator=g)
    tokens = torch.randint(2, VOCAB_WORDS + 2, (captions, int(lengths.max())), generator=g)
    return features, tokens, lengths


SGRAFVariant = Literal["SAF", "SGR"]
SGRAF_VARIANTS: tuple[SGRAFVariant, ...] = ("SAF", "SGR")


def train_sgraf(variant: SGRAFVariant, settings: Settings) -> dict[str, Any]:
    """A training step of SGRAF-``variant`` at batch 128: scores, max-of-hinges, backward, clip, Adam."""
    _setup(settings.threads)
    import torch

    from benchmarks.sgraf_reference import SGRAF, max_hinge_loss

    batch = settings.batch
    features, tokens, lengths = _sgraf_inputs(batch, batch, seed=7)
    base = rss_mb()
    model = SGRAF(variant, VOCAB_WORDS + 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-4)  # SGRAF's learning rate

    def step() -> float:
        started = time.perf_counter()
        model.train()
        loss = max_hinge_loss(model(features, tokens, lengths))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 2.0)
        optimizer.step()
        return time.perf_counter() - started

    warmup = step()
    times = [step() for _ in range(settings.steps)]
    return {"variant": variant, "warmup_s": warmup, "step_s": float(np.mean(times)), "step_min_s": min(times),
            "step_max_s": max(times), "pairs_per_s": batch / float(np.mean(times)),
            "parameters": sum(p.numel() for p in model.parameters()), "base_mb": base, "peak_mb": peak_mb()}


def score_sgraf(variant: SGRAFVariant, settings: Settings) -> dict[str, Any]:
    """SGRAF-``variant`` scoring a subset of images x captions, extrapolated to the full set by pairs."""
    _setup(settings.threads)
    import torch

    from benchmarks.sgraf_reference import SGRAF

    n_images = min(SGRAF_SUBSET[0], settings.images)
    n_captions = min(SGRAF_SUBSET[1], settings.images * settings.captions_per_image)
    features, tokens, lengths = _sgraf_inputs(n_images, n_captions, seed=8)
    base = rss_mb()
    model = SGRAF(variant, VOCAB_WORDS + 2).eval()
    with torch.no_grad():
        started = time.perf_counter()
        images, words = model.images(features), model.texts(tokens, lengths)
        encoded = time.perf_counter()
        model.similarity(images, words, lengths)
        scored = time.perf_counter()
    full = settings.images * settings.images * settings.captions_per_image
    return {"variant": variant, "subset": f"{n_images}x{n_captions}", "encode_s": encoded - started,
            "score_s": scored - encoded, "full": f"{settings.images}x{settings.images * settings.captions_per_image}",
            "extrapolated_s": (scored - encoded) * full / (n_images * n_captions), "base_mb": base,
            "peak_mb": peak_mb()}


def in_fresh_process(job: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """Run ``job(*args)`` in a new spawned interpreter and return its result."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(job, args)


# ---------------------------------------------------------------- the report


def gb(mb: float) -> str:
    return f"{mb / 1024:5.2f} GB"


def print_machine(settings: Settings) -> None:
    import torch

    print(f"machine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}), torch "
          f"{torch.__version__}, {settings.threads} torch threads, python {platform.python_version()}")
    if settings.device != "cpu":
        print(f"device: {settings.device} ({torch.cuda.get_device_name(torch.device(settings.device))}); peak memory "
              "below is the process's host memory, not the GPU's")
    print(f"shapes: {REGIONS} regions x {FEATURE_DIM} features an image, spatial graph k={GRAPH_K}; captions of "
          f"~{CAPTION_TOKENS} tokens, ~3 objects / ~2 attributes / ~2 relations; vocabulary {VOCAB_WORDS:,} words")


def print_training(results: list[dict[str, Any]], settings: Settings) -> None:
    r0 = results[0]
    print(f"\n1. TRAINING STEP (CPU, batch {r0['captions']} captions of {r0['images']} images, "
          f"{settings.steps} timed step(s) after 1 warm-up; forward + backward + clip + Adam via train_epoch)")
    print(f"   batch: {r0['text_nodes']} text nodes, {r0['region_edges']} spatial edges, {r0['negatives']} generated "
          f"negatives, {r0['phrases']} phrases (used by the runs whose losses read them)")
    head = f"   {'matcher':8s} {'dim':>5s} {'params':>7s} {'s/step':>7s} {'min-max':>11s} {'pairs/s':>8s} " \
           f"{'warm-up':>8s} {'peak':>9s} {'base':>9s} {'+model':>9s}  {'model':28s} loss terms"
    print(head)
    for r in results:
        print(f"   {r['matcher']:8s} {r['dim']:5d} {r['parameters'] / 1e6:6.1f}M {r['step_s']:7.2f} "
              f"{r['step_min_s']:5.2f}-{r['step_max_s']:<5.2f} {r['pairs_per_s']:8.1f} {r['warmup_s']:7.2f}s "
              f"{gb(r['peak_mb'])} {gb(r['base_mb'])} {gb(r['peak_mb'] - r['base_mb'])}  {r['model']:28s} "
              f"{', '.join(r['terms'])}")
    print("   base: resident size before the model is built (interpreter, torch, the batch); +model: peak - base.\n"
          "   vsepp's GRU is bidirectional (VSE++'s is one-way; its published step, below, is 0.5 s)")


def print_evaluation(results: list[dict[str, Any]]) -> None:
    r0 = results[0]
    print(f"\n2. EVALUATION ({r0['images']:,} images x {r0['captions']:,} captions, random weights, "
          f"score chunks {r0['chunks']}; images from memory, no Parquet read)")
    print(f"   {'matcher':8s} {'scoring':14s} {'encode img':>10s} {'encode txt':>10s} {'score':>8s} "
          f"{'enc+score':>9s} {'pairs scored':>12s} {'rSum*':>6s} {'peak**':>9s} {'+model':>9s}")
    for r in results:
        encode = r["encode_images_s"] + r["encode_texts_s"]
        rows = [("exact", r["score_s"], r["images"] * r["captions"], r["rsum"], r["peak_exact_mb"])]
        rows += [(f"shortlist K={k}", s["score_s"], s["pairs"], s["rsum"], s["peak_mb"])
                 for k, s in r["shortlist"].items()]
        for i, (label, seconds, pairs, rsum, peak) in enumerate(rows):
            enc = (f"{r['encode_images_s']:9.1f}s {r['encode_texts_s']:9.1f}s" if i == 0 else f"{'':10s} {'':10s}")
            print(f"   {r['matcher'] if i == 0 else '':8s} {label:14s} {enc} {seconds:7.1f}s {encode + seconds:8.1f}s "
                  f"{pairs:12,d} {rsum:6.1f} {gb(peak)} {gb(peak - r['base_mb'])}")
    print("   * rSum with untrained weights: shows the mechanism (how much a shortlist changes the ranking), not "
          "accuracy;\n     the demo's evaluate stage reports the real cost on a trained model (shortlist_cost).")
    print("   ** the process's high-water mark so far (a shortlist row includes the exact scoring before it); "
          "+model: minus the\n     resident size before the model was built (interpreter, torch, all images' "
          "features and the captions)")


def print_sgraf(train: list[dict[str, Any]], score: dict[str, Any] | None, settings: Settings) -> None:
    print("\n3. SGRAF REFERENCE (benchmarks/sgraf_reference.py: re-implementation for timing, published shapes: "
          "regions 36x1024,\n   words 1024 from a bi-GRU, sim_dim 256, per-caption loop; batch 128, max-of-hinges, "
          f"clip 2, Adam; {settings.steps} timed step(s) after 1 warm-up)")
    published = {"SAF": PUBLISHED["sgraf_saf_step_s"], "SGR": PUBLISHED["sgraf_sgr_step_s"]}
    print(f"   {'variant':8s} {'params':>7s} {'s/step':>7s} {'min-max':>13s} {'pairs/s':>8s} {'peak':>9s} "
          f"{'+model':>9s}   published (public code, 2 CPU cores)")
    low, high = PUBLISHED["sgraf_peak_gb"]
    for r in train:
        print(f"   {r['variant']:8s} {r['parameters'] / 1e6:6.1f}M {r['step_s']:7.1f} "
              f"{r['step_min_s']:6.1f}-{r['step_max_s']:<6.1f} {r['pairs_per_s']:8.1f} {gb(r['peak_mb'])} "
              f"{gb(r['peak_mb'] - r['base_mb'])}   {published[r['variant']]:.0f} s/step, {low}-{high} GB peak")
    if score:
        lo, hi = PUBLISHED["sgraf_score_1k5k_min"]
        print(f"   SAF scoring {score['subset']} (no grad): {score['score_s']:.1f} s (+{score['encode_s']:.1f} s "
              f"encoding), peak {gb(score['peak_mb']).strip()}\n   -> {score['full']} EXTRAPOLATED linearly by pairs: "
              f"{score['extrapolated_s']:.0f} s = {score['extrapolated_s'] / 60:.1f} min   (published: {lo}-{hi} min "
              f"for the Flickr30K 1,000 x 5,000 test)")
    print(f"   VSE++ published: {PUBLISHED['vsepp_step_s']} s/step at batch 128")


def print_goals(train: dict[str, dict[str, Any]], evaluation: dict[str, dict[str, Any]],
                sgraf: dict[str, dict[str, Any]]) -> None:
    print("\nGOALS")
    fusion, saf = train.get("fusion"), sgraf.get("SAF")
    if fusion and saf:
        speedup = saf["step_s"] / fusion["step_s"]
        vs_published = PUBLISHED["sgraf_saf_step_s"] / fusion["step_s"]
        print(f"   fusion step speedup over SGRAF-SAF (same machine, same run): {saf['step_s']:.1f} s / "
              f"{fusion['step_s']:.2f} s = {speedup:.1f}x  (goal >= {GOAL_SPEEDUP:.0f}x: "
              f"{'MET' if speedup >= GOAL_SPEEDUP else 'NOT MET'}); against the published 10 s: {vs_published:.1f}x")
    else:
        print("   fusion step speedup over SGRAF-SAF: n/a (run the train and sgraf parts)")
    ev = evaluation.get("fusion")
    if ev:
        encode = ev["encode_images_s"] + ev["encode_texts_s"]
        size = f"{ev['images']:,} x {ev['captions']:,}"
        exact = encode + ev["score_s"]
        print(f"   fusion {size} scoring, exact (no shortlist): encode {encode:.1f} s + score {ev['score_s']:.1f} s "
              f"= {exact:.1f} s  (goal < {GOAL_SCORE_S:.0f} s: {'MET' if exact < GOAL_SCORE_S else 'NOT MET'})")
        for k, s in ev["shortlist"].items():
            total = encode + s["score_s"]
            print(f"   fusion {size} scoring, shortlist K={k}: encode {encode:.1f} s + shortlist {s['score_s']:.1f} s "
                  f"= {total:.1f} s  (goal < {GOAL_SCORE_S:.0f} s: {'MET' if total < GOAL_SCORE_S else 'NOT MET'})")
    else:
        print("   fusion 1,000 x 5,000 scoring: n/a (run the eval part)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=5, help="timed training steps after one warm-up step")
    ap.add_argument("--batch", type=int, default=128, help="captions of distinct images in a training step")
    ap.add_argument("--images", type=int, default=1000, help="evaluation images")
    ap.add_argument("--captions-per-image", type=int, default=5)
    ap.add_argument("--only", default=",".join(PARTS), help=f"comma list of parts: {', '.join(PARTS)}")
    ap.add_argument("--threads", type=int, default=2, help="torch threads in every measurement")
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    ap.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N (train and eval; sgraf stays on the CPU)")
    args = ap.parse_args()
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        ap.error(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    if min(args.steps, args.images, args.captions_per_image, args.threads) < 1 or args.batch < 2:
        ap.error("--steps, --images, --captions-per-image and --threads must be at least 1, --batch at least 2")
    settings = Settings(args.params, args.batch, args.steps, args.images, args.captions_per_image, args.threads,
                        args.device)
    started = time.perf_counter()
    print_machine(settings)

    train: dict[str, dict[str, Any]] = {}
    evaluation: dict[str, dict[str, Any]] = {}
    sgraf: dict[str, dict[str, Any]] = {}
    sgraf_score = None
    if "train" in parts:
        train = {name: in_fresh_process(train_matcher, name, settings) for name in MATCHERS}
        print_training(list(train.values()), settings)
    if "eval" in parts:
        evaluation = {name: in_fresh_process(evaluate_matcher, name, settings) for name in MATCHERS}
        print_evaluation(list(evaluation.values()))
    if "sgraf" in parts:
        sgraf = {variant: in_fresh_process(train_sgraf, variant, settings) for variant in SGRAF_VARIANTS}
        sgraf_score = in_fresh_process(score_sgraf, "SAF", settings)
        print_sgraf(list(sgraf.values()), sgraf_score, settings)
    print_goals(train, evaluation, sgraf)
    print(f"\nwall time {time.perf_counter() - started:.0f} s")
    print(json.dumps({"train": train, "eval": evaluation, "sgraf_train": sgraf, "sgraf_score": sgraf_score},
                     default=str))


if __name__ == "__main__":
    main()
