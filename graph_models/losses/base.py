"""What a loss term is: a module that reads one training step and returns its weighted loss.

Shapes: ``B`` captions of ``U`` distinct images in a step; ``sim`` is their (B, B) similarity,
row ``i`` the image of pair ``i``, column ``j`` caption ``j``.

The objective (:class:`graph_models.objective.MatchingObjective`) computes both sides'
encodings and ``sim`` once a step, hands them to every term as a :class:`Step`, and sums what
the terms return. A term is a :class:`LossTerm` subclass with a ``name`` (its section under
``runs.NAME.losses`` of ``params.yaml``), a ``Params`` dataclass (that section; ``weight`` 0 or
an absent section turns it off) and a ``forward(step)`` giving its weighted scalar, or None when
this step has nothing for it (no generated negatives in the batch, a warm-up not over). A term
that needs weights of its own (a head) owns them, and they train with the matcher.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from torch import Tensor, nn

from graph_models.batches import TrainBatch
from graph_models.encoders import reset_all
from graph_models.matchers.base import Encoded, Matcher
from graph_models.registry import Registry


@dataclass
class Step:
    """What the loss terms of one training step read."""

    matcher: Matcher
    batch: TrainBatch
    images: Encoded  # the U distinct images
    texts: Encoded  # the B captions
    sim: Tensor  # (B, B) matcher scores, row i the image of pair i
    epoch: int  # 0-based
    rank: Callable[[Tensor], Tensor]  # the run's ranking loss of a (B, B) similarity (same images masked)


class LossTerm(nn.Module):
    """One term of the objective; see the module docstring."""

    name: ClassVar[str] = ""
    Params: ClassVar[type]  # a frozen dataclass with a ``weight`` field

    def __init__(self, params: Any, matcher: Matcher) -> None:
        super().__init__()
        self.params = params
        self.weight: float = params.weight

    @classmethod
    def wanted(cls, params: Any, matcher: Matcher) -> bool:
        """Whether a run with these settings and this matcher has the term at all."""
        return params.weight > 0

    def reset_parameters(self) -> None:
        """Draw the weights of the term's heads again (a term without weights has nothing to do)."""
        reset_all(self.children())

    def forward(self, step: Step) -> Tensor | None:
        raise NotImplementedError


LOSS_TERMS: Registry[LossTerm] = Registry("loss term")  # filled by each term's module: @LOSS_TERMS.register
