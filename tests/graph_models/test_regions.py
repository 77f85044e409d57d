"""graph_models.regions: an image's regions, region batches (PyG), the region store."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.testing import assert_close
from torch_geometric.data import Batch

from graph_models.regions import EDGE_GEOMETRY, ImageRegions, RegionStore, collate_regions, image_regions
from pipeline.schemas import REGION_EDGE_FEATURES, REGIONS


def test_the_edge_width_is_the_schemas() -> None:
    assert EDGE_GEOMETRY == len(REGION_EDGE_FEATURES) == REGIONS.arrow.field("edge_attr").type.value_type.list_size


# --- image_regions and collate_regions ----------------------------------------------------------


def region_row(boxes: list[list[float]], width: int = 100, height: int = 50) -> dict:
    return {"boxes": boxes, "width": width, "height": height, "edge_src": [0], "edge_dst": [1],
            "edge_attr": [[0.1 * (k + 1) for k in range(EDGE_GEOMETRY)]]}


def test_image_regions_normalises_boxes_by_width_and_height_and_adds_area() -> None:
    features = np.arange(8, dtype=np.float32).reshape(2, 4)
    im = image_regions(region_row([[10, 10, 40, 40], [50, 0, 100, 50]]), features, 4)
    assert_close(torch.from_numpy(im.boxes), torch.tensor([[0.1, 0.2, 0.4, 0.8, 0.3 * 0.6],
                                                           [0.5, 0.0, 1.0, 1.0, 0.5]]))
    assert im.features is features
    np.testing.assert_array_equal(im.edges, [[0], [1]])
    assert im.edge_attr.shape == (1, EDGE_GEOMETRY) and im.edge_attr.dtype == np.float32


def test_image_regions_without_matching_boxes_has_zero_geometry() -> None:
    im = image_regions(region_row([]), np.ones((2, 4), np.float32), 4)
    np.testing.assert_array_equal(im.boxes, np.zeros((2, 5), np.float32))


def test_image_without_regions_gets_one_zero_region() -> None:
    im = image_regions({"boxes": [], "width": None, "height": None, "edge_src": [], "edge_dst": [], "edge_attr": []},
                       np.zeros((0, 0), np.float32), 4)
    np.testing.assert_array_equal(im.features, np.zeros((1, 4)))
    np.testing.assert_array_equal(im.boxes, np.zeros((1, 5)))
    assert im.edges.shape == (2, 0) and im.edge_attr.shape == (0, EDGE_GEOMETRY)


def image(n: int, edges: list[tuple[int, int]], value: float) -> ImageRegions:
    return ImageRegions(np.full((n, 3), value, np.float32), np.full((n, 5), value, np.float32),
                        np.array(edges, np.int64).reshape(-1, 2).T.copy(),
                        np.full((len(edges), EDGE_GEOMETRY), value, np.float32))


def test_collate_regions_offsets_edges_and_batch_vector() -> None:
    batch = collate_regions([image(2, [(0, 1), (1, 0)], 1.0), image(3, [(2, 0)], 2.0), image(1, [], 3.0)])
    assert isinstance(batch, Batch) and batch.num_graphs == 3
    assert batch.x.shape == (6, 3) and batch.x.dtype == torch.float32
    assert_close(batch.x[:, 0], torch.tensor([1.0, 1.0, 2.0, 2.0, 2.0, 3.0]))
    assert_close(batch.batch, torch.tensor([0, 0, 1, 1, 1, 2]))
    assert_close(batch.edge_index, torch.tensor([[0, 1, 4], [1, 0, 2]]))
    assert_close(batch.edge_attr[:, 0], torch.tensor([1.0, 1.0, 2.0]))
    assert batch.boxes.shape == (6, 5)


def test_collate_regions_equals_pyg_collating_the_graphs() -> None:
    images = [image(2, [(0, 1), (1, 0)], 1.0), image(1, [], 2.0), image(3, [(2, 0), (0, 1)], 3.0)]
    ours, pyg = collate_regions(images), Batch.from_data_list([im.graph() for im in images])
    assert sorted(ours.keys()) == sorted(pyg.keys())
    for key in pyg.keys():
        assert torch.equal(ours[key], pyg[key]), key
    for got, im in zip(ours.to_data_list(), images, strict=True):
        assert torch.equal(got.edge_index, torch.from_numpy(im.edges))
        assert torch.equal(got.x, torch.from_numpy(im.features))


def test_collate_regions_keeps_half_features_half_and_an_empty_image_makes_them_float32() -> None:
    im = image(2, [], 0.5)
    im.features = im.features.astype(np.float16)
    assert collate_regions([im, im]).x.dtype == torch.float16  # the encoders cast them on the device
    empty = image_regions({"boxes": [], "width": None, "height": None, "edge_src": [], "edge_dst": [], "edge_attr": []},
                          np.zeros((0, 0), np.float16), 3)
    assert collate_regions([im, empty]).x.dtype == torch.float32


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
