"""Retrieval metrics of image-text matching (R@K, rSum, median rank; COCO 1K folds) and compositional accuracy.

Shapes:

- ``sim``: (n_images, n_captions) similarity, higher is more similar; a numpy array or a
  torch tensor (converted with ``.detach().cpu().numpy()``).
- ``caption_image``: (n_captions,) int, the row of ``sim`` holding each caption's image.

The protocol: image-to-text R@K is the share of images whose best-ranked matching caption
(any of its captions) is within the top K of the image's row; text-to-image R@K is the share
of captions whose image is within the top K of the caption's column; rSum is the sum of the
six recalls (K = 1, 5, 10 in both directions). Recalls are percentages (0-100), as the papers
report them; median ranks are 1-based. :func:`protocol` adds the COCO 1K folds.

Ties are pessimistic: a competitor scoring exactly the true score counts as ranked above it,
so a constant similarity matrix gives chance-level recall or worse, never a perfect one.
(For image-to-text, only the image's other captions are not competitors.)

Ranks are counted, never sorted: for a chunk of rows (or columns) we count the scores that
are greater than or equal to the true one. Temporaries are chunk-sized, so a float32
5000 x 25000 matrix (COCO 5K) is scored without another full-size copy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

CHUNK = 256  # rows (or columns) compared at once: CHUNK x n booleans in memory
FOLD = 1000  # images per fold of the COCO 1K protocol


def _to_numpy(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):  # a torch tensor; no torch import needed here
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _check(sim: np.ndarray, caption_image: np.ndarray) -> None:
    if sim.ndim != 2:
        raise ValueError(f"sim must be (n_images, n_captions), got shape {sim.shape}")
    n_images, n_captions = sim.shape
    if caption_image.shape != (n_captions,):
        raise ValueError(f"caption_image must have shape ({n_captions},), got {caption_image.shape}")
    if not np.issubdtype(caption_image.dtype, np.integer):
        raise ValueError(f"caption_image must hold integer image rows, got dtype {caption_image.dtype}")
    if n_captions and (caption_image.min() < 0 or caption_image.max() >= n_images):
        raise ValueError(f"caption_image must lie in [0, {n_images}), got values outside it")
    empty = np.flatnonzero(np.bincount(caption_image, minlength=n_images) == 0)
    if empty.size:
        shown = ", ".join(map(str, empty[:10])) + (", ..." if empty.size > 10 else "")
        raise ValueError(f"{empty.size} image(s) have no caption: rows {shown}")


def _ranks(sim: np.ndarray, caption_image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """0-based ranks: (n_images,) of each image's best caption, (n_captions,) of each caption's image."""
    n_images, n_captions = sim.shape
    captions = np.arange(n_captions)
    true = sim[caption_image, captions]  # (n_captions,) score of each caption with its own image
    best = np.full(n_images, -np.inf)
    np.maximum.at(best, caption_image, true)  # (n_images,) score of each image's best caption
    # The image's own captions that reach its best score are in every ">= best" count below,
    # but they are not competitors: count them once to subtract them.
    own_at_best = np.bincount(caption_image, weights=true >= best[caption_image], minlength=n_images)

    i2t = np.empty(n_images, dtype=np.int64)
    for start in range(0, n_images, CHUNK):
        rows = slice(start, start + CHUNK)
        block = sim[rows]  # a view
        if np.isnan(block).any():  # NaN compares false everywhere, which would flatter the ranks
            raise ValueError(f"sim holds NaN scores in rows {start} to {start + len(block) - 1}")
        at_or_above = (block >= best[rows, None]).sum(axis=1)
        i2t[rows] = at_or_above - own_at_best[rows].astype(np.int64)

    t2i = np.empty(n_captions, dtype=np.int64)
    for start in range(0, n_captions, CHUNK):
        cols = slice(start, start + CHUNK)
        t2i[cols] = (sim[:, cols] >= true[None, cols]).sum(axis=0) - 1  # minus the caption's own image
    return i2t, t2i


def recalls(sim: Any, caption_image: Any, ks: Sequence[int] = (1, 5, 10)) -> dict[str, float]:
    """R@K in both directions (percent), ``rsum`` and 1-based median ranks over the whole matrix.

    Keys: ``i2t_r{k}`` and ``t2i_r{k}`` for each k in ``ks``, ``rsum`` (their sum),
    ``i2t_median_rank``, ``t2i_median_rank``. A tie with a competitor counts as a loss
    (see the module docstring). Raises ``ValueError`` if an image has no caption.
    """
    sim, caption_image = _to_numpy(sim), _to_numpy(caption_image)
    _check(sim, caption_image)
    i2t, t2i = _ranks(sim, caption_image)
    out: dict[str, float] = {}
    for direction, ranks in (("i2t", i2t), ("t2i", t2i)):
        for k in ks:
            out[f"{direction}_r{k}"] = float(100.0 * np.mean(ranks < k))
    out["rsum"] = float(sum(out.values()))
    out["i2t_median_rank"] = float(np.median(i2t) + 1)
    out["t2i_median_rank"] = float(np.median(t2i) + 1)
    return out


def protocol(sim: Any, caption_image: Any, ks: Sequence[int] = (1, 5, 10)) -> dict[str, Any]:
    """The field's evaluation protocol (Flickr30K 1K, COCO 5K and COCO 1K).

    ``"all"``: :func:`recalls` over the whole set. With 1,000 images (Flickr30K test) this is
    the Flickr30K 1K protocol; with 5,000 images (COCO test) it is the COCO 5K protocol.
    When ``n_images`` is a multiple of 1,000 above 1,000, also ``"folds_1k_each"``, the recalls
    of each fold of 1,000 consecutive image rows against exactly those images' captions, and
    ``"folds_1k"``, their mean per metric (the COCO 1K protocol with 5,000 images).
    """
    sim, caption_image = _to_numpy(sim), _to_numpy(caption_image)
    result: dict[str, Any] = {"all": recalls(sim, caption_image, ks)}
    n_images = sim.shape[0]
    if n_images > FOLD and n_images % FOLD == 0:
        each = []
        for lo in range(0, n_images, FOLD):
            cols = np.flatnonzero((caption_image >= lo) & (caption_image < lo + FOLD))
            if cols.size and cols[-1] - cols[0] + 1 == cols.size:  # contiguous: a view, no copy
                block = sim[lo : lo + FOLD, cols[0] : cols[-1] + 1]
            else:
                block = sim[lo : lo + FOLD][:, cols]  # a fold-sized copy
            each.append(recalls(block, caption_image[cols] - lo, ks))
        result["folds_1k"] = {key: float(np.mean([fold[key] for fold in each])) for key in each[0]}
        result["folds_1k_each"] = each
    return result


def compositional_accuracy(positive: Any, negative: Any, types: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Share of (image, caption, negative) triples where the true caption outscores its negative.

    ``positive``, ``negative``: (M,) scores of the image with its caption and with that
    caption's generated negative; ``types``: (M,) negative types (``"swap-att"``, ...).
    Returns ``{type: {"accuracy": fraction in [0, 1], "count": M_type}}`` plus ``"all"``.
    A tie is a failure. With no triples: ``{"all": {"accuracy": None, "count": 0}}``.
    """
    positive, negative = _to_numpy(positive).ravel(), _to_numpy(negative).ravel()
    types = [str(t) for t in types]
    if not len(positive) == len(negative) == len(types):
        raise ValueError(f"lengths differ: {len(positive)} positive, {len(negative)} negative, {len(types)} types")
    if "all" in types:
        raise ValueError('"all" is reserved for the overall entry and cannot be a negative type')
    if not types:
        return {"all": {"accuracy": None, "count": 0}}
    wins = positive > negative
    by_type: dict[str, list[bool]] = defaultdict(list)
    for kind, won in zip(types, wins.tolist(), strict=True):
        by_type[kind].append(won)
    out = {kind: {"accuracy": sum(w) / len(w), "count": len(w)} for kind, w in sorted(by_type.items())}
    out["all"] = {"accuracy": float(wins.mean()), "count": len(types)}
    return out


