"""Scoring a test split: encode each side once, then score every pair in chunks.

Shapes: ``Ni`` images, ``Nt`` captions; encodings as :class:`~graph_models.matchers.Encoded`
with their node axes padded to the split's longest.

- :func:`encode_texts` / :func:`encode_images`: batched, under ``torch.no_grad``.
- :func:`score_matrix`: the exact (Ni, Nt) similarity, ``image_chunk x text_chunk`` pairs at a
  time (cross-attention matchers hold a (chunk_i, chunk_t, L, R) tensor, so chunks bound memory).
- :func:`shortlist_matrix`: the cheap global cosine picks each image's top ``k`` captions and
  each caption's top ``k`` images; only those pairs are scored exactly, the rest are ``-inf``.
  Evaluation reports the recall this costs against the exact matrix when it computes both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from graph_models.matchers import Encoded, Matcher
from graph_models.regions import ImageRegions, collate_regions
from graph_models.text_graphs import TextBank


class RegionSource(Protocol):
    """What encoding images reads: a :class:`~graph_models.regions.RegionStore`, or any other
    holder of images' regions (the benchmarks keep theirs in memory)."""

    def load(self, image_ids: Iterable[str]) -> dict[str, ImageRegions]: ...

    def order_of(self, image_id: str) -> tuple[int, int]: ...


