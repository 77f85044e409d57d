"""The stage's core: every candidate is written with its verification and the negative's own graph."""

from __future__ import annotations

from stages.generate_negatives import NegativeParams, corpus_vocabulary, negatives_for
from stages.parse_captions import ParseParams
from stages.scene_graph.parser import CaptionParser

PARSE = ParseParams(backend="spacy", spacy_model="en_core_web_sm", stanza_dir="", lexicon="factual",
                    batch_size=16, max_chars=1000, texts_per_task=100, partition_rows=100)


def test_each_negative_carries_the_graph_its_verification_parsed() -> None:
    config = PARSE.parser_config()
    (parsed,) = list(CaptionParser(config).parse(["A red circle to the left of a blue square."]))
    row = {"caption_id": "c0", "image_id": "i0", "split": "train", "caption": "A red circle to the left of a blue square.",
           "error": None, **parsed.graph.to_dict()}
    params = NegativeParams(types=("swap-att",), per_caption=1, max_rounds=1, seed=0, captions_per_task=10,
                            partition_rows=10)
    table = negatives_for([row], params, config, corpus_vocabulary([row]))
    (neg,) = table.to_pylist()
    assert neg["negative"] == "A blue circle to the left of a red square." and neg["verified"]
    assert neg["tokens"][:3] == ["A", "blue", "circle"]
    assert {o["lemma"]: o["attributes"] for o in neg["objects"]} == {"circle": ["blue"], "square": ["red"]}
    (rel,) = neg["relations"]
    assert (neg["objects"][rel["subject"]]["lemma"], neg["objects"][rel["object"]]["lemma"]) == ("circle", "square")
