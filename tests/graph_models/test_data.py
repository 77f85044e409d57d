"""graph_models.data: vocabulary, caption graphs, text batches, region batches, the region store."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.testing import assert_close

from graph_models.data import (
    EDGE_TYPES,
    NODE_TYPES,
    NODE_WORDS,
    PAD,
    UNK,
    ImageRegions,
    RegionStore,
    TextBank,
    Vocabulary,
    collate_regions,
    encode_caption,
    graph_words,
    image_regions,
)

OBJECT, ATTRIBUTE, RELATION = (NODE_TYPES.index(t) for t in ("object", "attribute", "relation"))
A2O, O2A, S2R, R2S, R2O, O2R = (EDGE_TYPES.index(t) for t in EDGE_TYPES)

RED_CIRCLE_LEFT_OF_BLUE_SQUARE = {
    "tokens": "a red circle left of a blue square".split(),
    "objects": [{"lemma": "circle", "attributes": ["red"], "count": None},
                {"lemma": "square", "attributes": ["blue"], "count": None}],
    "relations": [{"subject": 0, "object": 1, "predicate": "left of"}],
}


def vocab_of(*rows: dict) -> Vocabulary:
    return Vocabulary.build((graph_words(r) for r in rows), min_count=1)


def words(vocab: Vocabulary, *text: str) -> list[list[int]]:
    """Node word rows: each text's ids, the last NODE_WORDS of them, padded."""
    return [vocab.ids(t.split(), NODE_WORDS) for t in text]


# --- Vocabulary ---------------------------------------------------------------------------------


def test_vocabulary_reserves_pad_and_unknown() -> None:
    vocab = Vocabulary(["circle", "red"])
    assert vocab.words == ["<pad>", "<unk>", "circle", "red"]
    assert len(vocab) == 4
    assert (PAD, UNK) == (0, 1)
    assert vocab.ids(["red", "circle", "hexagon"]) == [3, 2, UNK]


def test_vocabulary_build_lowercases_and_applies_min_count() -> None:
    vocab = Vocabulary.build([["Red", "red", "Circle"], ["RED", "square", "square"]], min_count=2)
    assert vocab.words == ["<pad>", "<unk>", "red", "square"]  # circle occurs once
    assert vocab.ids(["RED", "Square", "circle"]) == [2, 3, UNK]


def test_vocabulary_ids_with_length_keep_the_last_words_and_pad() -> None:
    vocab = Vocabulary(["a", "b", "c", "d", "e"])
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
    np.testing.assert_array_equal(enc.node_words, words(vocab, "circle", "red", "square", "blue", "left of"))
    np.testing.assert_array_equal(enc.node_type, [OBJECT, ATTRIBUTE, OBJECT, ATTRIBUTE, RELATION])
    edges = sorted(zip(*enc.edges.tolist(), enc.edge_type.tolist(), strict=True))
    assert edges == sorted([(1, 0, A2O), (0, 1, O2A), (3, 2, A2O), (2, 3, O2A),
                            (0, 4, S2R), (4, 0, R2S), (4, 2, R2O), (2, 4, O2R)])
    assert enc.edges.shape == (2, 8) and enc.edges.dtype == np.int64
    np.testing.assert_array_equal(enc.triples, [[0, 4, 2]])  # subject, relation, object


