"""The learned parser at run time: spaCy docs in, text scene graphs out.

:class:`LearnedParser` loads the shipped networks (``learned_factual.safetensors``, weights only:
three networks trained apart, an ensemble) and their vocabularies (``learned_factual.json``:
labels, words, predicate classes, the annotated forms of span texts and the recipe that trained
each). An ensemble's members vote at every step by their mean probabilities. For a batch of
spaCy docs it

1. reads the rules' graph of each doc (the hints of :mod:`text.scene_graph.rule_hints`),
   builds token features (:func:`featurize`) and runs the network on the caller's device;
2. reads object and attribute spans off the BIO tags;
3. links each attribute to its object(s) and classifies every ordered pair of objects into a
   predicate or none; a pair with a negation between its mentions is dropped ("the cat is not
   on the mat" states no fact);
4. writes the result as a :class:`~text.scene_graph.graph.TextSceneGraph`: each object with
   its span, head token (the span's last word) and lemma; labels in the annotation's forms.

Decoding follows the annotation's habits, from two tables counted on the training split and
saved in the ``.json`` (``training.corpus_tables``): a predicate class the annotation nearly
always writes with the caption's own words is ruled out where the caption does not say them
(:meth:`LearnedParser.unsaid_classes`), and a misspelt label word is respelt as the annotators
do (:meth:`LearnedParser.respelt`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from torch import Tensor

from text.scene_graph.alignment import Forms
from text.scene_graph.graph import TextObject, TextRelation, TextSceneGraph
from text.scene_graph.learned_model import (
    HEAD_OFFSET_CLIP,
    RULES_PREDICATE,
    TAGS,
    WORDS_BETWEEN,
    Batch,
    ModelShape,
    SceneGraphTagger,
)
from text.scene_graph.lexicon import Lexicon, load_lexicon
from text.scene_graph.repairs import fixed_lemma, gerund_lemma
from text.scene_graph.rule_hints import link_hints, pair_predicates, pair_relations, relation_hints, token_roles
from text.scene_graph.rules import build_graph
from text.scene_graph.tokens import from_spacy

BUILTIN_WEIGHTS = Path(__file__).with_name("learned_factual.safetensors")
BUILTIN_META = Path(__file__).with_name("learned_factual.json")  # always BUILTIN_WEIGHTS with ".json"
UNKNOWN = 1  # index of the unknown word and label (0 pads)
NEGATIONS = {"not", "n't", "never"}
# A predicate class whose training captions said its words at least this often is ruled out
# for a caption that does not say them (a class the annotation writes from elsewhere stays).
WRITTEN_SHARE = 0.9
LINK_THRESHOLD = 0.5  # an attribute also belongs to every other object this likely (0.3, 0.7: same on dev)
MIN_RESPELT = 4  # shorter words are not respelt (too many real words one edit apart)
MIN_LABEL_COUNT = 5  # a respelling is a label word the annotation wrote at least this often
COUNT_NOUNS = {"pair", "pairs", "couple", "couples", "dozen", "dozens"}  # see counts_of
DETERMINERS = {"a", "an", "the", "this", "that", "these", "those", "its", "his", "her", "their", "some"}


@dataclass
class Vocabularies:
    """Strings <-> ids of every input and output of the network (index 0 pads, 1 is unknown)."""

    words: list[str]
    pos: list[str]
    tags: list[str]
    deps: list[str]
    predicates: list[str]  # class k + 1 is predicates[k]; class 0 is "no relation"
    implicit: list[str]  # implicit count class k + 1 is implicit[k]
    forms: Forms = field(default_factory=Forms)
    # predicate -> the share of its training occurrences whose caption says all its words
    written: dict[str, float] = field(default_factory=dict)
    label_words: dict[str, int] = field(default_factory=dict)  # word -> times in training labels

    def __post_init__(self) -> None:
        self.index = {name: {s: i for i, s in enumerate(getattr(self, name))}
                      for name in ("words", "pos", "tags", "deps")}

    def ids(self, name: str, values: Sequence[str]) -> list[int]:
        table = self.index[name]
        return [table.get(v, UNKNOWN) for v in values]

    def to_dict(self) -> dict[str, Any]:
        return {"words": self.words, "pos": self.pos, "tags": self.tags, "deps": self.deps,
                "predicates": self.predicates, "implicit": self.implicit,
                "forms": {"objects": self.forms.objects, "attributes": self.forms.attributes},
                "written": self.written, "label_words": self.label_words}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Vocabularies:
        forms = Forms(objects=dict(data["forms"]["objects"]), attributes=dict(data["forms"]["attributes"]))
        return cls(data["words"], data["pos"], data["tags"], data["deps"], data["predicates"], data["implicit"],
                   forms, dict(data.get("written", {})), dict(data.get("label_words", {})))


def rule_graph(doc: Any, lexicon: Lexicon) -> TextSceneGraph:
    """The rules' graph of a spaCy doc (an empty one where the rules fail)."""
    try:
        return build_graph(from_spacy(doc), lexicon)
    except Exception:  # the hints are optional; the network still reads the caption
        return TextSceneGraph(tokens=[t.text for t in doc])


