"""The pipeline's stages: one thin module each, declared by its ``STAGE`` (a
:class:`pipeline.stage.StageSpec`), with a pure core in the libraries below and a ``main(argv)``.

Run one with ``python -m stages.NAME ...`` or ``sgmatch stage NAME ...``; ``dvc repro`` runs them
as wired in ``dvc.yaml``, which the test suite checks against each declaration.
"""

from __future__ import annotations

import importlib

from pipeline.stage import StageSpec

# The stages in the order data flows through them: the one list of them.
NAMES = ("ingest", "parse_captions", "extract_labels", "generate_negatives", "caption_semantics", "detect_regions",
         "train", "evaluate")


def spec(name: str) -> StageSpec:
    """The declaration of stage ``name`` (imports its module)."""
    return importlib.import_module(f"stages.{name}").STAGE
