"""Stage ``generate_negatives``: typed hard negatives a blind reader cannot spot, each verified.

For every caption, candidate negatives of each requested type are made by editing its scene
graph and realising the edit in its own words (:mod:`text.negatives.edits`): ``replace-obj``,
``replace-att``, ``replace-rel``, ``swap-att``, ``swap-obj``, ``add-obj``, ``add-att``. What may
replace or join what is learned from the corpus itself (:mod:`text.negatives.corpus`: which
attributes a noun takes, which predicates join which nouns, which phrases attach to which
nouns), on the captions of ``fit_split``; when no caption has that split (a benchmark corpus
with only a test split), on all captions, which is legitimate since only their text is used.
Candidates are ranked by plausibility: how natural a caption language model finds the negative
next to its caption (Kneser-Ney n-grams of order ``lm_order`` fitted on the same captions, a
caption always scored by the half of the model that did not see its image); those below
``min_plausibility`` are not tried. Near-synonyms, hypernyms and hyponyms are refused
(:func:`text.negatives.lexical.relation`).

Types are chosen by quota, not by whichever verifies first: each caption gets its negatives of
the types it allows that have the fewest verified negatives so far in its task, so a rare type
(two objects each with an attribute, for ``swap-att``) is made wherever the caption allows it.
Each candidate is parsed with the same parser as ``parse_captions`` and kept as verified only
when the typed diff of the two graphs is exactly the declared edit; with ``verify_with: either``
a candidate that parser misses is also verified when the rules alone, steadier under small edits
than the learned parser, read exactly that edit between the caption and the candidate (the
negative's stored graph is still the first parser's). Up to ``per_caption``
verified negatives per caption, over at most ``max_rounds`` rounds (a failed candidate is
followed by the next one, and a caption whose candidates failed gets several at once: the parser
misreads some captions whatever the edit); every candidate tried is written, with ``verified``
saying how it fared and ``plausibility`` so users can filter; the metrics count, by type, why
the others failed verification (:func:`text.negatives.verify.failure`). Deterministic for a seed: each caption's
candidates depend only on the seed, its id and the fitted corpus, and the type it gets also on
the captions before it in its task.

Example::

    python -m stages.generate_negatives --params params.yaml --text-graphs data/text_graphs \\
        --out data/negatives --metrics metrics/generate_negatives.json
"""

from __future__ import annotations

import argparse
import logging
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import pyarrow as pa

from pipeline.artifacts import read_table, split_rows, write_artifact, write_json
from pipeline.errors import InputError
from pipeline.parallel import dask_client, map_partitions
from pipeline.params import NonNegativeInt, PositiveInt, load_section
from pipeline.schemas import NEGATIVES, TEXT_GRAPHS
from pipeline.stage import METRICS, Port, StageSpec, run_stage
from text.negatives import lexical
from text.negatives.corpus import CorpusWords
from text.negatives.diff import TYPES, diff, embed_words
from text.negatives.edits import EDITS, Editor, Negative, facts_of
from text.negatives.language_model import HeldOutLanguageModel
from text.negatives.verify import breakdown, same_reading, settle
from text.negatives.words import Categories, load_categories
from text.scene_graph.parser import Parsed, ParseParams, ParserConfig, cached_parser

log = logging.getLogger(__name__)

EXTRA_TRIES = 2  # more candidates at once for a caption whose candidates failed
COLUMNS = ["caption_id", "image_id", "split", "caption", "tokens", "offsets", "objects", "relations", "error"]


@dataclass(frozen=True)
class NegativeParams:
    types: tuple[str, ...]  # which of the seven types to make
    per_caption: PositiveInt  # verified negatives wanted per caption
    max_rounds: PositiveInt  # rounds of candidates (each round re-parses the candidates still needed)
    candidates_per_type: PositiveInt  # candidates of each type ranked by plausibility
    min_plausibility: float  # candidates less plausible than this (log-prob per token vs the caption) are not tried
    fit_split: str  # captions that teach what fits and the language model; "" (or a split absent) for all
    lm_order: PositiveInt  # n-gram order of the plausibility model
    seed: NonNegativeInt
    captions_per_task: PositiveInt
    partition_rows: PositiveInt
    # parser: verified when the caption's parser reads the declared edit; either: also when the rules
    # alone (steadier under small edits) read it in both captions. The stored graph is the parser's.
    verify_with: Literal["parser", "either"] = "parser"