def featurize(docs: Sequence[Any], vocab: Vocabularies, rules: Sequence[TextSceneGraph],
              context: Sequence[Tensor] | None = None) -> Batch:
    """Token features of spaCy ``docs`` (each with ``doc.tensor``) and their rules' graphs,
    padded: see :class:`Batch`. ``context``: each doc's MiniLM states, ``(len(doc), D)``
    (:class:`~text.scene_graph.encoder.WordEncoder`), for a network that reads them."""
    n = max((len(d) for d in docs), default=1) or 1
    b = len(docs)
    words = torch.zeros(b, n, dtype=torch.long)
    pos, tags, deps, offsets, roles = (torch.zeros(b, n, dtype=torch.long) for _ in range(5))
    dim = next((d.tensor.shape[1] for d in docs if len(d) and d.tensor.size), 96)
    spacy = torch.zeros(b, n, dim)
    for i, d in enumerate(docs):
        k = len(d)
        if not k:
            continue
        tokens = list(d)  # one pass: each makes the doc's Token objects anew
        words[i, :k] = torch.tensor(vocab.ids("words", [t.lower_ for t in tokens]))
        pos[i, :k] = torch.tensor(vocab.ids("pos", [t.pos_ for t in tokens]))
        tags[i, :k] = torch.tensor(vocab.ids("tags", [t.tag_ for t in tokens]))
        deps[i, :k] = torch.tensor(vocab.ids("deps", [t.dep_ for t in tokens]))
        offsets[i, :k] = torch.tensor([max(-HEAD_OFFSET_CLIP, min(HEAD_OFFSET_CLIP, t.head.i - t.i)) + HEAD_OFFSET_CLIP
                                       for t in tokens])
        roles[i, :k] = torch.tensor(token_roles(rules[i], k))
        if d.tensor.size:
            spacy[i, :k] = torch.tensor(d.tensor[:k])
    lengths = torch.tensor([max(len(d), 1) for d in docs])
    padded = None
    if context is not None:  # padded on the states' own device, keeping their gradients when training
        padded = torch.nn.utils.rnn.pad_sequence([c.float() for c in context], batch_first=True)
        padded = torch.nn.functional.pad(padded, (0, 0, 0, n - padded.shape[1]))
    return Batch(words, pos, tags, deps, offsets, roles, spacy, lengths, padded)


@dataclass
class Prediction:
    """The network's reading of one caption, before it becomes a graph (k objects, a attributes)."""

    objects: list[tuple[int, int]]  # k object spans
    attributes: list[tuple[int, int]]  # a attribute spans
    predicates: list[str | None] = field(default_factory=list)  # k * k, row-major (subject, object)
    links: list[float] = field(default_factory=list)  # a * k: P(attribute i belongs to object j)
    implicit: list[int] = field(default_factory=list)  # k implicit count classes (0: none)
    said: list[TextRelation | None] = field(default_factory=list)  # k * k: the rules' relation of each pair
    rules: TextSceneGraph | None = None  # the rules' graph of the caption, which the network read as hints


