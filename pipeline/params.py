"""Typed stage parameters: one section of ``params.yaml`` becomes one frozen dataclass.

Every stage declares a frozen dataclass for its section and calls :func:`load_section`.
An unknown key, a missing key or a value of the wrong type is refused with an
:class:`~pipeline.errors.InputError` naming the file, the section and the key, so a typo
in ``params.yaml`` never silently falls back to a default.

Supported field types: ``bool``, ``int``, ``float`` (ints are accepted), ``str``,
``typing.Literal[...]`` of strings, ``X | None``, ``tuple[X, ...]`` and nested frozen
dataclasses (a mapping in YAML).

A numeric field declares its valid range beside it, and the range is checked when the
section loads (a value outside it is refused like a wrong type)::

    batch_size: Annotated[int, Range(ge=1)]
    learning_rate: Annotated[float, Range(gt=0)]

The common ranges have names: :data:`PositiveInt`, :data:`NonNegativeInt`,
:data:`PositiveFloat`, :data:`NonNegativeFloat`, :data:`Fraction`.

A string field that names a file declares that the file must exist, with the values that
name no file::

    lexicon: Annotated[str, ExistingPath(keywords=("factual", "none"))]
    stanza_dir: Annotated[str, ExistingPath(kind="dir")]

Relative paths are taken from the working directory (where ``dvc repro`` runs each stage:
the project's root), as the stages' own paths are. Declare it only where the path is always
needed; a path that only some settings use (a backend's weights) is the stage's to check.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml

from pipeline.errors import InputError

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Range:
    """The valid values of a numeric parameter; each bound is optional (``ge``: >=, ``gt``: >, ...)."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None

    def contains(self, value: float) -> bool:
        return ((self.ge is None or value >= self.ge) and (self.gt is None or value > self.gt)
                and (self.le is None or value <= self.le) and (self.lt is None or value < self.lt))

    def describe(self) -> str:
        """``>= 1``, ``> 0 and <= 1``: the range as a reader writes it."""
        bounds = ((">=", self.ge), (">", self.gt), ("<=", self.le), ("<", self.lt))
        return " and ".join(f"{op} {b:g}" for op, b in bounds if b is not None)


@dataclasses.dataclass(frozen=True)
class ExistingPath:
    """A ``str`` parameter naming a file (or directory) that must exist when the section loads,
    unless its value is one of ``keywords`` (such as ``factual``, ``none`` or ``""``)."""

    kind: typing.Literal["file", "dir"] = "file"
    keywords: tuple[str, ...] = ()

    def problem(self, value: str) -> str | None:
        """Why ``value`` is refused, or None."""
        if value in self.keywords:
            return None
        path = Path(value).expanduser()
        if path.is_file() if self.kind == "file" else path.is_dir():
            return None
        noun = "directory" if self.kind == "dir" else "file"
        other = f", or one of {', '.join(repr(k) for k in self.keywords)}" if self.keywords else ""
        found = f"no such {noun}" if not path.exists() else f"not a {noun}"
        return f"{value!r}: {found} (give an existing {noun}{other})"


PositiveInt = Annotated[int, Range(ge=1)]
NonNegativeInt = Annotated[int, Range(ge=0)]
PositiveFloat = Annotated[float, Range(gt=0)]
NonNegativeFloat = Annotated[float, Range(ge=0)]
Fraction = Annotated[float, Range(ge=0, le=1)]


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping, refusing anything else with the file named."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(str(path), "", "params file not found") from None
    except yaml.YAMLError as exc:
        raise InputError(str(path), "", f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(str(path), "", "expected a mapping of sections at the top level")
    return data


def load_section(path: Path, section: str, cls: type[T]) -> T:
    """Build ``cls`` from section ``section`` of the YAML file at ``path``."""
    data = read_yaml(path)
    if section not in data:
        raise InputError(f"{path} [{section}]", "", f"section '{section}' is missing")
    return from_mapping(cls, data[section], where=f"{path} [{section}]", prefix=section)


def from_mapping(cls: type[T], value: Any, where: str, prefix: str) -> T:
    """Build dataclass ``cls`` from ``value``, checking keys and types recursively."""
    if not isinstance(value, dict):
        raise InputError(where, prefix, f"expected a mapping, found {type(value).__name__}")
    hints = typing.get_type_hints(cls, include_extras=True)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise InputError(
            where, f"{prefix}.{unknown[0]}", f"unknown key; valid keys are {', '.join(fields)}"
        )
    kwargs = {}
    for name in fields:
        key = f"{prefix}.{name}"
        if name not in value:
            raise InputError(where, key, "missing key")
        kwargs[name] = _convert(hints[name], value[name], where, key)
    return cls(**kwargs)


def _convert(tp: Any, value: Any, where: str, key: str) -> Any:
    origin = typing.get_origin(tp)
    if origin is Annotated:
        inner, *extras = typing.get_args(tp)
        converted = _convert(inner, value, where, key)
        for extra in extras:
            if isinstance(extra, Range) and converted is not None and not extra.contains(converted):
                raise InputError(where, key, f"{converted!r} is out of range: must be {extra.describe()}")
            if isinstance(extra, ExistingPath) and isinstance(converted, str):
                problem = extra.problem(converted)
                if problem is not None:
                    raise InputError(where, key, problem)
        return converted
    args = typing.get_args(tp)
    if dataclasses.is_dataclass(tp):
        return from_mapping(tp, value, where, key)  # type: ignore[arg-type]
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return _convert(inner[0], value, where, key)
        raise TypeError(f"unsupported union type for {key}: {tp}")
    if origin is typing.Literal:
        if value not in args:
            choices = ", ".join(repr(a) for a in args)
            raise InputError(where, key, f"{value!r} is not one of {choices}")
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise InputError(where, key, f"expected a list, found {_type_name(value)}")
        item = args[0]
        return tuple(_convert(item, v, where, f"{key}[{i}]") for i, v in enumerate(value))
    if tp is bool:
        if not isinstance(value, bool):
            raise InputError(where, key, f"expected true or false, found {_type_name(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(where, key, f"expected an integer, found {_type_name(value)}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(where, key, f"expected a number, found {_type_name(value)}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise InputError(where, key, f"expected a string, found {_type_name(value)}")
        return value
    raise TypeError(f"unsupported parameter type for {key}: {tp}")


def _type_name(value: Any) -> str:
    return "null" if value is None else f"{type(value).__name__} {value!r}"
