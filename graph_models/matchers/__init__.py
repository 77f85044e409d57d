"""Matchers: an image (its region graph) and a caption (its tokens and scene graph) to a score.

One matcher a file, registered by name in :data:`MATCHERS` (``runs.NAME.model.matcher`` of
``params.yaml`` picks one); :mod:`graph_models.matchers.base` says what every matcher offers.

- ``vsepp`` (:mod:`~graph_models.matchers.vsepp`): VSE++, a bag of regions against a GRU.
- ``sgm`` (:mod:`~graph_models.matchers.sgm`): object plus relation best matches.
- ``fusion`` (:mod:`~graph_models.matchers.fusion`): both graphs, then cross attention.

A new matcher is a new file with a :class:`~graph_models.matchers.base.Matcher` subclass under
``@MATCHERS.register``, imported below.
"""

from __future__ import annotations

from typing import Any

from graph_models.matchers import fusion, sgm, vsepp  # noqa: F401  (each registers its matcher)
from graph_models.matchers.base import MATCHERS, Encoded, Matcher, attend_and_score

__all__ = ["MATCHERS", "Encoded", "Matcher", "attend_and_score", "build_matcher"]


def build_matcher(config: dict[str, Any]) -> Matcher:
    """The matcher a record of :meth:`Matcher.config` describes; an unknown name is refused
    with the registered ones."""
    return MATCHERS.get(config["name"]).from_config(config)
