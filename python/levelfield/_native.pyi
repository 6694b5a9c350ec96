"""Type stub of the extension module ``levelfield._native`` (Rust, PyO3). Call the functions of
:mod:`levelfield.stats` instead: they accept pandas, Polars and PyArrow inputs and check and
normalise the options before calling these."""

from typing import Any, List, Optional, Sequence, Tuple

import pyarrow as pa

# ``table`` is any object with ``__arrow_c_stream__`` (a pyarrow.Table here). Every function
# returns a pyarrow.Table and raises levelfield.InputError for bad input.

def proportion(
    table: Any,
    numerator: str,
    denominator: str,
    group_by: List[str],
    confidence: List[float],
    multiplier: Optional[float],
) -> pa.Table: ...
def rate(
    table: Any,
    numerator: str,
    denominator: str,
    group_by: List[str],
    confidence: List[float],
    multiplier: Optional[float],
) -> pa.Table: ...
def mean(table: Any, value: str, group_by: List[str], confidence: List[float]) -> pa.Table: ...
def dsr(
    table: Any,
    numerator: str,
    denominator: str,
    standard_population: str,
    age_band: Optional[str],
    event_frequency: Optional[str],
    group_by: List[str],
    confidence: List[float],
    multiplier: float,
) -> pa.Table: ...
def isr(
    table: Any,
    rate: bool,
    numerator: str,
    denominator: str,
    reference_numerator: str,
    reference_denominator: str,
    age_band: Optional[str],
    observed_totals: Optional[Sequence[Tuple[List[str], Optional[float]]]],
    group_by: List[str],
    confidence: List[float],
    reference_value: Optional[float],
    multiplier: Optional[float],
) -> pa.Table: ...
def quantile(
    table: Any,
    value: str,
    quantiles: int,
    invert: bool,
    invert_column: Optional[str],
    group_by: List[str],
) -> pa.Table: ...
def life_expectancy(
    table: Any,
    numerator: str,
    denominator: str,
    age_band: str,
    group_by: List[str],
    confidence: List[float],
) -> pa.Table: ...
def sii(
    table: Any,
    value: Optional[str],
    numerator: Optional[str],
    se: Optional[str],
    lower: Optional[str],
    upper: Optional[str],
    population: str,
    quantile: str,
    value_type: str,
    transform: bool,
    multiplier: float,
    rii: bool,
    intercept: bool,
    exact: bool,
    repetitions: int,
    seed: int,
    group_by: List[str],
    confidence: List[float],
) -> pa.Table: ...
def dot_whisker(
    title: str,
    x_label: str,
    labels: List[str],
    values: List[Optional[float]],
    lower: List[Optional[float]],
    upper: List[Optional[float]],
) -> str: ...
