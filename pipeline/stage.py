"""What every stage's thin ``main`` shares: its declaration, common options and error reporting.

Each stage module declares itself once, as a :class:`StageSpec`: its name, what it reads and
writes (each a command-line option, with the artifact it holds), the ``params.yaml``
sections it reads, and whether it maps over a dask cluster. Its argument parser is built
from that declaration (:meth:`StageSpec.parser`), the ``sgmatch stage`` listing reads it,
and a test checks the stage's ``dvc.yaml`` entry against it (:func:`check_dvc_entry`): the
same options in the command, every path an input of the stage among its ``deps`` and every
output among its ``outs``, the same params sections.
"""

from __future__ import annotations

import argparse
import logging
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.logs import configure_logging
from pipeline.parallel import ADDRESS_ENV

log = logging.getLogger(__name__)

# What a port holds: an artifact (a directory of Parquet parts, by its schema name), a folder of
# pictures that an images artifact's paths point into, another directory or file (a dataset's
# files, checkpoints), a model file, a plot's data, the stage's JSON metrics (``dvc metrics``), or a
# DVCLive directory (its metrics.json and plots listed in dvc.yaml, not the directory itself).
Holds = str  # an artifact name of pipeline.schemas, or one of KINDS
KINDS = ("image_dir", "directory", "file", "model", "metrics", "plot", "live")


@dataclass(frozen=True)
class Port:
    """One input or output of a stage: a command-line option and what the path holds."""

    option: str  # "--text-graphs"
    holds: Holds  # "text_graphs" (an artifact), or one of KINDS
    help: str
    required: bool = True
    many: bool = False  # several paths (``--regions a b c``)

    @property
    def dest(self) -> str:
        return self.option.lstrip("-").replace("-", "_")


METRICS = Port("--metrics", "metrics", "where to write the stage's JSON summary (for dvc metrics)", required=False)


@dataclass(frozen=True)
class StageSpec:
    """A stage's declaration; see the module docstring."""

    name: str
    summary: str  # one line, for ``sgmatch stage`` and the README
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    params: tuple[str, ...]  # the params.yaml sections it reads
    dask: bool = False  # maps over a dask cluster (takes --dask-address and --workers)
    options: tuple[tuple[str, dict[str, Any]], ...] = ()  # other options: (flag, argparse keywords)

    @property
    def module(self) -> str:
        return f"stages.{self.name}"

    def ports(self) -> tuple[Port, ...]:
        return self.inputs + self.outputs

    def parser(self, description: str | None) -> argparse.ArgumentParser:
        """The stage's argument parser: the common options, one per port, the stage's own."""
        parser = stage_parser(self.name, description)
        for port in self.ports():
            if port.option == "--metrics":
                continue  # every stage takes it (stage_parser)
            kwargs: dict[str, Any] = {"type": Path, "help": port.help, "required": port.required}
            if port.many:
                kwargs["nargs"] = "+"
            parser.add_argument(port.option, **kwargs)
        for flag, kwargs in self.options:
            parser.add_argument(flag, **kwargs)
        if self.dask:
            add_dask_options(parser)
        return parser


def command_options(words: Sequence[str]) -> dict[str, list[str]]:
    """``--flag value value --other v`` as {flag: [values]} (a stage command's options)."""
    given: dict[str, list[str]] = {}
    flag = None
    for word in words:
        if word.startswith("--"):
            flag = word
            given[flag] = []
        elif flag is not None:
            given[flag].append(word)
    return given


def wired_paths(spec: StageSpec, entry: Mapping[str, Any]) -> dict[str, list[str]]:
    """The paths a ``dvc.yaml`` entry gives each port of ``spec``, by what the port holds."""
    given = command_options(shlex.split(str(entry.get("do", entry).get("cmd", "")))[3:])
    out: dict[str, list[str]] = {}
    for port in spec.ports():
        out.setdefault(port.holds, []).extend(given.get(port.option, []))
    return out


