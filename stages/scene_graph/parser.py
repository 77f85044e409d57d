"""One entry point for parsing captions: backend + rules + lexicon, loaded once per process.

:class:`CaptionParser` is what the stage's workers and ``sgmatch parse`` use. A caption that
cannot be parsed gets an error instead of a graph; it never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from stages.scene_graph.backends import load_backend
from stages.scene_graph.graph import TextSceneGraph, token_offsets
from stages.scene_graph.lexicon import Lexicon, load_lexicon
from stages.scene_graph.rules import build_graph

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParserConfig:
    backend: str = "spacy"
    spacy_model: str = "en_core_web_sm"
    stanza_dir: str = ""
    lexicon: str = "factual"
    batch_size: int = 256
    max_chars: int = 1000


@dataclass
class Parsed:
    graph: TextSceneGraph | None
    error: str | None


class CaptionParser:
    def __init__(self, config: ParserConfig) -> None:
        self.config = config
        self.backend: Any = load_backend(config.backend, config.spacy_model, config.stanza_dir)
        self.lexicon: Lexicon = load_lexicon(config.lexicon)
        self.name = self.backend.name
        self.version = self.backend.version

    def parse(self, texts: Sequence[str]) -> Iterator[Parsed]:
        """One :class:`Parsed` per text, in order."""
        limit = self.config.max_chars
        ok = [t for t in texts if _problem(t, limit) is None]
        parses = self.backend.parse(ok, batch_size=self.config.batch_size)
        for text in texts:
            problem = _problem(text, limit)
            if problem is not None:
                yield Parsed(None, problem)
                continue
            parse = next(parses)
            try:
                graph = build_graph(parse, self.lexicon)
                graph.offsets = token_offsets(text, graph.tokens)
                yield Parsed(graph, None)
            except Exception as exc:  # one bad caption never stops the stage
                log.debug("rules failed on %r", text, exc_info=True)
                yield Parsed(None, f"parse: {type(exc).__name__}: {exc}")


def _problem(text: str | None, max_chars: int) -> str | None:
    if text is None or not text.strip():
        return "caption: empty caption"
    if len(text) > max_chars:
        return f"caption: longer than {max_chars} characters ({len(text)})"
    return None


@lru_cache(maxsize=2)
def cached_parser(config: ParserConfig) -> CaptionParser:
    """The parser of this process for ``config``: dask workers load the model once."""
    log.info("loading the %s parser (lexicon: %s)", config.backend, config.lexicon)
    return CaptionParser(config)
