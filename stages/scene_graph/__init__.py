"""Caption parsing into text scene graphs: backends, rules, facts and scoring."""

from stages.scene_graph.graph import TextObject, TextRelation, TextSceneGraph
from stages.scene_graph.lexicon import Lexicon, load_lexicon
from stages.scene_graph.rules import DEFAULT_LEXICON, build_graph

__all__ = ["DEFAULT_LEXICON", "Lexicon", "load_lexicon", "TextObject", "TextRelation", "TextSceneGraph", "build_graph"]
