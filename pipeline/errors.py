"""The one exception type for bad input: it always says where (file, row, field)."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input that a user can fix; the message names the file, the row and the field.

    ``where`` is a location such as ``captions.txt:12`` or ``params.yaml [ingest]``;
    ``field`` the column, key or field at fault (may be empty).
    """

    def __init__(self, where: str, field: str, problem: str) -> None:
        self.where = where
        self.field = field
        self.problem = problem
        location = f"{where}, field '{field}'" if field else where
        super().__init__(f"{location}: {problem}")
