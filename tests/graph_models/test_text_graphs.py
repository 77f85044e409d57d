"""graph_models.text_graphs: the word index, caption graphs, their types, batches and HeteroData."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.testing import assert_close
from torch_geometric.data import Batch

from graph_models.text_graphs import (
    FOLLOW_BATCH,
    HETERO_EDGE_TYPES,
    NODE_WORDS,
    PAD,
    UNK,
    CaptionGraph,
    EdgeType,
    NodeType,
    TextBank,
    WordIndex,
    encode_caption,
    graph_words,
    padded_tokens,
    to_hetero,
)

OBJECT, ATTRIBUTE, RELATION = NodeType.OBJECT, NodeType.ATTRIBUTE, NodeType.RELATION
A2O, O2A = EdgeType.ATTRIBUTE_TO_OBJECT, EdgeType.OBJECT_TO_ATTRIBUTE
S2R, R2S = EdgeType.SUBJECT_TO_RELATION, EdgeType.RELATION_TO_SUBJECT
R2O, O2R = EdgeType.RELATION_TO_OBJECT, EdgeType.OBJECT_TO_RELATION

RED_CIRCLE_LEFT_OF_BLUE_SQUARE = {
    "tokens": "a red circle left of a blue square".split(),
    "objects": [{"lemma": "circle", "attributes": ["red"], "count": None},
                {"lemma": "square", "attributes": ["blue"], "count": None}],
    "relations": [{"subject": 0, "object": 1, "predicate": "left of"}],
}


def vocab_of(*rows: dict) -> WordIndex:
    return WordIndex.build((graph_words(r) for r in rows), min_count=1)


def words(vocab: WordIndex, *text: str) -> list[list[int]]:
    """Node word rows: each text's ids, the last NODE_WORDS of them, padded."""
    return [vocab.ids(t.split(), NODE_WORDS) for t in text]


# --- WordIndex ----------------------------------------------------------------------------------


def test_vocabulary_reserves_pad_and_unknown() -> None:
    vocab = WordIndex(["circle", "red"])
    assert vocab.words == ["<pad>", "<unk>", "circle", "red"]
    assert len(vocab) == 4
    assert (PAD, UNK) == (0, 1)
    assert vocab.ids(["red", "circle", "hexagon"]) == [3, 2, UNK]


def test_vocabulary_build_lowercases_and_applies_min_count() -> None:
    vocab = WordIndex.build([["Red", "red", "Circle"], ["RED", "square", "square"]], min_count=2)
    assert vocab.words == ["<pad>", "<unk>", "red", "square"]  # circle occurs once
    assert vocab.ids(["RED", "Square", "circle"]) == [2, 3, UNK]


def test_vocabulary_ids_with_length_keep_the_last_words_and_pad() -> None:
    vocab = WordIndex(["a", "b", "c", "d", "e"])
    a, b, c, d, e = vocab.ids(list("abcde"))
    assert vocab.ids(list("abcde"), 3) == [c, d, e]  # the head of "traffic light" is "light"
    assert vocab.ids(["a"], 3) == [a, PAD, PAD]
    assert vocab.ids([], 2) == [PAD, PAD]
    assert vocab.ids(list("abc"), 3) == [a, b, c]


def test_graph_words_cover_tokens_objects_attributes_counts_and_predicates() -> None:
    row = {"tokens": ["two", "dogs"], "objects": [{"lemma": "hot dog", "attributes": ["very brown"], "count": "two"}],
           "relations": [{"subject": 0, "object": 0, "predicate": "next to"}]}
    assert graph_words(row) == ["two", "dogs", "hot", "dog", "very", "brown", "two", "next", "to"]


# --- encode_caption -----------------------------------------------------------------------------


def test_encode_caption_nodes_edges_and_triples() -> None:
    vocab = vocab_of(RED_CIRCLE_LEFT_OF_BLUE_SQUARE)
    enc = encode_caption(RED_CIRCLE_LEFT_OF_BLUE_SQUARE, vocab)
    # nodes: 0 circle, 1 red, 2 square, 3 blue, 4 "left of"
    np.testing.assert_array_equal(enc.tokens, vocab.ids(RED_CIRCLE_LEFT_OF_BLUE_SQUARE["tokens"]))
    np.testing.assert_array_equal(enc.x, words(vocab, "circle", "red", "square", "blue", "left of"))
    np.testing.assert_array_equal(enc.node_type, [OBJECT, ATTRIBUTE, OBJECT, ATTRIBUTE, RELATION])
    edges = sorted(zip(*enc.edge_index.tolist(), enc.edge_type.tolist(), strict=True))
    assert edges == sorted([(1, 0, A2O), (0, 1, O2A), (3, 2, A2O), (2, 3, O2A),
                            (0, 4, S2R), (4, 0, R2S), (4, 2, R2O), (2, 4, O2R)])
    assert enc.edge_index.shape == (2, 8) and enc.edge_index.dtype == np.int64
    np.testing.assert_array_equal(enc.triples, [[0, 4, 2]])  # subject, relation, object


