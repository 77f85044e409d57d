from __future__ import annotations

import pytest

from stages.scene_graph.parser import CaptionParser, ParserConfig


@pytest.fixture(scope="session")
def parser() -> CaptionParser:
    """The default parser (spaCy + the learned FACTUAL lexicon), loaded once."""
    return CaptionParser(ParserConfig())


@pytest.fixture(scope="session")
def facts_of(parser):
    def run(text: str) -> set[tuple[str, ...]]:
        (item,) = list(parser.parse([text]))
        assert item.error is None, item.error
        return {tuple(f) for f in item.graph.facts()}

    return run