def bio_spans(tags: Sequence[str]) -> dict[str, list[tuple[int, int]]]:
    """Object and attribute spans of one caption's BIO tags (an I- with no B- starts a span),
    as ``{"objects": [...], "attributes": [...]}``."""
    out: dict[str, list[tuple[int, int]]] = {"objects": [], "attributes": []}
    key = {"OBJ": "objects", "ATT": "attributes"}
    start, kind = None, None
    for i, tag in enumerate([*tags, "O"]):
        if tag == "O" or tag.startswith("B-") or (tag.startswith("I-") and tag[2:] != kind):
            if start is not None:
                out[key[kind]].append((start, i))  # type: ignore[index]
            start, kind = (i, tag[2:]) if tag != "O" else (None, None)
    return out


def pair_rows(counts: Sequence[int], offsets: Sequence[int], others: Sequence[int] | None = None,
              other_offsets: Sequence[int] | None = None) -> Tensor:
    """All (i, j) index pairs within each caption: ordered object pairs (self included), or
    attribute x object pairs when ``others`` is given. (P, 2) long."""
    rows = []
    for c, (n, base) in enumerate(zip(counts, offsets, strict=True)):
        if others is None:
            rows += [(base + i, base + j) for i in range(n) for j in range(n)]
        else:
            rows += [(base + i, other_offsets[c] + j) for i in range(n) for j in range(others[c])]  # type: ignore[index]
    return torch.tensor(rows, dtype=torch.long).reshape(-1, 2)