def image_rows(caption_images: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The distinct images of some captions, in order of first mention, and each caption's row
    among them (the ``caption_image`` of :mod:`graph_models.metrics`)."""
    images = list(dict.fromkeys(caption_images))
    row = {im: k for k, im in enumerate(images)}
    return images, np.array([row[im] for im in caption_images], dtype=np.int64)


def _pad_to(x: Tensor, length: int) -> Tensor:
    return F.pad(x, [0, 0] * (x.dim() - 2) + [0, length - x.shape[1]]) if x.shape[1] < length else x


def concat_encoded(parts: Sequence[Encoded]) -> Encoded:
    """Concatenate encodings of several batches, padding their node axes (dim 1) to the longest."""
    def cat(tensors: Sequence[Tensor | None]) -> Tensor | None:
        present = [t for t in tensors if t is not None]
        if not present:
            return None
        if len(present) < len(tensors):
            raise ValueError("cannot concatenate encodings with nodes and encodings without")
        length = max(t.shape[1] for t in present)
        return torch.cat([_pad_to(t, length) for t in present])

    extra = {k: cat([p.extra[k] for p in parts]) for k in parts[0].extra}
    return Encoded(torch.cat([p.vector for p in parts]), cat([p.nodes for p in parts]),
                   cat([p.mask for p in parts]), {k: v for k, v in extra.items() if v is not None})


@torch.no_grad()
def encode_texts(matcher: Matcher, bank: TextBank, indices: Sequence[int], batch_size: int,
                 device: torch.device | str) -> Encoded:
    matcher.eval()
    parts = [matcher.encode_texts(bank.batch(indices[s:s + batch_size]).to(device))
             for s in range(0, len(indices), batch_size)]
    return concat_encoded(parts)


@torch.no_grad()
def encode_images(matcher: Matcher, store: RegionSource, image_ids: Sequence[str], batch_size: int,
                  device: torch.device | str) -> Encoded:
    """Encode images in the order ``image_ids`` gives, visiting them in the order the regions
    artifact stores them, so each row group is read once (twice where a batch straddles it)
    whatever order the captions list their images in."""
    matcher.eval()
    order = sorted(range(len(image_ids)), key=lambda k: store.order_of(image_ids[k]))
    parts = []
    for s in range(0, len(order), batch_size):
        ids = [image_ids[k] for k in order[s:s + batch_size]]
        regions = store.load(ids)
        parts.append(matcher.encode_images(collate_regions([regions[i] for i in ids]).to(device)))
    encoded = concat_encoded(parts)
    back = torch.empty(len(order), dtype=torch.int64)
    back[torch.tensor(order, dtype=torch.int64)] = torch.arange(len(order))
    return encoded.select(back.to(encoded.vector.device))


@torch.no_grad()
def score_matrix(matcher: Matcher, images: Encoded, texts: Encoded, image_chunk: int, text_chunk: int) -> np.ndarray:
    """The exact (Ni, Nt) similarity of every image with every caption, as float32."""
    matcher.eval()
    out = np.empty((len(images), len(texts)), np.float32)
    for i in range(0, len(images), image_chunk):
        im = images.select(slice(i, i + image_chunk))
        for j in range(0, len(texts), text_chunk):
            out[i:i + image_chunk, j:j + text_chunk] = matcher.score(im, texts.select(slice(j, j + text_chunk))).cpu()
    return out


@torch.no_grad()
def score_pairs(matcher: Matcher, images: Encoded, texts: Encoded, image_rows: np.ndarray, text_rows: np.ndarray,
                chunk: int) -> np.ndarray:
    """Exact scores of the given (image row, caption row) pairs, ``chunk`` pairs at a time."""
    matcher.eval()
    out = np.empty(len(image_rows), np.float32)
    for s in range(0, len(image_rows), chunk):
        i, j = torch.from_numpy(image_rows[s:s + chunk]), torch.from_numpy(text_rows[s:s + chunk])
        out[s:s + chunk] = matcher.score_pairs(images.select(i), texts.select(j)).cpu()
    return out


@torch.no_grad()
def shortlist_matrix(matcher: Matcher, images: Encoded, texts: Encoded, k: int) -> np.ndarray:
    """(Ni, Nt) scores: exact for each image's top ``k`` captions and each caption's top ``k``
    images by the global cosine, ``-inf`` elsewhere.

    Each image is scored against its own shortlisted captions in one all-pairs call, so an image's
    encodings are used once (not copied per pair) and its Gram matrix is computed once.
    """
    matcher.eval()
    cheap = (images.vector @ texts.vector.T).cpu()
    kt, ki = min(k, len(texts)), min(k, len(images))
    rows = np.concatenate([np.repeat(np.arange(len(images)), kt), cheap.topk(ki, dim=0).indices.T.reshape(-1).numpy()])
    cols = np.concatenate([cheap.topk(kt, dim=1).indices.reshape(-1).numpy(), np.repeat(np.arange(len(texts)), ki)])
    pairs = np.unique(np.stack([rows, cols], axis=1), axis=0)  # sorted by image row
    starts = np.searchsorted(pairs[:, 0], np.arange(len(images) + 1))
    out = np.full((len(images), len(texts)), -np.inf, np.float32)
    for i in range(len(images)):
        candidates = pairs[starts[i]:starts[i + 1], 1]
        if len(candidates):
            own = texts.select(torch.from_numpy(candidates))
            out[i, candidates] = matcher.score(images.select(slice(i, i + 1)), own)[0].cpu().numpy()
    return out


def modality_gap(image_vectors: Tensor, text_vectors: Tensor, seed: int = 0, steps: int = 200
                 ) -> dict[str, float | int]:
    """How far apart the two modalities' pooled vectors lie after training (the figure of the
    modality-adversarial loss, which claims to close the gap).

    - ``centroid_distance``: the distance between the mean image vector and the mean caption
      vector (unit vectors: 0 when the clouds share a centre, up to 2), the gap as Liang et al.
      (NeurIPS 2022) measure it;
    - ``probe_accuracy``: held-out accuracy of a *fresh* discriminator, an MLP of the training
      discriminator's shape (:class:`~graph_models.losses.adversarial.ModalityDiscriminator`),
      trained for ``steps`` full-batch Adam steps on half of the items to tell images from
      captions and tested on the other half, with as many captions drawn as there are images
      (0.5 is chance: the modalities cannot be told apart). Deterministic for a ``seed``.
    """
    from graph_models.losses.adversarial import ModalityDiscriminator

    img = image_vectors.detach().float().cpu()
    txt = text_vectors.detach().float().cpu()
    g = torch.Generator().manual_seed(seed)
    n = min(len(img), len(txt))
    img, txt = img[torch.randperm(len(img), generator=g)[:n]], txt[torch.randperm(len(txt), generator=g)[:n]]
    out: dict[str, float | int] = {"centroid_distance": float((img.mean(0) - txt.mean(0)).norm()), "items": 2 * n}
    half = n // 2
    if half < 2:
        out["probe_accuracy"] = float("nan")
        return out
    x_train, x_test = torch.cat([img[:half], txt[:half]]), torch.cat([img[half:], txt[half:]])
    y_train = torch.cat([torch.zeros(half), torch.ones(half)])
    y_test = torch.cat([torch.zeros(n - half), torch.ones(n - half)])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small steps: with several threads on a busy machine they took 50x longer
    try:
        with torch.random.fork_rng(devices=[]), torch.enable_grad():
            torch.manual_seed(seed)
            probe = ModalityDiscriminator(img.shape[1], dropout=0.0)
            optimizer = torch.optim.Adam(probe.parameters(), lr=1e-3)
            for _ in range(steps):
                optimizer.zero_grad()
                F.binary_cross_entropy_with_logits(probe(x_train), y_train).backward()
                optimizer.step()
    finally:
        torch.set_num_threads(threads)
    with torch.no_grad():
        out["probe_accuracy"] = float(((probe(x_test) > 0).float() == y_test).float().mean())
    return out


def phrase_graph(phrase: str, attribute: bool) -> dict:
    """An entity ("circle") or attribute pair ("red circle") label as a one-object text graph
    (the ``text_graphs`` row fields :func:`~graph_models.text_graphs.encode_caption` reads): the
    last word is the object, the words before it its attribute."""
    words = phrase.split()
    attributes = [" ".join(words[:-1])] if attribute and len(words) > 1 else []
    return {"tokens": words, "relations": [],
            "objects": [{"lemma": words[-1], "attributes": attributes, "count": None}]}

