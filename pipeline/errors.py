"""The one exception type for bad input: it always says where (file, row, field)."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input that a user can fix; the message names the file, the row and the field.

    ``where`` is a location such as ``captions.txt:12`` or ``params.yaml [ingest]``;
    ``field`` the column, key or field at fault (may be empty). The message is always one
    line: line breaks in any part (a library's multi-line message) become spaces.
    """

    def __init__(self, where: str, field: str, problem: str) -> None:
        self.where = _one_line(where)
        self.field = _one_line(field)
        self.problem = _one_line(problem)  # a library's message may span lines; ours is one
        location = f"{self.where}, field '{self.field}'" if field else self.where
        super().__init__(f"{location}: {self.problem}")


def _one_line(text: str) -> str:
    return " ".join(line.strip() for line in str(text).splitlines() if line.strip())