class LearnedParser:
    """The shipped network(s) and their vocabularies, on one device."""

    def __init__(self, model: SceneGraphTagger | Sequence[SceneGraphTagger], vocab: Vocabularies,
                 device: str | torch.device = "cpu", recipe: dict[str, Any] | None = None,
                 lexicon: Lexicon | None = None, encoder: Any = None) -> None:
        models = [model] if isinstance(model, SceneGraphTagger) else list(model)
        model = models[0]
        if len(models) > 1 and any(m.shape != model.shape or m.shape.adapter_rank for m in models):
            raise ValueError("the networks of an ensemble share one shape and read a frozen encoder")
        self.device = torch.device(device)
        self.models = [m.to(self.device).eval() for m in models]
        self.vocab = vocab
        self.lexicon = lexicon or load_lexicon("factual")
        self.classes = {p: k + 1 for k, p in enumerate(vocab.predicates)}
        self.recipe = recipe or {}
        self.name = "learned (in memory)"
        self._written: Tensor | None = None  # (1 + P + 2,) the classes unsaid_classes may rule out
        self._respelt: dict[str, str] = {}
        self._first_words: set[str] | None = None
        # the MiniLM word encoder, for a network that reads its states: the caller's (training
        # passes one that reads the adapters live), else one with the network's adapters merged in
        self.encoder: Any = encoder
        if encoder is None and model.shape.context_dim:
            from text.scene_graph.encoder import WordEncoder

            self.encoder = WordEncoder(self.device, model.adapters, layers=model.shape.context_layers)
        # English words (base forms) for telling a misspelling from a rare word; set by the
        # caller from its spaCy pipeline (english_words), else no word is respelt
        self.english: set[str] = set()

    @property
    def model(self) -> SceneGraphTagger:
        """The (first) network."""
        return self.models[0]

    @classmethod
    def load(cls, weights: Path = BUILTIN_WEIGHTS, device: str = "cpu") -> LearnedParser:
        """The network(s) saved at ``weights`` (safetensors) with the ``.json`` beside it. An
        ensemble's file holds each member's tensors under ``member<i>.`` (see :func:`member_states`)."""
        meta_path = BUILTIN_META if weights == BUILTIN_WEIGHTS else weights.with_suffix(".json")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        models = []
        for state in member_states(load_file(str(weights)), meta.get("members", 0), weights):
            model = SceneGraphTagger(ModelShape(**meta["shape"]))
            model.load_state_dict({k: v.float() for k, v in state.items()})  # an ensemble is stored in half precision
            models.append(model)
        parser = cls(models, Vocabularies.from_dict(meta["vocabularies"]), device, meta.get("recipe"))
        parser.name = f"learned {weights.stem}"
        return parser

    def graphs(self, docs: Sequence[Any]) -> list[TextSceneGraph]:
        """One graph per spaCy doc, in order."""
        return [g for g, _ in self.readings(docs)]

    def readings(self, docs: Sequence[Any]) -> list[tuple[TextSceneGraph, TextSceneGraph | None]]:
        """Per spaCy doc, in order: the network's graph, and the rules' graph it read as hints
        (what the rules mode reads in the same doc with this parser's lexicon)."""
        return [(self._graph(d, p), p.rules) for d, p in zip(docs, self.predict(docs), strict=True)]

    @torch.inference_mode()
    def predict(self, docs: Sequence[Any]) -> list[Prediction]:
        """What the network reads in each doc: spans, attribute links, predicates, counts."""
        if not docs:
            return []
        models = self.models
        rules = [rule_graph(d, self.lexicon) for d in docs]
        context = self.encoder.states(docs) if self.encoder is not None else None
        batch = featurize(docs, self.vocab, rules, context).to(self.device)
        hs = [m.encode(batch) for m in models]
        # an ensemble's members vote at every step by their mean probabilities
        tag_ids = _mean([m.tag_logits(h).softmax(-1) for m, h in zip(models, hs, strict=True)]).argmax(-1)
        tag_ids = tag_ids.cpu().tolist()
        out = [Prediction(**bio_spans([TAGS[t] for t in row[:len(d)]])) for row, d in zip(tag_ids, docs, strict=True)]
        for p, d, g in zip(out, docs, rules, strict=True):
            p.objects = [o for o in kept_subjects(p, d, g) if not counts_of(d, o)]
            p.rules = g
        n_obj = [len(p.objects) for p in out]
        n_att = [len(p.attributes) for p in out]
        obj_base = [sum(n_obj[:c]) for c in range(len(docs))]
        att_base = [sum(n_att[:c]) for c in range(len(docs))]
        obj_rows = [(c, s, e) for c, p in enumerate(out) for s, e in p.objects]
        if not obj_rows:
            return out
        obj_m = torch.tensor(obj_rows, device=self.device)
        objs = [m.spans(h, obj_m) for m, h in zip(models, hs, strict=True)]
        implicit = _mean([m.implicit_logits(o).softmax(-1) for m, o in zip(models, objs, strict=True)])
        implicit = implicit.argmax(-1).cpu().tolist()
        # every ordered pair of objects: a predicate class, or one of the two copied predicates
        hints = torch.tensor([x for p, g in zip(out, rules, strict=True)
                              for x in relation_hints(g, p.objects, self.classes)], device=self.device)
        pairs = pair_rows(n_obj, obj_base).to(self.device)
        candidates = [pair_predicates(g, d, p.objects) for d, p, g in zip(docs, out, rules, strict=True)]
        said = [x for rule_preds, _ in candidates for x in rule_preds]
        between = [x for _, between_preds in candidates for x in between_preds]
        ruled_out = mask_unavailable(said, between, len(self.vocab.predicates), self.device)
        if self.vocab.written:
            unsaid = torch.stack([self.unsaid_classes(d) for d in docs])
            pairs_of = torch.tensor([k * k for k in n_obj])
            ruled_out |= unsaid.repeat_interleave(pairs_of, dim=0).to(self.device)
        probs = _mean([m.relation_logits(h, o, obj_m, pairs, hints).masked_fill(ruled_out, -torch.inf).softmax(-1)
                       for m, h, o in zip(models, hs, objs, strict=True)])
        classes = probs.argmax(-1).cpu().tolist()
        predicates = [self.predicate_of(c, r, b) for c, r, b in zip(classes, said, between, strict=True)]
        links: list[float] = []
        att_rows = [(c, s, e) for c, p in enumerate(out) for s, e in p.attributes]
        if att_rows:
            att_m = torch.tensor(att_rows, device=self.device)
            hints = torch.tensor([x for d, p, g in zip(docs, out, rules, strict=True)
                                  for x in link_hints(g, attribute_texts(d, p.attributes), p.objects)],
                                 device=self.device)
            pairs = pair_rows(n_att, att_base, n_obj, obj_base).to(self.device)
            links = _mean([torch.sigmoid(m.link_logits(m.spans(h, att_m), o, att_m, obj_m, pairs, hints))
                           for m, h, o in zip(models, hs, objs, strict=True)]).cpu().tolist()
        rel_at = link_at = 0
        for c, p in enumerate(out):
            k, a = n_obj[c], n_att[c]
            p.predicates = predicates[rel_at:rel_at + k * k]
            p.links = links[link_at:link_at + a * k]
            p.implicit = implicit[obj_base[c]:obj_base[c] + k]
            p.said = pair_relations(rules[c], p.objects)
            rel_at += k * k
            link_at += a * k
        return out

    def unsaid_classes(self, doc: Any) -> Tensor:
        """(1 + P + 2,) bool: the predicate classes ruled out for ``doc``: those the annotation
        nearly always writes with the caption's own words (:attr:`Vocabularies.written`) whose
        words the caption does not say."""
        if self._written is None:
            self._written = torch.zeros(len(self.vocab.predicates) + 3, dtype=torch.bool)
            self._class_words: dict[str, list[int]] = {}
            self._word_count: dict[int, int] = {}
            for k, p in enumerate(self.vocab.predicates):
                if self.vocab.written.get(p, 0.0) >= WRITTEN_SHARE:
                    self._written[k + 1] = True
                    self._word_count[k + 1] = len(set(p.split()))
                    for w in set(p.split()):
                        self._class_words.setdefault(w, []).append(k + 1)
        found: Counter[int] = Counter()
        for w in said_words(doc):
            found.update(self._class_words.get(w, ()))
        out = self._written.clone()
        out[[k for k, n in found.items() if n == self._word_count[k]]] = False
        return out

    def label(self, forms: dict[str, str], tokens: Sequence[Any]) -> str:
        """A span's label: the annotation's form of its words, else the words with misspelt ones
        respelt (:meth:`respelt`)."""
        written = join_words([t.lower_ for t in tokens])
        if written in forms:
            return forms[written]
        fixed = join_words([self.respelt(t) for t in tokens])
        return forms.get(fixed, fixed)

    def respelt(self, token: Any) -> str:
        """A caption word as the annotation would spell it. A word that is no English word
        (neither it nor its lemma is in :attr:`english`), that no training caption held twice
        and no training label holds becomes the most frequent label word one edit away
        ("palte" -> "plate", "purpl" -> "purple"), if there is one."""
        word = token.lower_
        labels = self.vocab.label_words
        if (not labels or not self.english or len(word) < MIN_RESPELT or word in labels
                or word in self.vocab.index["words"] or word in self.english or token.lemma_.lower() in self.english):
            return word
        if word not in self._respelt:
            near = [w for w in one_edit(word) if labels.get(w, 0) >= MIN_LABEL_COUNT]
            self._respelt[word] = max(near, key=lambda w: (labels[w], w)) if near else word
        return self._respelt[word]

    def predicate_of(self, cls: int, said: str | None, between: str | None) -> str | None:
        """The predicate of relation class ``cls`` (None for no relation)."""
        n = len(self.vocab.predicates)
        if cls == n + RULES_PREDICATE:
            return self.verb_fixed(said)
        if cls == n + WORDS_BETWEEN:
            return self.verb_fixed(between)
        return self.vocab.predicates[cls - 1] if cls else None

    def verb_fixed(self, predicate: str | None) -> str | None:
        """A copied predicate whose first word no predicate class starts with, but its base form
        does: a lemma the lemmatiser cut short ("shining" -> "shin": shine) or an -ing form it
        left ("following": follow)."""
        if not predicate:
            return predicate
        if self._first_words is None:
            self._first_words = {p.split()[0] for p in self.vocab.predicates}
        first, _, rest = predicate.partition(" ")
        if first in self._first_words:
            return predicate
        for base in (first + "e", gerund_lemma(first) if first.endswith("ing") else ""):
            if base in self._first_words:
                return f"{base} {rest}".strip()
        return predicate

    def _graph(self, doc: Any, prediction: Prediction) -> TextSceneGraph:
        words = [t.lower_ for t in doc]
        forms = self.vocab.forms
        graph = TextSceneGraph(tokens=[t.text for t in doc])
        objects = prediction.objects
        for start, end in objects:
            name = join_words(words[start:end])
            head = doc[end - 1]
            last = head.lemma_.lower() if head.pos_ in ("NOUN", "PROPN") else head.lower_
            lemma = join_words([*words[start:end - 1], last])
            graph.objects.append(TextObject(name=name, lemma=lemma, head=end - 1, span=(start, end),
                                            label=self.label(forms.objects, doc[start:end])))
        k = len(objects)
        for i, (start, end) in enumerate(prediction.attributes):
            scores = prediction.links[i * k:(i + 1) * k]
            if not scores:
                continue
            best = max(range(k), key=scores.__getitem__)
            for j in range(k):
                if j == best or scores[j] > LINK_THRESHOLD:
                    self._attach(graph.objects[j], self.label(forms.attributes, doc[start:end]), (start, end))
        for j, cls in enumerate(prediction.implicit):
            if cls and graph.objects[j].count is None:
                graph.objects[j].count = self.vocab.implicit[cls - 1]
        for s in range(k):
            for o in range(k):
                predicate = prediction.predicates[s * k + o]
                if predicate and not negated(doc, objects[s], objects[o]):
                    said = prediction.said[s * k + o] if prediction.said else None
                    if said is not None and said.predicate == predicate:  # the rules read it so too
                        span, via = said.span, said.via
                    else:
                        span = predicate_span(words, objects[s], objects[o])
                        via = construction(doc, span, predicate)
                    graph.relations.append(TextRelation(s, predicate, o, span, via))
                    if s == o:  # "two buses next to each other": the annotation's (bus, next to, bus)
                        self._singular(graph.objects[s], doc[objects[s][1] - 1])
        return graph

    @staticmethod
    def _singular(obj: TextObject, head: Any) -> None:
        """A plural mention related to itself names one of its members: its head noun's lemma
        ("buses" -> "bus"), "people" excepted (the annotation keeps it)."""
        lemma = head.lemma_.lower()
        if head.tag_ in ("NNS", "NNPS") and head.lower_ != "people" and obj.label.endswith(head.lower_):
            obj.label = obj.label[: len(obj.label) - len(head.lower_)] + lemma

    @staticmethod
    def _attach(obj: TextObject, value: str, span: tuple[int, int]) -> None:
        """An attribute (or a count, when it is a number) of ``obj``; a modifier right before the
        object's span joins the span ("two brown dogs"). A bare determiner or hyphen is no
        attribute ("the", "mid -")."""
        value = value.removesuffix(" -").removesuffix("-")
        if not value or value in DETERMINERS:
            return
        if value.isdigit() and obj.count is None:
            obj.count = value
        elif value not in obj.attributes:
            obj.attributes.append(value)
        if span[1] <= obj.span[0] and obj.span[0] - span[1] <= 1:
            obj.span = (span[0], obj.span[1])


