"""Word categories (what kind of attribute, object or relation a word is), and the English
needed to realise an edit: articles (a/an), plurals, capitalisation. The synonym groups and
hypernym trees of the same file are read by :mod:`text.negatives.lexical`."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from text.negatives.lexical import relation

CATEGORIES = Path(__file__).with_name("categories.yaml")

IRREGULAR_PLURALS = {
    "man": "men", "woman": "women", "child": "children", "person": "people", "foot": "feet",
    "tooth": "teeth", "mouse": "mice", "goose": "geese", "sheep": "sheep", "fish": "fish",
    "deer": "deer", "knife": "knives", "leaf": "leaves", "shelf": "shelves", "wolf": "wolves",
    "skis": "skis", "shorts": "shorts", "jeans": "jeans", "glasses": "glasses", "cross": "crosses",
    "bus": "buses", "hot dog": "hot dogs", "baby": "babies",
}
# Words starting with a vowel letter but a consonant sound, and the other way round.
A_BEFORE = ("uni", "use", "usu", "one", "once", "euro", "ewe")
AN_BEFORE = ("hour", "honest", "honor", "honour", "heir")


@dataclass(frozen=True)
class Categories:
    attributes: dict[str, tuple[str, ...]]
    objects: dict[str, tuple[str, ...]]
    relations: dict[str, tuple[str, ...]]
    scales: dict[str, tuple[frozenset[str], ...]]  # kind -> its ends ("small", ... / "large", ...)
    implies: dict[str, frozenset[str]] = field(default_factory=dict)  # attribute -> words implying it ("white": "snowy")

    def same_end(self, a: str, b: str) -> bool:
        """Both words at one end of a scale ("big", "tall"): one does not replace the other."""
        return any(a in end and b in end for ends in self.scales.values() for end in ends)

    def kind_of(self, word: str, table: str) -> str | None:
        for kind, members in getattr(self, table).items():
            if word in members:
                return kind
        return None

    def related(self, a: str, b: str) -> bool:
        """Same word, a synonym, a hypernym or a hyponym: not a real change of meaning
        (:func:`text.negatives.lexical.relation`, with the pairs that ship with the package)."""
        return relation(a, b) is not None


@lru_cache(maxsize=4)
def load_categories(path: Path = CATEGORIES) -> Categories:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    words = [w for table in ("attributes", "objects", "relations", "hypernyms") for ws in data[table].values() for w in ws]
    words += [w for ends in data.get("scales", {}).values() for end in ends for w in end]
    words += [w for group in data["synonyms"] for w in group]
    words += [w for colour, said in data.get("implies", {}).items() for w in [colour, *said]]
    if any(not isinstance(w, str) for w in words):  # YAML reads a bare on/no/yes as a boolean
        raise ValueError(f"{path}: every word must be a string; quote on, no, yes")
    return Categories(
        attributes={k: tuple(v) for k, v in data["attributes"].items()},
        objects={k: tuple(v) for k, v in data["objects"].items()},
        relations={k: tuple(v) for k, v in data["relations"].items()},
        scales={k: tuple(frozenset(end) for end in v) for k, v in data.get("scales", {}).items()},
        implies={k: frozenset(v) for k, v in data.get("implies", {}).items()},
    )


def article_for(word: str) -> str:
    w = word.lower()
    if w.startswith(AN_BEFORE):
        return "an"
    if w.startswith(A_BEFORE):
        return "a"
    return "an" if w[:1] in "aeiou" else "a"


def plural(noun: str) -> str:
    if noun in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[noun]
    head, _, last = noun.rpartition(" ")
    if last in IRREGULAR_PLURALS:
        return f"{head} {IRREGULAR_PLURALS[last]}".strip()
    if last.endswith(("s", "x", "z", "ch", "sh")):
        last += "es"
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "i", "o", "u"):
        last = last[:-1] + "ies"
    else:
        last += "s"
    return f"{head} {last}".strip()


def match_case(new: str, old: str) -> str:
    if len(old) > 1 and old.isupper():  # a caption written in capitals
        return new.upper()
    return new[:1].upper() + new[1:] if old[:1].isupper() else new