def round_metrics(d: Any, digits: int = 2) -> Any:
    """Round every float in nested dicts and lists (numpy scalars become Python ones), for JSON."""
    if isinstance(d, dict):
        return {key: round_metrics(value, digits) for key, value in d.items()}
    if isinstance(d, list | tuple):
        return [round_metrics(value, digits) for value in d]
    if isinstance(d, float | np.floating):
        return round(float(d), digits)
    if isinstance(d, np.integer):
        return int(d)
    return d


def subset_recalls(sim: Any, caption_image: Any, captions: Any, images: Any,
                   ks: Sequence[int] = (1, 5, 10)) -> dict[str, float]:
    """R@K of some queries only, ranked against the whole split: image-to-text over the images
    where ``images`` (n_images,) bool is True, text-to-image over the captions where ``captions``
    (n_captions,) bool is. Keys as :func:`recalls` (no median ranks), plus ``rsum`` and the counts
    ``images`` and ``captions``; a direction with no query gets None for its recalls."""
    sim, caption_image = _to_numpy(sim), _to_numpy(caption_image)
    _check(sim, caption_image)
    captions, images = _to_numpy(captions).astype(bool), _to_numpy(images).astype(bool)
    i2t, t2i = _ranks(sim, caption_image)
    out: dict[str, Any] = {}
    for direction, ranks in (("i2t", i2t[images]), ("t2i", t2i[captions])):
        for k in ks:
            out[f"{direction}_r{k}"] = float(100.0 * np.mean(ranks < k)) if len(ranks) else None
    values = [v for v in out.values() if v is not None]
    out["rsum"] = float(sum(values)) if len(values) == 2 * len(ks) else None
    out["images"], out["captions"] = int(images.sum()), int(captions.sum())
    return out


