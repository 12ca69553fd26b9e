"""The one error type for bad input files: it always names the file and the field."""

from __future__ import annotations

import os


class InputFileError(ValueError):
    def __init__(self, path: str | os.PathLike, field: str | None, problem: str) -> None:
        where = f"{os.fspath(path)}" + (f", field {field!r}" if field else "")
        super().__init__(f"{where}: {problem}")
        self.path = os.fspath(path)
        self.field = field