@dataclass(frozen=True)
class Fitted:
    """What the generator learned from the corpus: its words and its caption language model."""

    words: CorpusWords
    language_model: HeldOutLanguageModel
    fit_split: str  # the split it was fitted on ("" for all captions)
    fit_captions: int
    image_facts: dict[str, frozenset[str]]  # image -> what any of its captions says (edits.facts_of)


def fit(rows: Sequence[dict[str, Any]], params: NegativeParams) -> Fitted:
    """Corpus statistics and language model from the captions of ``params.fit_split``."""
    ok = [r for r in rows if r["error"] is None]
    split = params.fit_split
    if split and not any(r["split"] == split for r in ok):
        log.warning("no caption of split %r: the negatives are fitted on all %d captions", split, len(ok))
        split = ""
    chosen = [r for r in ok if not split or r["split"] == split]
    lm = HeldOutLanguageModel(((r["image_id"], r["caption"]) for r in chosen), params.lm_order)
    facts: dict[str, set[str]] = {}
    for r in ok:  # every caption of every image: a negative another caption says is no negative
        facts.setdefault(r["image_id"], set()).update(facts_of(r))
    return Fitted(CorpusWords.of(chosen), lm, split, len(chosen), {k: frozenset(v) for k, v in facts.items()})


@dataclass
class _Caption:
    row: dict[str, Any]
    candidates: dict[str, list[Negative]] = field(default_factory=dict)  # type -> candidates not tried yet
    base: float | None = None  # the caption's own log-probability per token
    plausibility: dict[str, float] = field(default_factory=dict)  # negative text -> plausibility
    verified: int = 0
    failed: int = 0  # candidates tried that did not verify
    careful: bool = True  # no edits of what the parser visibly misread (Editor's ``careful``), until none is left
    rules_graph: dict[str, Any] | None = None  # the rules' reading of the caption, once a candidate needs it
    tried: set[str] = field(default_factory=set)  # negatives already parsed

    def queue(self, kind: str, params: NegativeParams, fitted: Fitted, categories: Categories) -> list[Negative]:
        """The type's candidates, most plausible first, without the implausible and those another
        caption of the image says. Made and ranked the first time a type is asked for: most types
        of most captions never are. Each type has its own random stream, so its candidates do not
        depend on which types were asked for before."""
        if kind not in self.candidates:
            row, lm = self.row, fitted.language_model
            rng = random.Random(f"{params.seed}:{row['caption_id']}:{kind}")
            editor = Editor(row["caption"], row, categories, fitted.words, rng, params.candidates_per_type,
                            careful=self.careful)
            found = EDITS[kind](editor)
            if self.base is None and found:
                self.base = lm.logprob_per_token(row["image_id"], row["caption"])
            facts = fitted.image_facts.get(row["image_id"], frozenset())
            for n in found:
                self.plausibility[n.text] = lm.logprob_per_token(row["image_id"], n.text) - (self.base or 0.0)
            kept = [n for n in found if self.plausibility[n.text] >= params.min_plausibility
                    and not facts.intersection(n.introduces) and n.text not in self.tried]
            self.candidates[kind] = sorted(kept, key=lambda n: -self.plausibility[n.text])
        return self.candidates[kind]


def _schedule(pending: Sequence[_Caption], params: NegativeParams, fitted: Fitted,
              made: Counter) -> list[tuple[_Caption, str]]:
    """This round's (caption, type) pairs: each caption's scarcest types among those it allows,
    each with a plausible candidate that is no near-synonym of what it replaces. A caption whose
    candidates failed before gets one more type per failure (up to :data:`EXTRA_TRIES`): the parser
    misreads some captions whatever the edit, so their next single candidate mostly fails too, and
    several at once give them a fair chance of one verified negative. A caption with no careful
candidate left (:class:`~text.negatives.edits.Editor`'s ``careful``: nothing the parser visibly
misread is edited) is given the others: verification still decides."""
    categories = load_categories()
    batch = []
    for c in pending:
        need = params.per_caption - c.verified + min(c.failed, EXTRA_TRIES)
        kinds = _scarcest(c, need, params, fitted, categories, made)
        if not kinds and c.careful:  # nothing left that avoids the parser's visible misreadings
            c.careful = False
            c.candidates.clear()
            kinds = _scarcest(c, need, params, fitted, categories, made)
        batch += [(c, k) for k in kinds]
    return _refuse_similar(batch, fitted.words.coreferent)


