"""graph_models.evaluation: batched encoding, the chunked exact matrix and the shortlist."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.testing import assert_close

from graph_models import evaluation
from graph_models.matchers import MATCHERS, Encoded, Matcher
from graph_models.regions import ImageRegions, RegionStore, collate_regions
from graph_models.text_graphs import TextBank, encode_caption

NAMES = MATCHERS.names()

IMAGE_IDS = ["img0", "img1", "img2"]
TOL = {"rtol": 1e-4, "atol": 1e-5}


def encoded(shapes, m: Matcher) -> tuple[Encoded, Encoded]:
    """Every image and caption of the shapes world, each side in one batch."""
    with torch.no_grad():
        images = m.encode_images(collate_regions([shapes.images[i] for i in IMAGE_IDS]))
        texts = m.encode_texts(TextBank([encode_caption(r, shapes.words) for r in shapes.rows]).batch(range(5)))
    return images, texts


@pytest.mark.parametrize("name", NAMES)
def test_encoding_in_batches_equals_encoding_at_once(tmp_path, shapes, write_regions, make_matcher,
                                                     name: str) -> None:
    m = make_matcher(name)
    store = RegionStore(write_regions(tmp_path / "regions", [[shapes.region_rows["img2"], shapes.region_rows["img0"]],
                                                             [shapes.region_rows["img1"]]]))
    bank = TextBank([encode_caption(r, shapes.words) for r in shapes.rows])
    images = evaluation.encode_images(m, store, IMAGE_IDS, batch_size=2, device="cpu")
    texts = evaluation.encode_texts(m, bank, [4, 0, 1, 2, 3], batch_size=2, device="cpu")
    whole_images, whole_texts = encoded(shapes, m)
    assert_close(images.vector, whole_images.vector, **TOL)
    assert_close(texts.vector, whole_texts.vector[[4, 0, 1, 2, 3]], **TOL)
    assert_close(m.score(images, texts), m.score(whole_images, whole_texts)[:, [4, 0, 1, 2, 3]], **TOL)


def test_images_are_read_in_stored_order_so_each_row_group_is_read_once(tmp_path, shapes, write_regions,
                                                                        make_matcher, monkeypatch) -> None:
    rows = shapes.region_rows
    store = RegionStore(write_regions(tmp_path / "regions", [[rows["img0"], rows["img2"]], [rows["img1"]]]))
    reads: list[int] = []
    load_groups = store.load_groups
    monkeypatch.setattr(store, "load_groups", lambda groups: reads.extend(groups) or load_groups(groups))
    images = evaluation.encode_images(make_matcher("fusion"), store, IMAGE_IDS, batch_size=2, device="cpu")
    assert sorted(reads) == [0, 1]  # in the asked order, batch [img0, img1] then [img2] would read group 0 twice
    assert len(images) == 3


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("image_chunk", "text_chunk"), [(2, 3), (1, 4), (5, 2)])
def test_chunked_score_matrix_equals_one_score(shapes, make_matcher, name: str, image_chunk: int,
                                               text_chunk: int) -> None:
    m = make_matcher(name)
    images, texts = encoded(shapes, m)
    matrix = evaluation.score_matrix(m, images, texts, image_chunk, text_chunk)
    assert matrix.shape == (3, 5) and matrix.dtype == np.float32
    with torch.no_grad():
        assert_close(torch.from_numpy(matrix), m.score(images, texts), **TOL)


@pytest.mark.parametrize("name", NAMES)
def test_shortlist_with_k_of_every_caption_is_the_exact_matrix(shapes, make_matcher, name: str) -> None:
    m = make_matcher(name)
    images, texts = encoded(shapes, m)
    exact = evaluation.score_matrix(m, images, texts, 2, 2)
    for k in (5, 7):
        np.testing.assert_allclose(evaluation.shortlist_matrix(m, images, texts, k=k), exact, rtol=1e-4,
                                   atol=1e-5)


@pytest.mark.parametrize("name", ["sgm", "fusion"])  # vsepp gives img0 and img1 one vector: tied top-k
def test_shortlist_scores_only_the_top_k_pairs_of_both_directions(shapes, make_matcher, name: str) -> None:
    m = make_matcher(name)
    images, texts = encoded(shapes, m)
    exact = evaluation.score_matrix(m, images, texts, 2, 2)
    cheap = (images.vector @ texts.vector.T).numpy()
    for k in (1, 2):
        shortlist = evaluation.shortlist_matrix(m, images, texts, k=k)
        expected = np.zeros((3, 5), bool)
        for i in range(3):  # each image's k best captions by the global cosine
            expected[i, np.argsort(-cheap[i])[:k]] = True
        for j in range(5):  # each caption's k best images
            expected[np.argsort(-cheap[:, j])[:k], j] = True
        np.testing.assert_array_equal(np.isfinite(shortlist), expected)
        assert np.isneginf(shortlist[~expected]).all()
        np.testing.assert_allclose(shortlist[expected], exact[expected], rtol=1e-4, atol=1e-5)
        assert expected.sum() < 15  # some pairs were left out


def test_score_pairs_equals_the_entries_of_the_matrix(shapes, make_matcher) -> None:
    m = make_matcher("fusion")
    images, texts = encoded(shapes, m)
    exact = evaluation.score_matrix(m, images, texts, 3, 5)
    rows, cols = np.array([2, 0, 1, 2, 0]), np.array([4, 4, 0, 1, 3])
    np.testing.assert_allclose(evaluation.score_pairs(m, images, texts, rows, cols, chunk=2), exact[rows, cols],
                               rtol=1e-4, atol=1e-5)


class InMemory:
    """Another source of regions than the store: what encode_images asks of one."""

    def __init__(self, images: dict[str, ImageRegions]) -> None:
        self.images = images

    def load(self, image_ids):  # noqa: ANN001, ANN201
        return {i: self.images[i] for i in image_ids}

    def order_of(self, image_id: str) -> tuple[int, int]:
        return (0, sorted(self.images).index(image_id))


def test_images_can_come_from_any_region_source(shapes, make_matcher) -> None:
    m = make_matcher("fusion")
    images = evaluation.encode_images(m, InMemory(shapes.images), ["img2", "img0", "img1"], batch_size=2, device="cpu")
    whole, _ = encoded(shapes, m)
    assert_close(images.vector, whole.vector[[2, 0, 1]], **TOL)


def test_a_fresh_discriminator_tells_apart_separate_modalities_and_not_mixed_ones() -> None:
    g = torch.Generator().manual_seed(0)
    shared = torch.nn.functional.normalize(torch.randn(200, 16, generator=g), dim=1)
    apart = evaluation.modality_gap(shared, torch.nn.functional.normalize(shared + 2.0, dim=1))
    assert apart["probe_accuracy"] > 0.95 and apart["centroid_distance"] > 0.5 and apart["items"] == 400
    other = torch.nn.functional.normalize(torch.randn(300, 16, generator=g), dim=1)  # the same distribution
    mixed = evaluation.modality_gap(shared, other)
    assert mixed["probe_accuracy"] < 0.65 and mixed["centroid_distance"] < 0.3 and mixed["items"] == 400


def test_a_label_phrase_becomes_a_one_object_graph() -> None:
    assert evaluation.phrase_graph("red circle", attribute=True) == {
        "tokens": ["red", "circle"], "relations": [],
        "objects": [{"lemma": "circle", "attributes": ["red"], "count": None}]}
    assert evaluation.phrase_graph("circle", attribute=False)["objects"][0]["attributes"] == []
