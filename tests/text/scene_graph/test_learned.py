"""The learned parser: training on a tiny slice, saving and loading, and the shipped model."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from text.scene_graph.learned import (
    BUILTIN_WEIGHTS,
    LearnedParser,
    Prediction,
    bio_spans,
    counts_of,
    kept_subjects,
    predicate_span,
    rule_graph,
)
from text.scene_graph.lexicon import load_lexicon
from text.scene_graph.parser import CaptionParser, ParserConfig
from text.scene_graph.scoring import set_match
from text.scene_graph.training import TrainConfig, ensemble, parse_docs, save, train

TINY = [
    ("a red car on the road", "( car , is , red ) , ( car , on , road )"),
    ("a blue car on the street", "( car , is , blue ) , ( car , on , street )"),
    ("a man holding a cup", "( man , hold , cup )"),
    ("a woman holding a bag", "( woman , hold , bag )"),
    ("two dogs on the grass", "( dogs , is , 2 ) , ( dogs , on , grass )"),
    ("a white dog on a couch", "( dog , is , white ) , ( dog , on , couch )"),
    ("a man riding a horse", "( man , ride , horse )"),
    ("a green tree", "( tree , is , green )"),
]


def test_spans_are_read_off_bio_tags() -> None:
    assert bio_spans(["B-ATT", "B-OBJ", "I-OBJ", "O", "I-OBJ"]) == {"objects": [(1, 3), (4, 5)], "attributes": [(0, 1)]}
    assert predicate_span("man sitting on a bench".split(), (0, 1), (4, 5)) == (1, 3)
    assert predicate_span("the man 's head".split(), (1, 2), (3, 4)) == (2, 3)


def test_a_subject_the_network_missed_is_kept_as_an_object() -> None:
    """"An older many ... holds an infant": a network that reads "many" as a quantity loses the
    subject and with it "holds an infant"; the rules' subject of the verb comes back as an object."""
    import spacy

    from text.scene_graph.backends import SPACY_EXCLUDE, resolve_spacy_model

    nlp = spacy.load(resolve_spacy_model("en_core_web_sm"), exclude=SPACY_EXCLUDE)
    doc = nlp("An older many in a navy blue polo shirt holds an infant")
    rules = rule_graph(doc, load_lexicon("factual"))
    missed = Prediction(objects=[(6, 9), (11, 12)], attributes=[(1, 2), (5, 6)])  # "many" in no span
    assert kept_subjects(missed, doc, rules) == [(2, 3), (6, 9), (11, 12)]
    found = Prediction(objects=[(2, 3), (6, 9), (11, 12)], attributes=[(1, 2)])
    assert kept_subjects(found, doc, rules) == found.objects  # nothing added where the network has it


def test_a_count_noun_before_of_is_no_object() -> None:
    """"three pairs of shoes" names shoes: a network that reads "pairs" as an object would write
    (shoes, have, pairs), which the annotation never does."""
    shoes, snow, alone = parse_docs(["three pairs of shoes", "a pile of snow", "shoes in pairs"], 1)
    assert counts_of(shoes, (1, 2)) and not counts_of(shoes, (3, 4))
    assert not counts_of(snow, (1, 2))  # a pile is a thing the annotation names (15 of 34)
    assert not counts_of(alone, (2, 3))


