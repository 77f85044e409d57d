"""Shared by the parser's evaluation and lexicon scripts: FACTUAL rows, parsing, scoring."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

from text.scene_graph.backends import SpacyBackend
from text.scene_graph.tokens import Parse, from_spacy

DEFAULT_DATA = Path(os.environ.get("SGMATCH_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def read_factual(path: Path) -> list[dict[str, str]]:
    """Rows of a FACTUAL CSV: image_id, region_id, caption, scene_graph."""
    if not path.exists():
        raise SystemExit(f"{path} not found: FACTUAL's CSV files (train.csv, dev.csv) are needed")
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def parse_all(backend: SpacyBackend, texts: Sequence[str], processes: int) -> list[Parse]:
    return [from_spacy(d) for d in backend.nlp.pipe(texts, batch_size=256, n_process=processes)]
