"""graph_models.matchers: shapes, equivalences and invariances of vsepp, sgm and fusion on the shapes world."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close
from torch_geometric.data import Batch

from graph_models.evaluation import concat_encoded
from graph_models.matchers import MATCHERS, Encoded, Matcher, attend_and_score, build_matcher
from graph_models.matchers.vsepp import VSEPP
from graph_models.regions import EDGE_GEOMETRY, ImageRegions, collate_regions
from graph_models.text_graphs import TextBank, encode_caption

NAMES = MATCHERS.names()

IMAGE_IDS = ("img0", "img1", "img2")
IMAGE_OF = torch.tensor([0, 0, 1, 2, 2])  # the image row of captions c0..c4
TOL = {"rtol": 1e-4, "atol": 1e-5}


def bank_of(shapes) -> TextBank:
    return TextBank([encode_caption(r, shapes.words) for r in shapes.rows])


def regions_of(shapes, image_ids=IMAGE_IDS) -> Batch:
    return collate_regions([shapes.images[i] for i in image_ids])


def texts_of(shapes, indices=range(5)) -> Batch:
    return bank_of(shapes).batch(list(indices))


def region_projection(m: Matcher) -> torch.nn.Linear:
    return m.project if isinstance(m, VSEPP) else m.regions.project


def scores(m: Matcher, regions: Batch, texts: Batch) -> torch.Tensor:
    return m.score(m.encode_images(regions), m.encode_texts(texts))


def without_edges(im: ImageRegions) -> ImageRegions:
    return ImageRegions(im.features, im.boxes, np.zeros((2, 0), np.int64), np.zeros((0, EDGE_GEOMETRY), np.float32))


# --- every matcher ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_score_has_one_entry_per_image_and_caption(shapes, make_matcher, name: str) -> None:
    m = make_matcher(name)
    images, texts = m.encode_images(regions_of(shapes)), m.encode_texts(texts_of(shapes))
    assert len(images) == 3 and len(texts) == 5
    assert_close(images.vector.norm(dim=-1), torch.ones(3))
    assert_close(texts.vector.norm(dim=-1), torch.ones(5))
    sim = m.score(images, texts)
    assert sim.shape == (3, 5)
    assert torch.isfinite(sim).all()
    assert m.global_score(images, texts).shape == (3, 5)


@pytest.mark.parametrize("name", NAMES)
def test_score_pairs_equals_the_matching_entries_of_score(shapes, make_matcher, name: str) -> None:
    m = make_matcher(name)
    images, texts = m.encode_images(regions_of(shapes)), m.encode_texts(texts_of(shapes))
    sim = m.score(images, texts)
    assert_close(m.score_pairs(images.select(IMAGE_OF), texts), sim[IMAGE_OF, torch.arange(5)], **TOL)
    every_i, every_t = torch.arange(3).repeat_interleave(5), torch.arange(5).repeat(3)
    assert_close(m.score_pairs(images.select(every_i), texts.select(every_t)).view(3, 5), sim, **TOL)


@pytest.mark.parametrize("name", NAMES)
def test_gradients_reach_the_word_embedding_and_the_region_projection(shapes, make_matcher, name: str) -> None:
    m = make_matcher(name)
    sim = scores(m, regions_of(shapes), texts_of(shapes))
    (sim[IMAGE_OF, torch.arange(5)].sum() - sim.mean()).backward()
    for weight in (m.embedding.weight, region_projection(m).weight):
        assert weight.grad is not None and weight.grad.abs().sum() > 0
    assert m.embedding.weight.grad[0].abs().sum() == 0  # the padding word is never trained


@pytest.mark.parametrize("name", NAMES)
def test_permuting_captions_permutes_columns(shapes, make_matcher, name: str) -> None:
    m = make_matcher(name)
    perm = [3, 0, 4, 2, 1]
    sim = scores(m, regions_of(shapes), texts_of(shapes))
    assert_close(scores(m, regions_of(shapes), texts_of(shapes, perm)), sim[:, perm], **TOL)


@pytest.mark.parametrize("name", NAMES)
def test_permuting_images_permutes_rows(shapes, make_matcher, name: str) -> None:
    m = make_matcher(name)
    sim = scores(m, regions_of(shapes), texts_of(shapes))
    assert_close(scores(m, regions_of(shapes, ("img2", "img0", "img1")), texts_of(shapes)), sim[[2, 0, 1]], **TOL)


@pytest.mark.parametrize("name", NAMES)
def test_padding_nodes_do_not_change_a_score(shapes, make_matcher, name: str) -> None:
    """c4 (2 nodes, 3 tokens) alone, then beside c3 (6 nodes, 7 tokens) which pads it."""
    m = make_matcher(name)
    regions = regions_of(shapes)
    alone = scores(m, regions, texts_of(shapes, [4]))
    padded = scores(m, regions, texts_of(shapes, [4, 3]))
    assert_close(padded[:, :1], alone, **TOL)
    # and the image side: img0 (2 regions) beside img2 (3 regions)
    assert_close(scores(m, regions_of(shapes, ("img0", "img2")), texts_of(shapes))[:1],
                 scores(m, regions_of(shapes, ("img0",)), texts_of(shapes)), **TOL)


def test_build_matcher_refuses_an_unknown_name_with_the_registered_ones() -> None:
    with pytest.raises(ValueError, match="unknown matcher 'nope'; registered: ") as error:
        build_matcher({"name": "nope", "vocab_size": 4, "feature_dim": 6, "params": {}})
    assert {"vsepp", "sgm", "fusion"} <= set(str(error.value).split(": ")[-1].split(", "))


@pytest.mark.parametrize("name", NAMES)
def test_a_matcher_rebuilt_from_its_config_scores_the_same(shapes, make_matcher, name: str) -> None:
    m = make_matcher(name)
    config = m.config()
    assert config["name"] == name and config["vocab_size"] == len(shapes.words)
    again = build_matcher(config)
    assert type(again) is type(m)
    again.load_state_dict(m.state_dict())
    assert_close(scores(again, regions_of(shapes), texts_of(shapes)), scores(m, regions_of(shapes), texts_of(shapes)))


def test_a_new_matcher_is_one_class_and_one_registration(shapes, monkeypatch) -> None:
    from dataclasses import dataclass

    registry = type(MATCHERS)("matcher")
    for name in NAMES:
        registry.register(MATCHERS.get(name))

    @dataclass(frozen=True)
    class TwiceParams:
        dim: int
        word_dim: int

    @registry.register
    class Twice(VSEPP):  # a user's matcher: VSE++ with its scores doubled
        name = "twice"
        Params = TwiceParams

        def score(self, images: Encoded, texts: Encoded) -> torch.Tensor:
            return 2 * super().score(images, texts)

    monkeypatch.setattr("graph_models.matchers.MATCHERS", registry)
    m = build_matcher({"name": "twice", "vocab_size": len(shapes.words), "feature_dim": 6,
                       "params": {"dim": 8, "word_dim": 4}})
    assert isinstance(m, Twice) and scores(m, regions_of(shapes), texts_of(shapes)).shape == (3, 5)
    with pytest.raises(ValueError, match="'twice' is already registered"):
        registry.register(Twice)


@pytest.mark.parametrize("name", NAMES)
def test_reset_parameters_draws_every_weight_again(make_matcher, name: str) -> None:
    m = make_matcher(name)
    before = {k: v.clone() for k, v in m.state_dict().items()}
    torch.manual_seed(1)
    m.reset_parameters()
    for key, value in m.state_dict().items():
        if "norm" in key or key.endswith(".bias") and torch.equal(before[key], torch.zeros_like(value)):
            continue  # LayerNorm's ones and zeros, zero biases: drawn again, they are what they were
        assert not torch.equal(value, before[key]), key


# --- attend_and_score ---------------------------------------------------------------------------


def attended_cosine(queries: torch.Tensor, keys: torch.Tensor, keep: torch.Tensor, temperature: float) -> torch.Tensor:
    """(B, Q, d) queries, (B, K, d) keys -> (B, Q): cosine of each query with its attended vector."""
    keys = keys[:, keep]
    a = torch.softmax(temperature * queries @ keys.transpose(1, 2), dim=-1)  # (B, Q, K')
    return (F.normalize(a @ keys, dim=-1) * queries).sum(-1)


@pytest.mark.parametrize("dim", [-1, -2])
def test_attend_and_score_equals_the_materialised_attended_vector(dim: int) -> None:
    torch.manual_seed(0)
    queries = F.normalize(torch.randn(2, 3, 8), dim=-1)
    keys = F.normalize(torch.randn(2, 5, 8), dim=-1)
    keep = torch.tensor([True, True, False, True, True])

    def score(keys: torch.Tensor) -> torch.Tensor:
        sim = queries @ keys.transpose(1, 2)  # (B, Q, K)
        gram = keys @ keys.transpose(1, 2)
        if dim == -1:
            return attend_and_score(sim, keep[None, None, :], gram, 4.0, dim=-1)
        return attend_and_score(sim.transpose(1, 2), keep[None, :, None], gram, 4.0, dim=-2)

    got = score(keys)
    assert got.shape == (2, 3)
    assert_close(got, attended_cosine(queries, keys, keep, 4.0))
    moved = keys.clone()
    moved[:, 2] = F.normalize(torch.randn(2, 8), dim=-1)  # the masked key
    assert_close(score(moved), got)


def test_attend_and_score_with_one_key_is_its_cosine() -> None:
    sim = torch.tensor([[0.3], [-0.5]])  # two queries, one key
    assert_close(attend_and_score(sim, torch.tensor([True]), torch.ones(1, 1), 10.0, dim=-1), sim[:, 0])


# --- vsepp is a bag of regions ------------------------------------------------------------------


def permuted(im: ImageRegions, perm: list[int]) -> ImageRegions:
    """The same image with its regions in the order ``perm`` and its edges renumbered."""
    new_index = np.argsort(perm)
    return ImageRegions(im.features[perm], im.boxes[perm], new_index[im.edges], im.edge_attr)


def test_vsepp_image_vector_ignores_the_region_order(shapes, make_matcher) -> None:
    m = make_matcher("vsepp")
    im = shapes.images["img2"]
    vectors = m.encode_images(collate_regions([im, permuted(im, [2, 0, 1])])).vector
    assert_close(vectors[0], vectors[1])


def test_vsepp_cannot_bind_a_feature_to_its_region(shapes, make_matcher) -> None:
    """Swapping the features of two regions (boxes stay) gives the same scores; so does the
    colour swap of img0 and img1. Fusion, which sees the box of each feature, tells them apart."""
    im = shapes.images["img2"]
    swapped = ImageRegions(im.features[[2, 1, 0]], im.boxes, im.edges, im.edge_attr)
    vsepp = make_matcher("vsepp")
    sim = scores(vsepp, collate_regions([im, swapped]), texts_of(shapes))
    assert_close(sim[0], sim[1])
    colour = scores(vsepp, regions_of(shapes, ("img0", "img1")), texts_of(shapes))
    assert_close(colour[0], colour[1])
    fusion = scores(make_matcher("fusion"), regions_of(shapes, ("img0", "img1")), texts_of(shapes))
    assert not torch.allclose(fusion[0], fusion[1])


# --- sgm ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("order", [("edgeless",), ("edgeless", "img2"), ("img2", "edgeless")],
                         ids=["alone", "before_an_image_with_edges", "after_an_image_with_edges"])
def test_sgm_image_without_edges_has_zero_relation_similarity(shapes, make_matcher, order: tuple[str, ...]) -> None:
    m = make_matcher("sgm", rho=1.0)
    named = {"edgeless": without_edges(shapes.images["img0"]), "img2": shapes.images["img2"]}
    regions, texts = collate_regions([named[n] for n in order]), texts_of(shapes)
    with_relations = scores(m, regions, texts)
    m.rho = 0.0
    objects_only = scores(m, regions, texts)
    row = order.index("edgeless")
    assert_close(with_relations[row], objects_only[row])
    if "img2" in order:  # img2 has edges: its relation term is on for the captions with a relation (c0..c3)
        other = order.index("img2")
        assert (with_relations[other, :4] - objects_only[other, :4]).abs().min() > 1e-4
        assert_close(with_relations[other, 4], objects_only[other, 4])  # c4 has no relation


def test_sgm_score_is_object_plus_rho_times_relation(shapes, make_matcher) -> None:
    m = make_matcher("sgm", rho=1.0)
    images, texts = m.encode_images(regions_of(shapes)), m.encode_texts(texts_of(shapes))
    s1 = m.score(images, texts)
    m.rho = 0.0
    s0 = m.score(images, texts)
    m.rho = 0.5
    assert_close(m.score(images, texts), s0 + 0.5 * (s1 - s0), **TOL)


# --- Encoded.select and concat_encoded ----------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_scores_of_concatenated_encodings_equal_the_scores_of_the_parts(shapes, make_matcher, name: str) -> None:
    m = make_matcher(name)
    image_parts = [m.encode_images(regions_of(shapes, ids)) for ids in (("img0",), ("img2", "img1"))]
    text_parts = [m.encode_texts(texts_of(shapes, ids)) for ids in ([4], [3, 0])]
    images, texts = concat_encoded(image_parts), concat_encoded(text_parts)
    assert len(images) == 3 and len(texts) == 3
    if images.nodes is not None:
        assert images.nodes.shape[1] == 3 and images.mask.sum(1).tolist() == [2, 3, 2]
    if texts.nodes is not None:
        assert texts.nodes.shape[1] == 6 and texts.mask.sum(1).tolist() == [2, 6, 5]
    blocks = torch.cat([torch.cat([m.score(i, t) for t in text_parts], dim=1) for i in image_parts])
    assert_close(m.score(images, texts), blocks, **TOL)
    assert_close(m.score(images.select(slice(1, 3)), texts.select(torch.tensor([2, 0]))),
                 blocks[1:3][:, [2, 0]], **TOL)


def test_encoded_select_picks_every_field() -> None:
    enc = Encoded(torch.arange(6.0).view(3, 2), torch.arange(12.0).view(3, 2, 2),
                  torch.tensor([[True, False], [True, True], [False, False]]), {"edges": torch.arange(3)})
    picked = enc.select(torch.tensor([2, 0]))
    assert_close(picked.vector, enc.vector[[2, 0]])
    assert_close(picked.nodes, enc.nodes[[2, 0]])
    assert_close(picked.mask, enc.mask[[2, 0]])
    assert_close(picked.extra["edges"], torch.tensor([2, 0]))
    assert Encoded(torch.zeros(2, 3)).select(slice(0, 1)).nodes is None


@pytest.mark.parametrize("name", NAMES)
def test_half_precision_features_score_as_their_float32_values(shapes, make_matcher, name: str) -> None:
    m = make_matcher(name)
    half = [ImageRegions(im.features.astype(np.float16), im.boxes, im.edges, im.edge_attr)
            for im in (shapes.images[i] for i in IMAGE_IDS)]
    regions = collate_regions(half)
    assert regions.x.dtype == torch.float16
    assert torch.equal(scores(m, regions, texts_of(shapes)), scores(m, regions_of(shapes), texts_of(shapes)))
