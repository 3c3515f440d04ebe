"""The one error type a refused batch raises: it names the file, line and column."""

from __future__ import annotations


class BatchRefused(Exception):
    """A file breaks the export contract: its whole batch is refused, nothing is loaded."""

    def __init__(
        self,
        file: str,
        message: str,
        *,
        line: int | None = None,
        column: str | None = None,
        byte_offset: int | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.byte_offset = byte_offset
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column}")
        if self.byte_offset is not None:
            where.append(f"byte offset {self.byte_offset}")
        return f"{', '.join(where)}: {self.message}"
