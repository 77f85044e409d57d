"""Logging setup and progress bars. Library code logs; only the CLI configures handlers."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str = "INFO") -> None:
    """Send log records to stderr at ``level`` (the CLI calls this once)."""
    logging.basicConfig(level=level.upper(), format=FORMAT, stream=sys.stderr, force=True)


def progress(items: Iterable[T], desc: str, total: int | None = None) -> Iterator[T]:
    """A progress bar on stderr when it is a terminal; silent in CI logs and pipes."""
    return iter(tqdm(items, desc=desc, total=total, disable=None, leave=False, file=sys.stderr))
