"""Tables in: pandas, Polars and PyArrow (and anything with ``__arrow_c_stream__``) as Arrow."""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Union

import pyarrow as pa

from ._errors import InputError


def to_arrow(data: Any) -> pa.Table:
    """The input as a ``pyarrow.Table``, sharing its buffers where the library allows.

    pandas: ``pyarrow.Table.from_pandas`` (the index is dropped: ``reset_index()`` first to keep
    it as a column). Polars: ``DataFrame.to_arrow()`` (a LazyFrame is collected). PyArrow tables
    and record batches as they are; any other object with ``__arrow_c_stream__`` through
    ``pyarrow.table``.
    """
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        import pandas as pd

        if isinstance(data, pd.DataFrame):
            return pa.Table.from_pandas(data, preserve_index=False)
    if module == "polars":
        import polars as pl

        if isinstance(data, pl.LazyFrame):
            data = data.collect()
        if isinstance(data, pl.DataFrame):
            return data.to_arrow()
    if hasattr(data, "__arrow_c_stream__"):
        return pa.table(data)
    raise TypeError(
        f"expected a pandas or Polars DataFrame or a PyArrow table, not {type(data).__name__}"
    )


def columns(group_by: Union[None, str, Sequence[str]]) -> List[str]:
    """``group_by`` as a list of column names."""
    if group_by is None:
        return []
    if isinstance(group_by, str):
        return [group_by]
    names = list(group_by)
    for name in names:
        if not isinstance(name, str):
            raise InputError(f"group_by: {name!r} is not a column name (give strings)")
    return names


def levels(confidence: Union[None, float, str, Sequence[Union[float, str]]]) -> List[float]:
    """Confidence levels as numbers: ``0.95``, ``[0.95, 0.998]``, ``95``, ``"99.8%"``; ``None``
    (or ``"none"``) for no intervals."""
    if confidence is None:
        return []
    if isinstance(confidence, str):
        if confidence.strip().lower() == "none":
            return []
        confidence = [c for c in confidence.split(",")]
    elif isinstance(confidence, (int, float)):
        confidence = [confidence]
    out = []
    for c in confidence:
        try:
            out.append(float(str(c).strip().rstrip("%")) if isinstance(c, str) else float(c))
        except (TypeError, ValueError):
            raise InputError(
                f"confidence: {c!r} is not a number; give levels like 0.95 or [0.95, 0.998] "
                "(or None for no intervals)"
            ) from None
    return out


def optional_float(name: str, value: Optional[float]) -> Optional[float]:
    """A number option, refused clearly if it is not a number."""
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name}: {value!r} is not a number") from None
