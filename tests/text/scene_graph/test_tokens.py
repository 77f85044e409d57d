"""Universal Dependencies parses (stanza's output) become the shape the rules read."""

from __future__ import annotations

from text.scene_graph.rules import build_graph
from text.scene_graph.tokens import from_ud


def ud(*rows: tuple[str, str, str, str, int, str]) -> list[dict]:
    return [{"text": t, "lemma": l, "upos": u, "xpos": x, "head": h, "deprel": d} for t, l, u, x, h, d in rows]


def test_preposition_hangs_on_the_verb_and_the_noun_on_the_preposition() -> None:
    # a man sitting on a bench
    p = from_ud(ud(("a", "a", "DET", "DT", 2, "det"), ("man", "man", "NOUN", "NN", 0, "root"),
                   ("sitting", "sit", "VERB", "VBG", 2, "acl"), ("on", "on", "ADP", "IN", 6, "case"),
                   ("a", "a", "DET", "DT", 6, "det"), ("bench", "bench", "NOUN", "NN", 3, "obl")))
    assert (p.dep[3], p.head[3], p.dep[5], p.head[5]) == ("prep", 2, "pobj", 3)
    assert build_graph(p).facts() == [["man", "sit on", "bench"]]


def test_copula_clauses_are_headed_by_be() -> None:
    # the car is red / the car is on the road
    p = from_ud(ud(("the", "the", "DET", "DT", 2, "det"), ("car", "car", "NOUN", "NN", 4, "nsubj"),
                   ("is", "be", "AUX", "VBZ", 4, "cop"), ("red", "red", "ADJ", "JJ", 0, "root")))
    assert (p.dep[2], p.dep[3], p.head[1]) == ("ROOT", "acomp", 2)
    assert build_graph(p).facts() == [["car", "is", "red"]]
    p = from_ud(ud(("the", "the", "DET", "DT", 2, "det"), ("car", "car", "NOUN", "NN", 6, "nsubj"),
                   ("is", "be", "AUX", "VBZ", 6, "cop"), ("on", "on", "ADP", "IN", 6, "case"),
                   ("the", "the", "DET", "DT", 6, "det"), ("road", "road", "NOUN", "NN", 0, "root")))
    assert build_graph(p).facts() == [["car", "on", "road"]]


def test_passive_agent_and_multiword_preposition() -> None:
    # a wave ridden by a surfer
    p = from_ud(ud(("a", "a", "DET", "DT", 2, "det"), ("wave", "wave", "NOUN", "NN", 0, "root"),
                   ("ridden", "ride", "VERB", "VBN", 2, "acl"), ("by", "by", "ADP", "IN", 6, "case"),
                   ("a", "a", "DET", "DT", 6, "det"), ("surfer", "surfer", "NOUN", "NN", 3, "obl:agent")))
    assert build_graph(p).facts() == [["surfer", "ride", "wave"]]
    # a cat in front of a dog (UD: "in front of" as case + fixed)
    p = from_ud(ud(("a", "a", "DET", "DT", 2, "det"), ("cat", "cat", "NOUN", "NN", 0, "root"),
                   ("in", "in", "ADP", "IN", 7, "case"), ("front", "front", "NOUN", "NN", 3, "fixed"),
                   ("of", "of", "ADP", "IN", 3, "fixed"), ("a", "a", "DET", "DT", 7, "det"),
                   ("dog", "dog", "NOUN", "NN", 2, "nmod")))
    assert build_graph(p).facts() == [["cat", "in front of", "dog"]]