def entry_paths(body: Mapping[str, Any], key: str) -> list[str]:
    """The paths a ``dvc.yaml`` stage body lists under ``key`` (``deps``, ``outs``, ``metrics``,
    ``plots``), in order: an entry is a path or a one-key mapping of a path to its options."""
    out: list[str] = []
    for item in body.get(key, []) or []:
        out.extend(str(x) for x in (item if isinstance(item, dict) else [item]))
    return out


def check_dvc_entry(spec: StageSpec, entry: Mapping[str, Any]) -> list[str]:
    """What is wrong with a ``dvc.yaml`` stage entry (``foreach`` stages: their ``do``) for ``spec``.

    The command must run ``python -m stages.NAME``, pass only options the stage declares and
    every required one; each path an input port is given must be among the entry's ``deps``,
    each output path among its ``outs`` (or ``metrics``, ``plots``); the entry's ``params``
    must be the sections the stage reads (an entry may name a subsection, ``runs.${item}``).
    Code deps are :mod:`pipeline.dvc_deps`' business.
    """
    body = entry.get("do", entry)
    where = f"dvc.yaml stage {spec.name}"
    words = shlex.split(str(body.get("cmd", "")))
    if words[:3] != ["python", "-m", spec.module]:
        return [f"{where}: the command must start with 'python -m {spec.module}'"]
    problems = []
    given = command_options(words[3:])
    ports = {p.option: p for p in spec.ports()}
    known = {*ports, "--params", "--log-level", "--metrics", *(f for f, _ in spec.options)}
    if spec.dask:
        known |= {"--dask-address", "--workers"}
    problems += [f"{where}: option {o} is not one the stage declares" for o in given if o not in known]
    problems += [f"{where}: required option {p.option} is missing" for p in spec.ports()
                 if p.required and p.option not in given]

    deps = set(entry_paths(body, "deps"))
    outs = {p for key in ("outs", "metrics", "plots") for p in entry_paths(body, key)}
    for port in spec.inputs:
        problems += [f"{where}: input {port.option} {path} is not among its deps"
                     for path in given.get(port.option, []) if path not in deps]
    for port in spec.outputs:
        # a DVCLive directory is listed by the files DVC reads in it (metrics.json, plots/...)
        problems += [f"{where}: output {port.option} {path} is not among its outs, metrics or plots"
                     for path in given.get(port.option, []) if path not in outs
                     and not (port.holds == "live" and any(o.startswith(path.rstrip("/") + "/") for o in outs))]
    sections = {str(p).split(".")[0] for p in body.get("params", []) or []}
    if sections != set(spec.params):
        problems.append(f"{where}: params {sorted(sections)}, but the stage reads {sorted(spec.params)}")
    return problems


def stage_parser(name: str, description: str | None) -> argparse.ArgumentParser:
    """An argument parser with the options every stage takes (params, log level, metrics file)."""
    parser = argparse.ArgumentParser(
        prog=f"sgmatch stage {name}",
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--params", type=Path, default=Path("params.yaml"),
        help="parameters file; the stage reads its own section (default: params.yaml)",
    )
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    parser.add_argument("--metrics", type=Path, help="where to write the stage's JSON summary (for dvc metrics)")
    return parser


def add_dask_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dask-address", default=None,
        help=f"scheduler of an existing dask cluster (or set {ADDRESS_ENV}); "
        "default: start a local cluster",
    )
    parser.add_argument(
        "--workers", type=int, default=None,
        help="local worker processes (default: one per core; 0 runs in this process)",
    )


def run_stage(body: Callable[[argparse.Namespace], None], parser: argparse.ArgumentParser,
              argv: Sequence[str] | None) -> int:
    """Parse ``argv``, configure logging, run ``body``; bad input exits 2 with one clear line."""
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    try:
        body(args)
    except InputError as exc:
        log.error("%s", exc)
        return 2
    return 0
