"""The settings of a training: ``params.yaml``'s ``train`` section and one ``runs.NAME`` entry.

``train`` (:class:`TrainParams`) holds what every run shares (device, seed, epochs, batch, the
learning rate and its step, the loader); a run (:class:`RunParams`) names a matcher with its
settings (``model``: ``matcher`` plus the fields of that matcher's ``Params``) and its losses
(``losses``: the ``ranking`` loss, always on, and a section per loss term that is on). Both are
checked when they load: an unknown matcher or term, an unknown, missing or mistyped key is
refused naming the file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph_models.losses import LOSS_TERMS, RankingParams
from graph_models.matchers import MATCHERS, Matcher
from graph_models.objective import MatchingObjective
from pipeline.errors import InputError
from pipeline.params import NonNegativeFloat, NonNegativeInt, PositiveFloat, PositiveInt, from_mapping, read_yaml


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
    prefetch_batches: NonNegativeInt  # batches a loader worker builds ahead of the step; 0: no worker


@dataclass(frozen=True)
class RunParams:
    matcher: str  # a name of graph_models.matchers.MATCHERS
    model: Any  # that matcher's Params
    ranking: RankingParams
    terms: dict[str, Any] = field(default_factory=dict)  # loss term name -> its Params, for the sections given

    def uses(self, term: str) -> bool:
        """Whether the run has the loss term ``term`` with a weight above 0."""
        return term in self.terms and self.terms[term].weight > 0


def parse_run(section: Any, where: str, prefix: str) -> RunParams:
    """A ``runs.NAME`` mapping: ``model`` (``matcher`` and its settings) and ``losses``."""
    if not isinstance(section, dict):
        raise InputError(where, prefix, f"expected a mapping, found {type(section).__name__}")
    unknown = sorted(set(section) - {"model", "losses"})
    if unknown:
        raise InputError(where, f"{prefix}.{unknown[0]}", "unknown key; valid keys are model, losses")
    for key in ("model", "losses"):
        if not isinstance(section.get(key), dict):
            raise InputError(where, f"{prefix}.{key}", "missing key or not a mapping")
    model = dict(section["model"])
    name = model.pop("matcher", None)
    if name not in MATCHERS:
        raise InputError(where, f"{prefix}.model.matcher", f"{name!r} is not a matcher; registered: "
                                                            f"{', '.join(MATCHERS.names())}")
    params: Any = from_mapping(MATCHERS.get(name).Params, model, where, f"{prefix}.model")
    losses = dict(section["losses"])
    if "ranking" not in losses:
        raise InputError(where, f"{prefix}.losses.ranking", "missing key")
    ranking = from_mapping(RankingParams, losses.pop("ranking"), where, f"{prefix}.losses.ranking")
    terms: dict[str, Any] = {}
    for term, values in losses.items():
        if term not in LOSS_TERMS:
            raise InputError(where, f"{prefix}.losses.{term}", f"not a loss term; terms are ranking, "
                                                                f"{', '.join(LOSS_TERMS.names())}")
        terms[term] = from_mapping(LOSS_TERMS.get(term).Params, values, where, f"{prefix}.losses.{term}")
    return RunParams(name, params, ranking, terms)


def load_run(path: Path, run: str) -> RunParams:
    runs = read_yaml(path).get("runs") or {}
    if run not in runs:
        raise InputError(f"{path} [runs]", f"runs.{run}", f"no such run; runs are {', '.join(runs) or '(none)'}")
    return parse_run(runs[run], where=f"{path} [runs.{run}]", prefix=f"runs.{run}")


def build_matcher_of(run: RunParams, vocab_size: int, feature_dim: int) -> Matcher:
    """The run's matcher, weights freshly drawn (from torch's generator)."""
    return MATCHERS.get(run.matcher)(vocab_size, feature_dim, run.model)


def build_objective(run: RunParams, vocab_size: int, feature_dim: int) -> MatchingObjective:
    """The run's matcher and losses; the matcher's weights are drawn first, then the terms'."""
    return MatchingObjective(build_matcher_of(run, vocab_size, feature_dim), run.ranking, run.terms)
