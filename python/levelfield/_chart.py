"""Charts of a statistic's result for notebooks: the report's dot-and-whisker chart as SVG."""

from __future__ import annotations

import os
from typing import Any, Optional, Sequence, Union

import pyarrow as pa

from . import _native
from ._convert import levels, to_arrow
from ._errors import InputError

__all__ = ["Chart", "chart"]

RESULT_COLUMNS = {"numerator", "denominator", "observed", "expected", "value", "confidence",
                  "statistic", "method", "diagnostic", "standard_deviation", "reference_rate"}


class Chart:
    """An SVG chart: shown in Jupyter, ``.svg`` for the markup, ``.save(path)`` to write it."""

    def __init__(self, svg: str) -> None:
        self.svg = svg

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        return f"<figure class='levelfield-chart'>{self.svg}</figure>"

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Writes the SVG to ``path``."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.svg)

    def __repr__(self) -> str:
        return f"Chart({len(self.svg)} characters of SVG)"


def chart(
    result: Any,
    *,
    label: Union[None, str, Sequence[str]] = None,
    confidence: float = 0.95,
    title: Optional[str] = None,
) -> Chart:
    """The report's dot-and-whisker chart of a statistic's result: one row per output row, the
    value as a dot and the interval at ``confidence`` as a whisker.

    Args:
        result: a table returned by a ``levelfield.stats`` function (any input kind).
        label: the column(s) naming each row (default: every column before ``numerator`` /
            ``observed``, joined with " · ").
        confidence: which of the result's intervals to draw.
        title: the chart's title (default: the result's ``statistic``).

    Example:
        >>> levelfield.chart(levelfield.stats.rate(df, numerator="x", denominator="n",
        ...                                        group_by="ethnic_group"))
    """
    table = to_arrow(result)
    names = table.column_names
    if "value" not in names:
        raise InputError("chart: the table has no `value` column; give a levelfield.stats result")
    if label is None:
        first = next((i for i, n in enumerate(names) if n in RESULT_COLUMNS), len(names))
        label = names[:first]
    label = [label] if isinstance(label, str) else list(label)
    for n in label:
        if n not in names:
            raise InputError(f"chart: no column `{n}`", column=n)
    found = levels(confidence)
    if len(found) != 1:
        raise InputError("chart: give one confidence level, e.g. 0.95")
    pct = found[0] if found[0] >= 90 else found[0] * 100
    text = f"{pct:.1f}" if abs(round(pct, 1) - pct) < 1e-9 else f"{pct:.10f}".rstrip("0")
    suffix = text.replace(".", "_")
    lower, upper = f"lower_ci_{suffix}", f"upper_ci_{suffix}"
    if lower not in names:
        raise InputError(f"chart: the result has no `{lower}`; it was computed at other levels")
    keys = [table.column(n).cast(pa.string()).to_pylist() for n in label]
    labels = [" · ".join(k[i] or "" for k in keys) or str(i + 1) for i in range(table.num_rows)]
    statistic = table.column("statistic")[0].as_py() if "statistic" in names and table.num_rows else "value"
    svg = _native.dot_whisker(
        title or statistic or "value",
        f"{statistic or 'value'} ({text.rstrip('0').rstrip('.')}% interval)",
        labels,
        table.column("value").to_pylist(),
        table.column(lower).to_pylist(),
        table.column(upper).to_pylist(),
    )
    return Chart(svg)
