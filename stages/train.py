"""Stage ``train``: a graph matcher trained on the precomputed artifacts.

One named run of ``params.yaml`` (``runs.NAME``: the matcher with its settings, and the losses
that are on with theirs) with the settings every run shares (``train``: device, seed, epochs,
batch, learning rate, ...). The captions of ``train.train_split`` with their text scene graphs,
the regions of their images, their verified generated negatives, their images' phrase labels
and their LSEH vectors go in; a model file, per-epoch metrics (``--plots``, a CSV ``dvc plots``
draws; ``--live``, the same through DVCLive, for ``dvc exp show``; ``--curves``, a PNG drawn
here that opens without a network) and the final metrics come out.

A checkpoint is written to ``--checkpoint-dir`` after every epoch; a re-run resumes from it
when it was made with the same settings, data and model code (else it starts over and says
so), so a killed training loses at most one epoch. Multi-process training runs under
``torchrun`` (e.g. ``torchrun --nproc_per_node 2 -m stages.train ...``): DistributedDataParallel
with the gloo backend on the CPU or NCCL on GPUs, each process one shard of every epoch's
batches. The loop itself is :func:`graph_models.engine.fit`.

Example::

    python -m stages.train --params params.yaml --run-name fusion --text-graphs data/text_graphs \\
        --regions data/regions --negatives data/negatives --labels data/image_labels \\
        --caption-vectors data/caption_vectors --out models/fusion.pt \\
        --checkpoint-dir checkpoints/fusion --plots plots/train/fusion.csv --curves plots/train/fusion.png \\
        --live dvclive/fusion --metrics metrics/train/fusion.json
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from graph_models import inputs
from graph_models.batches import PhraseBank, attach_negatives, caption_set
from graph_models.checkpoint import fingerprint, inputs_digest, save_model
from graph_models.config import RunParams, TrainParams, build_objective, load_run
from graph_models.engine import LiveLog, TrainingData, close_processes, fit, setup_processes, write_curves, write_plots
from graph_models.regions import RegionStore
from graph_models.text_graphs import WordIndex, graph_words
from pipeline.artifacts import write_json
from pipeline.errors import InputError
from pipeline.params import load_section
from pipeline.stage import METRICS, Port, StageSpec, run_stage
from text.phrases import caption_phrases

log = logging.getLogger(__name__)


def read_training_data(args: argparse.Namespace, settings: TrainParams, run: RunParams
                       ) -> tuple[TrainingData, WordIndex, dict[str, int]]:
    """The train and validation captions with what the run's losses read, the word index built
    on the train split, and the counts of the train split's captions (used, skipped)."""
    store = RegionStore(args.regions)
    graphs = inputs.read_graphs(args.text_graphs)
    rows, counts = inputs.split_captions(graphs, settings.train_split, store)
    if not rows:
        raise InputError(" ".join(map(str, args.text_graphs)), "split",
                         f"no usable caption of split {settings.train_split!r}")
    words = WordIndex.build((graph_words(r) for r in rows), settings.min_word_count)
    train = caption_set(rows, words)
    if (run.uses("generated") or run.uses("phrase")) and args.negatives:
        attach_negatives(train, inputs.verified_negatives(args.negatives, settings.train_split), words,
                         caption_phrases if run.uses("phrase") else None)
    if run.uses("phrase"):
        if not args.labels:
            raise InputError("--labels", "", "the phrase-level loss is on: give the image_labels artifact")
        train.image_phrases = inputs.image_phrases(args.labels, settings.train_split)
    if run.ranking.semantic != "none":
        if not args.caption_vectors:
            raise InputError("--caption-vectors", "",
                             f"semantic: {run.ranking.semantic} needs the caption_vectors artifact")
        train.semantic = inputs.caption_vectors(args.caption_vectors, train.caption_ids)
    val_rows = inputs.split_captions(graphs, settings.val_split, store)[0] if settings.val_split else []
    val = caption_set(val_rows, words) if val_rows else None
    phrases = PhraseBank(words) if run.uses("phrase") else None
    return TrainingData(train, val, store, phrases), words, counts


def _run(args: argparse.Namespace) -> None:
    settings = load_section(args.params, "train", TrainParams)
    run = load_run(args.params, args.run)
    processes = setup_processes(settings.device)
    if settings.threads:
        torch.set_num_threads(settings.threads)
    torch.manual_seed(settings.seed)
    data, words, counts = read_training_data(args, settings, run)
    objective = build_objective(run, len(words), data.store.feature_dim).to(processes.device)
    log.info("train %s: %s, %d captions of %d images, %d words, %d parameters, %d process(es) on %s", args.run,
             run.matcher, len(data.train.caption_ids), len(set(data.train.image_ids)), len(words),
             sum(p.numel() for p in objective.parameters()), processes.world, processes.device)

    live = LiveLog(args.live) if args.live else None

    def on_epoch(history: list[dict[str, Any]]) -> None:
        if args.plots:
            write_plots(args.plots, history)
        if args.curves:
            write_curves(args.curves, history)
        if live is not None:
            live.log(history)

    used = [*args.text_graphs, *args.regions, args.negatives, args.labels, args.caption_vectors]
    data_digest = inputs_digest([Path(p) for p in used if p])
    history = fit(objective, data, settings, processes, Path(args.checkpoint_dir) / "last.pt",
                  fingerprint(settings, run, words, objective, data_digest), args.run, on_epoch)
    if processes.rank == 0:
        save_model(args.out, args.run, objective.matcher, words, len(history))
        on_epoch(history)
        if args.metrics:
            write_json(args.metrics, {"run": args.run, "matcher": run.matcher, "epochs": len(history),
                                      "inputs": counts, "final": history[-1] if history else {}})
    close_processes(processes)


STAGE = StageSpec(
    name="train",
    summary="a graph matcher (vsepp, sgm, fusion) trained with the run's losses; checkpoints and resume",
    inputs=(Port("--text-graphs", "text_graphs", "one or more text_graphs artifacts", many=True),
            Port("--regions", "regions", "one or more regions artifacts", many=True),
            Port("--negatives", "negatives", "negatives artifact (generated-negative and phrase losses)",
                 required=False),
            Port("--labels", "image_labels", "image_labels artifact (phrase-level loss)", required=False),
            Port("--caption-vectors", "caption_vectors", "caption_vectors artifact (semantic: lseh | ahrl)",
                 required=False)),
    outputs=(Port("--out", "model", "the model file"),
             Port("--checkpoint-dir", "directory", "where last.pt is kept for resuming"),
             Port("--plots", "plot", "per-epoch metrics, CSV", required=False),
             Port("--curves", "plot", "the training curves as a PNG (drawn here, opens offline)", required=False),
             Port("--live", "live", "a DVCLive directory: per-epoch metrics for dvc exp and dvc plots",
                  required=False),
             METRICS),
    params=("train", "runs"),
    options=(("--run-name", {"dest": "run", "required": True,
                             "help": "the run of params.yaml's runs section (not --run: torchrun would take it)"}),),
)


def main(argv: Sequence[str] | None = None) -> int:
    return run_stage(_run, STAGE.parser(__doc__), argv)


if __name__ == "__main__":
    raise SystemExit(main())
