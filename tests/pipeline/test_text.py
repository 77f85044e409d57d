"""Lines end at \\n only, and captions are normalised once, the same way everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.text import caption_problem, control_character, normalize_caption, read_lines, split_lines

# Everything str.splitlines breaks at, besides \n and \r\n.
LINE_BREAKERS = ["\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("breaker", LINE_BREAKERS)
def test_only_newline_ends_a_line(breaker: str) -> None:
    assert split_lines(f"a dog{breaker}on a sofa\nA cat.\n") == [f"a dog{breaker}on a sofa", "A cat."]


def test_crlf_a_missing_final_newline_and_empty_lines() -> None:
    assert split_lines("one\r\ntwo\r\n\r\nfour") == ["one", "two", "", "four"]
    assert split_lines("") == [] and split_lines("\n") == [""]


def test_read_lines_names_the_line_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "caps.txt"
    path.write_bytes(b"\xef\xbb\xbfa dog\r\nfine\ncaf\xe9\n")
    with pytest.raises(InputError, match=r"caps.txt:3: not UTF-8 text"):
        read_lines(path)
    path.write_bytes(b"\xef\xbb\xbfa dog\r\nfine\n")
    assert read_lines(path) == ["a dog", "fine"]  # the byte order mark is no part of the first line


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  A  dog\ton a\u00a0sofa. ", "A dog on a sofa."),
        ("a dog\u2028on a sofa\u0085and\u2029a cat", "a dog on a sofa and a cat"),
        ("dog\x00 on a\u200b mat\u200d", "dog on a mat"),
        ("\u202eA cat\u202c \ufeffsleeps", "A cat sleeps"),
        ("cafe\u0301", "caf\u00e9"),  # NFC
        ("\x1b[31mred\x1b[0m car", "[31mred[0m car"),  # the escape character goes; the rest is text
        ("a \ud800 dog", "a \ufffd dog"),  # a lone surrogate cannot be stored: replaced
        ("A dog \U0001f436 on a sofa", "A dog \U0001f436 on a sofa"),
    ],
)
def test_normalize_caption(raw: str, clean: str) -> None:
    assert normalize_caption(raw) == clean
    assert normalize_caption(clean) == clean


@pytest.mark.parametrize(
    ("text", "problem"),
    [("", "empty caption"), ("\u200b\u200c\u200d", "empty caption"), ("\x00\x00", "empty caption"),
     ("...!?", "no words"), ("1 2 3", "no words"), ("\U0001f436\U0001f431", "no words"), ("<>&", "no words"),
     ("2 dogs", None), ("R2D2", None), ("\u72ac", None), ("a", None)],
)
def test_what_is_no_caption(text: str, problem: str | None) -> None:
    assert caption_problem(normalize_caption(text)) == problem


def test_control_characters_in_names() -> None:
    assert control_character("a\x00.jpg") == "U+0000"
    assert control_character("a\u200b.jpg") == "U+200B"
    assert control_character("my photo.jpg") is None and control_character("caf\u00e9.jpg") is None
