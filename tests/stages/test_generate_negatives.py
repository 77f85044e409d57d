"""The stage's core: fitted on a split, types by quota, every candidate written with its
plausibility, its verification and the negative's own graph."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from stages.generate_negatives import NegativeParams, fit, negatives_for
from text.scene_graph.parser import CaptionParser, Parsed, ParseParams

PARSE = ParseParams(backend="spacy", spacy_model="en_core_web_sm", stanza_dir="", lexicon="factual",
                    batch_size=16, max_chars=1000, texts_per_task=100, partition_rows=100)
PARAMS = NegativeParams(types=("replace-att", "swap-att"), per_caption=1, max_rounds=2, candidates_per_type=4,
                        min_plausibility=-100.0, fit_split="train", lm_order=3, seed=0, captions_per_task=10,
                        partition_rows=10)
TRAIN = ["A green circle above a yellow square.", "A green circle.", "A yellow square.", "A blue circle.",
         "A red square.", "A yellow square below a green circle."]
TEST = ["A red circle to the left of a blue square.", "A red circle to the right of a blue square."]


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    parser = CaptionParser(PARSE.parser_config())
    texts = TRAIN + TEST
    out = []
    for k, (text, parsed) in enumerate(zip(texts, parser.parse(texts), strict=True)):
        split = "train" if k < len(TRAIN) else "test"
        out.append({"caption_id": f"c{k}", "image_id": f"i{k}", "split": split, "caption": text, "error": None,
                    **parsed.graph.to_dict()})
    return out


def test_each_negative_carries_its_plausibility_and_the_graph_its_verification_parsed(rows) -> None:
    test = [r for r in rows if r["split"] == "test"][:1]
    params = replace(PARAMS, types=("swap-att",))
    (neg,) = negatives_for(test, params, PARSE.parser_config(), fit(rows, params)).to_pylist()
    assert neg["negative"] == "A blue circle to the left of a red square." and neg["verified"]
    assert neg["read_whole"]  # the re-parse read nothing away from the edit otherwise than the caption
    assert math.isfinite(neg["plausibility"])
    assert neg["tokens"][:3] == ["A", "blue", "circle"]
    assert {o["lemma"]: o["attributes"] for o in neg["objects"]} == {"circle": ["blue"], "square": ["red"]}
    (rel,) = neg["relations"]
    assert (neg["objects"][rel["subject"]]["lemma"], neg["objects"][rel["object"]]["lemma"]) == ("circle", "square")


def test_types_by_quota_each_caption_gets_the_scarcest_type_it_allows(rows) -> None:
    test = [r for r in rows if r["split"] == "test"]
    table = negatives_for(test, PARAMS, PARSE.parser_config(), fit(rows, PARAMS)).to_pylist()
    verified = [(n["caption_id"], n["type"]) for n in table if n["verified"]]
    assert sorted(t for _, t in verified) == ["replace-att", "swap-att"]  # not the same type twice
    assert len({c for c, _ in verified}) == 2


def test_fitted_on_the_fit_split_or_on_all_captions_when_it_is_absent(rows) -> None:
    fitted = fit(rows, PARAMS)
    assert (fitted.fit_split, fitted.fit_captions) == ("train", len(TRAIN))
    assert fitted.words.noun_attributes[("circle", "green")] == 3 and fitted.words.noun_attributes[("circle", "red")] == 0
    fallback = fit(rows, replace(PARAMS, fit_split="restval"))
    assert (fallback.fit_split, fallback.fit_captions) == ("", len(rows))


def test_implausible_candidates_are_not_tried(rows) -> None:
    test = [r for r in rows if r["split"] == "test"]
    strict = replace(PARAMS, min_plausibility=5.0)
    assert negatives_for(test, strict, PARSE.parser_config(), fit(rows, strict)).num_rows == 0


def test_a_caption_whose_candidates_failed_gets_more_at_once(rows) -> None:
    """The parser misreads some captions whatever the edit: after a failure, two types at once."""
    from collections import Counter

    from stages.generate_negatives import _Caption, _schedule

    test = [r for r in rows if r["split"] == "test"][:1]
    fitted = fit(rows, PARAMS)
    fresh, failed = _Caption(test[0]), _Caption(test[0], failed=1)
    assert len(_schedule([fresh], PARAMS, fitted, Counter())) == 1
    assert sorted(k for _, k in _schedule([failed], PARAMS, fitted, Counter())) == ["replace-att", "swap-att"]


def test_a_caption_with_no_careful_candidate_is_given_the_others(rows) -> None:
    """Both colours read on both objects: nothing careful is left, so the misread candidates are
    tried (verification still decides) rather than the caption getting none."""
    from collections import Counter

    from stages.generate_negatives import _Caption, _schedule

    row = dict([r for r in rows if r["split"] == "test"][0])
    row["objects"] = [dict(o, attributes=["red", "blue"]) for o in row["objects"]]
    fitted = fit(rows, PARAMS)
    c = _Caption(row)
    assert [k for _, k in _schedule([c], replace(PARAMS, types=("replace-att",)), fitted, Counter())] == ["replace-att"]
    assert not c.careful


def test_with_verify_with_either_the_rules_can_verify_what_the_parser_missed() -> None:
    """The parser's miss stands unless the rules read exactly the declared edit in both captions."""
    from stages.generate_negatives import _Caption, _second_reading
    from text.negatives.edits import Negative

    rules = CaptionParser(replace(PARSE, mode="rules").parser_config())
    caption = _Caption({"caption": "A man sitting on a bench."})
    swapped = Negative("replace-obj", "A woman sitting on a bench.", "man", "woman", 2, 5)
    mislabelled = Negative("replace-rel", "A woman sitting on a bench.", "man", "woman", 2, 5)
    tried = [(caption, "replace-obj", swapped), (caption, "replace-rel", mislabelled)]
    assert _second_reading(rules, tried, ["other", "other"]) == ["replace-obj", "other"]
    assert _second_reading(rules, tried[:1], ["replace-obj"]) == ["replace-obj"]  # nothing to re-read
    assert caption.rules_graph and caption.rules_graph["objects"][0]["name"] == "man"
    # the learned parser's readings carry the rules' graph of each candidate: read, not re-parsed
    own, edited = (p.graph for p in rules.parse(["A man sitting on a bench.", "A woman sitting on a bench."]))
    read = [Parsed(own, None, rules=edited), Parsed(own, None, rules=edited)]
    assert _second_reading(rules, tried, ["other", "other"], read) == ["replace-obj", "other"]
    read = [Parsed(edited, None, rules=own), Parsed(edited, None, rules=own)]
    assert _second_reading(rules, tried, ["other", "other"], read) == ["other", "other"]
