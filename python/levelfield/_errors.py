"""The exceptions levelfield raises."""

from __future__ import annotations

from typing import Optional

__all__ = ["InputError", "RunError"]


class InputError(ValueError):
    """Bad input: a missing column, a value out of range, an option that cannot be used.

    The message says what is wrong and what to change. Where they are known, ``file`` names
    the file, ``row`` is the 0-based position of the row at fault (in the table given:
    ``df.iloc[row]`` in pandas, ``df[row]`` in Polars, ``table.slice(row, 1)`` in PyArrow; in a
    file the program names: ``pandas.read_csv(file).iloc[row]``, while the program's message
    counts that file's data rows from 1) and ``column`` the column. The command line's exit
    code 2 is this exception.
    """

    def __init__(
        self,
        message: str,
        *,
        file: Optional[str] = None,
        row: Optional[int] = None,
        column: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.row = row
        self.column = column


class RunError(RuntimeError):
    """A run failed for a reason outside the input (the ``levelfield`` program could not be
    found or started, or could not write its output; the command line's exit code 1)."""