def test_encode_caption_count_is_an_attribute_node() -> None:
    row = {"tokens": "two brown dogs".split(), "objects": [{"lemma": "dog", "attributes": ["brown"], "count": "two"}],
           "relations": []}
    vocab = vocab_of(row)
    enc = encode_caption(row, vocab)
    np.testing.assert_array_equal(enc.node_words, words(vocab, "dog", "brown", "two"))
    np.testing.assert_array_equal(enc.node_type, [OBJECT, ATTRIBUTE, ATTRIBUTE])
    assert sorted(zip(*enc.edges.tolist(), enc.edge_type.tolist(), strict=True)) == sorted(
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
    np.testing.assert_array_equal(enc.node_words, [vocab.ids("there is nothing to".split())])
    np.testing.assert_array_equal(enc.node_type, [OBJECT])
    assert enc.edges.shape == (2, 0) and enc.edge_type.shape == (0,) and enc.triples.shape == (0, 3)


def test_encode_caption_without_tokens_gets_one_unknown_token() -> None:
    enc = encode_caption({"tokens": None, "objects": None, "relations": None}, Vocabulary([]))
    np.testing.assert_array_equal(enc.tokens, [UNK])
    np.testing.assert_array_equal(enc.node_words, [[UNK, PAD, PAD, PAD]])


# --- TextBank.batch -----------------------------------------------------------------------------


def test_text_bank_batch_offsets_padding_and_batch_vectors(shapes) -> None:
    c4, c3 = encode_caption(shapes.rows[4], shapes.vocab), encode_caption(shapes.rows[3], shapes.vocab)
    bank = TextBank([c3, c4])
    batch = bank.batch([1, 0])  # c4 (2 nodes, 3 tokens) then c3 (6 nodes, 7 tokens)
    assert batch.size == 2
    assert_close(batch.lengths, torch.tensor([3, 7]))
    expected_tokens = torch.zeros(2, 7, dtype=torch.int64)
    expected_tokens[0, :3] = torch.from_numpy(c4.tokens)
    expected_tokens[1] = torch.from_numpy(c3.tokens)
    assert_close(batch.tokens, expected_tokens)
    assert_close(batch.node_words, torch.from_numpy(np.concatenate([c4.node_words, c3.node_words])))
    assert_close(batch.node_type, torch.from_numpy(np.concatenate([c4.node_type, c3.node_type])))
    assert_close(batch.node_batch, torch.tensor([0, 0, 1, 1, 1, 1, 1, 1]))
    # c3's nodes, edges and triples move up by c4's two nodes
    assert_close(batch.edge_index, torch.from_numpy(np.concatenate([c4.edges, c3.edges + 2], axis=1)))
    assert_close(batch.edge_type, torch.from_numpy(np.concatenate([c4.edge_type, c3.edge_type])))
    assert_close(batch.triples, torch.from_numpy(c3.triples + 2))
    assert_close(batch.triples, torch.tensor([[2, 7, 5]]))  # triangle, above, circle of c3
    assert_close(batch.triple_batch, torch.tensor([1]))


def test_text_bank_batch_of_the_same_caption_twice_duplicates_its_structure(shapes) -> None:
    c0 = encode_caption(shapes.rows[0], shapes.vocab)
    batch = TextBank([c0]).batch([0, 0])
    n = len(c0.node_words)
    assert_close(batch.tokens, torch.from_numpy(np.stack([c0.tokens, c0.tokens])))
    assert_close(batch.node_batch, torch.tensor([0] * n + [1] * n))
    assert_close(batch.edge_index, torch.from_numpy(np.concatenate([c0.edges, c0.edges + n], axis=1)))
    assert_close(batch.edge_type, torch.from_numpy(np.concatenate([c0.edge_type, c0.edge_type])))
    assert_close(batch.triples, torch.from_numpy(np.concatenate([c0.triples, c0.triples + n])))
    assert_close(batch.triple_batch, torch.tensor([0, 1]))


def test_text_bank_length_and_dtypes(shapes) -> None:
    bank = TextBank([encode_caption(r, shapes.vocab) for r in shapes.rows])
    assert len(bank) == 5
    batch = bank.batch([0, 4])
    assert batch.edge_index.dtype == batch.tokens.dtype == batch.triples.dtype == torch.int64
    assert batch.triples.shape == (1, 3) and batch.triple_batch.tolist() == [0]  # c4 has no relation


# --- image_regions and collate_regions ----------------------------------------------------------


def region_row(boxes: list[list[float]], width: int = 100, height: int = 50) -> dict:
    return {"boxes": boxes, "width": width, "height": height, "edge_src": [0], "edge_dst": [1],
            "edge_attr": [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]]}


def test_image_regions_normalises_boxes_by_width_and_height_and_adds_area() -> None:
    features = np.arange(8, dtype=np.float32).reshape(2, 4)
    im = image_regions(region_row([[10, 10, 40, 40], [50, 0, 100, 50]]), features, 4)
    assert_close(torch.from_numpy(im.boxes), torch.tensor([[0.1, 0.2, 0.4, 0.8, 0.3 * 0.6],
                                                           [0.5, 0.0, 1.0, 1.0, 0.5]]))
    assert im.features is features
    np.testing.assert_array_equal(im.edges, [[0], [1]])
    assert im.edge_attr.shape == (1, 7) and im.edge_attr.dtype == np.float32


def test_image_regions_without_matching_boxes_has_zero_geometry() -> None:
    im = image_regions(region_row([]), np.ones((2, 4), np.float32), 4)
    np.testing.assert_array_equal(im.boxes, np.zeros((2, 5), np.float32))


def test_image_without_regions_gets_one_zero_region() -> None:
    im = image_regions({"boxes": [], "width": None, "height": None, "edge_src": [], "edge_dst": [], "edge_attr": []},
                       np.zeros((0, 0), np.float32), 4)
    np.testing.assert_array_equal(im.features, np.zeros((1, 4)))
    np.testing.assert_array_equal(im.boxes, np.zeros((1, 5)))
    assert im.edges.shape == (2, 0) and im.edge_attr.shape == (0, 7)


def image(n: int, edges: list[tuple[int, int]], value: float) -> ImageRegions:
    return ImageRegions(np.full((n, 3), value, np.float32), np.full((n, 5), value, np.float32),
                        np.array(edges, np.int64).reshape(-1, 2).T.copy(), np.full((len(edges), 7), value, np.float32))


