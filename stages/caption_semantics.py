"""Stage ``caption_semantics``: the semantic vector of every caption, for LSEH's semantic margins.

METHODS section 2: keep letters only, lower-case, drop English stop words (scikit-learn's
list), Porter-stem each word, TF-IDF, then truncated SVD to ``dim`` dimensions. TF-IDF and
SVD are fitted on the captions of ``fit_split`` (the training split: test captions never
shape the space; "" for all) and every caption is transformed, so a word never seen in that
split contributes nothing. A caption with an error gets a zero vector. When the vocabulary
(or the number of fitting captions) is too small for ``dim`` components, fewer are used and
the summary says how many.

Shapes: N captions, V terms in the fitted vocabulary, D = min(dim, V - 1, fitting captions)
(at least 1); each row of ``caption_vectors`` holds D float32 values.

Example::

    python -m stages.caption_semantics --params params.yaml --text-graphs data/text_graphs \\
        --out data/caption_vectors --metrics metrics/caption_semantics.json
"""

from __future__ import annotations

import argparse
import functools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from nltk.stem import PorterStemmer
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from pipeline.artifacts import read_table, write_artifact, write_json
from pipeline.errors import InputError
from pipeline.params import NonNegativeInt, PositiveInt, load_section
from pipeline.schemas import CAPTION_VECTORS, TEXT_GRAPHS
from pipeline.stage import METRICS, Port, StageSpec, run_stage

log = logging.getLogger(__name__)

COLUMNS = ["caption_id", "image_id", "split", "caption", "error"]
NON_LETTERS = re.compile(r"[^A-Za-z]+")
_STEMMER = PorterStemmer()


@dataclass(frozen=True)
class SemanticsParams:
    fit_split: str  # the split whose captions fit TF-IDF and SVD; "" for all
    dim: PositiveInt  # SVD components wanted (fewer when the vocabulary is smaller)
    seed: NonNegativeInt  # TruncatedSVD's random_state
    min_df: PositiveInt  # captions a word must appear in to enter the TF-IDF vocabulary


@functools.cache
def _stem(word: str) -> str:
    # Captions repeat a small vocabulary: stemming each distinct word once is most of the speed.
    return _STEMMER.stem(word)


def preprocess(text: str) -> str:
    """Letters only, lower-case, no English stop words, Porter stems: "Two dogs, running!" -> "dog run"."""
    words = NON_LETTERS.sub(" ", text).lower().split()
    return " ".join(_stem(w) for w in words if w not in ENGLISH_STOP_WORDS)


def caption_vectors(rows: Sequence[dict[str, Any]], params: SemanticsParams) -> tuple[pa.Table, dict[str, Any]]:
    """The caption_vectors table of ``rows`` (text_graphs rows) and a summary of the fit."""
    if not rows:
        return CAPTION_VECTORS.empty(), {"captions": 0, "fit_captions": 0, "fit_split": params.fit_split or "all",
                                         "vocabulary_size": 0, "dim": 0, "errors": 0, "explained_variance": 0.0}
    ok = [i for i, r in enumerate(rows) if r["error"] is None]
    fit_split = params.fit_split
    if fit_split and not any(rows[i]["split"] == fit_split for i in ok):
        log.warning("no caption of split %r: TF-IDF and SVD are fitted on all captions", fit_split)
        fit_split = ""
    texts = [preprocess(rows[i]["caption"] or "") for i in ok]
    fit_texts = [t for i, t in zip(ok, texts, strict=True) if not fit_split or rows[i]["split"] == fit_split]
    vectorizer = TfidfVectorizer(min_df=params.min_df)
    try:
        fit_matrix = vectorizer.fit_transform(fit_texts)
    except ValueError as exc:  # no words left (empty split, only stop words, min_df too high)
        raise InputError("text_graphs", "caption",
                         f"no vocabulary from the captions of split {fit_split or 'all'!r}: {exc}") from None
    n_terms = len(vectorizer.vocabulary_)
    # Rank is at most min(terms, captions); arpack and randomized SVD both accept terms - 1.
    dim = max(1, min(params.dim, n_terms - 1, len(fit_texts)))
    if dim < params.dim:
        log.info("caption_semantics: %d terms over %d captions, so %d SVD components instead of %d",
                 n_terms, len(fit_texts), dim, params.dim)
    svd = TruncatedSVD(n_components=dim, random_state=params.seed).fit(fit_matrix)
    vectors = np.zeros((len(rows), dim), dtype=np.float32)
    vectors[ok] = svd.transform(vectorizer.transform(texts))  # ok is not empty: the fit found words
    offsets = pa.array(np.arange(0, vectors.size + 1, dim, dtype=np.int32))
    table = CAPTION_VECTORS.table({
        "caption_id": [r["caption_id"] for r in rows],
        "image_id": [r["image_id"] for r in rows],
        "split": [r["split"] for r in rows],
        "vector": pa.ListArray.from_arrays(offsets, pa.array(vectors.reshape(-1))),
    })
    summary = {"captions": len(rows), "fit_captions": len(fit_texts), "fit_split": fit_split or "all",
               "vocabulary_size": n_terms, "dim": dim, "errors": len(rows) - len(ok),
               "explained_variance": round(float(svd.explained_variance_ratio_.sum()), 4)}
    return table, summary


def _run(args: argparse.Namespace) -> None:
    params = load_section(args.params, "caption_semantics", SemanticsParams)
    rows = read_table(args.text_graphs, TEXT_GRAPHS, COLUMNS).to_pylist()
    table, summary = caption_vectors(rows, params)
    write_artifact(args.out, CAPTION_VECTORS, [table])
    if args.metrics:
        write_json(args.metrics, summary)
    log.info("caption_semantics: %s", summary)


STAGE = StageSpec(
    name="caption_semantics",
    summary="semantic vectors of the captions (TF-IDF, truncated SVD) for LSEH's margins",
    inputs=(Port("--text-graphs", "text_graphs", "the text_graphs artifact"),),
    outputs=(Port("--out", "caption_vectors", "the caption_vectors artifact"), METRICS),
    params=("caption_semantics",),
)


def main(argv: Sequence[str] | None = None) -> int:
    return run_stage(_run, STAGE.parser(__doc__), argv)


if __name__ == "__main__":
    raise SystemExit(main())
