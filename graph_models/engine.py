"""The training loop: distributed setup, epochs of steps, validation, checkpoints and the history.

Shapes as in :mod:`graph_models.batches`.

:func:`fit` trains an objective for ``TrainParams.epochs``: Adam with a
``torch.optim.lr_scheduler.MultiStepLR`` (the learning rate drops tenfold once, after
``lr_decay_epochs``, as VSE++ does), an epoch plan over the row groups of the regions
(:func:`~graph_models.batches.epoch_plan`), batches from a loader worker, a step per batch
(:func:`train_epoch`: forward, backward, clipping, Adam), validation recall after each epoch on
the first process, and a checkpoint after each epoch that a re-run resumes when the fingerprint
matches. Several processes (``torchrun``) train one DistributedDataParallel model, each a shard
of every epoch's batches, on gloo (CPU) or NCCL (GPUs).
"""

from __future__ import annotations

import csv
import io
import logging
import math
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from graph_models.batches import Captions, PhraseBank, TrainBatch, batch_loader, epoch_plan, to_device
from graph_models.checkpoint import load_checkpoint, save_checkpoint
from graph_models.config import TrainParams
from graph_models.evaluation import encode_images, encode_texts, image_rows, score_matrix
from graph_models.matchers import Matcher
from graph_models.metrics import recalls
from graph_models.objective import MatchingObjective
from graph_models.regions import RegionStore
from pipeline.artifacts import atomic_write_file, atomic_write_text

log = logging.getLogger(__name__)

TIMINGS = ("seconds", "pairs_per_second")  # logged, never kept: checkpoints and plots are functions of the inputs
VALIDATION_CHUNKS = (100, 500)  # images x captions scored at once in validation


@dataclass(frozen=True)
class Processes:
    """Where this process trains: its rank, how many processes train together, its device."""

    rank: int
    world: int
    device: torch.device


def setup_processes(device: str) -> Processes:
    """One process, or under torchrun a member of the process group (NCCL on GPUs, else gloo)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return Processes(0, 1, torch.device(device))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = device.startswith("cuda")
    dist.init_process_group(backend="nccl" if cuda else "gloo")
    if cuda:
        torch.cuda.set_device(local)
    return Processes(dist.get_rank(), world, torch.device(f"cuda:{local}" if cuda else device))


def close_processes(processes: Processes) -> None:
    if processes.world > 1:
        dist.destroy_process_group()


def train_epoch(objective: nn.Module, batches: Iterable[TrainBatch], optimizer: torch.optim.Optimizer,
                grad_clip: float, device: torch.device, epoch: int) -> dict[str, float]:
    """One pass; returns the mean of every loss term per batch and the pairs per second."""
    objective.train()
    sums: dict[str, float] = defaultdict(float)
    steps = pairs = 0
    started = time.perf_counter()
    for batch in batches:
        terms = objective(to_device(batch, device), epoch)
        values = {k: float(v.detach()) for k, v in terms.items()}
        if not math.isfinite(values["loss"]):  # before the step: the weights stay those of the last good one
            raise FloatingPointError(f"epoch {epoch}: the loss is {values['loss']} at step {steps + 1}")
        optimizer.zero_grad(set_to_none=True)
        terms["loss"].backward()
        if grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(objective.parameters(), grad_clip)
        optimizer.step()
        for k, v in values.items():
            sums[k] += v
        steps += 1
        pairs += batch.texts.num_graphs
    seconds = time.perf_counter() - started
    out = {k: v / max(steps, 1) for k, v in sums.items()}
    out.update(steps=steps, pairs_per_second=pairs / seconds if seconds else 0.0)
    return out


def validate(matcher: Matcher, captions: Captions, store: RegionStore, batch: int, device: torch.device) -> dict:
    """Recall of the matcher on a split's captions and their images (every pair scored)."""
    images, caption_image = image_rows(captions.image_ids)
    sim = score_matrix(matcher, encode_images(matcher, store, images, batch, device),
                       encode_texts(matcher, captions.bank, range(len(captions.caption_ids)), batch, device),
                       *VALIDATION_CHUNKS)
    return recalls(sim, caption_image)


def write_plots(path: Path, history: list[dict[str, Any]]) -> None:
    """Per-epoch metrics as CSV (for ``dvc plots``)."""
    keys = list(dict.fromkeys(k for h in history for k in h))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=keys, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(history)
    atomic_write_text(path, out.getvalue())


