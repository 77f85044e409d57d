"""The learned scene-graph parser's network: spans and links over spaCy's token features.

Shape glossary (one batch):

- ``B`` captions, ``T`` tokens of the longest (shorter ones padded, ``lengths`` says how long);
- ``M`` object mentions and ``A`` attribute mentions over the whole batch, each a row
  ``(caption, start, end)`` (end exclusive);
- ``Pa`` (attribute, object) candidate links and ``Pr`` ordered (subject, object) mention pairs,
  each a row of two indices into the mentions (of the same caption).

Per token the network reads what spaCy's small English pipeline computed anyway: its
contextual token vectors (``doc.tensor``, 96-d), part of speech, fine tag, dependency label and
the signed distance to the syntactic head, plus an embedding of the lower-cased word and the
token's role in the rules' graph (:mod:`text.scene_graph.rule_hints`), and, when the shape's
``context_dim`` is set, the token's MiniLM states of ``context_layers`` (``context``,
B x T x context_dim, from :mod:`text.scene_graph.encoder`), normalised and projected to ``context_proj``. With
``adapter_rank`` the network also holds the encoder's LoRA updates
(:class:`~text.scene_graph.encoder.Adapters`), trained with it. A two-layer BiLSTM turns the
features into token states ``h`` (B, T, 2H). Four heads read ``h``:

- **tags** (B, T, 5): BIO tags of object and attribute spans;
- **links** (Pa,): does this attribute belong to this object (a logit; the rules' say is an input);
- **relations** (Pr, 1 + P + 2): the predicate of an ordered object pair: class 0 none, then the
  P predicate classes, then "the rules' predicate" and "the words between" as they are
  (:data:`RULES_PREDICATE`, :data:`WORDS_BETWEEN`, for predicates no class holds); the pair is
  read from both mentions, their product, the mean state of the words between them, their
  signed distance and the predicate the rules give the pair;
- **implicit** (M, 1 + C): a count the annotation gives without a word for it ("a man's hands"
  -> ``2``), class 0 meaning none.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn

from text.scene_graph.encoder import LAYERS, Adapters, state_dim
from text.scene_graph.rule_hints import ROLES

TAGS = ("O", "B-OBJ", "I-OBJ", "B-ATT", "I-ATT")
# The two relation classes after the P predicate classes: take the rules' predicate of the pair,
# or the words between its mentions (rule_hints.pair_predicates), as they are.
RULES_PREDICATE, WORDS_BETWEEN = 1, 2  # offsets past the last predicate class
HEAD_OFFSET_CLIP = 8  # head distances beyond +-8 tokens share one embedding
DISTANCE_CLIP = 10  # mention distances beyond +-10 tokens share one embedding


@dataclass(frozen=True)
class ModelShape:
    """Everything that fixes the network's tensors (saved beside its weights)."""

    words: int  # word vocabulary size (0 = padding, 1 = unknown)
    pos: int
    tags: int
    deps: int
    predicates: int  # P: predicate classes, the "none" class excluded
    implicit: int  # C: implicit count classes, "none" excluded
    spacy_dim: int = 96
    word_dim: int = 64
    label_dim: int = 16
    hidden: int = 160  # H: per direction
    span_dim: int = 256
    dropout: float = 0.2
    context_dim: int = 0  # width of the MiniLM states read (encoder.state_dim(context_layers)); 0: none
    context_proj: int = 128  # what they are projected to before the BiLSTM
    adapter_rank: int = 0  # rank of the LoRA updates of the MiniLM encoder trained with it; 0: frozen
    context_layers: tuple[int, ...] = LAYERS  # the MiniLM layers whose states are read (with context_dim)
    context_drop: float = 0.0  # in training, the share of captions read without their MiniLM states

    def __post_init__(self) -> None:
        object.__setattr__(self, "context_layers", tuple(self.context_layers))  # a JSON list when loaded
        if self.context_dim and self.context_dim != state_dim(self.context_layers):
            raise ValueError(f"context_dim {self.context_dim} is not the width of layers {self.context_layers}")

    def to_dict(self) -> dict[str, int | float | list[int]]:
        return {**asdict(self), "context_layers": list(self.context_layers)}


@dataclass
class Batch:
    """Token features of ``B`` captions, padded to ``T`` tokens (see the module docstring)."""

    words: Tensor  # (B, T) long
    pos: Tensor  # (B, T) long
    tags: Tensor  # (B, T) long
    deps: Tensor  # (B, T) long
    head_offsets: Tensor  # (B, T) long, in [0, 2 * HEAD_OFFSET_CLIP]
    roles: Tensor  # (B, T) long: rule_hints.ROLES
    spacy: Tensor  # (B, T, spacy_dim) float
    lengths: Tensor  # (B,) long
    context: Tensor | None = None  # (B, T, context_dim) float, when the shape reads MiniLM states

    def to(self, device: torch.device | str) -> Batch:
        return Batch(**{k: None if v is None else v.to(device) for k, v in vars(self).items()})


