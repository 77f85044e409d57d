"""Train the learned scene-graph parser on FACTUAL's train split, on the CPU, in one command.

    python -m text.scene_graph.training                       # ../shared/data/factual/train.csv
    python -m text.scene_graph.training --holdout 0.1 --out /tmp/dev_model.safetensors

Steps: parse every caption with spaCy's small English pipeline (with ``--context``, also
encode it with MiniLM, :mod:`text.scene_graph.encoder`: the features the parser reads at run
time), align each caption's annotated facts to its tokens (twice: the second pass uses the
spellings learned from the first, see :mod:`text.scene_graph.alignment`), build the
vocabularies, then train the network of :mod:`text.scene_graph.learned_model` with Adam for a
fixed number of epochs over length-bucketed batches. With ``--context`` the MiniLM states are
computed once before the first epoch; ``--adapter-rank R`` tunes the encoder instead, by LoRA
updates of rank R. ``--holdout F`` keeps the last fraction F of the captions out of training
and reports FACTUAL's set match on them after every epoch.
The weights are written as safetensors, with a ``.json`` beside them holding the vocabularies,
the network's shape and this recipe (arguments, data, timings, peak memory).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import random
import resource
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file
from torch import Tensor, nn

from pipeline.artifacts import atomic_write_text
from text.scene_graph.alignment import Alignment, Forms, align, learn_forms
from text.scene_graph.encoder import LAYERS, WordEncoder, state_dim
from text.scene_graph.graph import TextSceneGraph
from text.scene_graph.learned import (
    BUILTIN_WEIGHTS,
    MIN_LABEL_COUNT,
    LearnedParser,
    Vocabularies,
    attribute_texts,
    featurize,
    mask_unavailable,
    pair_rows,
    rule_graph,
    said_words,
)
from text.scene_graph.learned_model import RULES_PREDICATE, TAGS, WORDS_BETWEEN, ModelShape, SceneGraphTagger
from text.scene_graph.lexicon import load_lexicon
from text.scene_graph.rule_hints import link_hints, pair_predicates, relation_hints
from text.scene_graph.scoring import parse_factual, set_match

log = logging.getLogger(__name__)
IGNORE = -100  # a target the loss skips (a predicate outside the classes)


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 14
    batch_size: int = 32
    learning_rate: float = 2e-3
    min_word_count: int = 2  # rarer words share the unknown embedding
    min_predicate_count: int = 2  # rarer predicates are not classes
    min_implicit_count: int = 20  # implicit counts seen fewer times are not classes
    seed: int = 0
    hidden: int = ModelShape.hidden  # BiLSTM state per direction
    threads: int = 1  # torch threads; the spaCy parse runs in --processes processes beside
    context: bool = False  # also read MiniLM word states (text.scene_graph.encoder); the shipped network does not
    adapter_rank: int = 0  # rank of the encoder's LoRA updates trained with the network (reads MiniLM states)
    adapter_learning_rate: float = 5e-4
    context_layers: tuple[int, ...] = LAYERS  # the MiniLM layers read (only those up to the deepest are run)
    context_drop: float = 0.0  # share of training captions read without their MiniLM states


@dataclass
class Example:
    doc: Any
    alignment: Alignment
    graph: str  # the annotated graph string
    rules: TextSceneGraph  # what the rules read (the network's hints)
    context: Tensor | None = None  # (len(doc), state_dim(layers)) float16 MiniLM states, when the network reads them


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a FACTUAL CSV: image_id, region_id, caption, scene_graph."""
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def parse_docs(texts: Sequence[str], processes: int) -> list[Any]:
    """spaCy docs (with their token vectors) of ``texts``, as the parser makes them at run time."""
    from text.scene_graph.backends import load_spacy

    return list(load_spacy().pipe(texts, batch_size=256, n_process=processes))


def encode_all(docs: Sequence[Any], device: str, layers: Sequence[int]) -> list[Tensor]:
    """The MiniLM states of ``layers`` for every doc (float16, on the CPU), computed once before
    training: the encoder is frozen, so every epoch reads the same states."""
    return [s.half() for s in WordEncoder(device, layers=layers).states(docs)]


def align_all(docs: Sequence[Any], graphs: Sequence[str]) -> tuple[list[Alignment], Forms]:
    """Alignments of every caption, in two passes (the second with the learned spellings)."""
    facts = [parse_factual(g) for g in graphs]
    tokens = [[t.text for t in d] for d in docs]
    first = [align(t, f) for t, f in zip(tokens, facts, strict=True)]
    forms = learn_forms(first)
    return [align(t, f, forms) for t, f in zip(tokens, facts, strict=True)], forms


