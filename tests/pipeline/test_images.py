"""Opening a picture named by an images row: never a row with an error, never outside the root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline import images
from pipeline.errors import InputError
from pipeline.images import open_image

SECRET = b"root:x:0:0:the secret outside the image root\n"


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """root/ with a picture, a symlink out, a symlinked directory out and a symlink within."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd").write_bytes(SECRET)
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "ok.png").write_bytes(b"\x89PNG picture")
    (root / "escape.png").symlink_to(outside / "passwd")
    (root / "outdir").symlink_to(outside, target_is_directory=True)
    (root / "inner.png").symlink_to(root / "sub" / "ok.png")
    (root / "dangling.png").symlink_to(outside / "nothing.png")
    return root


def row(path: str | None, error: str | None = None) -> dict:
    return {"image_id": "x", "path": path, "error": error}


def refusal(root: Path, r: dict) -> InputError:
    with pytest.raises(InputError) as err:
        open_image(root, r)
    assert str(root.parent / "outside") not in str(err.value)  # where a symlink led is never told
    return err.value


def test_a_file_inside_the_root_opens_even_through_a_symlink_within(layout: Path) -> None:
    with open_image(layout, row("sub/ok.png")) as fh:
        assert fh.read() == b"\x89PNG picture"
    with open_image(layout, row("inner.png")) as fh:
        assert fh.read() == b"\x89PNG picture"
    with open_image(layout, row("sub/../sub/ok.png")) as fh:  # climbs, but stays inside
        assert fh.read().startswith(b"\x89PNG")


@pytest.mark.parametrize("path", ["escape.png", "outdir/passwd", "dangling.png"])
def test_a_symlink_out_of_the_root_is_refused_without_saying_where_it_leads(layout: Path, path: str) -> None:
    err = refusal(layout, row(path))
    assert err.field == "path" and err.problem == f"{path!r} leads outside the image root"


@pytest.mark.parametrize(
    ("path", "problem"),
    [("../outside/passwd", "leaves the image root"), ("sub/../../outside/passwd", "leaves the image root"),
     (str(Path("/etc/passwd")), "absolute path"), ("ok\x00.png", "control character U+0000"), ("", "empty path"),
     (None, "empty path")],
)
def test_paths_that_leave_the_root_or_cannot_be_a_path(layout: Path, path, problem: str) -> None:
    err = refusal(layout, row(path))
    assert err.field == "path" and problem in err.problem


def test_a_row_with_an_error_is_never_opened(layout: Path, monkeypatch) -> None:
    monkeypatch.setattr(images.os, "open", lambda *a, **k: pytest.fail("opened a refused row"))
    err = refusal(layout, row("sub/ok.png", error="path: '../../etc/passwd' leaves the image root"))
    assert err.field == "image" and "its images row has an error" in err.problem


def test_missing_files_directories_and_fifos(layout: Path) -> None:
    err = refusal(layout, row("sub/gone.png"))
    assert err.problem == "missing file 'sub/gone.png'" and str(layout / "sub" / "gone.png") == err.where
    assert refusal(layout, row("sub")).problem == "'sub' is not a regular file"
    os.mkfifo(layout / "fifo.png")  # opening a FIFO for reading would wait forever for a writer
    assert refusal(layout, row("fifo.png")).problem == "'fifo.png' is not a regular file"


def test_containment_is_checked_again_when_the_file_is_open(layout: Path, monkeypatch) -> None:
    # As if the symlinks were swapped in after the path was resolved: the resolution sees none.
    monkeypatch.setattr(images.os.path, "realpath", os.path.abspath)
    assert refusal(layout, row("outdir/passwd")).problem == "'outdir/passwd' leads outside the image root"
    # a last component that became a symlink is not followed at all (O_NOFOLLOW)
    assert "cannot open 'escape.png'" in refusal(layout, row("escape.png")).problem
