"""SGRAF's similarity computation, re-implemented compactly for timing (not the authors' code).

SGRAF: Diao, Zhang, Ma and Lu, "Similarity Reasoning and Filtration for Image-Text Matching",
AAAI 2021; public code ``github.com/Paranioar/SGRAF`` (``model.py``, ``EncoderSimilarity``).
This module follows the public design with the same shapes and the same loop structure, so a
training step and a scoring pass cost what the public model costs; it is written from the
published design for the benchmark (``benchmarks/bench_matchers.py``), not copied, and is not
meant to train a model.

Shapes: ``Bi`` images of ``R = 36`` regions, ``Bt`` captions of ``L`` words (``lengths``),
``d = 1024`` the joint embedding (regions after the image FC, words from a bidirectional GRU
whose two directions are averaged), ``s = 256`` the similarity-vector size (``sim_dim``).

For each caption ``i`` (the Python loop of ``EncoderSimilarity.forward``), the caption's words
are repeated ``Bi`` times and, against every image at once:

- local alignments: each word attends over the regions (SCAN's text-to-image attention: cosine
  logits through LeakyReLU(0.1), l2-normalised over the words, softmax over regions with
  ``lambda_softmax = 9``), the attended region vector is l2-normalised; the similarity vector of
  word ``w`` is ``l2norm(W_loc (a_w - t_w)^2)`` (``sim_tranloc_w``, d -> s);
- global alignment: self-attended global image and text vectors (``VisualSA``, ``TextSA``),
  ``l2norm(W_glo (v - t)^2)`` (``sim_tranglo_w``);
- the (Bi, 1 + L, s) similarity vectors go through either SAF (attention filtration: a
  sigmoid of a batch-normalised linear score per vector, l1-normalised, weights the vectors'
  sum) or SGR (``sgr_step = 3`` rounds of graph reasoning over the vectors: a softmax of
  query-key products as edges, then ``ReLU(W (edges @ vectors))``; the global node is read out);
- the score is ``sigmoid(sim_eval_w(vector))``.

Training uses VSE++'s max-of-hinges loss over the (Bi, Bt) scores (margin 0.2).
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

EMBED_DIM, SIM_DIM, WORD_DIM = 1024, 256, 300
LAMBDA_SOFTMAX = 9.0
SGR_STEPS = 3


def l1norm(x: Tensor, dim: int, eps: float = 1e-8) -> Tensor:
    return x / (x.abs().sum(dim=dim, keepdim=True) + eps)


def l2norm(x: Tensor, dim: int = -1, eps: float = 1e-8) -> Tensor:
    return x / (x.pow(2).sum(dim=dim, keepdim=True).sqrt() + eps)


class ImageEncoder(nn.Module):
    """Precomputed region features (Bi, R, 2048) -> l2-normalised (Bi, R, d)."""

    def __init__(self, feature_dim: int, dim: int = EMBED_DIM) -> None:
        super().__init__()
        self.fc = nn.Linear(feature_dim, dim)

    def forward(self, features: Tensor) -> Tensor:
        return l2norm(self.fc(features))


class TextEncoder(nn.Module):
    """Word ids (Bt, L) -> l2-normalised word features (Bt, L, d): a bi-GRU, directions averaged."""

    def __init__(self, vocab_size: int, word_dim: int = WORD_DIM, dim: int = EMBED_DIM) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, word_dim)
        self.dropout = nn.Dropout(0.4)
        self.gru = nn.GRU(word_dim, dim, batch_first=True, bidirectional=True)

    def forward(self, tokens: Tensor, lengths: Tensor) -> Tensor:
        packed = pack_padded_sequence(self.dropout(self.embed(tokens)), lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        out, _ = self.gru(packed)
        words, _ = pad_packed_sequence(out, batch_first=True, total_length=tokens.shape[1])
        half = words.shape[-1] // 2
        return l2norm((words[..., :half] + words[..., half:]) / 2)


class VisualSA(nn.Module):
    """Global image vector by self-attention of the regions guided by their mean."""

    def __init__(self, dim: int, regions: int, dropout: float = 0.4) -> None:
        super().__init__()
        self.local = nn.Sequential(nn.Linear(dim, dim), nn.BatchNorm1d(regions), nn.Tanh(), nn.Dropout(dropout))
        self.glob = nn.Sequential(nn.Linear(dim, dim), nn.BatchNorm1d(dim), nn.Tanh(), nn.Dropout(dropout))
        self.common = nn.Linear(dim, 1)

    def forward(self, local: Tensor, raw_global: Tensor) -> Tensor:
        weights = self.common(self.local(local) * self.glob(raw_global).unsqueeze(1)).squeeze(2)
        return l2norm((torch.softmax(weights, dim=1).unsqueeze(2) * local).sum(1))


class TextSA(nn.Module):
    """Global caption vector by self-attention of the words guided by their mean."""

    def __init__(self, dim: int, dropout: float = 0.4) -> None:
        super().__init__()
        self.local = nn.Sequential(nn.Linear(dim, dim), nn.Tanh(), nn.Dropout(dropout))
        self.glob = nn.Sequential(nn.Linear(dim, dim), nn.Tanh(), nn.Dropout(dropout))
        self.common = nn.Linear(dim, 1)

    def forward(self, local: Tensor, raw_global: Tensor) -> Tensor:
        weights = self.common(self.local(local) * self.glob(raw_global).unsqueeze(1)).squeeze(2)
        return l2norm((torch.softmax(weights, dim=1).unsqueeze(2) * local).sum(1))


class GraphReasoning(nn.Module):
    """One SGR step over the similarity vectors (B, N, s) as a fully connected graph."""

    def __init__(self, sim_dim: int) -> None:
        super().__init__()
        self.query = nn.Linear(sim_dim, sim_dim)
        self.key = nn.Linear(sim_dim, sim_dim)
        self.update = nn.Linear(sim_dim, sim_dim)

    def forward(self, sims: Tensor) -> Tensor:
        edges = torch.softmax(torch.bmm(self.query(sims), self.key(sims).transpose(1, 2)), dim=-1)
        return torch.relu(self.update(torch.bmm(edges, sims)))


class AttentionFiltration(nn.Module):
    """SAF: a weighted sum of the similarity vectors (B, N, s) -> (B, s), weights l1-normalised."""

    def __init__(self, sim_dim: int) -> None:
        super().__init__()
        self.score = nn.Linear(sim_dim, 1)
        self.bn = nn.BatchNorm1d(1)

    def forward(self, sims: Tensor) -> Tensor:
        weights = l1norm(torch.sigmoid(self.bn(self.score(sims).transpose(1, 2))), dim=-1)  # (B, 1, N)
        return l2norm(torch.matmul(weights, sims).squeeze(1))


def text_to_image_attention(words: Tensor, regions: Tensor, smooth: float = LAMBDA_SOFTMAX) -> Tensor:
    """SCAN's attention: words (B, L, d) over regions (B, R, d) -> attended regions (B, L, d), l2-normalised."""
    attn = F.leaky_relu(torch.bmm(regions, words.transpose(1, 2)), 0.1)  # (B, R, L)
    attn = l2norm(attn, dim=2)  # normalised over the words, as the public code does
    attn = torch.softmax(attn.transpose(1, 2) * smooth, dim=2)  # (B, L, R)
    return l2norm(torch.bmm(attn, regions))