def build_vocabularies(examples: Sequence[Example], forms: Forms, config: TrainConfig) -> Vocabularies:
    words = Counter(t.lower_ for e in examples for t in e.doc)
    predicates = Counter(p for e in examples for _, p, _ in e.alignment.relations)
    implicit = Counter(v for e in examples for _, v in e.alignment.implicit)
    specials = ["<pad>", "<unk>"]
    return Vocabularies(
        words=specials + sorted(w for w, n in words.items() if n >= config.min_word_count),
        pos=specials + sorted({t.pos_ for e in examples for t in e.doc}),
        tags=specials + sorted({t.tag_ for e in examples for t in e.doc}),
        deps=specials + sorted({t.dep_ for e in examples for t in e.doc}),
        predicates=sorted(p for p, n in predicates.items() if n >= config.min_predicate_count),
        implicit=sorted(v for v, n in implicit.items() if n >= config.min_implicit_count),
        forms=forms,
    )


def corpus_tables(docs: Sequence[Any], graphs: Sequence[str], predicates: Sequence[str]
                  ) -> tuple[dict[str, float], dict[str, int]]:
    """Two tables the parser's decoding reads, counted over training captions (spaCy docs) and
    their annotated graphs: for each predicate class the share of its occurrences whose caption
    says all its words (:func:`~text.scene_graph.learned.said_words`), and how often each word
    appears in an object or attribute label (words seen fewer than ``MIN_LABEL_COUNT`` times left out)."""
    seen, said = Counter(), Counter()
    labels: Counter[str] = Counter()
    for doc, graph in zip(docs, graphs, strict=True):
        words = None
        for fact in parse_factual(graph):
            if len(fact) == 3 and fact[1] != "is":
                words = said_words(doc) if words is None else words
                seen[fact[1]] += 1
                said[fact[1]] += all(w in words for w in fact[1].split())
                labels.update(fact[0].split() + fact[2].split())
            else:
                labels.update(" ".join(fact[::2]).split())
    written = {p: round(said[p] / seen[p], 3) for p in predicates if seen[p]}
    return written, {w: n for w, n in sorted(labels.items()) if n >= MIN_LABEL_COUNT}


def targets(examples: Sequence[Example], vocab: Vocabularies) -> dict[str, Tensor]:
    """Gold tags (B, T), mentions, candidate pairs and their labels for one batch."""
    n = max(len(e.doc) for e in examples)
    tags = torch.zeros(len(examples), n, dtype=torch.long)
    objects, attributes, implicit, link_labels, rel_labels, link_hint, rel_hint = [], [], [], [], [], [], []
    said_all: list[str | None] = []
    between_all: list[str | None] = []
    rules_class, between_class = len(vocab.predicates) + RULES_PREDICATE, len(vocab.predicates) + WORDS_BETWEEN
    n_obj, n_att = [], []
    predicate_id = {p: k + 1 for k, p in enumerate(vocab.predicates)}
    implicit_id = {v: k + 1 for k, v in enumerate(vocab.implicit)}
    for c, e in enumerate(examples):
        a = e.alignment
        for kind, spans in (("OBJ", [m.span for m in a.objects]), ("ATT", [m.span for m, _ in a.attributes])):
            for s, t in spans:
                tags[c, s] = TAGS.index(f"B-{kind}")
                tags[c, s + 1:t] = TAGS.index(f"I-{kind}")
        objects += [(c, *m.span) for m in a.objects]
        attributes += [(c, *m.span) for m, _ in a.attributes]
        counts = dict(a.implicit)
        implicit += [implicit_id.get(counts.get(i, ""), 0) for i in range(len(a.objects))]
        owners = {(i, o) for i, (_, o) in enumerate(a.attributes)}
        link_labels += [float((i, j) in owners) for i in range(len(a.attributes)) for j in range(len(a.objects))]
        gold = {(s, o): p for s, p, o in a.relations}
        k = len(a.objects)
        obj_spans = [m.span for m in a.objects]
        said, between = pair_predicates(e.rules, e.doc, obj_spans)
        said_all += said
        between_all += between
        for n, (i, j) in enumerate((i, j) for i in range(k) for j in range(k)):
            p = gold.get((i, j))
            # a predicate the rules (or the words between) already say is taken from them
            rel_labels.append(0 if p is None else rules_class if p == said[n] else between_class if p == between[n]
                              else predicate_id.get(p, IGNORE))
        rel_hint += relation_hints(e.rules, obj_spans, predicate_id)
        link_hint += link_hints(e.rules, attribute_texts(e.doc, [m.span for m, _ in a.attributes]), obj_spans)
        n_obj.append(k)
        n_att.append(len(a.attributes))
    obj_base = [sum(n_obj[:c]) for c in range(len(examples))]
    att_base = [sum(n_att[:c]) for c in range(len(examples))]
    return {
        "tags": tags,
        "objects": torch.tensor(objects, dtype=torch.long).reshape(-1, 3),
        "attributes": torch.tensor(attributes, dtype=torch.long).reshape(-1, 3),
        "implicit": torch.tensor(implicit, dtype=torch.long),
        "link_pairs": pair_rows(n_att, att_base, n_obj, obj_base),
        "link_labels": torch.tensor(link_labels),
        "link_hints": torch.tensor(link_hint, dtype=torch.long),
        "rel_pairs": pair_rows(n_obj, obj_base),
        "rel_labels": torch.tensor(rel_labels, dtype=torch.long),
        "rel_hints": torch.tensor(rel_hint, dtype=torch.long),
        "said": said_all,  # type: ignore[dict-item]
        "between": between_all,  # type: ignore[dict-item]
    }


