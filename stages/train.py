"""Stage ``train``: a graph matcher trained on the precomputed artifacts.

One named run of ``params.yaml`` (``runs.NAME``: the matcher and which losses are on, with
their weights) with the settings every run shares (``train``: device, seed, epochs, batch,
learning rate, ...). The captions of ``train.train_split`` with their text scene graphs, the
regions of their images, their verified generated negatives, their images' phrase labels and
their LSEH vectors go in; a model file, per-epoch metrics (``--plots``, a CSV ``dvc plots``
draws) and the final metrics come out.

A checkpoint is written to ``--checkpoint-dir`` after every epoch; a re-run resumes from it
when it was made with the same settings (else it starts over and says so), so a killed
training loses at most one epoch. Multi-process training runs under ``torchrun`` (e.g.
``torchrun --nproc_per_node 2 -m stages.train ...``): DistributedDataParallel with the gloo
backend on the CPU or NCCL on GPUs, each process one shard of every epoch's batches.

Example::

    python -m stages.train --params params.yaml --run-name fusion --text-graphs data/text_graphs \\
        --regions data/regions --negatives data/negatives --labels data/image_labels \\
        --caption-vectors data/caption_vectors --out models/fusion.pt \\
        --checkpoint-dir checkpoints/fusion --plots plots/train/fusion.csv --metrics metrics/train/fusion.json
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

import torch
import torch.distributed as dist

from graph_models.data import RegionStore, Vocabulary, graph_words
from graph_models.evaluation import encode_images, encode_texts, image_rows, score_matrix
from graph_models.matchers import Matcher, build_matcher
from graph_models.metrics import recalls
from graph_models.objective import LossParams, MatchingObjective
from graph_models.training import (
    Captions,
    PhraseBank,
    attach_negatives,
    caption_set,
    epoch_plan,
    iterate_batches,
    load_checkpoint,
    save_checkpoint,
    train_epoch,
    unwrap,
)
from pipeline.artifacts import atomic_write_text, write_json
from pipeline.errors import InputError
from pipeline.params import (
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    from_mapping,
    load_section,
    read_yaml,
)
from pipeline.stage import run_stage, stage_parser
from stages import matching_inputs
from stages.extract_labels import caption_phrases

log = logging.getLogger(__name__)

MODEL_FORMAT = "sgmatch-matcher-v1"
TIMINGS = ("seconds", "pairs_per_second")


@dataclass(frozen=True)
class TrainParams:
    device: str  # cpu | cuda | cuda:1 (under torchrun: cuda uses the process's local rank)
    seed: NonNegativeInt
    epochs: PositiveInt
    batch_size: PositiveInt  # captions a step (per process)
    learning_rate: PositiveFloat
    lr_decay_epochs: NonNegativeInt  # the learning rate drops tenfold after this many epochs (VSE++); 0: never
    grad_clip: NonNegativeFloat  # 0: no clipping
    min_word_count: PositiveInt  # train-split occurrences a word needs to get its own embedding
    shuffle_groups: PositiveInt  # region row groups shuffled together (the shuffle buffer)
    negatives_per_caption: NonNegativeInt  # generated negatives a caption brings to a step
    max_phrases: PositiveInt  # phrases in a step's pool for the phrase-level loss
    train_split: str
    val_split: str  # scored after every epoch ("" or an absent split: no validation)
    eval_batch: PositiveInt  # captions or images encoded at once in validation
    threads: NonNegativeInt  # torch intra-op threads; 0 leaves torch's default


@dataclass(frozen=True)
class ModelParams:
    matcher: Literal["vsepp", "sgm", "fusion"]
    dim: PositiveInt  # joint embedding size
    word_dim: PositiveInt
    layers: NonNegativeInt  # message-passing rounds on each graph
    heads: PositiveInt
    temperature: PositiveFloat  # cross-attention inverse temperature (fusion, phrase head)
    sgm_rho: NonNegativeFloat  # SGM: weight of the relation-level similarity


@dataclass(frozen=True)
class RunParams:
    model: ModelParams
    losses: LossParams


def load_run(path: Path, run: str) -> RunParams:
    runs = read_yaml(path).get("runs") or {}
    if run not in runs:
        raise InputError(f"{path} [runs]", f"runs.{run}", f"no such run; runs are {', '.join(runs) or '(none)'}")
    return from_mapping(RunParams, runs[run], where=f"{path} [runs.{run}]", prefix=f"runs.{run}")


def fingerprint(train: TrainParams, run: RunParams, vocab: Vocabulary) -> str:
    """What a checkpoint must share with this run to be resumed (not epochs, device or threads)."""
    shared = replace(train, epochs=0, device="", threads=0)
    blob = json.dumps([asdict(shared), asdict(run), vocab.words], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def matcher_config(model: ModelParams, vocab_size: int, feature_dim: int) -> dict[str, Any]:
    return {"name": model.matcher, "vocab_size": vocab_size, "feature_dim": feature_dim, "dim": model.dim,
            "word_dim": model.word_dim, "layers": model.layers, "heads": model.heads,
            "temperature": model.temperature, "rho": model.sgm_rho}


def load_model(path: Path, device: torch.device | str) -> tuple[Matcher, Vocabulary, dict[str, Any]]:
    """A model file written by this stage: the matcher (weights loaded), its vocabulary, its record."""
    if not Path(path).is_file():
        raise InputError(str(path), "", "model file not found")
    state = load_checkpoint(path, device)
    if state.get("format") != MODEL_FORMAT:
        raise InputError(str(path), "format", f"not a {MODEL_FORMAT} model file")
    matcher = build_matcher(**state["config"])
    matcher.load_state_dict(state["matcher"])
    return matcher.to(device), Vocabulary(state["vocab"][2:]), state


def validate(matcher: Matcher, captions: Captions, store: RegionStore, batch: int, device: torch.device) -> dict:
    images, caption_image = image_rows(captions.image_ids)
    sim = score_matrix(matcher, encode_images(matcher, store, images, batch, device),
                       encode_texts(matcher, captions.bank, range(len(captions.caption_ids)), batch, device), 100, 500)
    return recalls(sim, caption_image)


def _distributed(device: str) -> tuple[int, int, torch.device]:
    """(rank, world size, device); under torchrun, joins the process group."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return 0, 1, torch.device(device)
    local = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = device.startswith("cuda")
    dist.init_process_group(backend="nccl" if cuda else "gloo")
    if cuda:
        torch.cuda.set_device(local)
    return dist.get_rank(), world, torch.device(f"cuda:{local}" if cuda else device)


