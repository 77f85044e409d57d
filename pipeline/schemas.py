"""Every artifact's schema, declared once.

An :class:`ArtifactSchema` names an artifact, versions it and lists its columns. The Arrow
schema derived from it carries the name, version and description in its metadata, so a
Parquet file says what it is. Writers pass :attr:`ArtifactSchema.arrow`; readers call
:meth:`ArtifactSchema.validate`, which refuses a file naming the column, the expected type
and the type found.

Bump ``version`` when a column changes meaning or type; readers refuse other versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from pipeline.errors import InputError

NAME_KEY = b"sgmatch.artifact"
VERSION_KEY = b"sgmatch.version"
DOC_KEY = b"sgmatch.doc"


@dataclass(frozen=True)
class ArtifactSchema:
    """The declaration of one artifact: its columns and how its files are laid out."""

    name: str
    version: int
    fields: tuple[pa.Field, ...]
    doc: str
    # Rows per Parquet row group: the unit a reader streams. Small for wide rows (features).
    row_group_rows: int = 50_000
    compression: str = "zstd"  # lz4 for bulky numeric columns that decode on every read

    @property
    def arrow(self) -> pa.Schema:
        meta = {
            NAME_KEY: self.name.encode(),
            VERSION_KEY: str(self.version).encode(),
            DOC_KEY: self.doc.encode(),
        }
        return pa.schema(list(self.fields), metadata=meta)

    @property
    def column_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def table(self, columns: dict[str, list[Any]]) -> pa.Table:
        """Build a table of this schema from Python lists (missing or extra keys refused)."""
        missing = [n for n in self.column_names if n not in columns]
        extra = [n for n in columns if n not in self.column_names]
        if missing or extra:
            raise ValueError(f"{self.name}: missing columns {missing}, unknown columns {extra}")
        return pa.table({n: columns[n] for n in self.column_names}, schema=self.arrow)

    def empty(self) -> pa.Table:
        return self.arrow.empty_table()

    def validate(self, schema: pa.Schema, where: str) -> None:
        """Refuse ``schema`` (read from ``where``) unless it is this artifact at this version."""
        meta = schema.metadata or {}
        found_name = meta.get(NAME_KEY, b"").decode() or "(none)"
        if found_name != self.name:
            raise InputError(where, "", f"is artifact '{found_name}', expected '{self.name}'")
        found_version = meta.get(VERSION_KEY, b"").decode()
        if found_version != str(self.version):
            raise InputError(
                where, "", f"{self.name} version {found_version}, this code reads {self.version}"
            )
        for expected in self.fields:
            idx = schema.get_field_index(expected.name)
            if idx < 0:
                raise InputError(where, expected.name, f"column missing (expected {expected.type})")
            found = schema.field(idx)
            if not found.type.equals(expected.type):
                raise InputError(
                    where, expected.name, f"expected type {expected.type}, found {found.type}"
                )
        extra = [n for n in schema.names if n not in self.column_names]
        if extra:
            raise InputError(where, extra[0], f"column not in {self.name} v{self.version}")

    def describe(self) -> str:
        """A human-readable listing (used by ``sgmatch schemas``)."""
        lines = [f"{self.name} v{self.version}: {self.doc}"]
        lines += [f"  {f.name}: {f.type}" for f in self.fields]
        return "\n".join(lines)


FACT = pa.struct(
    [("subject", pa.string()), ("predicate", pa.string()), ("object", pa.string())]
)

CAPTIONS = ArtifactSchema(
    name="captions",
    version=1,
    doc="One row per caption. Rows with a non-null error are kept, not dropped.",
    fields=(
        pa.field("caption_id", pa.string(), nullable=False),
        pa.field("image_id", pa.string()),
        pa.field("split", pa.string()),
        pa.field("sent_index", pa.int32()),
        pa.field("caption", pa.string()),
        # Where the row came from (file:line or file:image_id), for error messages downstream.
        pa.field("source", pa.string()),
        pa.field("error", pa.string()),
        # The caption's true scene graph as FACTUAL-style facts; null for real datasets.
        pa.field("true_facts", pa.list_(FACT)),
    ),
)

TRUE_OBJECT = pa.struct(
    [
        ("object_index", pa.int32()),
        ("shape", pa.string()),
        ("color", pa.string()),
        ("size", pa.string()),
        # Pixel box [x0, y0, x1, y1], x1 and y1 exclusive.
        ("box", pa.list_(pa.float32(), 4)),
    ]
)

TRUE_RELATION = pa.struct(
    [("subject_index", pa.int32()), ("predicate", pa.string()), ("object_index", pa.int32())]
)

IMAGES = ArtifactSchema(
    name="images",
    version=1,
    doc="One row per image. path is relative to the image root given to later stages.",
    fields=(
        pa.field("image_id", pa.string(), nullable=False),
        pa.field("split", pa.string()),
        pa.field("path", pa.string()),
        pa.field("width", pa.int32()),
        pa.field("height", pa.int32()),
        pa.field("source", pa.string()),
        pa.field("error", pa.string()),
        # The true scene graph of a synthetic image; null for real datasets.
        pa.field("true_objects", pa.list_(TRUE_OBJECT)),
        pa.field("true_relations", pa.list_(TRUE_RELATION)),
    ),
)

GRAPH_OBJECT = pa.struct(
    [
        ("name", pa.string()),  # as written, with compound words: "traffic light"
        ("lemma", pa.string()),
        ("label", pa.string()),  # the name facts use (the annotation convention, e.g. "person")
        ("head", pa.int32()),  # token index of the head noun
        ("start", pa.int32()),  # token span [start, end) of the noun phrase
        ("end", pa.int32()),
        ("attributes", pa.list_(pa.string())),
        ("count", pa.string()),
    ]
)

GRAPH_RELATION = pa.struct(
    [
        ("subject", pa.int32()),  # index into objects
        ("predicate", pa.string()),  # lemmatised: "sit on"
        ("object", pa.int32()),
        ("start", pa.int32()),  # token span of the predicate words
        ("end", pa.int32()),
        ("via", pa.string()),  # verb, preposition, possessive, of, passive
    ]
)

TEXT_GRAPHS = ArtifactSchema(
    name="text_graphs",
    version=1,
    doc="One row per caption: its text scene graph. Rows with an error have empty graphs.",
    fields=(
        pa.field("caption_id", pa.string(), nullable=False),
        pa.field("image_id", pa.string()),
        pa.field("split", pa.string()),
        pa.field("caption", pa.string()),
        pa.field("tokens", pa.list_(pa.string())),
        pa.field("offsets", pa.list_(pa.int32())),  # character offset of each token in the caption
        pa.field("objects", pa.list_(GRAPH_OBJECT)),
        pa.field("relations", pa.list_(GRAPH_RELATION)),
        # FACTUAL-style facts: [subject, predicate, object] or [object]
        pa.field("facts", pa.list_(pa.list_(pa.string()))),
        pa.field("backend", pa.string()),  # "spacy" / "stanza"
        pa.field("backend_version", pa.string()),
        pa.field("error", pa.string()),
    ),
)

LABEL = pa.struct([("phrase", pa.string()), ("id", pa.int32()), ("captions", pa.int32())])

IMAGE_LABELS = ArtifactSchema(
    name="image_labels",
    version=1,
    doc="One row per image: the union of its captions' entities, attribute pairs and triples. "
    "id indexes label_vocab (-1: not in the vocabulary); captions counts the captions that mention it.",
    fields=(
        pa.field("image_id", pa.string(), nullable=False),
        pa.field("split", pa.string()),
        pa.field("captions", pa.int32()),
        pa.field("entities", pa.list_(LABEL)),  # "dog"
        pa.field("attributes", pa.list_(LABEL)),  # "brown dog"
        pa.field("triples", pa.list_(LABEL)),  # "dog on couch"
    ),
)

PHRASE = pa.struct(
    [
        ("kind", pa.string()),  # entity | attribute | triple
        ("phrase", pa.string()),
        ("id", pa.int32()),  # index into label_vocab of that kind, -1 when not kept
        ("start", pa.int32()),  # token span [start, end) in the caption's tokens
        ("end", pa.int32()),
    ]
)

CAPTION_PHRASES = ArtifactSchema(
    name="caption_phrases",
    version=1,
    doc="One row per caption: its phrases with token spans (what phrase-level losses attend with).",
    fields=(
        pa.field("caption_id", pa.string(), nullable=False),
        pa.field("image_id", pa.string()),
        pa.field("split", pa.string()),
        pa.field("phrases", pa.list_(PHRASE)),
    ),
)

LABEL_VOCAB = ArtifactSchema(
    name="label_vocab",
    version=1,
    doc="The vocabularies of entities, attribute pairs and triples: id by kind, in order of frequency.",
    fields=(
        pa.field("kind", pa.string(), nullable=False),
        pa.field("id", pa.int32()),
        pa.field("phrase", pa.string()),
        pa.field("captions", pa.int64()),  # captions (of the vocabulary's split) that mention it
        pa.field("images", pa.int64()),
    ),
)

NEGATIVES = ArtifactSchema(
    name="negatives",
    version=4,
    doc="Hard-negative captions: one row per generated negative, with its type, edited span, "
    "plausibility (how much less natural than the caption a caption language model finds it), "
    "whether re-parsing showed exactly the declared edit, and the negative's own scene graph (the "
    "re-parse where the edit wrote words, the caption's graph elsewhere), so matchers never parse "
    "at training time.",
    fields=(
        pa.field("caption_id", pa.string(), nullable=False),
        pa.field("image_id", pa.string()),
        pa.field("split", pa.string()),
        pa.field("caption", pa.string()),
        pa.field("negative", pa.string()),
        pa.field("type", pa.string()),  # replace-obj | replace-att | replace-rel | swap-att | swap-obj | add-obj | add-att
        pa.field("before", pa.string()),  # the edited words of the caption
        pa.field("after", pa.string()),  # what they became
        pa.field("start", pa.int32()),  # character span of "before" in the caption
        pa.field("end", pa.int32()),
        # log-probability per token of the negative minus the caption's, by the generator's caption
        # language model (0: as natural as the caption; more negative: less natural)
        pa.field("plausibility", pa.float32()),
        pa.field("verified", pa.bool_()),
        pa.field("found_type", pa.string()),  # the type the re-parse and diff found
        # verified, and the parser's reading of the whole negative was its graph as it is: nothing
        # away from the edit had to be taken from the caption's graph (the strictest negatives)
        pa.field("read_whole", pa.bool_()),
        # The negative's scene graph: the verifying re-parse where the edit wrote words, the
        # caption's graph elsewhere (text.negatives.verify.settle); empty when it did not parse.
        pa.field("tokens", pa.list_(pa.string())),
        pa.field("objects", pa.list_(GRAPH_OBJECT)),
        pa.field("relations", pa.list_(GRAPH_RELATION)),
    ),
)

CAPTION_VECTORS = ArtifactSchema(
    name="caption_vectors",
    version=1,
    doc="One row per caption: its semantic vector for LSEH's semantic margins (TF-IDF of stemmed "
    "words, then truncated SVD, fitted on one split). Captions with an error have a zero vector.",
    fields=(
        pa.field("caption_id", pa.string(), nullable=False),
        pa.field("image_id", pa.string()),
        pa.field("split", pa.string()),
        pa.field("vector", pa.list_(pa.float32())),  # the same length in every row
    ),
)

# The geometry of a spatial-graph edge i -> j, in the order of the regions edge_attr lists
# (vision.regions.geometry computes them; the graph matchers read their count from here).
REGION_EDGE_FEATURES = ("dx", "dy", "rho", "sin_theta", "cos_theta", "iou", "log_area_ratio")

REGIONS = ArtifactSchema(
    name="regions",
    version=1,
    doc="One row per image: its regions (boxes, labels, scores, features) and the spatial graph "
    "between them. features holds num_regions x feature_dim values of feature_dtype, row-major.",
    row_group_rows=128,  # 36 x 2048 float32 is ~300 KB a row: row groups of ~40 MB
    compression="none",  # features barely compress; decoding them on every read would cost more
    fields=(
        pa.field("image_id", pa.string(), nullable=False),
        pa.field("split", pa.string()),
        pa.field("width", pa.int32()),
        pa.field("height", pa.int32()),
        pa.field("boxes", pa.list_(pa.list_(pa.float32(), 4))),  # x0, y0, x1, y1 in pixels
        pa.field("labels", pa.list_(pa.int32())),
        pa.field("label_names", pa.list_(pa.string())),
        pa.field("scores", pa.list_(pa.float32())),
        pa.field("feature_dim", pa.int32()),
        pa.field("feature_dtype", pa.string()),  # float16 | float32
        pa.field("features", pa.large_binary()),
        pa.field("edge_src", pa.list_(pa.int32())),  # spatial graph: region edge_src[e] -> edge_dst[e]
        pa.field("edge_dst", pa.list_(pa.int32())),
        pa.field("edge_attr", pa.list_(pa.list_(pa.float32(), len(REGION_EDGE_FEATURES)))),  # REGION_EDGE_FEATURES
        pa.field("backend", pa.string()),
        pa.field("error", pa.string()),
    ),
)

ALL: dict[str, ArtifactSchema] = {
    s.name: s for s in (CAPTIONS, IMAGES, TEXT_GRAPHS, IMAGE_LABELS, CAPTION_PHRASES, LABEL_VOCAB, NEGATIVES,
                        CAPTION_VECTORS, REGIONS)
}


def schema_of(name: str) -> ArtifactSchema:
    try:
        return ALL[name]
    except KeyError:
        raise KeyError(f"unknown artifact '{name}'; known: {', '.join(sorted(ALL))}") from None

