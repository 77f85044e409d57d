from __future__ import annotations

import signal
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


def test_atomic_write_text_replaces_whole_files(tmp_path: Path) -> None:
    path = tmp_path / "m" / "metrics.json"
    atomic_write_text(path, "one")
    atomic_write_text(path, "two")
    assert path.read_text() == "two"
    assert leftovers(path.parent) == []