def kept_subjects(p: Prediction, doc: Any, rules: TextSceneGraph) -> list[tuple[int, int]]:
    """The network's object spans plus the head of each object the rules read as the subject of
    a verb that no span of the network covers: a clause's subject is a thing in the annotation
    even where the words around it mislead the network ("An older many in a shirt holds an infant":
    "many" is a misspelt "man", not a quantity)."""
    covered = {i for s, e in p.objects + p.attributes for i in range(s, e)}
    extra = [(o.head, o.head + 1) for o in rules.objects
             if o.head not in covered and doc[o.head].dep_ in ("nsubj", "nsubjpass")
             and doc[o.head].head.pos_ in ("VERB", "AUX")]
    return sorted(p.objects + extra) if extra else p.objects


def counts_of(doc: Any, span: tuple[int, int]) -> bool:
    """Is the span a count noun before "of" ("three pairs of shoes", "a couple of dogs")? The
    annotation names what is counted, never the pair (2 of the 60 training captions with one)."""
    return doc[span[1] - 1].lower_ in COUNT_NOUNS and span[1] < len(doc) and doc[span[1]].lower_ == "of"


def construction(doc: Any, span: tuple[int, int], predicate: str) -> str:
    """How a relation the rules did not read is written, from its first word: a verb ("riding"),
    a preposition ("on", "next to"), a possessive ("'s") or "of"; "learned" where it is none of them."""
    first = doc[span[0]] if 0 <= span[0] < len(doc) else None
    if first is None:
        return "learned"
    if first.lower_ in ("'s", "'"):
        return "possessive"
    if first.lower_ == "of" and span[1] - span[0] == 1 and predicate == "have":
        return "of"
    if first.pos_ in ("VERB", "AUX"):
        return "verb"
    if first.pos_ == "ADP" or predicate.split()[0] == first.lower_:
        return "preposition"
    return "learned"


