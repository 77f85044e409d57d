from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import pytest

from pipeline.errors import InputError
from pipeline.params import ExistingPath, Fraction, PositiveInt, Range, load_section


@dataclass(frozen=True)
class Inner:
    seed: Annotated[int, Range(ge=0, lt=10)]
    rate: float


@dataclass(frozen=True)
class Section:
    name: str
    mode: Literal["fast", "exact"]
    flag: bool
    sizes: tuple[PositiveInt, ...]
    limit: PositiveInt | None
    inner: Inner


GOOD = """
demo:
  name: x
  mode: fast
  flag: true
  sizes: [1, 2]
  limit: null
  inner: {seed: 3, rate: 1}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "params.yaml"
    path.write_text(text)
    return path


def test_loads_a_typed_frozen_section(tmp_path: Path) -> None:
    p = load_section(write(tmp_path, GOOD), "demo", Section)
    assert p == Section("x", "fast", True, (1, 2), None, Inner(3, 1.0))
    assert isinstance(p.inner.rate, float)
    with pytest.raises(AttributeError):
        p.name = "y"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ("  flag: true\n", "  flag: true\n  flga: true\n", "demo.flga", "unknown key"),
        ("  flag: true\n", "", "demo.flag", "missing key"),
        ("seed: 3", "seed: '3'", "demo.inner.seed", "expected an integer"),
        ("seed: 3", "seed: true", "demo.inner.seed", "expected an integer"),
        ("rate: 1", "rate: fast", "demo.inner.rate", "expected a number"),
        ("flag: true", "flag: 1", "demo.flag", "expected true or false"),
        ("mode: fast", "mode: quick", "demo.mode", "'fast', 'exact'"),
        ("sizes: [1, 2]", "sizes: [1, x]", "demo.sizes[1]", "expected an integer"),
        ("inner: {seed: 3, rate: 1}", "inner: 4", "demo.inner", "expected a mapping"),
        ("seed: 3", "seed: -1", "demo.inner.seed", "-1 is out of range: must be >= 0 and < 10"),
        ("seed: 3", "seed: 10", "demo.inner.seed", "10 is out of range: must be >= 0 and < 10"),
        ("sizes: [1, 2]", "sizes: [1, 0]", "demo.sizes[1]", "0 is out of range: must be >= 1"),
        ("limit: null", "limit: 0", "demo.limit", "0 is out of range: must be >= 1"),
    ],
)
def test_refusals_name_file_section_and_key(tmp_path, old, new, key, words) -> None:
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(InputError) as err:
        load_section(path, "demo", Section)
    message = str(err.value)
    assert str(path) in message and "[demo]" in message
    assert f"'{key}'" in message and words in message


def test_ranges_admit_their_bounds(tmp_path: Path) -> None:
    p = load_section(write(tmp_path, GOOD.replace("seed: 3", "seed: 9").replace("limit: null", "limit: 1")),
                     "demo", Section)
    assert p.inner.seed == 9 and p.limit == 1

    @dataclass(frozen=True)
    class Share:
        share: Fraction

    for value, ok in (("0", True), ("1", True), ("1.5", False), ("-0.1", False)):
        path = write(tmp_path, f"s:\n  share: {value}\n")
        if ok:
            assert load_section(path, "s", Share).share == float(value)
        else:
            with pytest.raises(InputError, match="must be >= 0 and <= 1"):
                load_section(path, "s", Share)


def test_missing_section_and_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"section 'other' is missing"):
        load_section(write(tmp_path, GOOD), "other", Section)
    with pytest.raises(InputError, match="params file not found"):
        load_section(tmp_path / "nope.yaml", "demo", Section)


def test_the_shipped_params_file_loads(repo_root: Path) -> None:
    from stages.ingest import IngestParams

    p = load_section(repo_root / "params.yaml", "ingest", IngestParams)
    assert p.format == "synthetic" and p.world.captions_per_image >= 5


@pytest.mark.parametrize(
    ("module", "cls", "section", "key", "value"),
    [("text.scene_graph.parser", "ParseParams", "parse_captions", "texts_per_task", 0),
     ("text.scene_graph.parser", "ParseParams", "parse_captions", "partition_rows", 0),
     ("text.scene_graph.parser", "ParseParams", "parse_captions", "batch_size", 0),
     ("text.scene_graph.parser", "ParseParams", "parse_captions", "max_chars", -1),
     ("stages.generate_negatives", "NegativeParams", "generate_negatives", "captions_per_task", 0),
     ("stages.generate_negatives", "NegativeParams", "generate_negatives", "per_caption", -3),
     ("stages.caption_semantics", "SemanticsParams", "caption_semantics", "dim", 0),
     ("stages.extract_labels", "LabelParams", "extract_labels", "max_size", -1),
     ("stages.train", "TrainParams", "train", "batch_size", 0)],
)
def test_the_out_of_range_params_of_issue_10_are_refused_when_they_load(
        tmp_path: Path, repo_root: Path, module: str, cls: str, section: str, key: str, value: int) -> None:
    import importlib

    import yaml

    params = yaml.safe_load((repo_root / "params.yaml").read_text())
    params[section][key] = value
    path = write(tmp_path, yaml.safe_dump(params))
    with pytest.raises(InputError, match=rf"field '{section}.{key}': {value} is out of range: must be >= 1"):
        load_section(path, section, getattr(importlib.import_module(module), cls))


@dataclass(frozen=True)
class Files:
    lexicon: Annotated[str, ExistingPath(keywords=("factual", "none"))]
    models: Annotated[str, ExistingPath(kind="dir")]


def test_a_path_that_must_exist_is_checked_when_the_section_loads(tmp_path: Path) -> None:
    (tmp_path / "lexicon.json").write_text("{}")
    ok = f"f:\n  lexicon: {tmp_path / 'lexicon.json'}\n  models: {tmp_path}\n"
    assert load_section(write(tmp_path, ok), "f", Files).models == str(tmp_path)
    for keyword in ("factual", "none"):
        assert load_section(write(tmp_path, ok.replace(str(tmp_path / "lexicon.json"), keyword)), "f", Files)
    with pytest.raises(InputError, match=r"field 'f.lexicon': '/nonexistent.json': no such file \(give an existing "
                                         r"file, or one of 'factual', 'none'\)"):
        load_section(write(tmp_path, ok.replace(str(tmp_path / "lexicon.json"), "/nonexistent.json")), "f", Files)
    with pytest.raises(InputError, match=r"field 'f.models': '.*lexicon.json': not a directory"):
        load_section(write(tmp_path, ok.replace(f"models: {tmp_path}", f"models: {tmp_path / 'lexicon.json'}")),
                     "f", Files)
