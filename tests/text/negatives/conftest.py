"""A real parser, and tiny corpora of parsed captions to learn what fits from."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from text.negatives.corpus import CorpusWords


@pytest.fixture(scope="session")
def graph_of() -> Callable[[str], dict]:
    from text.scene_graph.parser import CaptionParser, ParserConfig

    parser = CaptionParser(ParserConfig())

    def run(text: str) -> dict:
        (item,) = list(parser.parse([text]))
        return item.graph.to_dict()

    return run


@pytest.fixture(scope="session")
def corpus_of(graph_of) -> Callable[..., CorpusWords]:
    """``corpus_of(captions, per_image=1)``: the corpus statistics of these captions, each caption
    its own image unless ``per_image`` captions share one."""

    def build(captions: Sequence[str], per_image: int = 1) -> CorpusWords:
        rows = [{"image_id": f"i{k // per_image}", "caption": c, **graph_of(c)} for k, c in enumerate(captions)]
        return CorpusWords.of(rows)

    return build