def test_encode_caption_count_is_an_attribute_node() -> None:
    row = {"tokens": "two brown dogs".split(), "objects": [{"lemma": "dog", "attributes": ["brown"], "count": "two"}],
           "relations": []}
    vocab = vocab_of(row)
    enc = encode_caption(row, vocab)
    np.testing.assert_array_equal(enc.x, words(vocab, "dog", "brown", "two"))
    np.testing.assert_array_equal(enc.node_type, [OBJECT, ATTRIBUTE, ATTRIBUTE])
    assert sorted(zip(*enc.edge_index.tolist(), enc.edge_type.tolist(), strict=True)) == sorted(
        [(1, 0, A2O), (0, 1, O2A), (2, 0, A2O), (0, 2, O2A)])
    assert enc.triples.shape == (0, 3)


def test_encode_caption_relation_between_same_object_indices_in_order() -> None:
    row = {"tokens": "a man on a horse".split(), "objects": [{"lemma": "man", "attributes": [], "count": None},
                                                             {"lemma": "horse", "attributes": [], "count": None}],
           "relations": [{"subject": 1, "object": 0, "predicate": "under"}]}
    enc = encode_caption(row, vocab_of(row))
    np.testing.assert_array_equal(enc.triples, [[1, 2, 0]])  # horse, under, man


@pytest.mark.parametrize("objects", [[], None])
def test_encode_caption_without_objects_gets_one_object_node_of_its_first_words(objects: list | None) -> None:
    row = {"tokens": "there is nothing to parse here".split(), "objects": objects, "relations": None}
    vocab = vocab_of({**row, "objects": []})
    enc = encode_caption(row, vocab)
    np.testing.assert_array_equal(enc.x, [vocab.ids("there is nothing to".split())])
    np.testing.assert_array_equal(enc.node_type, [OBJECT])
    assert enc.edge_index.shape == (2, 0) and enc.edge_type.shape == (0,) and enc.triples.shape == (0, 3)


def test_encode_caption_without_tokens_gets_one_unknown_token() -> None:
    enc = encode_caption({"tokens": None, "objects": None, "relations": None}, WordIndex([]))
    np.testing.assert_array_equal(enc.tokens, [UNK])
    np.testing.assert_array_equal(enc.x, [[UNK, PAD, PAD, PAD]])


# --- TextBank.batch -----------------------------------------------------------------------------


def test_text_bank_batch_offsets_padding_and_batch_vectors(shapes) -> None:
    c4, c3 = encode_caption(shapes.rows[4], shapes.words), encode_caption(shapes.rows[3], shapes.words)
    bank = TextBank([c3, c4])
    batch = bank.batch([1, 0])  # c4 (2 nodes, 3 tokens) then c3 (6 nodes, 7 tokens)
    assert isinstance(batch, Batch) and batch.num_graphs == 2
    tokens, lengths = padded_tokens(batch)
    assert_close(lengths, torch.tensor([3, 7]))
    expected_tokens = torch.zeros(2, 7, dtype=torch.int64)
    expected_tokens[0, :3] = torch.from_numpy(c4.tokens)
    expected_tokens[1] = torch.from_numpy(c3.tokens)
    assert_close(tokens, expected_tokens)
    assert_close(batch.x, torch.from_numpy(np.concatenate([c4.x, c3.x])))
    assert_close(batch.node_type, torch.from_numpy(np.concatenate([c4.node_type, c3.node_type])))
    assert_close(batch.batch, torch.tensor([0, 0, 1, 1, 1, 1, 1, 1]))
    # c3's nodes, edges and triples move up by c4's two nodes
    assert_close(batch.edge_index, torch.from_numpy(np.concatenate([c4.edge_index, c3.edge_index + 2], axis=1)))
    assert_close(batch.edge_type, torch.from_numpy(np.concatenate([c4.edge_type, c3.edge_type])))
    assert_close(batch.triples, torch.from_numpy(c3.triples + 2))
    assert_close(batch.triples, torch.tensor([[2, 7, 5]]))  # triangle, above, circle of c3
    assert_close(batch.triples_batch, torch.tensor([1]))


def test_text_bank_batch_of_the_same_caption_twice_duplicates_its_structure(shapes) -> None:
    c0 = encode_caption(shapes.rows[0], shapes.words)
    batch = TextBank([c0]).batch([0, 0])
    n = len(c0.x)
    assert_close(padded_tokens(batch)[0], torch.from_numpy(np.stack([c0.tokens, c0.tokens])))
    assert_close(batch.batch, torch.tensor([0] * n + [1] * n))
    assert_close(batch.edge_index, torch.from_numpy(np.concatenate([c0.edge_index, c0.edge_index + n], axis=1)))
    assert_close(batch.edge_type, torch.from_numpy(np.concatenate([c0.edge_type, c0.edge_type])))
    assert_close(batch.triples, torch.from_numpy(np.concatenate([c0.triples, c0.triples + n])))
    assert_close(batch.triples_batch, torch.tensor([0, 1]))