def _scarcest(c: _Caption, need: int, params: NegativeParams, fitted: Fitted, categories: Categories,
              made: Counter) -> list[str]:
    """Up to ``need`` of the types the caption has a candidate of, those with the fewest negatives first."""
    kinds = []
    for kind in sorted(params.types, key=lambda k: (made[k], params.types.index(k))):
        if len(kinds) >= need:
            break
        if c.queue(kind, params, fitted, categories):
            made[kind] += 1
            kinds.append(kind)
    return kinds


def _refuse_similar(batch: Sequence[tuple[_Caption, str]], corpus: lexical.Pairs) -> list[tuple[_Caption, str]]:
    """Drop the head candidates whose change is a near-synonym by the word embeddings (one batch
    of embeddings for all of them), moving on to the next candidate of the same type."""
    heads = list(batch)
    while True:
        heads = [(c, k) for c, k in heads if c.candidates[k]]
        lexical.embed_undecided([pair for c, k in heads for pair in c.candidates[k][0].changed], corpus)
        refused = [(c, k) for c, k in heads
                   if any(lexical.relation(a, b, corpus) is not None for a, b in c.candidates[k][0].changed)]
        if not refused:
            return heads
        for c, k in refused:
            c.candidates[k].pop(0)


def negatives_for(rows: Sequence[dict[str, Any]], params: NegativeParams, config: ParserConfig,
                  fitted: Fitted) -> pa.Table:
    """Generate and verify the negatives of some captions (in this process or on a worker)."""
    parser = cached_parser(config)
    rules = (cached_parser(replace(config, mode="rules"))
             if params.verify_with == "either" and config.mode != "rules" else None)
    pending = [_Caption(row) for row in rows if row["error"] is None and row["objects"]]
    made: Counter[str] = Counter()  # verified, plus scheduled in this round
    out: list[dict[str, Any]] = []
    for _ in range(params.max_rounds):
        batch = _schedule(pending, params, fitted, made)
        if not batch:
            break
        tried = [(c, k, c.candidates[k].pop(0)) for c, k in batch]
        for c, _, neg in tried:
            c.tried.add(neg.text)
        parsed = list(parser.parse([t[2].text for t in tried]))
        read = [p.graph.to_dict() if p.graph is not None else None for p in parsed]
        embed_words([c.row for c, _, _ in tried] + [g for g in read if g is not None])
        graphs = [settle(c.row, g) if g is not None else None for (c, _, _), g in zip(tried, read, strict=True)]
        founds = [diff(c.row, g)["type"] if g is not None else "unparsed"
                  for (c, _, _), g in zip(tried, graphs, strict=True)]
        if rules is not None:
            founds = _second_reading(rules, tried, founds, parsed)
        for (c, kind, neg), graph, whole, found in zip(tried, graphs, read, founds, strict=True):
            ok = found == neg.type
            c.verified += ok
            c.failed += not ok
            made[kind] -= not ok  # a failed candidate does not count towards its type's quota
            row = c.row
            out.append({"caption_id": row["caption_id"], "image_id": row["image_id"], "split": row["split"],
                        "caption": row["caption"], "negative": neg.text, "type": neg.type, "before": neg.before,
                        "after": neg.after, "start": neg.start, "end": neg.end, "plausibility": c.plausibility[neg.text],
                        "verified": ok, "found_type": found, "read_whole": ok and same_reading(graph, whole),
                        "tokens": graph["tokens"] if graph else [], "objects": graph["objects"] if graph else [],
                        "relations": graph["relations"] if graph else []})
        pending = [c for c in pending if c.verified < params.per_caption]
    return pa.Table.from_pylist(out, schema=NEGATIVES.arrow)


