"""Two of spaCy's English components, the same output at a fraction of their cost.

On captions, spaCy's small English pipeline spends about a quarter of its time in two
components that compute the same answers again and again:

- the ``attribute_ruler`` maps each token's fine tag to its coarse part of speech and
  morphology, with a few exceptions by word and dependency ("I" as a subject, "gonna"). spaCy
  runs it as a :class:`~spacy.matcher.Matcher` of all its patterns (179 in ``en_core_web_sm``)
  over every token of every doc. Yet a one-token pattern only reads a few attributes of the
  token itself (its tag, lowercase form, dependency label, whether it is a space), and those
  combinations repeat. :class:`CachedAttributeRuler` matches the one-token patterns once per
  combination, on a one-token doc, and remembers which matched; only the few patterns of
  several tokens ("gon" + "na") still run as a matcher over the doc. Each token then gets the
  attributes of its matches in the ruler's own order (later patterns win), with spaCy's own
  setter. A ruler whose one-token patterns read anything else (an operator, an extension
  attribute) is left as it is;
- the rule ``lemmatizer`` finds a token's lemma from its text, part of speech and morphology
  alone, but caches only the words it had to look up, not those it recognises as base forms
  (most nouns of a caption). :class:`CachedLemmatizer` remembers every answer by those three.

:func:`speed_up` puts both in place, under the same names and at the same places in the
pipeline, so the docs come out exactly as spaCy leaves them (the tests compare every token's
tag, part of speech, morphology, lemma and dependency).
"""

from __future__ import annotations

import re
from typing import Any

# what a one-token pattern may read for its match to depend on these alone, and how to read it
KEYS = {"TAG": "tag_", "LOWER": "lower_", "DEP": "dep_", "IS_SPACE": "is_space", "ORTH": "text", "TEXT": "text"}


class CachedAttributeRuler:
    """A pipeline component that applies ``ruler`` (a spaCy ``AttributeRuler``) to each doc."""

    def __init__(self, ruler: Any, keys: tuple[str, ...]) -> None:
        from spacy.matcher import Matcher

        self.ruler = ruler
        self.keys = tuple(KEYS[k] for k in keys)
        self.lower_at = self.keys.index("lower_") if "lower_" in self.keys else None
        self.words = _words(ruler)  # the lowercase words one-token patterns name; None: any may matter
        self.named: dict[str, bool] = {}  # lowercase word -> whether a pattern names it
        self.attrs = ruler.attrs
        self.single = Matcher(ruler.vocab)
        self.several = Matcher(ruler.vocab)
        for attr_id, patterns in enumerate(_patterns_by_id(ruler)):
            one = [p for p in patterns if len(p) == 1]
            more = [p for p in patterns if len(p) > 1]
            if one:
                self.single.add(str(attr_id), one)
            if more:
                self.several.add(str(attr_id), more)
        self.cache: dict[tuple[Any, ...], tuple[int, ...]] = {}

    def __call__(self, doc: Any) -> Any:
        from spacy.tokens._retokenize import set_token_attrs

        ruler = self.ruler
        strings = doc.vocab.strings
        extra: dict[int, list[int]] = {}
        if len(self.several):
            for match_id, start, end in self.several(doc, allow_missing=True):
                attr_id = int(strings[match_id])
                target = doc[start:end][ruler.indices[attr_id]]
                extra.setdefault(target.i, []).append(attr_id)
        lower_at, words = self.lower_at, self.words
        for token in doc:
            key = tuple(getattr(token, k) for k in self.keys)
            if lower_at is not None and words is not None and not self._names(key[lower_at]):
                key = (*key[:lower_at], None, *key[lower_at + 1:])  # a word no pattern names: like any other
            ids = self.cache.get(key)
            if ids is None:
                ids = self.cache[key] = self._single_matches(token)
            if token.i in extra:
                ids = tuple(sorted((*ids, *extra[token.i])))
            for attr_id in ids:
                set_token_attrs(token, self.attrs[attr_id])
        return doc

    def _names(self, lower: str) -> bool:
        named = self.named.get(lower)
        if named is None:
            words, regexes = self.words  # type: ignore[misc]
            named = self.named[lower] = lower in words or any(r.search(lower) for r in regexes)
        return named

    def _single_matches(self, token: Any) -> tuple[int, ...]:
        """The ids of the one-token patterns that match a token like this one, in order."""
        from spacy.tokens import Doc

        parsed = {"heads": [0], "deps": [token.dep_]} if token.dep_ else {}
        one = Doc(token.doc.vocab, words=[token.text], spaces=[False], tags=[token.tag_], **parsed)
        strings = token.doc.vocab.strings
        return tuple(sorted({int(strings[m]) for m, _, _ in self.single(one, allow_missing=True)}))


