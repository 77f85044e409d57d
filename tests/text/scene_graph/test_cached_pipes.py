"""The cached attribute ruler and lemmatizer leave every doc exactly as spaCy's own do."""

from __future__ import annotations

import pytest

from text.scene_graph.cached_pipes import CachedAttributeRuler, CachedLemmatizer, speed_up

# the English ruler's exceptions: by word and dependency ("I", "it" as subject or object, "but" as
# an adverb), over two tokens ("gonna", "let's", "y'all", "there is"), by regular expression
# ("nothin'"), whitespace tokens; one word as two parts of speech, or one with two forms ("found"),
# each with its own lemma; and plain captions
TEXTS = [
    "I think it is gonna rain, y'all.", "Let's go!  There is a dog but not a cat.", "C'm on, you gotta see it.",
    "He gets it and got it; she did it and had done it.", "Nothin' ain't worth somethin' to 'em.",
    "A man riding a horse next to a woman.", "  ", "There are  two dogs\n on the grass.", "Give it to me and I'll go.",
    "A DOG IS RUNNING ON THE BEACH", "Two girls were sitting; one wasn't.", "The children's mice ate better cheeses.",
    "He leaves the leaves; I saw a saw.", "They found it and want to found a company.",
    "She was running faster and ran further than the geese flying over the leaves.",
]


def reading(doc) -> list[tuple]:
    return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i) for t in doc]


@pytest.fixture(scope="module")
def pipelines():
    import spacy

    from text.scene_graph.backends import SPACY_EXCLUDE, resolve_spacy_model

    plain = spacy.load(resolve_spacy_model("en_core_web_sm"), exclude=SPACY_EXCLUDE)
    cached = spacy.load(resolve_spacy_model("en_core_web_sm"), exclude=SPACY_EXCLUDE)
    assert speed_up(cached) == ["attribute_ruler", "lemmatizer"]
    return plain, cached


def test_the_cached_pipes_read_every_token_as_spacy_does(pipelines) -> None:
    plain, cached = pipelines
    assert plain.pipe_names == cached.pipe_names
    assert isinstance(cached.get_pipe("attribute_ruler"), CachedAttributeRuler)
    assert isinstance(cached.get_pipe("lemmatizer"), CachedLemmatizer)
    for _ in range(2):  # the second time from the cache
        for a, b in zip(plain.pipe(TEXTS), cached.pipe(TEXTS), strict=True):
            assert reading(a) == reading(b), a.text


def test_a_ruler_with_a_pattern_it_cannot_cache_is_left_alone() -> None:
    import spacy

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LENGTH": 3}]], {"POS": "NOUN"})  # reads an attribute the cache does not key on
    assert speed_up(nlp) == []
    assert nlp.get_pipe("attribute_ruler") is ruler