class EncoderSimilarity(nn.Module):
    """Scores (Bi, Bt) of every image with every caption, one caption at a time (the public loop)."""

    def __init__(self, variant: Literal["SAF", "SGR"], dim: int = EMBED_DIM, sim_dim: int = SIM_DIM,
                 regions: int = 36, sgr_steps: int = SGR_STEPS) -> None:
        super().__init__()
        if variant not in ("SAF", "SGR"):
            raise ValueError(f"unknown SGRAF variant {variant!r}; choose SAF or SGR")
        self.variant = variant
        self.v_global = VisualSA(dim, regions)
        self.t_global = TextSA(dim)
        self.sim_tranloc_w = nn.Linear(dim, sim_dim)
        self.sim_tranglo_w = nn.Linear(dim, sim_dim)
        self.sim_eval_w = nn.Linear(sim_dim, 1)
        self.sgr = nn.ModuleList(GraphReasoning(sim_dim) for _ in range(sgr_steps)) if variant == "SGR" else None
        self.saf = AttentionFiltration(sim_dim) if variant == "SAF" else None

    def forward(self, images: Tensor, words: Tensor, lengths: Tensor) -> Tensor:
        n_image = images.shape[0]
        image_global = self.v_global(images, images.mean(1))
        scores = []
        for i in range(words.shape[0]):
            caption = words[i, : int(lengths[i])].unsqueeze(0)  # (1, L, d)
            expanded = caption.repeat(n_image, 1, 1)  # (Bi, L, d)
            caption_global = self.t_global(caption, caption.mean(1))
            attended = text_to_image_attention(expanded, images)
            local = l2norm(self.sim_tranloc_w((attended - expanded).pow(2)))  # (Bi, L, s)
            glob = l2norm(self.sim_tranglo_w((image_global - caption_global).pow(2)))  # (Bi, s)
            sims = torch.cat([glob.unsqueeze(1), local], 1)  # (Bi, 1 + L, s)
            if self.sgr is not None:
                for step in self.sgr:
                    sims = step(sims)
                vector = sims[:, 0, :]
            else:
                assert self.saf is not None
                vector = self.saf(sims)
            scores.append(torch.sigmoid(self.sim_eval_w(vector)))  # (Bi, 1)
        return torch.cat(scores, 1)


class SGRAF(nn.Module):
    """Both encoders and the similarity module: ``forward`` gives the (Bi, Bt) scores."""

    def __init__(self, variant: Literal["SAF", "SGR"], vocab_size: int, feature_dim: int = 2048,
                 regions: int = 36) -> None:
        super().__init__()
        self.images = ImageEncoder(feature_dim)
        self.texts = TextEncoder(vocab_size)
        self.similarity = EncoderSimilarity(variant, regions=regions)

    def forward(self, features: Tensor, tokens: Tensor, lengths: Tensor) -> Tensor:
        return self.similarity(self.images(features), self.texts(tokens, lengths), lengths)


def max_hinge_loss(scores: Tensor, margin: float = 0.2) -> Tensor:
    """VSE++'s max of hinges on (B, B) scores of matched pairs (image i with caption i)."""
    positives = scores.diagonal()
    eye = torch.eye(scores.shape[0], dtype=torch.bool, device=scores.device)
    cost_caption = (margin + scores - positives[:, None]).clamp(min=0).masked_fill(eye, 0)
    cost_image = (margin + scores - positives[None, :]).clamp(min=0).masked_fill(eye, 0)
    return cost_caption.max(1).values.sum() + cost_image.max(0).values.sum()