def english_words(nlp: Any) -> set[str]:
    """The base forms spaCy's rule lemmatiser knows (its ``lemma_index`` table: nouns, verbs,
    adjectives, adverbs), or none when the pipeline has no such table."""
    try:
        table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
    except (KeyError, AttributeError, ValueError):
        return set()
    return {w for words in table.values() for w in words}


def one_edit(word: str) -> set[str]:
    """Every string one deletion, insertion, substitution or swap of neighbours from ``word``."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    cuts = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in cuts if b} | {a + b[1] + b[0] + b[2:] for a, b in cuts if len(b) > 1}
            | {a + c + b[1:] for a, b in cuts if b for c in letters} | {a + c + b for a, b in cuts for c in letters})


def said_words(tokens: Sequence[Any]) -> set[str]:
    """The words a caption says, generously: each token as written, its lemma and the base forms
    a small lemmatiser misses ("shining" -> "shin": shine; "taped" -> "tap": tape)."""
    out: set[str] = set()
    for t in tokens:
        word, lemma = t.lower_, t.lemma_.lower()
        out |= {word, lemma, lemma + "e", fixed_lemma(word, lemma, t.tag_)}
        if word.endswith("ing"):
            out.add(gerund_lemma(word))
        if word.endswith(("ed", "es")):
            out |= {word[:-1], word[:-2]}
    return out


def mask_unavailable(said: Sequence[str | None], between: Sequence[str | None], predicates: int,
                     device: torch.device | str = "cpu") -> Tensor:
    """(Pr, 1 + P + 2) bool: the relation classes ruled out of each pair, the two copy classes
    where it has no rules' predicate or no words between (``predicates``: P)."""
    missing = torch.tensor([[r is None, b is None] for r, b in zip(said, between, strict=True)],
                           dtype=torch.bool, device=device).reshape(-1, 2)
    keep = torch.zeros(missing.shape[0], 1 + predicates, dtype=torch.bool, device=device)
    return torch.cat([keep, missing], dim=1)


