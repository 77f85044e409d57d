"""Parquet artifacts: partitioned directories, written atomically, validated on read.

An artifact is a directory of ``part-NNNNN.parquet`` files that all carry the artifact's
schema. It is built under a temporary sibling name (``.NAME.tmp-XXXX``) and renamed into
place only when every part is written, so a stage that fails or is killed leaves either the
previous artifact or nothing, never half of one. Leftover temporary directories from a
killed run are removed when the next run starts writing the same artifact.

Readers stream: :func:`iter_batches` yields record batches row group by row group, so an
artifact larger than memory is never read whole. :func:`read_table` is for small ones. A
part that cannot be read (truncated, corrupt pages) is an :class:`InputError` naming the file
and the row group, whichever reader meets it; code that reads row groups itself uses
:func:`read_row_group`.

Directories and files get the permissions the user's umask gives any new file (the
temporary names are made with ``os.mkdir`` and ``os.open``, not ``mkdtemp``, whose 0700 would
be kept by the rename).
"""

from __future__ import annotations

import contextlib
import glob
import json
import logging
import os
import secrets
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import InputError
from pipeline.schemas import ArtifactSchema

log = logging.getLogger(__name__)

T = TypeVar("T")

PART_GLOB = "part-*.parquet"


def part_name(index: int) -> str:
    return f"part-{index:05d}.parquet"


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _temporary_name(parent: Path, prefix: str, make: Callable[[Path], T]) -> tuple[Path, T]:
    """A new ``parent/prefixXXXXXXXX`` and what ``make`` returned creating it (``make`` must
    refuse a name that exists; the mode it creates with is filtered by the umask)."""
    while True:
        path = parent / f"{prefix}{secrets.token_hex(4)}"
        try:
            return path, make(path)
        except FileExistsError:
            continue


def _new_file(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)


def _remove_stale(parent: Path, prefix: str) -> None:
    for stale in parent.glob(glob.escape(prefix) + "*"):
        log.info("removing %s left by an interrupted run", stale)
        _remove(stale)


@contextlib.contextmanager
def atomic_directory(final: Path) -> Iterator[Path]:
    """Yield an empty temporary directory that replaces ``final`` when the block succeeds.

    On an exception the temporary directory is deleted and ``final`` is left untouched.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{final.name}.tmp-"
    _remove_stale(final.parent, prefix)
    tmp, _ = _temporary_name(final.parent, prefix, os.mkdir)
    try:
        yield tmp
        _fsync_dir(tmp)
        if final.exists() or final.is_symlink():
            # Two renames: the old artifact moves aside, the new one takes its name.
            old, _ = _temporary_name(final.parent, prefix, os.mkdir)
            os.rename(final, old / "old")
            os.rename(tmp, final)
            _remove(old)
        else:
            os.rename(tmp, final)
        _fsync_dir(final.parent)
    except BaseException:
        _remove(tmp)
        raise


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_file(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write a file by temporary name and rename: ``write`` gets the open binary file. A failed
    or killed write leaves the old file (or none), never half of one; the file gets the
    permissions the umask gives any new file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}.tmp-"
    _remove_stale(path.parent, prefix)
    tmp, fd = _temporary_name(path.parent, prefix, _new_file)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write a small text file (metrics, vocabularies) by temporary name and rename."""
    atomic_write_file(path, lambda fh: fh.write(text.encode("utf-8")))


def write_json(path: Path, data: object) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def write_part(directory: Path, index: int, table: pa.Table, schema: ArtifactSchema) -> Path:
    """Write one partition file into ``directory`` (the temporary one of atomic_directory)."""
    if not table.schema.equals(schema.arrow, check_metadata=False):
        table = table.cast(schema.arrow)
    table = table.replace_schema_metadata(schema.arrow.metadata)
    path = Path(directory) / part_name(index)
    pq.write_table(
        table, path, row_group_size=schema.row_group_rows, compression=schema.compression,
        write_statistics=True,
    )
    return path


