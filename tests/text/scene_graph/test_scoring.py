from __future__ import annotations

from text.scene_graph.scoring import error_kinds, normalizer, parse_factual, score


def test_parse_factual_graph_strings() -> None:
    assert parse_factual("( man , hold , cup ) , ( cup , is , red ) , ( snow )") == [
        ["man", "hold", "cup"], ["cup", "is", "red"], ["snow"]]


def test_scores_on_a_hand_computed_case() -> None:
    # a toy lemmatiser: strip a plural s and map sitting -> sit
    norm = normalizer(lambda xs: [x.replace("sitting", "sit").rstrip("s") for x in xs])
    gold = [norm([["the dogs", "sitting on", "a bench"], ["dog", "is", "brown"]]), norm([["cat"]])]
    pred = [norm([["dog", "sit on", "bench"], ["dog", "is", "black"]]), norm([["cat"]])]
    s = score(pred, gold)
    # 2 of 3 predicted facts right, 2 of 3 gold facts found; one of two captions wholly right
    assert (s["precision"], s["recall"], s["set_match"]) == (0.6667, 0.6667, 0.5)
    assert s["relation"]["f1"] == 1.0 and s["attribute"]["f1"] == 0.0 and s["object"]["f1"] == 1.0
    assert ("dog", "is", "brown") in gold[0]  # "is" is kept as the attribute predicate


def test_error_kinds_say_what_keeps_a_graph_from_matching() -> None:
    gold = "( man , hold , cup ) , ( cup , is , red ) , ( dogs , is , 2 ) , ( dogs , on , grass )"
    same = [["man", "hold", "cup"], ["cup", "is", "red"], ["dogs", "is", "2"], ["dogs", "on", "grass"]]
    assert error_kinds(same, gold) == set()
    assert error_kinds([["man", "carry", "cup"], *same[1:]], gold) == {"predicate wrong"}
    assert error_kinds([["cup", "hold", "man"], *same[1:]], gold) == {"relation direction"}
    assert error_kinds(same, gold + " , ( cup , near , dogs )") == {"relation missing"}
    assert error_kinds(same[1:], gold) == {"object name"}  # no man without his relation
    assert error_kinds([*same, ["man", "near", "dogs"]], gold) == {"relation extra"}
    assert error_kinds([same[0], ["cup", "is", "blue"], *same[2:]], gold) == {"attribute wrong"}
    assert error_kinds([same[0], *same[2:]], gold) == {"attribute missing"}
    assert error_kinds([*same[:2], same[3]], gold) == {"count missing"}
    # a relation to an object the annotation does not name counts under "object name" only
    assert error_kinds([["man", "hold", "red cup"], *same[1:]], gold) == {"object name", "relation missing"}
    assert error_kinds([["man"]], "( woman )") == {"object name", "lone objects"}