def member_states(state: dict[str, Tensor], members: int, where: Path | str = "") -> list[dict[str, Tensor]]:
    """The state dicts of the networks in one saved file (``where``): the file's own when
    ``members`` is 0 (one network), else each ``member<i>.`` prefix's, in order."""
    if not members:
        return [state]
    out: list[dict[str, Tensor]] = [{} for _ in range(members)]
    for key, value in state.items():
        member, _, name = key.partition(".")
        index = member.removeprefix("member")
        if not (index.isdigit() and int(index) < members and name):
            raise ValueError(f"{where}: tensor {key!r} belongs to none of its {members} networks (member0. ...)")
        out[int(index)][name] = value
    return out


def _mean(values: Sequence[Tensor]) -> Tensor:
    """The members' mean (the one tensor itself for a single network)."""
    return values[0] if len(values) == 1 else torch.stack(list(values)).mean(0)


def attribute_texts(doc: Any, spans: Sequence[tuple[int, int]]) -> list[tuple[tuple[int, int], str]]:
    """Attribute mention spans with their words as written (lower-cased)."""
    return [((s, e), join_words([t.lower_ for t in doc[s:e]])) for s, e in spans]


def join_words(words: Sequence[str]) -> str:
    """Words as the annotation writes them: the tokenizer's hyphens rejoined (t - shirt -> t-shirt)."""
    return " ".join(words).replace(" - ", "-")


def negated(doc: Any, a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Is there a negation from the first mention's start to the second's end?"""
    lo, hi = min(a[0], b[0]), max(a[1], b[1])
    return any(t.dep_ == "neg" or t.lower_ in NEGATIONS for t in doc[lo:hi])


def predicate_span(words: Sequence[str], s: tuple[int, int], o: tuple[int, int]) -> tuple[int, int]:
    """The words that say a relation: those between its mentions, determiners trimmed; the
    subject's last word when the mentions touch ("the man 's head": 's)."""
    lo, hi = (s[1], o[0]) if s[0] < o[0] else (o[1], s[0])
    while lo < hi and words[hi - 1] in DETERMINERS:
        hi -= 1
    while lo < hi and words[lo] in DETERMINERS:
        lo += 1
    return (lo, hi) if lo < hi else (s[1] - 1, s[1])