def _run(args: argparse.Namespace) -> None:
    params = load_section(args.params, "train", TrainParams)
    run = load_run(args.params, args.run)
    rank, world, device = _distributed(params.device)
    if params.threads:
        torch.set_num_threads(params.threads)
    torch.manual_seed(params.seed)
    store = RegionStore(args.regions)
    graphs = matching_inputs.read_graphs(args.text_graphs)
    rows, counts = matching_inputs.split_captions(graphs, params.train_split, store)
    if not rows:
        raise InputError(" ".join(map(str, args.text_graphs)), "split",
                         f"no usable caption of split {params.train_split!r}")
    vocab = Vocabulary.build((graph_words(r) for r in rows), params.min_word_count)
    train = caption_set(rows, vocab)
    losses = run.losses
    if (losses.generated_weight > 0 or losses.phrase_weight > 0) and args.negatives:
        attach_negatives(train, matching_inputs.verified_negatives(args.negatives, params.train_split), vocab,
                         caption_phrases if losses.phrase_weight > 0 else None)
    if losses.phrase_weight > 0:
        if not args.labels:
            raise InputError("--labels", "", "the phrase-level loss is on: give the image_labels artifact")
        train.image_phrases = matching_inputs.image_phrases(args.labels, params.train_split)
    if losses.semantic != "none":
        if not args.caption_vectors:
            raise InputError("--caption-vectors", "", f"semantic: {losses.semantic} needs the caption_vectors artifact")
        train.semantic = matching_inputs.caption_vectors(args.caption_vectors, train.caption_ids)
    val_rows = matching_inputs.split_captions(graphs, params.val_split, store)[0] if params.val_split else []
    val = caption_set(val_rows, vocab) if val_rows else None

    config = matcher_config(run.model, len(vocab), store.feature_dim)
    objective = MatchingObjective(build_matcher(**config), losses, run.model.dim, run.model.temperature).to(device)
    optimizer = torch.optim.Adam(objective.parameters(), lr=params.learning_rate)
    print_ = fingerprint(params, run, vocab)
    checkpoint = Path(args.checkpoint_dir) / "last.pt"
    start, history = 0, []
    if checkpoint.exists():
        state = load_checkpoint(checkpoint, device)
        if state.get("fingerprint") == print_:
            objective.load_state_dict(state["objective"])
            optimizer.load_state_dict(state["optimizer"])
            start, history = int(state["epoch"]), list(state["history"])
            log.info("resuming %s from epoch %d (%s)", args.run, start, checkpoint)
        else:
            log.warning("%s was made with other settings or data: training %s from the start", checkpoint, args.run)
    model: torch.nn.Module = objective
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(
            objective, device_ids=[device.index] if device.type == "cuda" else None,
            find_unused_parameters=True)  # a step without negatives or phrases leaves heads unused
    phrases = PhraseBank(vocab) if losses.phrase_weight > 0 else None
    log.info("train %s: %s, %d captions of %d images, %d words, %d parameters, %d process(es) on %s", args.run,
             run.model.matcher, len(rows), len(set(train.image_ids)), len(vocab),
             sum(p.numel() for p in objective.parameters()), world, device)
    for epoch in range(start, params.epochs):
        decay = params.lr_decay_epochs and epoch >= params.lr_decay_epochs
        for group in optimizer.param_groups:
            group["lr"] = params.learning_rate * (0.1 if decay else 1.0)
        plan = epoch_plan(train, store, params.batch_size, params.shuffle_groups, params.seed * 1000 + epoch, world)
        batches = iterate_batches(train, store, plan[rank::world], phrases, params.negatives_per_caption,
                                  params.max_phrases, seed=(params.seed * 1000 + epoch) * world + rank)
        started = time.perf_counter()
        record: dict[str, Any] = {"epoch": epoch + 1, **train_epoch(model, batches, optimizer, params.grad_clip,
                                                                     device, epoch)}
        if val is not None and rank == 0:
            scores = validate(unwrap(model).matcher, val, store, params.eval_batch, device)
            record.update({f"val_{k}": v for k, v in scores.items() if "median" not in k})
        record["seconds"] = time.perf_counter() - started
        log.info("epoch %d: %s", epoch + 1, {k: round(float(v), 3) for k, v in record.items() if k != "epoch"})
        # timings stay in the log: checkpoints, plots and metrics are functions of the inputs
        history.append({k: round(float(v), 5) for k, v in record.items() if k not in TIMINGS})
        if rank == 0:
            save_checkpoint(checkpoint, {"objective": objective.state_dict(), "optimizer": optimizer.state_dict(),
                                         "epoch": epoch + 1, "history": history, "fingerprint": print_})
            if args.plots:
                _write_plots(args.plots, history)
    if rank == 0:
        save_checkpoint(args.out, {"format": MODEL_FORMAT, "run": args.run, "config": config, "vocab": vocab.words,
                                   "matcher": objective.matcher.state_dict(), "epochs": len(history)})
        if args.plots:
            _write_plots(args.plots, history)
        if args.metrics:
            last = history[-1] if history else {}
            write_json(args.metrics, {"run": args.run, "matcher": run.model.matcher, "epochs": len(history),
                                      "inputs": counts, "final": last})
    if world > 1:
        dist.destroy_process_group()


