from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from pipeline.artifacts import (
    atomic_write_text,
    iter_batches,
    read_table,
    write_artifact,
)
from pipeline.errors import InputError
from pipeline.schemas import ArtifactSchema

SMALL = ArtifactSchema(
    name="numbers", version=1, doc="test artifact", row_group_rows=10,
    fields=(pa.field("n", pa.int64()), pa.field("s", pa.string())),
)


def numbers(start: int, stop: int) -> pa.Table:
    return SMALL.table({"n": list(range(start, stop)), "s": [str(i) for i in range(start, stop)]})


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_parts_are_written_in_order_and_streamed_by_row_group(tmp_path: Path) -> None:
    out = tmp_path / "numbers"
    assert write_artifact(out, SMALL, [numbers(0, 25), numbers(25, 40)]) == 40
    assert sorted(p.name for p in out.iterdir()) == ["part-00000.parquet", "part-00001.parquet"]
    batches = list(iter_batches(out, SMALL, batch_rows=100))
    # row groups of 10 rows: a reader never holds more than one part's row group at a time
    assert [b.num_rows for b in batches] == [10, 10, 5, 10, 5]
    assert read_table(out, SMALL, columns=["n"]).column("n").to_pylist() == list(range(40))


def failing_parts() -> Iterator[pa.Table]:
    yield numbers(0, 10)
    raise RuntimeError("disk on fire")


def test_a_failure_mid_write_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "numbers"
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_artifact(out, SMALL, failing_parts())
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_a_failure_mid_write_keeps_the_previous_artifact(tmp_path: Path) -> None:
    out = tmp_path / "numbers"
    write_artifact(out, SMALL, [numbers(0, 3)])
    with pytest.raises(RuntimeError):
        write_artifact(out, SMALL, failing_parts())
    assert read_table(out, SMALL).column("n").to_pylist() == [0, 1, 2]
    write_artifact(out, SMALL, [numbers(5, 7)])
    assert read_table(out, SMALL).column("n").to_pylist() == [5, 6]
    assert leftovers(tmp_path) == []


KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    import pyarrow as pa
    from pipeline.artifacts import write_artifact
    from pipeline.schemas import ArtifactSchema
    schema = ArtifactSchema("numbers", 1, (pa.field("n", pa.int64()),), "t")
    def parts():
        yield schema.table({"n": [1, 2]})
        os.kill(os.getpid(), signal.SIGKILL)   # killed mid-write, no cleanup runs
        yield schema.table({"n": [3]})
    write_artifact(sys.argv[1], schema, parts())
    """
)


def test_a_killed_writer_leaves_no_artifact_and_a_rerun_starts_clean(tmp_path: Path) -> None:
    out = tmp_path / "numbers"
    proc = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(out)], check=False)
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()
    assert len(leftovers(tmp_path)) == 1  # the killed run's temporary directory
    write_artifact(out, SMALL, [numbers(0, 2)])
    assert read_table(out, SMALL).num_rows == 2
    assert leftovers(tmp_path) == []


KILLED_TEXT_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from pipeline import artifacts
    # killed once the new text is in the file being written and before it takes the old one's name
    os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)
    artifacts.atomic_write_text(sys.argv[1], "two " * 100_000)
    """
)


def test_atomic_write_text_keeps_the_old_file_until_the_new_one_is_whole(tmp_path: Path) -> None:
    path = tmp_path / "m" / "metrics.json"
    atomic_write_text(path, "one")
    proc = subprocess.run([sys.executable, "-c", KILLED_TEXT_WRITER, str(path)], check=False)
    assert proc.returncode == -signal.SIGKILL
    assert path.read_text() == "one"  # a plain open().write() would have left "two two ..." or half of it
    (partial,) = leftovers(path.parent)  # the killed write is under a hidden temporary name
    assert partial.startswith(".metrics.json.tmp-")
    # a write that fails part way (text that cannot be encoded) leaves the old file and no temporary
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(path, "two" * 10_000 + "\ud800")
    assert path.read_text() == "one" and leftovers(path.parent) == []  # ... and the killed one is gone too
    atomic_write_text(path, "two")
    assert path.read_text() == "two" and leftovers(path.parent) == []


def test_outputs_get_the_permissions_the_umask_gives(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_artifact(tmp_path / "numbers", SMALL, [numbers(0, 3)])
        atomic_write_text(tmp_path / "metrics.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "numbers").stat().st_mode) == 0o755  # mkdtemp would give 0700
    assert stat.S_IMODE((tmp_path / "numbers" / "part-00000.parquet").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "metrics.json").stat().st_mode) == 0o644  # mkstemp would give 0600


def _corrupt_pages(part: Path) -> None:
    """Flip the bytes of the first data pages, leaving the footer (and so the schema) readable."""
    data = bytearray(part.read_bytes())
    for k in range(8, len(data) // 3):
        data[k] ^= 0x5A
    part.write_bytes(bytes(data))


def test_a_part_with_corrupt_pages_or_cut_short_is_an_error_naming_it(tmp_path: Path) -> None:
    out = tmp_path / "numbers"
    write_artifact(out, SMALL, [numbers(0, 2000)])
    part = out / "part-00000.parquet"
    _corrupt_pages(part)
    for read in (lambda: read_table(out, SMALL), lambda: list(iter_batches(out, SMALL))):
        with pytest.raises(InputError, match=rf"^{part}: corrupt Parquet data") as err:
            read()
        assert "\n" not in str(err.value)
    part.write_bytes(part.read_bytes()[:300])
    with pytest.raises(InputError, match=rf"^{part}: not a readable Parquet file"):
        read_table(out, SMALL)