class SceneGraphTagger(nn.Module):
    def __init__(self, shape: ModelShape) -> None:
        super().__init__()
        self.shape = shape
        s = shape
        self.word = nn.Embedding(s.words, s.word_dim, padding_idx=0)
        self.pos = nn.Embedding(s.pos, s.label_dim)
        self.tag = nn.Embedding(s.tags, s.label_dim)
        self.dep = nn.Embedding(s.deps, s.label_dim)
        self.head_offset = nn.Embedding(2 * HEAD_OFFSET_CLIP + 1, s.label_dim)
        self.role = nn.Embedding(len(ROLES), s.label_dim)
        features = s.spacy_dim + s.word_dim + 5 * s.label_dim
        self.context = (nn.Sequential(nn.LayerNorm(s.context_dim), nn.Linear(s.context_dim, s.context_proj))
                        if s.context_dim else None)
        features += s.context_proj if s.context_dim else 0
        # the encoder's own trained part (used by text.scene_graph.encoder.WordEncoder, saved with the rest)
        self.adapters = Adapters(s.adapter_rank, s.context_layers) if s.adapter_rank else None
        self.encoder = nn.LSTM(features, s.hidden, num_layers=2, bidirectional=True, batch_first=True,
                               dropout=s.dropout)
        state = 2 * s.hidden
        self.drop = nn.Dropout(s.dropout)
        self.tagger = nn.Linear(state, len(TAGS))
        self.span = nn.Sequential(nn.Linear(2 * state, s.span_dim), nn.ReLU())
        self.distance = nn.Embedding(2 * DISTANCE_CLIP + 1, s.label_dim)
        self.rule_link = nn.Embedding(2, s.label_dim)
        self.rule_predicate = nn.Embedding(2 + s.predicates, 2 * s.label_dim)
        self.link = _mlp(3 * s.span_dim + 2 * s.label_dim, s.span_dim, 1, s.dropout)
        self.relation = _mlp(3 * s.span_dim + state + 3 * s.label_dim, s.span_dim, 1 + s.predicates + 2, s.dropout)
        self.implicit = nn.Linear(s.span_dim, 1 + s.implicit)

    def encode(self, batch: Batch) -> Tensor:
        """Token states ``h`` (B, T, 2H)."""
        parts = [batch.spacy, self.word(batch.words), self.pos(batch.pos), self.tag(batch.tags),
                 self.dep(batch.deps), self.head_offset(batch.head_offsets), self.role(batch.roles)]
        if self.context is not None:
            if batch.context is None:
                raise ValueError("this network reads MiniLM states: the batch has no context")
            context = torch.relu(self.context(batch.context))
            if self.training and self.shape.context_drop:  # so spaCy's features are not ignored
                kept = torch.rand(context.shape[0], 1, 1, device=context.device) >= self.shape.context_drop
                context = context * kept
            parts.append(context)
        x = torch.cat(parts, dim=-1)
        packed = nn.utils.rnn.pack_padded_sequence(self.drop(x), batch.lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        out, _ = self.encoder(packed)
        h, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return self.drop(h)

    def tag_logits(self, h: Tensor) -> Tensor:
        """(B, T, 5) logits of :data:`TAGS`."""
        return self.tagger(h)

    def spans(self, h: Tensor, mentions: Tensor) -> Tensor:
        """(N, span_dim) representations of ``mentions`` (N, 3) rows ``(caption, start, end)``."""
        first = h[mentions[:, 0], mentions[:, 1]]
        last = h[mentions[:, 0], mentions[:, 2] - 1]
        return self.span(torch.cat([first, last], dim=-1))

    def link_logits(self, attr: Tensor, obj: Tensor, attr_mentions: Tensor, obj_mentions: Tensor,
                    pairs: Tensor, hints: Tensor) -> Tensor:
        """(Pa,) logits that attribute ``pairs[:, 0]`` belongs to object ``pairs[:, 1]``;
        ``hints`` (Pa,) long: 1 where the rules say so."""
        a, o = attr[pairs[:, 0]], obj[pairs[:, 1]]
        d = self.distance(_distance_bucket(attr_mentions[pairs[:, 0]], obj_mentions[pairs[:, 1]]))
        return self.link(torch.cat([a, o, a * o, d, self.rule_link(hints)], dim=-1)).squeeze(-1)

    def relation_logits(self, h: Tensor, obj: Tensor, obj_mentions: Tensor, pairs: Tensor, hints: Tensor) -> Tensor:
        """(Pr, 1 + P + 2) predicate logits of the ordered mention ``pairs`` (subject, object);
        ``hints`` (Pr,) long: the rules' predicate (``rule_hints.relation_hints``)."""
        s, o = obj[pairs[:, 0]], obj[pairs[:, 1]]
        ms, mo = obj_mentions[pairs[:, 0]], obj_mentions[pairs[:, 1]]
        between = _mean_between(h, ms, mo)
        d = self.distance(_distance_bucket(ms, mo))
        return self.relation(torch.cat([s, o, s * o, between, d, self.rule_predicate(hints)], dim=-1))

    def implicit_logits(self, obj: Tensor) -> Tensor:
        """(M, 1 + C) implicit count logits of the object mentions."""
        return self.implicit(obj)


def _mlp(inputs: int, hidden: int, outputs: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, outputs))


def _distance_bucket(a: Tensor, b: Tensor) -> Tensor:
    """Signed start-to-start distance of two mention rows, clipped and shifted to [0, 2 * clip]."""
    return (b[:, 1] - a[:, 1]).clamp(-DISTANCE_CLIP, DISTANCE_CLIP) + DISTANCE_CLIP


def _mean_between(h: Tensor, a: Tensor, b: Tensor) -> Tensor:
    """(P, 2H) mean token state strictly between two mentions (zeros when they touch)."""
    lo = torch.where(a[:, 1] < b[:, 1], a[:, 2], b[:, 2])
    hi = torch.where(a[:, 1] < b[:, 1], b[:, 1], a[:, 1])
    hi = torch.maximum(hi, lo)
    sums = torch.cat([torch.zeros_like(h[:, :1]), h.cumsum(dim=1)], dim=1)  # (B, T + 1, 2H)
    rows = a[:, 0]
    total = sums[rows, hi] - sums[rows, lo]
    count = (hi - lo).clamp(min=1).unsqueeze(-1).to(h.dtype)
    return total / count