def _second_reading(rules: Any, tried: Sequence[tuple[_Caption, str, Negative]], founds: list[str],
                    read: Sequence[Parsed] | None = None) -> list[str]:
    """``founds`` with the declared type wherever the parser missed it and the rules read exactly
    that edit between the caption and the candidate. The captions are parsed by the rules (in one
    batch); so are the candidates, but for those whose reading by the parser (``read``) came with
    the rules' graph of the same doc (:class:`~text.scene_graph.parser.Parsed`)."""
    missed = [i for i, (t, f) in enumerate(zip(tried, founds, strict=True)) if f != t[2].type]
    fresh = list({id(tried[i][0]): tried[i][0] for i in missed if tried[i][0].rules_graph is None}.values())
    for c, parsed in zip(fresh, rules.parse([c.row["caption"] for c in fresh]), strict=True):
        c.rules_graph = parsed.graph.to_dict() if parsed.graph is not None else {}
    graphs = {i: read[i].rules for i in missed if read is not None and read[i].rules is not None}
    unread = [i for i in missed if i not in graphs]
    graphs.update(zip(unread, (p.graph for p in rules.parse([tried[i][2].text for i in unread])), strict=True))
    out = list(founds)
    for i in missed:
        (c, _, neg), graph = tried[i], graphs[i]
        if c.rules_graph and graph is not None:
            found = diff(c.rules_graph, settle(c.rules_graph, graph.to_dict()))["type"]
            out[i] = neg.type if found == neg.type else out[i]
    return out


def summarize(table: pa.Table, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    with_object = {r["caption_id"] for r in rows if r["error"] is None and r["objects"]}
    data = table.select(["caption_id", "type", "verified", "read_whole"]).to_pylist()
    by_id = {r["caption_id"]: r for r in rows}
    failed = [n for n in table.to_pylist() if not n["verified"]]
    got = {d["caption_id"] for d in data if d["verified"]}
    by_type: dict[str, Any] = {}
    for t in TYPES:
        made = [d for d in data if d["type"] == t]
        ok = sum(d["verified"] for d in made)
        by_type[t] = {"generated": len(made), "verified": ok,
                      "verified_share": round(ok / len(made), 4) if made else None,
                      "read_whole": sum(d["read_whole"] for d in made)}
    usable = sum(r["error"] is None for r in rows)
    return {"captions": len(rows), "captions_with_object": len(with_object),
            "share_with_verified_negative": round(len(got & with_object) / len(with_object), 4) if with_object else None,
            "share_of_all_with_verified_negative": round(len(got) / usable, 4) if usable else None,
            "negatives": len(data), "verified": sum(d["verified"] for d in data), "by_type": by_type,
            "failures": breakdown([(by_id[n["caption_id"]], n) for n in failed])}


def _run(args: argparse.Namespace) -> None:
    params = load_section(args.params, "generate_negatives", NegativeParams)
    unknown = [t for t in params.types if t not in TYPES]
    if unknown:
        raise InputError(f"{args.params} [generate_negatives]", "generate_negatives.types",
                         f"unknown type {unknown[0]!r}; types are {', '.join(TYPES)}")
    config = load_section(args.params, "parse_captions", ParseParams).parser_config()
    started = time.perf_counter()
    rows = read_table(args.text_graphs, TEXT_GRAPHS, COLUMNS).to_pylist()
    fitted = fit(rows, params)
    chunks = [rows[i:i + params.captions_per_task] for i in range(0, len(rows), params.captions_per_task)]
    with dask_client(args.dask_address, args.workers) as client:
        shared = client.scatter(fitted, broadcast=True) if client is not None else fitted  # sent once, not per task
        tables = map_partitions(negatives_for, chunks, client, "negatives", params=params, config=config, fitted=shared)
    table = pa.concat_tables(tables) if tables else NEGATIVES.empty()
    write_artifact(args.out, NEGATIVES, split_rows(table, params.partition_rows))
    summary = summarize(table, rows)
    summary["fit"] = {"split": fitted.fit_split or "all", "captions": fitted.fit_captions}
    if args.metrics:  # timings stay in the log: the metrics file is a function of the inputs
        write_json(args.metrics, summary)
    log.info("generate_negatives: %d negatives, %d verified; %.3f of captions with an object have one; %.1f s",
             summary["negatives"], summary["verified"], summary["share_with_verified_negative"] or 0,
             time.perf_counter() - started)


STAGE = StageSpec(
    name="generate_negatives",
    summary="typed hard-negative captions made by editing scene graphs, verified by re-parsing",
    inputs=(Port("--text-graphs", "text_graphs", "the text_graphs artifact"),),
    outputs=(Port("--out", "negatives", "the negatives artifact"), METRICS),
    params=("generate_negatives", "parse_captions"),
    dask=True,
)


def main(argv: Sequence[str] | None = None) -> int:
    return run_stage(_run, STAGE.parser(__doc__), argv)


if __name__ == "__main__":
    raise SystemExit(main())
