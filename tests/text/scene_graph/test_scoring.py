from __future__ import annotations

from text.scene_graph.scoring import normalizer, parse_factual, score


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