def write_curves(path: Path, history: list[dict[str, Any]]) -> None:
    """The training curves as a PNG drawn here (matplotlib, no network): the loss terms on the
    left, validation recall on the right, by epoch. A picture any viewer opens, offline."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    epochs = [h["epoch"] for h in history]
    keys = [k for k in dict.fromkeys(k for h in history for k in h) if k != "epoch"]
    recall = [k for k in keys if k.startswith("val_")]
    panels = [("training loss", [k for k in keys if k not in recall]), ("validation recall (%)", recall)]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, (title, names) in zip(axes, panels, strict=True):
        for name in names:
            ax.plot(epochs, [h.get(name, float("nan")) for h in history], marker="o", markersize=3, label=name)
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        if names:
            ax.legend(fontsize="small")
    fig.suptitle(path.stem)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=100, metadata={"Software": None})  # no version stamp: same curves, same bytes
    plt.close(fig)
    atomic_write_file(path, lambda fh: fh.write(out.getvalue()))


class LiveLog:
    """Per-epoch metrics through DVCLive (``dvc exp show``, ``dvc plots``): a directory with
    ``metrics.json`` (the last epoch) and ``plots/metrics/NAME.tsv`` (every epoch; DVCLive's step is the epoch).

    The whole history is logged afresh each time (:meth:`log`), so a resumed training writes
    the same files as one that ran straight through. DVCLive never edits ``dvc.yaml`` here and
    never makes an experiment of its own: ``dvc exp run`` does that."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def log(self, history: list[dict[str, Any]]) -> None:
        from dvclive import Live

        class FilesOnly(Live):
            """DVCLive's files and nothing else: ``dvc.yaml`` lists them and ``dvc exp run`` records
            them. Its own look at the repository is skipped: it fails in a git repository without a
            commit (DVCLive 3.49), which is what a new ``sgmatch init`` workspace is."""

            def _init_dvc(self) -> None:
                self._dvc_file = None

        with FilesOnly(str(self.directory), dvcyaml=None, save_dvc_exp=False, report=None,
                       monitor_system=False) as live:
            for record in history:
                live.step = int(record["epoch"])  # step is the epoch (1, 2, ...), as in the CSV
                for key, value in record.items():
                    if key != "epoch" and isinstance(value, int | float):
                        live.log_metric(key, float(value))


@dataclass
class TrainingData:
    """What a training reads: the train split's captions, the validation split's (or None), the regions."""

    train: Captions
    val: Captions | None
    store: RegionStore
    phrases: PhraseBank | None  # the phrase term's word ids (None: the term is off)


def fit(objective: MatchingObjective, data: TrainingData, settings: TrainParams, processes: Processes,
        checkpoint: Path, fingerprint: str, name: str,
        on_epoch: Callable[[list[dict[str, Any]]], None] | None = None) -> list[dict[str, Any]]:
    """Train ``objective`` (on ``processes.device``) for ``settings.epochs``, resuming from
    ``checkpoint`` when it was made with this ``fingerprint``; returns the per-epoch history.
    The first process writes the checkpoint and calls ``on_epoch(history)`` after every epoch."""
    rank, world, device = processes.rank, processes.world, processes.device
    optimizer = torch.optim.Adam(objective.parameters(), lr=settings.learning_rate)
    milestones = [settings.lr_decay_epochs] if settings.lr_decay_epochs else []
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=milestones, gamma=0.1)
    start, history = 0, []
    if checkpoint.exists():
        state = load_checkpoint(checkpoint, device)
        if state.get("fingerprint") == fingerprint:
            objective.load_state_dict(state["objective"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            start, history = int(state["epoch"]), list(state["history"])
            log.info("resuming %s from epoch %d (%s)", name, start, checkpoint)
        else:
            log.warning("%s was made with other settings, data or code: training %s from the start", checkpoint,
                        name)
    model: nn.Module = objective
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(
            objective, device_ids=[device.index] if device.type == "cuda" else None,
            find_unused_parameters=True)  # a step without negatives or phrases leaves heads unused
    for epoch in range(start, settings.epochs):
        seed = settings.seed * 1000 + epoch
        plan = epoch_plan(data.train, data.store, settings.batch_size, settings.shuffle_groups, seed, world)
        batches = batch_loader(data.train, data.store, plan[rank::world], data.phrases,
                               settings.negatives_per_caption, settings.max_phrases, seed * world + rank,
                               settings.prefetch_batches)
        started = time.perf_counter()
        record: dict[str, Any] = {"epoch": epoch + 1,
                                  **train_epoch(model, batches, optimizer, settings.grad_clip, device, epoch)}
        scheduler.step()
        if data.val is not None and rank == 0:
            scores = validate(objective.matcher, data.val, data.store, settings.eval_batch, device)
            record.update({f"val_{k}": v for k, v in scores.items() if "median" not in k})
        record["seconds"] = time.perf_counter() - started
        log.info("epoch %d: %s", epoch + 1, {k: round(float(v), 3) for k, v in record.items() if k != "epoch"})
        history.append({k: round(float(v), 5) for k, v in record.items() if k not in TIMINGS})
        if rank == 0:
            save_checkpoint(checkpoint, {"objective": objective.state_dict(), "optimizer": optimizer.state_dict(),
                                         "scheduler": scheduler.state_dict(), "epoch": epoch + 1,
                                         "history": history, "fingerprint": fingerprint})
            if on_epoch is not None:
                on_epoch(history)
    return history
