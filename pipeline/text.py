"""Text from outside the pipeline: line-oriented files and caption normalisation.

Line formats (caption files, id lists, token files) hold one record per ``\\n``-terminated
line, with an optional ``\\r`` before the ``\\n``. Nothing else ends a line: ``str.splitlines``
also breaks at U+2028, U+2029, U+0085, form feeds and lone carriage returns, which turns one
caption holding such a character into two and shifts every later line onto the wrong row.

Captions are normalised once, at ingest (:func:`normalize_caption`): Unicode NFC; control
and format characters (NUL, zero-width spaces and joiners, bidirectional overrides, the byte
order mark, soft hyphens) removed; every run of whitespace, the Unicode line and paragraph
separators included, made one space; ends stripped. What is left either carries a word (a
run of characters with at least one letter) or gets an error from :func:`caption_problem`.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from pipeline.errors import InputError

# Characters dropped from text: controls (Cc), format characters (Cf: zero-width, bidi
# controls, BOM, soft hyphen). Whitespace among the controls (tab, CR, U+0085, ...) is kept
# as a space instead. Lone surrogates (Cs) cannot be stored as UTF-8 and become U+FFFD.
_DROPPED = frozenset({"Cc", "Cf"})
REPLACEMENT = "\ufffd"


def split_lines(text: str) -> list[str]:
    """The lines of ``text``: split at ``\\n`` only, one ``\\r`` before it removed.

    A final ``\\n`` ends the last line rather than starting an empty one.
    """
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def read_text(path: Path) -> str:
    """A UTF-8 text file (a leading byte order mark dropped), refusing what is not, naming the line."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), "", "file not found") from None
    except IsADirectoryError:
        raise InputError(str(path), "", "is a directory, expected a file") from None
    except OSError as exc:
        raise InputError(str(path), "", f"cannot be read ({exc.strerror})") from None
    return decode_text(data, str(path))


def decode_text(data: bytes, where: str) -> str:
    """``data`` decoded as UTF-8 (a leading byte order mark dropped), or an InputError naming the line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"{where}:{line}", "", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def read_lines(path: Path) -> list[str]:
    """The lines of a UTF-8 text file, as :func:`split_lines` cuts them."""
    return split_lines(read_text(path))


def lone_surrogate(text: str) -> str | None:
    """``U+D800`` for the first lone surrogate in ``text`` (JSON's ``\\ud800`` escape makes one), or None."""
    for ch in text:
        if "\ud800" <= ch <= "\udfff":
            return f"U+{ord(ch):04X}"
    return None


def without_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, so it can be written as UTF-8."""
    if lone_surrogate(text) is None:
        return text
    return "".join(REPLACEMENT if "\ud800" <= ch <= "\udfff" else ch for ch in text)


def control_character(text: str) -> str | None:
    """``U+0000`` for the first control or format character in ``text`` (as a path or id must not hold), or None."""
    if text.isprintable():
        return None
    for ch in text:
        if unicodedata.category(ch) in _DROPPED:
            return f"U+{ord(ch):04X}"
    return None


def normalize_caption(text: str) -> str:
    """NFC, control and format characters removed, whitespace collapsed to single spaces, stripped."""
    if not text.isprintable():  # the slow path, for the few texts that need it
        chars = []
        for ch in text:
            if ch.isspace():
                chars.append(" ")
            elif "\ud800" <= ch <= "\udfff":
                chars.append(REPLACEMENT)
            elif unicodedata.category(ch) not in _DROPPED:
                chars.append(ch)
        text = "".join(chars)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


def caption_problem(normalized: str) -> str | None:
    """Why a normalised caption is no caption (``empty caption``, ``no words``), or None.

    A word needs a letter: a caption of only digits, punctuation, symbols or emoji says
    nothing a parser can read.
    """
    if not normalized:
        return "empty caption"
    if not any(ch.isalpha() for ch in normalized):
        return "no words"
    return None