@pytest.mark.parametrize("context", [False, True], ids=["spacy", "minilm"])
def test_a_model_trained_on_a_tiny_slice_learns_it_and_loads_back(tmp_path, context) -> None:
    rows = [{"caption": c, "scene_graph": g} for c, g in TINY] * 4
    # the MiniLM variant reads two shallow layers (only two are run) and drops them for some captions
    config = TrainConfig(epochs=25, batch_size=8, learning_rate=5e-3, min_word_count=1, min_predicate_count=1,
                         threads=1, hidden=48, context=context, context_layers=(1, 2), context_drop=0.2)
    parser, recipe = train(rows, config, processes=1)
    assert recipe["data"]["trained_on"] == len(rows) and len(recipe["history"]) == 25
    out = tmp_path / "tiny.safetensors"
    save(parser, recipe, out)
    assert set(load_file(str(out))) == set(parser.model.state_dict())  # plain tensors, no pickle
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["recipe"]["config"]["epochs"] == 25
    # the decoding tables, counted on the rows: "holding" says hold; "car" is in 16 facts, "road" in 4
    assert meta["vocabularies"]["written"]["hold"] == 1.0
    assert meta["vocabularies"]["label_words"]["car"] == 16 and "road" not in meta["vocabularies"]["label_words"]
    loaded = CaptionParser(ParserConfig(weights=str(out)))
    reloaded = LearnedParser.load(out)
    assert reloaded.model.shape.hidden == 48  # the network's width is saved with it
    if context:  # read back with the layers it was trained on
        assert reloaded.encoder.layers == (1, 2)
    items = list(loaded.parse([c for c, _ in TINY]))
    hits = sum(set_match(item.graph.facts(), g) for item, (_, g) in zip(items, TINY, strict=True))
    assert hits >= len(TINY) - 1, [item.graph.facts() for item in items]
    car = items[0].graph
    assert [(o.name, o.span, o.head) for o in car.objects] == [("car", (1, 3), 2), ("road", (5, 6), 5)]
    assert car.tokens[car.relations[0].span[0]:car.relations[0].span[1]] == ["on"]


def test_networks_trained_apart_load_back_as_one_ensemble(tmp_path) -> None:
    rows = [{"caption": c, "scene_graph": g} for c, g in TINY] * 4
    paths = []
    for seed in (0, 1):
        config = TrainConfig(epochs=20, batch_size=8, learning_rate=5e-3, min_word_count=1, min_predicate_count=1,
                             threads=1, seed=seed)
        parser, recipe = train(rows, config, processes=1)
        paths.append(tmp_path / f"seed{seed}.safetensors")
        save(parser, recipe, paths[-1])
    out = tmp_path / "both.safetensors"
    assert ensemble(paths, out) == 0
    stored = load_file(str(out))
    assert {k.split(".")[0] for k in stored} == {"member0", "member1"}
    assert all(v.dtype == torch.float16 for v in stored.values() if v.is_floating_point())
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["members"] == 2 and [m["config"]["seed"] for m in meta["recipe"]["members"]] == [0, 1]
    both = LearnedParser.load(out)
    assert len(both.models) == 2
    assert not torch.equal(both.models[0].tagger.weight, both.models[1].tagger.weight)
    items = list(CaptionParser(ParserConfig(weights=str(out))).parse([c for c, _ in TINY]))
    hits = sum(set_match(item.graph.facts(), g) for item, (_, g) in zip(items, TINY, strict=True))
    assert hits >= len(TINY) - 1, [item.graph.facts() for item in items]


def test_an_ensemble_file_with_a_stray_tensor_names_the_file() -> None:
    from text.scene_graph.learned import member_states

    one, two = torch.zeros(2), torch.ones(2)
    assert member_states({"member0.tagger.weight": one, "member1.tagger.weight": two}, 2) == [
        {"tagger.weight": one}, {"tagger.weight": two}]
    for stray in ("member2.tagger.weight", "tagger.weight"):  # a third network's, or no network's
        with pytest.raises(ValueError, match=rf"both\.safetensors: tensor '{stray}' belongs to none"):
            member_states({"member0.tagger.weight": one, stray: two}, 2, "both.safetensors")


def test_an_ensemble_of_one_network_twice_reads_what_the_network_reads(tmp_path) -> None:
    rows = [{"caption": c, "scene_graph": g} for c, g in TINY] * 4
    config = TrainConfig(epochs=8, batch_size=8, learning_rate=5e-3, min_word_count=1, min_predicate_count=1,
                         threads=1)
    parser, _ = train(rows, config, processes=1)  # half trained: its probabilities are far from 0 and 1
    twice = LearnedParser([parser.model, parser.model], parser.vocab)
    docs = parse_docs([c for c, _ in TINY] + ["a red dog holding a green cup"], 1)
    assert [vars(p) for p in twice.predict(docs)] == [vars(p) for p in parser.predict(docs)]


def test_the_shipped_weights_are_small_and_safe() -> None:
    assert BUILTIN_WEIGHTS.exists() and BUILTIN_WEIGHTS.stat().st_size <= 20 * 2**20
    meta = json.loads(BUILTIN_WEIGHTS.with_suffix(".json").read_text())
    assert meta["recipe"]["command"].startswith("python -m text.scene_graph.training")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