def test_collate_regions_offsets_edges_and_batch_vector() -> None:
    batch = collate_regions([image(2, [(0, 1), (1, 0)], 1.0), image(3, [(2, 0)], 2.0), image(1, [], 3.0)])
    assert batch.num_images == 3
    assert batch.x.shape == (6, 3) and batch.x.dtype == torch.float32
    assert_close(batch.x[:, 0], torch.tensor([1.0, 1.0, 2.0, 2.0, 2.0, 3.0]))
    assert_close(batch.node_batch, torch.tensor([0, 0, 1, 1, 1, 2]))
    assert_close(batch.edge_index, torch.tensor([[0, 1, 4], [1, 0, 2]]))
    assert_close(batch.edge_attr[:, 0], torch.tensor([1.0, 1.0, 2.0]))
    assert batch.boxes.shape == (6, 5)


def test_collate_regions_casts_half_features_to_float32() -> None:
    im = image(2, [], 0.5)
    im.features = im.features.astype(np.float16)
    assert collate_regions([im]).x.dtype == torch.float32


# --- RegionStore --------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path, shapes, write_regions) -> RegionStore:
    """img0 and img1 in row group 0, img2 and an image whose detection failed in row group 1."""
    rows = shapes.region_rows
    failed = {**rows["img0"], "image_id": "failed", "boxes": [], "labels": [], "label_names": [],
              "scores": [], "feature_dim": 0, "features": b"", "edge_src": [], "edge_dst": [], "edge_attr": [],
              "error": "no detection"}
    return RegionStore(write_regions(tmp_path / "regions", [[rows["img0"], rows["img1"]],
                                                             [rows["img2"], failed]]))


def test_region_store_index(store: RegionStore, shapes) -> None:
    assert store.where == {"img0": (0, 0), "img1": (0, 1), "img2": (1, 0), "failed": (1, 1)}
    assert store.feature_dim == shapes.feature_dim
    assert [g.image_ids for g in store.groups] == [("img0", "img1"), ("img2", "failed")]
    assert [g.splits for g in store.groups] == [("train", "train"), ("train", "train")]
    assert "img2" in store and "img9" not in store


def test_region_store_over_several_artifacts_indexes_them_all(tmp_path, shapes, write_regions) -> None:
    rows = shapes.region_rows
    train = write_regions(tmp_path / "train", [[rows["img0"], rows["img1"]]])
    test = write_regions(tmp_path / "test", [[rows["img2"]]])
    store = RegionStore([train, test])
    assert store.where == {"img0": (0, 0), "img1": (0, 1), "img2": (1, 0)}
    np.testing.assert_array_equal(store.load(["img2"])["img2"].features, shapes.images["img2"].features)


def test_region_store_load_returns_the_written_regions(store: RegionStore, shapes) -> None:
    loaded = store.load(["img2", "img0", "failed"])
    assert list(loaded) == ["img2", "img0", "failed"]
    for image_id in ("img2", "img0"):
        got, want = loaded[image_id], shapes.images[image_id]
        np.testing.assert_array_equal(got.features, want.features)
        np.testing.assert_allclose(got.boxes, want.boxes)
        np.testing.assert_array_equal(got.edges, want.edges)
        np.testing.assert_allclose(got.edge_attr, want.edge_attr)
    np.testing.assert_array_equal(loaded["img2"].features[2], [1, 0, 0, 1, 0, 0])  # red circle
    np.testing.assert_array_equal(loaded["failed"].features, np.zeros((1, shapes.feature_dim)))


def test_region_store_load_half_precision_features(tmp_path, shapes, write_regions) -> None:
    row = {**shapes.region_rows["img2"], "feature_dtype": "float16",
           "features": shapes.images["img2"].features.astype(np.float16).tobytes()}
    loaded = RegionStore(write_regions(tmp_path / "regions", [[row]])).load(["img2"])["img2"]
    assert loaded.features.dtype == np.float16
    np.testing.assert_array_equal(loaded.features, shapes.images["img2"].features)


def test_region_store_load_names_missing_images(store: RegionStore) -> None:
    with pytest.raises(KeyError, match="img9"):
        store.load(["img0", "img9"])


def test_region_store_load_groups_reads_every_image_of_the_groups(store: RegionStore) -> None:
    assert list(store.load_groups([1])) == ["img2", "failed"]


@pytest.mark.parametrize("window", [1, 2, 3])
def test_region_store_windows_cover_every_group_once(tmp_path, shapes, write_regions, window: int) -> None:
    rows = [{**shapes.region_rows["img0"], "image_id": f"im{k}"} for k in range(5)]
    store = RegionStore(write_regions(tmp_path / "regions", [[r] for r in rows]))
    wanted = {"im0", "im2", "im3", "im4", "not stored"}
    windows = list(store.windows(wanted, window, np.random.default_rng(0)))
    assert all(1 <= len(w) <= window for w in windows)
    assert sorted(g for w in windows for g in w) == [0, 2, 3, 4]
    assert windows == list(store.windows(wanted, window, np.random.default_rng(0)))  # seeded


def test_region_store_windows_of_size_zero_still_cover_every_group(store: RegionStore) -> None:
    windows = list(store.windows({"img0", "img2"}, 0, np.random.default_rng(0)))
    assert sorted(g for w in windows for g in w) == [0, 1]