def split_rows(table: pa.Table, rows: int) -> list[pa.Table]:
    """``table`` as zero-copy slices of at most ``rows`` rows (the parts of an artifact)."""
    return [table.slice(start, rows) for start in range(0, table.num_rows, rows)]


def write_artifact(
    final: Path, schema: ArtifactSchema, tables: Sequence[pa.Table] | Iterator[pa.Table]
) -> int:
    """Write ``tables`` as the parts of artifact ``final``, atomically; return the row count.

    An artifact with no rows still gets one (empty) part, so readers see its schema.
    """
    rows = 0
    with atomic_directory(final) as tmp:
        count = 0
        for count, table in enumerate(tables, start=1):
            write_part(tmp, count - 1, table, schema)
            rows += table.num_rows
        if count == 0:
            write_part(tmp, 0, schema.empty(), schema)
    log.info("wrote %s: %d rows in %s", schema.name, rows, final)
    return rows


def part_files(directory: Path, schema: ArtifactSchema) -> list[Path]:
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(str(directory), "", f"{schema.name} artifact not found (no directory)")
    parts = sorted(directory.glob(PART_GLOB))
    if not parts:
        raise InputError(str(directory), "", f"{schema.name} artifact has no part files")
    return parts


def open_parquet(path: Path, memory_map: bool = False) -> pq.ParquetFile:
    """A Parquet file opened for reading (its footer read), or an InputError naming it."""
    try:
        return pq.ParquetFile(path, memory_map=memory_map, pre_buffer=True)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(str(path), "", f"not a readable Parquet file: {exc}") from None


def open_part(path: Path, schema: ArtifactSchema, memory_map: bool = False) -> pq.ParquetFile:
    pf = open_parquet(path, memory_map)
    schema.validate(pf.schema_arrow, str(path))
    return pf


def read_row_group(pf: pq.ParquetFile, path: Path, group: int, columns: Sequence[str] | None = None) -> pa.Table:
    """Row group ``group`` of ``pf`` (opened from ``path``); corrupt data is an InputError naming the file."""
    try:
        return pf.read_row_group(group, columns=list(columns) if columns else None)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(str(path), "", f"corrupt Parquet data in row group {group}: {exc}") from None


def validate_artifact(directory: Path, schema: ArtifactSchema) -> int:
    """Check every part's schema without reading data; return the row count."""
    return sum(open_part(p, schema).metadata.num_rows for p in part_files(directory, schema))


def iter_batches(
    directory: Path,
    schema: ArtifactSchema,
    batch_rows: int = 65_536,
    columns: Sequence[str] | None = None,
) -> Iterator[pa.RecordBatch]:
    """Stream an artifact as record batches of at most ``batch_rows`` rows.

    One row group is decoded at a time (memory-mapped), and batches are zero-copy slices of
    it, so memory stays near one row group whatever the artifact's size.
    """
    cols = list(columns) if columns else None
    for path in part_files(directory, schema):
        pf = open_part(path, schema, memory_map=True)
        for group in range(pf.num_row_groups):
            yield from read_row_group(pf, path, group, cols).to_batches(max_chunksize=batch_rows)


def iter_parts(
    directory: Path, schema: ArtifactSchema, columns: Sequence[str] | None = None
) -> Iterator[pa.Table]:
    """Yield each part file as one table (the unit stages map over)."""
    for path in part_files(directory, schema):
        pf = open_part(path, schema)
        try:
            table = pf.read(columns=list(columns) if columns else None)
        except (OSError, pa.ArrowException) as exc:
            raise InputError(str(path), "", f"corrupt Parquet data: {exc}") from None
        yield table


def read_table(
    directory: Path, schema: ArtifactSchema, columns: Sequence[str] | None = None
) -> pa.Table:
    """Read a whole (small) artifact into one table."""
    tables = list(iter_parts(directory, schema, columns))
    return pa.concat_tables(tables) if tables else schema.empty()