def test_cuda_parses_as_the_cpu_does() -> None:
    texts = ["a man riding a horse next to a woman", "two red cars parked on the street"]
    cpu = [i.graph.facts() for i in CaptionParser(ParserConfig(device="cpu")).parse(texts)]
    cuda = [i.graph.facts() for i in CaptionParser(ParserConfig(device="cuda")).parse(texts)]
    assert cuda == cpu


def test_both_modes_are_one_setting_apart() -> None:
    learned = CaptionParser(ParserConfig())
    rules = CaptionParser(ParserConfig(mode="rules"))
    assert learned.network is not None and rules.network is None
    assert isinstance(learned.network, LearnedParser) and "learned" in learned.version
    for parser in (learned, rules):
        (item,) = list(parser.parse(["a man holding a cup"]))
        assert item.graph.facts() == [["man", "hold", "cup"]]


def test_the_learned_mode_hands_back_the_rules_reading_of_each_caption() -> None:
    texts = ["A man riding a horse next to a woman.", "three pairs of shoes", "The cat is not on the mat."]
    learned = list(CaptionParser(ParserConfig()).parse(texts))
    rules = list(CaptionParser(ParserConfig(mode="rules")).parse(texts))
    assert [p.rules.to_dict() for p in learned] == [p.graph.to_dict() for p in rules]
    assert all(p.rules is None for p in rules)
    # the network reads its hints with the built-in lexicon: with another one they are not the rules mode's
    other = list(CaptionParser(ParserConfig(lexicon="none")).parse(texts))
    assert all(p.graph is not None and p.rules is None for p in other)


@pytest.mark.parametrize(("caption", "words", "via"), [
    ("A man riding a horse.", ["riding"], "verb"),
    ("A cat sitting under a table.", ["sitting", "under"], "verb"),
    ("A dog on a sofa.", ["on"], "preposition"),
    ("A bench next to a tree.", ["next", "to"], "preposition"),
])
def test_a_relation_says_how_it_is_written(caption, words, via) -> None:
    """The negatives rewrite a relation in its own construction: the learned parser says which."""
    (item,) = list(CaptionParser(ParserConfig()).parse([caption]))
    graph = item.graph
    (rel,) = graph.relations
    assert (graph.tokens[rel.span[0]:rel.span[1]], rel.via) == (words, via)


@pytest.fixture(scope="module")
def default_parser() -> CaptionParser:
    return CaptionParser(ParserConfig())


def test_a_misspelt_label_word_is_respelt_and_a_rare_real_word_is_not(default_parser) -> None:
    """FACTUAL's annotators correct the caption's typos; a real word no training caption held stays."""
    (typo, real) = default_parser.parse(["the potato chips on the white palte", "a bowl of stew on a table"])
    assert ["potato chips", "on", "plate"] in typo.graph.facts()
    assert typo.graph.objects[-1].name == "palte"  # the name stays as written, the label is respelt
    assert "stew" in {o.label for o in real.graph.objects}


def test_a_copied_predicate_gets_its_verb_base_form(default_parser) -> None:
    network = default_parser.network
    assert network.verb_fixed("shin behind") == "shine behind"  # spaCy: shining -> shin
    assert network.verb_fixed("following") == "follow"
    assert network.verb_fixed("sit on") == "sit on" and network.verb_fixed(None) is None


def test_a_class_the_annotation_writes_with_the_caption_words_needs_them(default_parser) -> None:
    network = default_parser.network
    doc = default_parser.backend.nlp("a man holding a cup")
    ruled_out = network.unsaid_classes(doc)
    classes = {p: k + 1 for k, p in enumerate(network.vocab.predicates)}
    assert network.vocab.written["ride"] >= 0.9 and ruled_out[classes["ride"]]
    assert not ruled_out[classes["hold"]]  # said ("holding")
    assert network.vocab.written["have"] < 0.9 and not ruled_out[classes["have"]]  # often implied ("with")


def test_a_plural_related_to_itself_names_one_member(default_parser) -> None:
    (item,) = default_parser.parse(["two similar buses are next to each other ."])
    assert item.graph.facts() == [["bus", "next to", "bus"]]