def _write_plots(path: Path, history: list[dict[str, Any]]) -> None:
    """Per-epoch metrics as CSV."""
    keys = list(dict.fromkeys(k for h in history for k in h))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=keys, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(history)
    atomic_write_text(path, out.getvalue())


def build_parser() -> argparse.ArgumentParser:
    parser = stage_parser("train", __doc__)
    parser.add_argument("--run-name", dest="run", required=True,
                        help="the run of params.yaml's runs section (not --run: torchrun would take it)")
    parser.add_argument("--text-graphs", type=Path, nargs="+", required=True, help="one or more text_graphs artifacts")
    parser.add_argument("--regions", type=Path, nargs="+", required=True, help="one or more regions artifacts")
    parser.add_argument("--negatives", type=Path, help="negatives artifact (generated-negative and phrase losses)")
    parser.add_argument("--labels", type=Path, help="image_labels artifact (phrase-level loss)")
    parser.add_argument("--caption-vectors", type=Path, help="caption_vectors artifact (semantic: lseh | ahrl)")
    parser.add_argument("--out", type=Path, required=True, help="the model file")
    parser.add_argument("--checkpoint-dir", type=Path, required=True, help="where last.pt is kept for resuming")
    parser.add_argument("--plots", type=Path, help="per-epoch metrics, CSV")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return run_stage(_run, build_parser(), argv)


if __name__ == "__main__":
    raise SystemExit(main())
