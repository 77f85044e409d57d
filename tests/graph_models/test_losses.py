"""Losses of graph_models.losses on tiny hand-built batches with answers worked out by hand."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from graph_models.losses import (
    ModalityDiscriminator,
    adversarial_loss,
    ahrl_loss,
    generated_negative_loss,
    grad_reverse,
    phrase_loss,
    ranking_loss,
    semantic_margins,
    semantic_similarity,
)

# rows: images of pairs 0..2, columns: captions; the diagonal (0.9, 0.8, 0.4) holds the matches.
# With margin 0.2 the nonzero hinges are
#   image queries   cost_c(2, 1) = 0.2 + 0.7  - 0.4 = 0.5
#   caption queries cost_i(0, 1) = 0.2 + 0.65 - 0.8 = 0.05, cost_i(2, 1) = 0.2 + 0.7 - 0.8 = 0.1,
#                   cost_i(1, 2) = 0.2 + 0.3  - 0.4 = 0.1
SIM = [[0.9, 0.65, 0.1],
       [0.5, 0.8, 0.3],
       [0.1, 0.7, 0.4]]


def sim(dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.tensor(SIM, dtype=dtype)


def distinct_images(n: int = 3) -> torch.Tensor:
    return torch.eye(n, dtype=torch.bool)


def scalar(value: float, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.tensor(value, dtype=dtype)


def test_ranking_loss_sum_and_max_of_hinges() -> None:
    assert_close(ranking_loss(sim(), distinct_images(), max_violation=False), scalar(0.5 + 0.05 + 0.1 + 0.1))
    # max per image row: 0, 0, 0.5; max per caption column: 0, 0.1, 0.1
    assert_close(ranking_loss(sim(), distinct_images(), max_violation=True), scalar(0.5 + 0.1 + 0.1))


def test_same_image_pairs_are_not_negatives() -> None:
    scores = sim()
    scores[2, 1] = 0.95  # image 2 scores caption 1 high, but pairs 1 and 2 share their image
    same_image = distinct_images()
    same_image[1, 2] = same_image[2, 1] = True
    # what is left: cost_i(0, 1) = 0.2 + 0.65 - 0.8 = 0.05, every other negative hinge is 0
    for max_violation in (True, False):
        assert_close(ranking_loss(scores, same_image, max_violation=max_violation), scalar(0.05))


def test_margin_matrix() -> None:
    constant = torch.full((3, 3), 0.2)
    for max_violation in (True, False):
        assert_close(ranking_loss(sim(), distinct_images(), constant, max_violation),
                     ranking_loss(sim(), distinct_images(), 0.2, max_violation))
    # M[2, 1] serves both directions: cost_c(2, 1) = 0.3 + 0.7 - 0.4 = 0.6, cost_i(2, 1) = 0.3 + 0.7 - 0.8 = 0.2
    margins = constant.clone()
    margins[2, 1] = 0.3
    assert_close(ranking_loss(sim(), distinct_images(), margins), scalar(0.6 + 0.2 + 0.1))


def test_semantic_similarity_normalises_rows_and_survives_a_zero_vector() -> None:
    vectors = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    # dot products: row 0 (1, 1, 0), max 1; row 1 (1, 2, 0), max 2; row 2 all 0, the max counts as 1
    expected = torch.tensor([[1.0, 1.0, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 0.0]])
    assert_close(semantic_similarity(vectors), expected)


def test_semantic_margins() -> None:
    sem = torch.tensor([[1.0, 1.0, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 0.0]])
    expected = torch.tensor([[0.0, 0.21, 0.185], [0.1975, 0.0, 0.185], [0.185, 0.185, 0.0]])
    assert_close(semantic_margins(sem, distinct_images()), expected)
    same_image = distinct_images()
    same_image[0, 1] = same_image[1, 0] = True
    expected[0, 1] = expected[1, 0] = 0.0
    assert_close(semantic_margins(sem, same_image, alpha=0.185, lam=0.025), expected)


def test_ahrl_with_top_one_doubles_the_max_of_hinges() -> None:
    # with K = 1 the softmax weight is 1, so level 2 is the max of hinges again: (1 + 0.5) * 0.7
    loss = ahrl_loss(sim(), distinct_images(), 0.2, None, top_k=1, level2_weight=0.5)
    assert_close(loss, scalar(1.5 * 0.7))


def test_ahrl_margin_vanishes_for_identical_captions() -> None:
    # sem = 1 and shrink 1 make every margin 0; the only positive hinge is cost_c(2, 1) = 0.7 - 0.4
    loss = ahrl_loss(sim(), distinct_images(), 0.2, torch.ones(3, 3), top_k=1, margin_shrink=1.0)
    assert_close(loss, scalar(2 * 0.3))


def test_ahrl_level_two_weights_the_top_k_by_softmax() -> None:
    def sigmoid(x: float) -> float:  # softmax over two values is a sigmoid of their difference
        return 1 / (1 + math.exp(-x))

    # temperature 0.1; hinges per query (from SIM): image 2 {0, 0.5}; caption 1 {0.05, 0.1};
    # caption 2 {0, 0.1}; every other query has only zeros
    level2 = 0.5 * sigmoid(5.0) + 0.05 * sigmoid(-0.5) + 0.1 * sigmoid(0.5) + 0.1 * sigmoid(1.0)
    expected = scalar(0.7 + level2)
    assert_close(ahrl_loss(sim(), distinct_images(), 0.2, None, top_k=2), expected)
    assert_close(ahrl_loss(sim(), distinct_images(), 0.2, None, top_k=5), expected)  # only 2 negatives each


def test_ahrl_without_negatives_is_zero() -> None:
    scores = sim().requires_grad_()
    loss = ahrl_loss(scores, torch.ones(3, 3, dtype=torch.bool), 0.2, None)
    loss.backward()
    assert_close(loss, scalar(0.0))
    assert_close(scores.grad, torch.zeros(3, 3))


def test_generated_negative_loss() -> None:
    positive = torch.tensor([0.8, 0.8, 0.5])
    negative = torch.tensor([0.7, 0.3, 0.6])
    # hinges 0.2 + 0.7 - 0.8 = 0.1, 0 and 0.2 + 0.6 - 0.5 = 0.3
    assert_close(generated_negative_loss(positive, negative), scalar(0.4 / 3))

    empty = torch.zeros(0, requires_grad=True)
    loss = generated_negative_loss(empty, torch.zeros(0))
    loss.backward()
    assert_close(loss, scalar(0.0))
    assert empty.grad is not None


def test_grad_reverse_is_identity_forward_and_negates_backward() -> None:
    x = torch.tensor([1.0, -2.0], requires_grad=True)
    y = grad_reverse(x, 0.5)
    (3 * y).sum().backward()
    assert_close(y, x.detach())
    assert_close(x.grad, torch.tensor([-1.5, -1.5]))


def test_adversarial_loss_trains_the_discriminator_and_reverses_the_embeddings() -> None:
    torch.manual_seed(0)
    discriminator = ModalityDiscriminator(4, hidden=8).eval()  # eval: no dropout noise
    images = torch.randn(3, 4, requires_grad=True)
    texts = (torch.randn(3, 4) + 1).requires_grad_()
    coeff = 0.5

    loss = adversarial_loss(discriminator, images, texts, coeff)
    loss.backward()
    reversed_grads = (images.grad.clone(), texts.grad.clone())
    parameter_grads = [p.grad.clone() for p in discriminator.parameters()]

    # the same loss without reversal: the plain gradient of the discriminator's objective
    images.grad = texts.grad = None
    discriminator.zero_grad()
    labels = torch.tensor([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    plain = F.binary_cross_entropy_with_logits(discriminator(torch.cat([images, texts])), labels)
    plain.backward()
    assert_close(plain, loss)
    assert_close(reversed_grads[0], -coeff * images.grad)
    assert_close(reversed_grads[1], -coeff * texts.grad)
    for got, want in zip(parameter_grads, (p.grad for p in discriminator.parameters()), strict=True):
        assert_close(got, want)

    with torch.no_grad():  # a small step along the discriminator's gradient lowers its loss
        for parameter, grad in zip(discriminator.parameters(), parameter_grads, strict=True):
            parameter -= 0.1 * grad
        assert adversarial_loss(discriminator, images, texts, coeff) < loss


# 2 images x 3 phrases; positives (0, 0), (1, 1), (1, 2)
LOGITS = [[2.0, -1.0, 1.9], [0.0, 1.5, -2.0]]
TARGETS = [[True, False, False], [False, True, True]]


def softplus(x: float) -> float:
    return math.log1p(math.exp(x))


def test_phrase_loss_bce_balances_positives_and_negatives() -> None:
    logits, targets = torch.tensor(LOGITS), torch.tensor(TARGETS)
    # BCE with logits: -log sigmoid(x) = softplus(-x) for a positive, softplus(x) for a negative
    positives = (softplus(-2.0) + softplus(-1.5) + softplus(2.0)) / 3
    negatives = (softplus(-1.0) + softplus(1.9) + softplus(0.0)) / 3
    assert_close(phrase_loss(logits, targets), scalar(positives + negatives))
    per_entry = F.binary_cross_entropy_with_logits(logits, targets.float(), reduction="none")
    assert_close(phrase_loss(logits, targets), per_entry[targets].mean() + per_entry[~targets].mean())

    mask = torch.tensor([[True, True, False], [True, True, False]])  # drop phrase 2 for both images
    expected = (softplus(-2.0) + softplus(-1.5)) / 2 + (softplus(-1.0) + softplus(0.0)) / 2
    assert_close(phrase_loss(logits, targets, mask), scalar(expected))


def test_phrase_loss_hinge() -> None:
    logits, targets = torch.tensor(LOGITS), torch.tensor(TARGETS)
    # image 0: positive 2.0 vs negatives -1.0, 1.9 -> hinges 0, 0.2 + 1.9 - 2.0 = 0.1, mean 0.05
    # image 1: positives 1.5, -2.0 vs negative 0.0 -> hinges 0, 0.2 + 0.0 + 2.0 = 2.2, mean 1.1
    assert_close(phrase_loss(logits, targets, kind="hinge"), scalar((0.05 + 1.1) / 2))
    # without its only negative, image 1 has no pair and leaves the mean
    mask = torch.tensor([[True, True, True], [False, True, True]])
    assert_close(phrase_loss(logits, targets, mask, kind="hinge", margin=0.2), scalar(0.05))


@pytest.mark.parametrize("kind", ["bce", "hinge"])
def test_phrase_loss_with_nothing_unmasked_is_zero_with_a_grad_path(kind: str) -> None:
    logits = torch.tensor(LOGITS, requires_grad=True)
    loss = phrase_loss(logits, torch.tensor(TARGETS), torch.zeros(2, 3, dtype=torch.bool), kind=kind)
    loss.backward()
    assert_close(loss, scalar(0.0))
    assert_close(logits.grad, torch.zeros(2, 3))


def test_phrase_loss_rejects_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="bce, hinge"):
        phrase_loss(torch.tensor(LOGITS), torch.tensor(TARGETS), kind="focal")


LOSSES_OF_SIM = {
    "ranking max": lambda s: ranking_loss(s, distinct_images()),
    "ranking sum": lambda s: ranking_loss(s, distinct_images(), max_violation=False),
    "lseh": lambda s: ranking_loss(s, distinct_images(), semantic_margins(semantic_similarity(s), distinct_images())),
    "ahrl": lambda s: ahrl_loss(s, distinct_images(), 0.2, semantic_similarity(s.detach())),
    "generated": lambda s: generated_negative_loss(s.diagonal(), s[:, 0]),
    "phrase bce": lambda s: phrase_loss(s, distinct_images()),
    "phrase hinge": lambda s: phrase_loss(s, distinct_images(), kind="hinge"),
    "adversarial": lambda s: adversarial_loss(ModalityDiscriminator(3, hidden=4).double().eval(), s, s + 1),
}


@pytest.mark.parametrize("name", LOSSES_OF_SIM)
def test_losses_keep_float64_and_pass_gradients(name: str) -> None:
    scores = sim(torch.float64).requires_grad_()
    loss = LOSSES_OF_SIM[name](scores)
    loss.backward()
    assert loss.dtype == torch.float64 and loss.shape == ()
    assert scores.grad is not None and scores.grad.dtype == torch.float64
    assert torch.isfinite(scores.grad).all()