def loss_of(model: SceneGraphTagger, examples: Sequence[Example], vocab: Vocabularies,
            device: torch.device, encoder: WordEncoder | None = None) -> Tensor:
    """The summed losses of the four heads on one batch, mentions and pairs from the alignment;
    ``encoder``: the MiniLM encoder being tuned (else the examples' precomputed states are read)."""
    context = None
    if encoder is not None:
        context = encoder.states([e.doc for e in examples])
    elif model.shape.context_dim:
        context = [e.context for e in examples]
    batch = featurize([e.doc for e in examples], vocab, [e.rules for e in examples], context).to(device)  # type: ignore[arg-type]
    gold = {k: v.to(device) if isinstance(v, Tensor) else v for k, v in targets(examples, vocab).items()}
    h = model.encode(batch)
    mask = torch.arange(h.shape[1], device=device)[None, :] < batch.lengths[:, None]
    loss = nn.functional.cross_entropy(model.tag_logits(h)[mask], gold["tags"][mask])
    if len(gold["objects"]):
        obj = model.spans(h, gold["objects"])
        loss = loss + nn.functional.cross_entropy(model.implicit_logits(obj), gold["implicit"])
        rel = model.relation_logits(h, obj, gold["objects"], gold["rel_pairs"], gold["rel_hints"])
        ruled_out = mask_unavailable(gold["said"], gold["between"], len(vocab.predicates), device)
        rel = rel.masked_fill(ruled_out, torch.finfo(rel.dtype).min)
        loss = loss + nn.functional.cross_entropy(rel, gold["rel_labels"], ignore_index=IGNORE)
        if len(gold["attributes"]):
            att = model.spans(h, gold["attributes"])
            links = model.link_logits(att, obj, gold["attributes"], gold["objects"], gold["link_pairs"],
                                      gold["link_hints"])
            loss = loss + nn.functional.binary_cross_entropy_with_logits(links, gold["link_labels"])
    return loss


def batches(examples: Sequence[Example], size: int, rng: random.Random) -> list[list[Example]]:
    """Batches of captions of similar length (little padding), in random order."""
    order = sorted(range(len(examples)), key=lambda i: (len(examples[i].doc), rng.random()))
    out = [[examples[i] for i in order[k:k + size]] for k in range(0, len(order), size)]
    rng.shuffle(out)
    return out


def holdout_set_match(parser: LearnedParser, examples: Sequence[Example]) -> float:
    if not examples:
        return 0.0
    hits = 0
    for k in range(0, len(examples), 256):
        chunk = examples[k:k + 256]
        for e, graph in zip(chunk, parser.graphs([e.doc for e in chunk]), strict=True):
            hits += set_match(graph.facts(), e.graph)
    return hits / len(examples)