def _words(ruler: Any) -> tuple[frozenset[str], tuple[re.Pattern[str], ...]] | None:
    """The lowercase words the one-token patterns name under LOWER (outright, in IN / NOT_IN
    lists, or by REGEX), or ``None`` when one matches it some other way."""
    words: set[str] = set()
    regexes = []
    for patterns in _patterns_by_id(ruler):
        for pattern in patterns:
            value = pattern[0].get("LOWER") if len(pattern) == 1 else None
            if value is None:
                continue
            if isinstance(value, str):
                words.add(value)
            elif isinstance(value, dict) and set(value) <= {"IN", "NOT_IN", "REGEX"}:
                words.update(w for op, ws in value.items() if op != "REGEX" for w in ws)
                regexes += [re.compile(value["REGEX"])] if "REGEX" in value else []
            else:
                return None
    return frozenset(words), tuple(regexes)


def _patterns_by_id(ruler: Any) -> list[list[list[dict[str, Any]]]]:
    """The matcher patterns of each of the ruler's ids, in id order."""
    return [ruler.matcher.get(str(k))[1] for k in range(len(ruler.attrs))]


class CachedLemmatizer:
    """A pipeline component that applies ``lemmatizer`` (spaCy's rule ``Lemmatizer``) to each doc,
    remembering each lemma by the token's text, part of speech and morphology."""

    def __init__(self, lemmatizer: Any) -> None:
        self.lemmatizer = lemmatizer
        self.mode = lemmatizer.mode
        self.lookups = lemmatizer.lookups  # its tables, for readers of them (learned.english_words)
        self.cache: dict[tuple[int, int, int], str] = {}
        self.checked = False

    def __call__(self, doc: Any) -> Any:
        lemmatizer = self.lemmatizer
        if not self.checked:  # the first doc through spaCy's own, which checks its tables
            self.checked = True
            return lemmatizer(doc)
        cache = self.cache
        for token in doc:
            if lemmatizer.overwrite or token.lemma == 0:
                key = (token.orth, token.pos, token.morph.key)
                lemma = cache.get(key)
                if lemma is None:
                    lemma = cache[key] = lemmatizer.lemmatize(token)[0]
                token.lemma_ = lemma
        return doc


def speed_up(nlp: Any) -> list[str]:
    """Put :class:`CachedAttributeRuler` and :class:`CachedLemmatizer` in place of ``nlp``'s
    ``attribute_ruler`` and ``lemmatizer`` where they give the same output; the names of the
    components replaced."""
    done = []
    if "attribute_ruler" in nlp.pipe_names and (keys := _keys(nlp.get_pipe("attribute_ruler"))) is not None:
        _swap(nlp, "attribute_ruler", CachedAttributeRuler(nlp.get_pipe("attribute_ruler"), keys))
        done.append("attribute_ruler")
    if "lemmatizer" in nlp.pipe_names and getattr(nlp.get_pipe("lemmatizer"), "mode", None) == "rule":
        _swap(nlp, "lemmatizer", CachedLemmatizer(nlp.get_pipe("lemmatizer")))
        done.append("lemmatizer")
    return done


FACTORY = "sgmatch_cached_pipe"
_pending: list[Any] = []  # the component the factory hands spaCy next


def _swap(nlp: Any, name: str, component: Any) -> None:
    """``component`` in place of ``nlp``'s ``name``, with spaCy's public calls (spaCy adds only
    what a factory makes, so a factory hands it over)."""
    from spacy.language import Language

    if not Language.has_factory(FACTORY):
        Language.factory(FACTORY, func=lambda nlp, name: _pending.pop())
    _pending.append(component)
    nlp.replace_pipe(name, FACTORY)


def _keys(ruler: Any) -> tuple[str, ...] | None:
    """What the ruler's one-token patterns read, or ``None`` when any reads more than :data:`KEYS`."""
    keys: set[str] = set()
    for patterns in _patterns_by_id(ruler):
        for pattern in patterns:
            if len(pattern) == 1:
                if not set(pattern[0]) <= set(KEYS):
                    return None
                keys |= set(pattern[0])
    return tuple(sorted(keys))
