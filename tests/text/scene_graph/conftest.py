from __future__ import annotations

import pytest

from text.scene_graph.parser import CaptionParser, ParserConfig


@pytest.fixture(scope="session")
def parser() -> CaptionParser:
    """The rules-only parser (spaCy + the learned FACTUAL lexicon), loaded once."""
    return CaptionParser(ParserConfig(mode="rules"))


@pytest.fixture(scope="session")
def learned_parser() -> CaptionParser:
    """The default parser (spaCy + the network trained on FACTUAL), loaded once."""
    return CaptionParser(ParserConfig())


def _facts_of(parser: CaptionParser):
    def run(text: str) -> set[tuple[str, ...]]:
        (item,) = list(parser.parse([text]))
        assert item.error is None, item.error
        return {tuple(f) for f in item.graph.facts()}

    return run


@pytest.fixture(scope="session")
def facts_of(parser):
    return _facts_of(parser)


@pytest.fixture(scope="session")
def learned_facts_of(learned_parser):
    return _facts_of(learned_parser)