def test_text_bank_length_and_dtypes(shapes) -> None:
    bank = TextBank([encode_caption(r, shapes.words) for r in shapes.rows])
    assert len(bank) == 5
    batch = bank.batch([0, 4])
    assert batch.edge_index.dtype == batch.tokens.dtype == batch.triples.dtype == torch.int64
    assert batch.triples.shape == (1, 3) and batch.triples_batch.tolist() == [0]  # c4 has no relation


@pytest.mark.parametrize("indices", [[0, 1, 2, 3, 4], [4, 3], [2], [1, 1, 0]])
def test_text_bank_batch_equals_pyg_collating_the_graphs(shapes, indices: list[int]) -> None:
    bank = TextBank([encode_caption(r, shapes.words) for r in shapes.rows])
    ours = bank.batch(indices)
    pyg = Batch.from_data_list([bank.graph(i) for i in indices], follow_batch=list(FOLLOW_BATCH))
    assert sorted(ours.keys()) == sorted(pyg.keys())
    for key in pyg.keys():
        assert torch.equal(ours[key], pyg[key]), key
    assert ours.num_graphs == pyg.num_graphs and ours.num_nodes == pyg.num_nodes
    for got, want in zip(ours.to_data_list(), [bank.graph(i) for i in indices], strict=True):
        assert isinstance(got, CaptionGraph)
        for key in want.keys():
            assert torch.equal(got[key], want[key]), key


def test_a_batch_moves_to_a_device_with_pyg_to(shapes) -> None:
    batch = TextBank([encode_caption(r, shapes.words) for r in shapes.rows]).batch([0, 3])
    moved = batch.to("cpu")
    assert torch.equal(moved.triples, batch.triples) and moved.num_graphs == 2


# --- the edge types: which nodes each joins -----------------------------------------------------


def test_every_edge_joins_the_node_types_its_type_names(shapes) -> None:
    """For each edge, the types of its two end nodes are the source and target of its
    HeteroData triple; and subject and object roles come from the relation triples."""
    for row in shapes.rows:
        enc = encode_caption(row, shapes.words)
        names = {t.value: t.name.lower() for t in NodeType}
        subject_of = {p: s for s, p, _ in enc.triples}
        object_of = {p: o for _, p, o in enc.triples}
        for (src, dst), kind in zip(enc.edge_index.T, enc.edge_type, strict=True):
            source, _, target = HETERO_EDGE_TYPES[EdgeType(kind)]
            assert (names[enc.node_type[src]], names[enc.node_type[dst]]) == (source, target)
            if kind == S2R:
                assert subject_of[dst] == src
            if kind == R2S:
                assert subject_of[src] == dst
            if kind == R2O:
                assert object_of[src] == dst
            if kind == O2R:
                assert object_of[dst] == src


def test_node_and_edge_type_values_are_the_embedding_rows_the_encoder_learns() -> None:
    assert [int(t) for t in NodeType] == [0, 1, 2]
    assert [int(t) for t in EdgeType] == list(range(6))
    assert set(HETERO_EDGE_TYPES) == set(EdgeType)
    assert len(set(HETERO_EDGE_TYPES.values())) == len(EdgeType)


def test_to_hetero_puts_each_edge_under_its_node_types(shapes) -> None:
    enc = encode_caption(shapes.rows[3], shapes.words)  # two green triangles above a red circle
    graph = CaptionGraph(**{k: torch.from_numpy(v) for k, v in vars(enc).items()})
    hetero = to_hetero(graph)
    # nodes: 0 triangle, 1 green, 2 two, 3 circle, 4 red, 5 above
    assert hetero["object"].node_index.tolist() == [0, 3]
    assert hetero["attribute"].node_index.tolist() == [1, 2, 4]
    assert hetero["relation"].node_index.tolist() == [5]
    assert_close(hetero["relation"].x, graph.x[[5]])
    describes = hetero["attribute", "describes", "object"].edge_index
    assert sorted(map(tuple, describes.T.tolist())) == [(0, 0), (1, 0), (2, 1)]  # green, two -> triangle; red -> circle
    assert hetero["object", "subject_of", "relation"].edge_index.T.tolist() == [[0, 0]]
    assert hetero["relation", "has_object", "object"].edge_index.T.tolist() == [[0, 1]]
    assert sum(hetero[t].edge_index.shape[1] for t in hetero.edge_types) == enc.edge_index.shape[1]
    hetero.validate()
