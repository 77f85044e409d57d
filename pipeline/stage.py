"""What every stage's thin ``main`` shares: common options and error reporting."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline.errors import InputError
from pipeline.logs import configure_logging
from pipeline.parallel import ADDRESS_ENV

log = logging.getLogger(__name__)


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