def caption_hardness(token_sets: Sequence[Sequence[str]], caption_image: Any, chunk: int = 512) -> np.ndarray:
    """(n_captions,) how confusable each caption is, whatever the model: the largest Jaccard
    overlap of its word set with the word set of a caption of another image. A caption of
    "a large red circle" in a split that also describes another image's "large red circle" is
    a hard text-to-image query (1.0); one whose words no other image's captions share is easy."""
    caption_image = _to_numpy(caption_image)
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, words in enumerate(token_sets):
        for w in set(words):
            rows.append(i)
            cols.append(vocab.setdefault(w, len(vocab)))
    n = len(token_sets)
    x = np.zeros((n, max(len(vocab), 1)), np.float32)
    x[rows, cols] = 1.0
    sizes = x.sum(axis=1)
    out = np.zeros(n, np.float64)
    for start in range(0, n, chunk):
        inter = x[start:start + chunk] @ x.T  # (chunk, n) shared words
        union = sizes[start:start + chunk, None] + sizes[None, :] - inter
        jac = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
        jac[caption_image[start:start + chunk, None] == caption_image[None, :]] = 0.0  # its own image's captions
        out[start:start + chunk] = jac.max(axis=1) if n else 0.0
    return out


def hardest(values: Any, share: float) -> np.ndarray:
    """(n,) bool: the ``share`` of the items with the largest ``values`` (at least one item when
    there is any; ties broken by position, so the count is exact)."""
    values = _to_numpy(values)
    count = max(1, int(round(share * len(values)))) if len(values) else 0
    mask = np.zeros(len(values), bool)
    mask[np.argsort(-values, kind="stable")[:count]] = True
    return mask


def mean_average_precision(scores: Any, targets: Any) -> dict[str, Any]:
    """Mean over rows with at least one positive of the average precision of ``scores``
    (n, P) ranking the True entries of ``targets`` (n, P); ties are pessimistic (a negative
    scoring as high as a positive ranks above it). Also R-precision (the share of a row's
    positives among its top |positives|) and the count of rows scored."""
    scores, targets = _to_numpy(scores).astype(np.float64), _to_numpy(targets).astype(bool)
    aps, rprec = [], []
    for s, t in zip(scores, targets, strict=True):
        positives = s[t]
        if not len(positives):
            continue
        # rank of each positive: the entries scoring at least as high (pessimistic), 1-based
        at_or_above = (s[None, :] >= positives[:, None]).sum(axis=1)
        pos_at_or_above = (positives[None, :] >= positives[:, None]).sum(axis=1)
        aps.append(float(np.mean(pos_at_or_above / at_or_above)))
        rprec.append(float(np.mean(at_or_above <= len(positives))))
    if not aps:
        return {"map": None, "r_precision": None, "rows": 0}
    return {"map": float(np.mean(aps)), "r_precision": float(np.mean(rprec)), "rows": len(aps)}
