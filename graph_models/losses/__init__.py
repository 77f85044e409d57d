"""Training losses for image-text matching, each a plain function beside the term or head that uses it.

- :mod:`~graph_models.losses.ranking`: VSE++'s hinge triplet loss (sum or max of hinges), LSEH's
  semantic margins, AHRL (our reading of AMSPS); the run's ranking loss and the ``global`` term.
- :mod:`~graph_models.losses.generated`: generated hard negatives (SGFNS), the ``generated`` term.
- :mod:`~graph_models.losses.phrase`: the phrase head and its loss (SSAMT), the ``phrase`` term.
- :mod:`~graph_models.losses.adversarial`: the modality discriminator behind gradient reversal
  (Liu et al. 2019), the ``adversarial`` term.

Terms are registered by name in :data:`LOSS_TERMS` (the sections of ``runs.NAME.losses``);
:mod:`~graph_models.losses.base` says what a term is. A new term is a new file with a
:class:`~graph_models.losses.base.LossTerm` subclass under ``@LOSS_TERMS.register``, imported
below; the terms are summed in the order they are imported here.
"""

from __future__ import annotations

from graph_models.losses import (  # noqa: F401
    adversarial,
    generated,
    phrase,
    ranking,  # noqa: I001  (the import order is the terms' order)
)
from graph_models.losses.adversarial import GradientReversal, ModalityDiscriminator, adversarial_loss, grad_reverse
from graph_models.losses.base import LOSS_TERMS, LossTerm, Step
from graph_models.losses.generated import generated_negative_loss
from graph_models.losses.phrase import PHRASE_LOSS_KINDS, PhraseHead, phrase_loss
from graph_models.losses.ranking import (
    RankingLoss,
    RankingParams,
    ahrl_loss,
    ranking_loss,
    semantic_margins,
    semantic_similarity,
)

__all__ = ["LOSS_TERMS", "PHRASE_LOSS_KINDS", "GradientReversal", "LossTerm", "ModalityDiscriminator", "PhraseHead",
           "RankingLoss", "RankingParams", "Step", "adversarial_loss", "ahrl_loss", "generated_negative_loss",
           "grad_reverse", "phrase_loss", "ranking_loss", "semantic_margins", "semantic_similarity"]
