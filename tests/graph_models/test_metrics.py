"""Retrieval protocol and compositional accuracy on tiny hand-built matrices with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from graph_models.metrics import compositional_accuracy, protocol, recalls, round_metrics

# Two images, two captions each. Hand-computed 1-based ranks:
# i2t: image 0's best caption 0.9 beats every other caption -> 1;
#      image 1's best caption 0.5 is beaten by caption 0 (0.6) -> 2.
# t2i: column 0 (0.9 vs 0.6) -> 1; column 1 (0.1 vs 0.4) -> 2; column 2 (0.5 vs 0.8) -> 2;
#      column 3 (0.3 vs 0.4) -> 2.
SIM = np.array([[0.9, 0.1, 0.8, 0.4], [0.6, 0.4, 0.5, 0.3]])
CAPTION_IMAGE = np.array([0, 0, 1, 1])


def reference_ranks(sim: np.ndarray, caption_image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The usual argsort implementation (VSE++ style), 0-based ranks."""
    i2t = []
    for i, row in enumerate(sim):
        order = np.argsort(-row)  # captions, best first
        i2t.append(min(np.flatnonzero(order == j)[0] for j in np.flatnonzero(caption_image == i)))
    t2i = [np.flatnonzero(np.argsort(-sim[:, j]) == i)[0] for j, i in enumerate(caption_image)]
    return np.array(i2t), np.array(t2i)


def test_hand_built_recalls_and_rsum() -> None:
    out = recalls(SIM, CAPTION_IMAGE, ks=(1, 5))
    assert out == {
        "i2t_r1": 50.0,
        "i2t_r5": 100.0,
        "t2i_r1": 25.0,
        "t2i_r5": 100.0,
        "rsum": 275.0,
        "i2t_median_rank": 1.5,
        "t2i_median_rank": 2.0,
    }


def test_default_keys() -> None:
    assert list(recalls(SIM, CAPTION_IMAGE)) == [
        "i2t_r1", "i2t_r5", "i2t_r10", "t2i_r1", "t2i_r5", "t2i_r10", "rsum", "i2t_median_rank", "t2i_median_rank"
    ]


def test_ties_count_against_the_true_match() -> None:
    # Constant scores: each image's best caption ties with the 2 captions of the other image
    # (rank 3); each caption's image ties with the other image (rank 2).
    out = recalls(np.ones((2, 4), dtype=np.float32), CAPTION_IMAGE, ks=(1, 2, 3))
    assert (out["i2t_r1"], out["i2t_r2"], out["i2t_r3"]) == (0.0, 0.0, 100.0)
    assert (out["t2i_r1"], out["t2i_r2"], out["t2i_r3"]) == (0.0, 100.0, 100.0)
    assert (out["i2t_median_rank"], out["t2i_median_rank"]) == (3.0, 2.0)


def test_an_image_own_captions_tied_at_the_top_are_not_competitors() -> None:
    sim = np.array([[0.9, 0.9, 0.1, 0.2], [0.3, 0.1, 0.7, 0.7]])
    out = recalls(sim, CAPTION_IMAGE, ks=(1,))
    assert out["i2t_r1"] == 100.0
    assert out["i2t_median_rank"] == 1.0


def test_matches_argsort_reference_across_chunks() -> None:
    # 300 images and 1,500 captions both cross the 256 chunk boundary; captions are shuffled.
    rng = np.random.default_rng(0)
    sim = rng.standard_normal((300, 1500), dtype=np.float32)
    caption_image = rng.permutation(np.repeat(np.arange(300), 5))
    i2t, t2i = reference_ranks(sim, caption_image)
    out = recalls(sim, caption_image)
    for k in (1, 5, 10):
        assert out[f"i2t_r{k}"] == pytest.approx(100 * np.mean(i2t < k))
        assert out[f"t2i_r{k}"] == pytest.approx(100 * np.mean(t2i < k))
    assert out["i2t_median_rank"] == np.median(i2t) + 1
    assert out["t2i_median_rank"] == np.median(t2i) + 1
    assert 0 < out["i2t_r10"] < 100  # the random case is not degenerate


def test_protocol_folds_of_1k() -> None:
    rng = np.random.default_rng(1)
    sim = rng.random((3000, 15000), dtype=np.float32)
    caption_image = np.repeat(np.arange(3000), 5)
    out = protocol(sim, caption_image)
    assert set(out) == {"all", "folds_1k", "folds_1k_each"}
    assert len(out["folds_1k_each"]) == 3
    for key, value in out["folds_1k"].items():
        assert value == pytest.approx(np.mean([fold[key] for fold in out["folds_1k_each"]]))
    assert out["folds_1k_each"][1] == recalls(sim[1000:2000, 5000:10000], caption_image[5000:10000] - 1000)


def test_protocol_folds_take_each_fold_captions_wherever_they_are() -> None:
    rng = np.random.default_rng(2)
    sim = rng.random((2000, 2000), dtype=np.float32)
    caption_image = rng.permutation(2000)  # one caption per image, in shuffled order
    out = protocol(sim, caption_image)
    for fold, lo in enumerate((0, 1000)):
        cols = np.flatnonzero((caption_image >= lo) & (caption_image < lo + 1000))
        assert out["folds_1k_each"][fold] == recalls(sim[lo : lo + 1000][:, cols], caption_image[cols] - lo)