def train(rows: Sequence[dict[str, str]], config: TrainConfig, holdout: float = 0.0, processes: int = 2,
          device: str = "cpu", docs: Sequence[Any] | None = None) -> tuple[LearnedParser, dict[str, Any]]:
    """Train on ``rows`` (FACTUAL CSV rows); the last ``holdout`` fraction is only scored.

    ``docs`` are the rows' spaCy docs when already parsed (:func:`parse_docs`).
    """
    started = time.perf_counter()
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    rng = random.Random(config.seed)
    docs = docs if docs is not None else parse_docs([r["caption"] for r in rows], processes)
    alignments, forms = align_all(docs, [r["scene_graph"] for r in rows])
    lexicon = load_lexicon("factual")
    tuned = config.adapter_rank > 0  # the encoder is tuned, so its states are computed batch by batch
    reads = config.context or tuned  # the network reads MiniLM states
    states = encode_all(docs, device, config.context_layers) if reads and not tuned else [None] * len(docs)
    examples = [Example(d, a, r["scene_graph"], rule_graph(d, lexicon), c)
                for d, a, r, c in zip(docs, alignments, rows, states, strict=True)]
    cut = len(examples) - int(len(examples) * holdout)
    train_set = [e for e in examples[:cut] if e.alignment.problem is None and len(e.doc)]
    held = examples[cut:]
    vocab = build_vocabularies(train_set, forms, config)
    vocab.written, vocab.label_words = corpus_tables(docs[:cut], [r["scene_graph"] for r in rows[:cut]],
                                                     vocab.predicates)
    shape = ModelShape(words=len(vocab.words), pos=len(vocab.pos), tags=len(vocab.tags), deps=len(vocab.deps),
                       predicates=len(vocab.predicates), implicit=len(vocab.implicit), hidden=config.hidden,
                       context_dim=state_dim(config.context_layers) if reads else 0,
                       adapter_rank=config.adapter_rank, context_layers=config.context_layers,
                       context_drop=config.context_drop)
    model = SceneGraphTagger(shape).to(device)
    adapters = list(model.adapters.parameters()) if model.adapters is not None else []
    rest = [p for p in model.parameters() if all(p is not a for a in adapters)]
    groups = [{"params": rest, "lr": config.learning_rate}]
    groups += [{"params": adapters, "lr": config.adapter_learning_rate}] if adapters else []
    optimizer = torch.optim.Adam(groups)
    steps = config.epochs * ((len(train_set) + config.batch_size - 1) // config.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, [g["lr"] for g in groups], total_steps=steps,
                                                   pct_start=0.1)
    encoder = WordEncoder(device, model.adapters, merge=False, layers=config.context_layers) if tuned else None
    log.info("%d captions: %d aligned for training (%d left out), %d held out; %d predicate classes",
             len(rows), len(train_set), cut - len(train_set), len(held), len(vocab.predicates))
    history = []
    # held-out captions are read with the adapters as they are now
    parser = LearnedParser(model, vocab, device, encoder=encoder)
    prepared = time.perf_counter() - started
    for epoch in range(config.epochs):
        model.train()
        total = 0.0
        for batch in batches(train_set, config.batch_size, rng):
            optimizer.zero_grad()
            loss = loss_of(model, batch, vocab, torch.device(device), encoder)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            schedule.step()
            total += loss.item() * len(batch)
        model.eval()
        record = {"epoch": epoch + 1, "loss": round(total / len(train_set), 4)}
        if held:
            record["holdout_set_match"] = round(holdout_set_match(parser, held), 4)
        history.append(record)
        log.info("epoch %s", record)
    if encoder is not None:
        parser = LearnedParser(model, vocab, device)  # the trained updates added into the encoder's weights
    recipe = {
        "command": "python -m text.scene_graph.training",
        "config": asdict(config),
        "data": {"captions": len(rows), "trained_on": len(train_set), "held_out": len(held)},
        "history": history,
        "seconds": {"prepare": round(prepared, 1), "total": round(time.perf_counter() - started, 1)},
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    return parser, recipe


def save(parser: LearnedParser, recipe: dict[str, Any], out: Path) -> None:
    """Weights as safetensors at ``out``; vocabularies, shape and recipe in ``out.json``. An
    ensemble's members are stored in half precision under ``member<i>.`` (read back by
    :meth:`LearnedParser.load`): half the bytes, the same graphs."""
    models = parser.models
    if len(models) == 1:
        state = {k: v.detach().cpu().contiguous() for k, v in models[0].state_dict().items()}
    else:
        state = {f"member{i}.{k}": v.detach().cpu().half().contiguous()
                 for i, m in enumerate(models) for k, v in m.state_dict().items()}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    save_file(state, str(tmp))
    tmp.replace(out)
    meta = {"shape": models[0].shape.to_dict(), "vocabularies": parser.vocab.to_dict(), "recipe": recipe}
    if len(models) > 1:
        meta["members"] = len(models)
    atomic_write_text(out.with_suffix(".json"), json.dumps(meta, indent=0, sort_keys=True, ensure_ascii=False) + "\n")


def ensemble(members: Sequence[Path], out: Path) -> int:
    """One file of the networks saved at ``members`` (each trained by this module on the same
    rows, so with the same vocabularies), which the parser runs as an ensemble: their mean
    probabilities decide every step. The recipe keeps each member's."""
    parsers = [LearnedParser.load(m) for m in members]
    first = parsers[0]
    for path, p in zip(members, parsers, strict=True):
        if p.vocab.to_dict() != first.vocab.to_dict() or len(p.models) != 1:
            raise SystemExit(f"{path}: not one network trained on the same rows as {members[0]}")
    recipe = {"command": "python -m text.scene_graph.training --ensemble " + " ".join(m.name for m in members),
              "members": [p.recipe for p in parsers]}
    save(LearnedParser([p.model for p in parsers], first.vocab), recipe, out)
    log.info("wrote %s: %d networks (%.1f MB)", out, len(parsers), out.stat().st_size / 1e6)
    return 0


def refresh_tables(rows: Sequence[dict[str, str]], out: Path, processes: int) -> int:
    """Recount the decoding tables of the network saved at ``out`` on ``rows`` (all of them; the
    network and the rest of its ``.json`` stay as they are)."""
    meta_path = out.with_suffix(".json")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    docs = parse_docs([r["caption"] for r in rows], processes)
    written, label_words = corpus_tables(docs, [r["scene_graph"] for r in rows], meta["vocabularies"]["predicates"])
    meta["vocabularies"].update(written=written, label_words=label_words)
    meta["recipe"]["tables"] = {"command": "python -m text.scene_graph.training --tables-only", "captions": len(rows)}
    atomic_write_text(meta_path, json.dumps(meta, indent=0, sort_keys=True, ensure_ascii=False) + "\n")
    log.info("recounted the decoding tables of %s on %d captions", meta_path, len(rows))
    return 0


def default_train_csv() -> Path:
    """FACTUAL's train split in the shared data folder beside the repository."""
    root = os.environ.get("SGMATCH_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data")
    return Path(root) / "factual" / "train.csv"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", type=Path, default=None, help="FACTUAL train CSV (default: ../shared/data)")
    ap.add_argument("--out", type=Path, default=BUILTIN_WEIGHTS)
    ap.add_argument("--holdout", type=float, default=0.0, help="score the last fraction, train on the rest")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N captions")
    ap.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    ap.add_argument("--processes", type=int, default=2, help="spaCy processes for the parse")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--seed", type=int, default=TrainConfig.seed, help="seeds the weights and the batch order")
    ap.add_argument("--hidden", type=int, default=TrainConfig.hidden, help="BiLSTM state per direction")
    ap.add_argument("--context", action="store_true",
                    help="also read MiniLM word states (default: spaCy's features only)")
    ap.add_argument("--context-layers", type=int, nargs="+", default=list(LAYERS), metavar="K",
                    help="the MiniLM layers read, 1 to 6 (default: 3 6); only those up to the deepest are run")
    ap.add_argument("--context-drop", type=float, default=TrainConfig.context_drop, metavar="P",
                    help="read this share of training captions without their MiniLM states (default: 0)")
    ap.add_argument("--threads", type=int, default=TrainConfig.threads, help="torch threads while training")
    ap.add_argument("--adapter-rank", type=int, default=TrainConfig.adapter_rank,
                    help="also tune the MiniLM encoder by LoRA updates of this rank (0: keep it frozen)")
    ap.add_argument("--tables-only", action="store_true",
                    help="keep the network at --out, recount only its decoding tables (corpus_tables) on the rows")
    ap.add_argument("--ensemble", type=Path, nargs="+", metavar="WEIGHTS",
                    help="write the networks saved at these paths to --out as one ensemble (no training)")
    args = ap.parse_args(argv)
    logging.basicConfig(level="INFO", format="%(asctime)s %(message)s")
    if args.ensemble:
        return ensemble(args.ensemble, args.out)
    path = args.train or default_train_csv()
    if not path.exists():
        raise SystemExit(f"{path} not found: FACTUAL's train.csv is needed (--train)")
    rows = read_rows(path)[: args.limit or None]
    if args.tables_only:
        return refresh_tables(rows, args.out, args.processes)
    config = TrainConfig(epochs=args.epochs, threads=args.threads, seed=args.seed, hidden=args.hidden,
                         context=args.context, adapter_rank=args.adapter_rank,
                         context_layers=tuple(args.context_layers), context_drop=args.context_drop)
    parser, recipe = train(rows, config, args.holdout, args.processes, args.device)
    recipe["data"]["file"] = path.name
    save(parser, recipe, args.out)
    log.info("wrote %s (%.1f MB)", args.out, args.out.stat().st_size / 1e6)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
