"""The MiniLM word states the learned parser reads: one row per spaCy token."""

from __future__ import annotations

import pytest
import torch

from text.scene_graph.encoder import BATCH, HIDDEN, LAYERS, Adapters, WordEncoder, pool, state_dim


def test_a_token_gets_the_mean_of_the_word_pieces_it_covers() -> None:
    pieces = torch.tensor([[0.0, 0.0], [1.0, 3.0], [3.0, 5.0], [7.0, 7.0], [9.0, 9.0]])
    # pieces: [CLS] "sky" "##line" "!" [SEP]; tokens: "skyline", "!", a whitespace token
    spans = [(0, 0), (0, 3), (3, 7), (7, 8), (0, 0)]
    out = pool(pieces, spans, [(0, 7), (7, 8), (8, 9)])
    assert out.tolist() == [[2.0, 4.0], [7.0, 7.0], [0.0, 0.0]]


@pytest.fixture(scope="module")
def nlp():
    import spacy

    from text.scene_graph.backends import SPACY_EXCLUDE, resolve_spacy_model

    return spacy.load(resolve_spacy_model("en_core_web_sm"), exclude=SPACY_EXCLUDE)


def test_states_line_up_with_spacy_tokens_and_do_not_depend_on_the_batch(nlp) -> None:
    docs = list(nlp.pipe(["a man's skateboard", "two  dogs on the grass near a very long fence"]))
    encoder = WordEncoder()
    together = encoder.states(docs)
    assert [tuple(s.shape) for s in together] == [(len(d), state_dim(LAYERS)) for d in docs]
    alone = encoder.states(docs[:1])[0]
    assert torch.allclose(alone, together[0], atol=1e-4)  # padding in the batch changes nothing
    space = [t.i for t in docs[1] if t.is_space]
    assert space and not together[1][space].any()  # spaCy's whitespace token covers no piece
    assert together[0][1].abs().sum() > 0 and not torch.allclose(together[0][1], together[0][3])
    many = list(nlp.pipe([f"a {'very ' * (i % 7)}big dog number {i}" for i in range(BATCH + 6)]))
    states = encoder.states(many)  # more than one forward pass, in length order: handed back in order
    for i in (0, 5, BATCH + 5):
        assert torch.allclose(states[i], encoder.states([many[i]])[0], atol=1e-4)


def test_tuned_updates_read_the_same_merged_as_live_and_start_as_nothing(nlp) -> None:
    docs = list(nlp.pipe(["a dog catching a red frisbee in the park"]))
    pristine = WordEncoder().states(docs)[0]
    adapters = Adapters(rank=4)
    assert torch.allclose(WordEncoder(adapters=adapters).states(docs)[0], pristine)  # B starts at zero
    torch.manual_seed(0)
    with torch.no_grad():
        for b in adapters.b:
            b.normal_(0, 0.05)
    live = WordEncoder(adapters=adapters, merge=False).states(docs)[0]  # what training reads
    merged = WordEncoder(adapters=adapters).states(docs)[0]  # what the loaded parser reads
    assert not torch.allclose(live, pristine, atol=1e-2)
    assert torch.allclose(live, merged, atol=1e-4)
    assert torch.allclose(WordEncoder().states(docs)[0], pristine)  # the shared model is left as shipped
    live.sum().backward()
    assert all(a.grad is not None and a.grad.abs().sum() > 0 for a in adapters.a)


def test_a_shallow_encoder_runs_only_the_layers_it_reads_and_reads_them_alike(nlp) -> None:
    docs = list(nlp.pipe(["a woman laying on a sofa laughing"]))
    full = WordEncoder(layers=(3, 6)).states(docs)[0]
    shallow = WordEncoder(layers=(3,))
    assert len(shallow.model.encoder.layer) == 3
    assert len(WordEncoder().model.encoder.layer) == 6  # the full model is cached apart, untouched
    assert torch.allclose(shallow.states(docs)[0], full[:, :HIDDEN], atol=1e-4)  # layer 3 is layer 3