def test_protocol_1k_images_has_no_folds() -> None:
    rng = np.random.default_rng(3)
    sim = rng.random((1000, 1000), dtype=np.float32)
    out = protocol(sim, np.arange(1000))
    assert list(out) == ["all"]
    assert out["all"] == recalls(sim, np.arange(1000))


def test_torch_tensor_input() -> None:
    torch = pytest.importorskip("torch")
    sim = torch.tensor(SIM, requires_grad=True)
    assert recalls(sim, torch.tensor(CAPTION_IMAGE)) == recalls(SIM, CAPTION_IMAGE)
    acc = compositional_accuracy(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0]), ["add-obj", "add-obj"])
    assert acc["all"] == {"accuracy": 0.5, "count": 2}


def test_image_without_caption_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"rows 1, 3"):
        recalls(np.zeros((4, 3)), np.array([0, 0, 2]))


def test_bad_shapes_are_errors() -> None:
    with pytest.raises(ValueError, match="caption_image must have shape"):
        recalls(SIM, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        recalls(SIM, np.array([0, 1, 2, 1]))
    with pytest.raises(ValueError, match="NaN"):
        recalls(np.array([[1.0, np.nan], [0.0, 1.0]]), np.array([0, 1]))


def test_compositional_accuracy_tie_is_a_failure() -> None:
    out = compositional_accuracy(
        np.array([1.0, 2.0, 3.0, 0.9]),
        np.array([0.0, 2.0, 1.0, 0.7]),
        ["swap-att", "swap-att", "replace-obj", "replace-obj"],
    )
    assert out == {
        "replace-obj": {"accuracy": 1.0, "count": 2},
        "swap-att": {"accuracy": 0.5, "count": 2},  # the second pair is a tie
        "all": {"accuracy": 0.75, "count": 4},
    }


def test_compositional_accuracy_empty() -> None:
    assert compositional_accuracy(np.array([]), np.array([]), []) == {"all": {"accuracy": None, "count": 0}}


def test_round_metrics_nested() -> None:
    d = {"all": {"r1": 52.94321, "count": 3, "none": None}, "each": [{"r1": np.float32(1.23456)}, 2.0 / 3]}
    assert round_metrics(d) == {"all": {"r1": 52.94, "count": 3, "none": None}, "each": [{"r1": 1.23}, 0.67]}
    assert round_metrics(1 / 3, digits=4) == 0.3333


# ---------------------------------------------------------------- each idea's figure

def test_subset_recalls_rank_some_queries_against_the_whole_split() -> None:
    from graph_models.metrics import subset_recalls

    # hand ranks above: i2t (1, 2); t2i (1, 2, 2, 2)
    out = subset_recalls(SIM, CAPTION_IMAGE, np.array([True, False, False, True]), np.array([False, True]))
    assert out["i2t_r1"] == 0.0 and out["i2t_r5"] == 100.0  # image 1 alone, rank 2
    assert out["t2i_r1"] == 50.0 and out["t2i_r5"] == 100.0  # captions 0 (rank 1) and 3 (rank 2)
    assert out["rsum"] == 0 + 100 + 100 + 50 + 100 + 100 and (out["images"], out["captions"]) == (1, 2)
    none = subset_recalls(SIM, CAPTION_IMAGE, np.zeros(4, bool), np.array([True, True]))
    assert none["t2i_r1"] is None and none["rsum"] is None and none["i2t_r1"] == 50.0


def test_caption_hardness_is_the_largest_overlap_with_another_images_captions() -> None:
    from graph_models.metrics import caption_hardness, hardest

    tokens = [["a", "red", "circle"], ["a", "red", "circle"], ["a", "red", "circle"], ["two", "blue", "stars"]]
    hardness = caption_hardness(tokens, np.array([0, 0, 1, 1]), chunk=3)
    # caption 0 and 1 (image 0) meet caption 2 (image 1) word for word; caption 3 shares nothing with image 0's
    assert hardness.tolist() == [1.0, 1.0, 1.0, 0.0]
    assert caption_hardness([["x", "y"], ["y", "z"]], np.array([0, 1])) == pytest.approx([1 / 3, 1 / 3])
    assert hardest(np.array([0.1, 0.9, 0.5, 0.9]), 0.5).tolist() == [False, True, False, True]
    assert hardest(np.array([0.1, 0.2]), 0.01).sum() == 1


def test_mean_average_precision_by_hand() -> None:
    from graph_models.metrics import mean_average_precision

    scores = np.array([[0.9, 0.8, 0.1, 0.5], [0.2, 0.3, 0.4, 0.1], [0.5, 0.5, 0.5, 0.5]])
    targets = np.array([[True, False, False, True], [False, False, False, False], [True, False, False, False]])
    out = mean_average_precision(scores, targets)
    # row 0: positives at ranks 1 and 3 -> (1/1 + 2/3) / 2; row 1 has no positive; row 2 ties: rank 4 -> 1/4
    assert out["rows"] == 2 and out["map"] == pytest.approx(((1 + 2 / 3) / 2 + 0.25) / 2)
    assert out["r_precision"] == pytest.approx((0.5 + 0.0) / 2)
    assert mean_average_precision(np.zeros((1, 2)), np.zeros((1, 2), bool))["map"] is None
