"""Opening the pictures an ``images`` artifact names, never outside the image root.

Every reader of the ``images`` artifact (``detect_regions``, ``sgmatch inspect``) opens a
picture through :func:`open_image`, which refuses:

- a row that has an ``error`` (ingest refused it; its path is not to be trusted);
- a path that is empty, absolute, holds a control character or climbs out with ``..``
  (:func:`path_problem`, which ingest also applies);
- a path that leads outside the root once symlinks are resolved. The check is made when the
  file is opened: the path is resolved, the resolved file is opened without following a
  final symlink, and (on Linux) the file actually opened is checked again, so a symlink
  swapped in between is caught too;
- anything that is not a regular file (a directory, a FIFO that would block, a device).

Its errors name the path as the row gives it, never where a symlink led: a refusal must not
tell a reader of the logs or of the page what lies outside the root.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

from pipeline.errors import InputError
from pipeline.text import control_character

_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)


def path_problem(path: str | None) -> str | None:
    """Why ``path`` cannot name a file below an image root (``path: ...``), or None when it can."""
    if not path:
        return "path: empty path"
    control = control_character(path)
    if control is not None:
        return f"path: control character {control} in the path"
    if path.startswith(("/", "\\")) or (len(path) > 1 and path[1] == ":"):
        return "path: absolute path; paths must be relative to the image root"
    norm = posixpath.normpath(path.replace("\\", "/"))
    if norm == ".." or norm.startswith("../"):
        return f"path: {path!r} leaves the image root"
    return None


def _inside(path: str, root: str) -> bool:
    return path != root and os.path.commonpath([path, root]) == root


def _opened_path(fd: int) -> str | None:
    """Where the open file ``fd`` really is (Linux), or None where the system does not say."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None


def open_image(root: Path, row: Mapping[str, Any]) -> BinaryIO:
    """Open the picture of ``row`` (an ``images`` row: ``image_id``, ``path``, ``error``) below ``root``.

    Returns a binary file for reading. Raises :class:`InputError` whose ``field`` is ``path``
    or ``image`` and whose ``problem`` is one line, ready to be recorded as ``field: problem``.
    """
    rel = row.get("path")
    where = f"{root} (image {row.get('image_id')!r})"
    if row.get("error"):
        raise InputError(where, "image", f"not opened: its images row has an error ({row['error']})")
    problem = path_problem(rel)
    if problem is not None:
        raise InputError(where, "path", problem.split(": ", 1)[1])
    assert rel is not None
    where = str(Path(root) / rel)  # as written in the row, nothing resolved
    base = os.path.realpath(root)
    target = os.path.realpath(os.path.join(base, rel))
    if not _inside(target, base):
        raise InputError(where, "path", f"{rel!r} leads outside the image root")
    try:
        fd = os.open(target, _FLAGS)
    except FileNotFoundError:
        raise InputError(where, "image", f"missing file {rel!r}") from None
    except OSError as exc:  # ELOOP: the last part became a symlink after it was resolved
        raise InputError(where, "image", f"cannot open {rel!r} ({exc.strerror})") from None
    try:
        opened = _opened_path(fd)
        if opened is not None and not _inside(opened, base):
            raise InputError(where, "path", f"{rel!r} leads outside the image root")
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(where, "image", f"{rel!r} is not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
