"""Caption parsing into text scene graphs: backends, rules, facts and scoring."""

from text.scene_graph.graph import TextObject, TextRelation, TextSceneGraph
from text.scene_graph.lexicon import Lexicon, load_lexicon
from text.scene_graph.rules import DEFAULT_LEXICON, build_graph

__all__ = ["DEFAULT_LEXICON", "Lexicon", "load_lexicon", "TextObject", "TextRelation", "TextSceneGraph", "build_graph"]
