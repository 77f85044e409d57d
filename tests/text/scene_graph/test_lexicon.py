"""Learning word-by-word conventions from annotated captions, on tiny hand-made parses."""

from __future__ import annotations

from pathlib import Path

from text.scene_graph.lexicon import ATTRIBUTE, Lexicon, learn_lexicon, load_lexicon
from text.scene_graph.rules import build_graph
from text.scene_graph.tokens import Parse


def np_on(mod: str, head: str, place: str) -> Parse:
    """'<mod> <head> on <place>' parsed by hand."""
    return Parse(text=[mod, head, "on", place], lemma=[mod, head, "on", place],
                 pos=["NOUN", "NOUN", "ADP", "NOUN"], tag=["NN", "NN", "IN", "NN"],
                 dep=["compound", "ROOT", "prep", "pobj"], head=[1, 1, 1, 2])


def identity(text: str) -> str:
    return " ".join(w for w in text.lower().split() if w not in ("a", "an", "the"))


def test_compounds_and_predicates_are_learned_from_enough_votes() -> None:
    parses = [np_on("brick", "wall", "grass"), np_on("brick", "house", "hill"), np_on("brick", "path", "lawn"),
              np_on("traffic", "light", "pole"), np_on("traffic", "light", "street"), np_on("traffic", "light", "car")]
    gold = [
        [["wall", "is", "brick"], ["wall", "on", "grass"]],
        [["house", "is", "brick"], ["house", "at", "hill"]],
        [["path", "is", "brick"], ["path", "at", "lawn"]],
        [["traffic light", "at", "pole"]],
        [["traffic light", "at", "street"]],
        [["traffic light", "on", "car"]],
    ]
    lex = learn_lexicon(lambda lexicon: [build_graph(p, lexicon) for p in parses], gold, identity, min_votes=3,
                        min_share=0.6)
    assert lex.compound("brick", "wall") == ATTRIBUTE  # 3 of 3 votes
    assert lex.compound("traffic", "light") == "merge"
    assert lex.predicate_map == {"on": "at"}  # 4 of 6 votes
    assert build_graph(np_on("brick", "shed", "road"), lex).facts() == [["shed", "is", "brick"], ["shed", "at", "road"]]
    strict = learn_lexicon(lambda lexicon: [build_graph(p, lexicon) for p in parses], gold, identity, min_votes=3,
                           min_share=0.7)
    assert strict.predicate_map == {} and strict.compound("brick", "wall") == ATTRIBUTE


def test_json_round_trip_and_the_builtin_lexicon(tmp_path: Path) -> None:
    lex = Lexicon(compound_modifiers={"brick": ATTRIBUTE}, adjective_prefixes=frozenset({"dark"}),
                  predicate_map={"beneath": "under"}, source="test")
    path = tmp_path / "lex.json"
    path.write_text(lex.to_json())
    assert load_lexicon(str(path)) == lex
    assert load_lexicon("none") == Lexicon()
    builtin = load_lexicon("factual")
    assert builtin.source.startswith("learned from") and builtin.predicate_map["beneath"] == "under"
