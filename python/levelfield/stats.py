"""Public-health statistics with confidence intervals, as ``levelfield stats`` computes them.

Every function takes a table (pandas or Polars DataFrame, PyArrow table, or anything with
``__arrow_c_stream__``) and keyword-only options named as the command line's (``--group-by``
is ``group_by``), and returns a ``pyarrow.Table`` with the command line's columns: the group
columns (or, ungrouped, the input's other columns), ``numerator``, ``denominator``, ``value``,
``lower_ci_95_0``, ``upper_ci_95_0``, … for every level, ``confidence``, ``statistic``,
``method``, any extra column, and ``diagnostic`` (why a value is empty; null when nothing is
missing). ``method`` is null on rows with a missing count. Call ``.to_pandas()`` on the result
for pandas, or ``polars.from_arrow(result)`` for Polars.

Rows are summed within each ``group_by`` group (DSR and ISR within group × age band) and the
output is sorted by the group columns (numbers numerically, text by bytes), so input row order
never changes the result. Numbers equal PHEindicatormethods 2.1.0's (see docs/METHODS.md).

``confidence`` is a level or a list of levels, as fractions (0.95) or percentages (95), each
from 0.90 to below 1; ``None`` gives no intervals.

Bad input raises :class:`levelfield.InputError` naming the row (0-based position in the table
given) and column, and nothing is returned.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import pyarrow as pa

from . import _native
from ._convert import columns, levels, optional_float, to_arrow

__all__ = [
    "proportion",
    "rate",
    "mean",
    "dsr",
    "isratio",
    "israte",
    "quantile",
    "life_expectancy",
    "sii",
]

Columns = Union[None, str, Sequence[str]]


def _whole(name: str, value: Any, least: int) -> int:
    """A whole-number option of at least ``least``, refused clearly otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value < 2**63:
        from ._errors import InputError

        raise InputError(f"{name}: {value!r} is not a whole number of {least} or more")
    return value


def _number(name: str, value: Any) -> float:
    """A required number option, refused clearly if it is not one."""
    found = optional_float(name, value)
    if found is None:
        from ._errors import InputError

        raise InputError(f"{name}: give a number")
    return found
Confidence = Union[None, float, str, Sequence[Union[float, str]]]


def proportion(
    data: Any,
    *,
    numerator: str,
    denominator: str,
    group_by: Columns = None,
    confidence: Confidence = 0.95,
    multiplier: Optional[float] = None,
) -> pa.Table:
    """Proportions ``numerator / denominator × multiplier`` with Wilson score intervals.

    Args:
        data: the table.
        numerator: column of numerators (people with the outcome); 0 or more, at most the
            denominator.
        denominator: column of denominators (people at risk); above 0.
        group_by: columns whose values define groups; numerators and denominators are summed
            within each. Without it, one result per input row, keeping the other columns.
        confidence: level(s), e.g. ``[0.95, 0.998]``; ``None`` for no intervals.
        multiplier: scale: 1 (default) for a proportion, 100 for a percentage.

    Returns:
        ``pyarrow.Table``; ``method`` is ``Wilson``.

    Raises:
        InputError: a missing column, a negative numerator, a denominator of 0 or less, a
            numerator above its denominator (naming row and column), a bad level or multiplier.

    Example:
        >>> levelfield.stats.proportion(df, numerator="x", denominator="n",
        ...     group_by="area", confidence=[0.95, 0.998], multiplier=100).to_pandas()
    """
    return _native.proportion(
        to_arrow(data), numerator, denominator, columns(group_by), levels(confidence),
        optional_float("multiplier", multiplier),
    )


def rate(
    data: Any,
    *,
    numerator: str,
    denominator: str,
    group_by: Columns = None,
    confidence: Confidence = 0.95,
    multiplier: Optional[float] = None,
) -> pa.Table:
    """Crude rates ``numerator / denominator × multiplier``: exact Poisson intervals below 10
    events, Byar's from 10.

    Args:
        data: the table.
        numerator: column of events; 0 or more.
        denominator: column of populations; above 0.
        group_by: columns defining groups; events and populations are summed within each.
        confidence: level(s); ``None`` for no intervals.
        multiplier: scale (default 100000: per 100,000).

    Returns:
        ``pyarrow.Table``; ``method`` is ``Exact`` or ``Byars``.

    Raises:
        InputError: as :func:`proportion` (a numerator may exceed its denominator).

    Example:
        >>> levelfield.stats.rate(df, numerator="x", denominator="n",
        ...     group_by=["area", "imd_quintile"], confidence=[0.95, 0.998], multiplier=100000)
    """
    return _native.rate(
        to_arrow(data), numerator, denominator, columns(group_by), levels(confidence),
        optional_float("multiplier", multiplier),
    )


def mean(
    data: Any,
    *,
    value: str,
    group_by: Columns = None,
    confidence: Confidence = 0.95,
) -> pa.Table:
    """Means with Student's t intervals, one per group (the whole table when ungrouped).

    ``numerator`` is the sum and ``denominator`` the count of values; ``standard_deviation``
    follows ``method``. A group with a missing value has no mean (as PHE does); a single value
    has no interval.

    Raises:
        InputError: a missing column or a cell that is not a number.
    """
    return _native.mean(to_arrow(data), value, columns(group_by), levels(confidence))


def dsr(
    data: Any,
    *,
    numerator: str,
    denominator: str,
    standard_population: str,
    age_band: Optional[str] = None,
    event_frequency: Optional[str] = None,
    group_by: Columns = None,
    confidence: Confidence = 0.95,
    multiplier: float = 100000,
) -> pa.Table:
    """Directly standardised rates with Dobson's interval.

    Args:
        data: one row per group and age band (rows of the same group and band are summed).
        numerator: column of events per age band (missing counts are counted as zero and noted).
        denominator: column of populations per age band; above 0 on every row.
        standard_population: column of standard population weights, or ``"esp2013"`` for the
            European Standard Population 2013 (``age_band`` then holds band numbers 1–19).
        age_band: column of age bands.
        event_frequency: column of event frequencies: each row then counts the people who had
            that many events (Dobson's interval for non-independent events).
        group_by: columns defining groups.
        confidence: level(s); ``None`` for no intervals.
        multiplier: scale (default 100000).

    Returns:
        ``pyarrow.Table``: ``numerator`` is the total count, ``denominator`` the total
        population; groups with fewer than 10 events have no value (``diagnostic`` says so).

    Raises:
        InputError: negative counts, a missing or non-positive population, a missing or negative
            weight, two weights for one group and band.
    """
    return _native.dsr(
        to_arrow(data), numerator, denominator, standard_population, age_band, event_frequency,
        columns(group_by), levels(confidence), _number("multiplier", multiplier),
    )


def _observed_totals(observed_totals: Any, group_by: Sequence[str], numerator: str):
    if observed_totals is None:
        return None
    table = to_arrow(observed_totals)
    keys = [table.column(c).cast(pa.string()).to_pylist() for c in group_by]
    totals = table.column(numerator).cast(pa.float64()).to_pylist()
    return [([k[i] or "" for k in keys], totals[i]) for i in range(table.num_rows)]


def isratio(
    data: Any,
    *,
    numerator: str,
    denominator: str,
    reference_numerator: str,
    reference_denominator: str,
    age_band: Optional[str] = None,
    observed_totals: Any = None,
    group_by: Columns = None,
    confidence: Confidence = 0.95,
    reference_value: float = 1,
) -> pa.Table:
    """Indirectly standardised ratios (observed ÷ expected × ``reference_value``): exact
    intervals below 10 observed events, Byar's from 10.

    Args:
        data: one row per group and age band.
        numerator: column of observed events per age band (or, with ``observed_totals``, the
            column of that table holding each group's total).
        denominator: column of local populations per age band.
        reference_numerator, reference_denominator: columns of the reference events and
            population per age band (the same on every row of a band).
        age_band: column of age bands (rows of the same group and band are summed).
        observed_totals: a second table of observed totals per group (the group columns and
            ``numerator``).
        group_by: columns defining groups.
        confidence: level(s); ``None`` for no intervals.
        reference_value: 1 (default) for a ratio, 100 for a ratio × 100.

    Returns:
        ``pyarrow.Table`` with ``observed`` and ``expected`` in place of numerator and
        denominator.
    """
    group = columns(group_by)
    return _native.isr(
        to_arrow(data), False, numerator, denominator, reference_numerator,
        reference_denominator, age_band, _observed_totals(observed_totals, group, numerator),
        group, levels(confidence), optional_float("reference_value", reference_value), None,
    )


def israte(
    data: Any,
    *,
    numerator: str,
    denominator: str,
    reference_numerator: str,
    reference_denominator: str,
    age_band: Optional[str] = None,
    observed_totals: Any = None,
    group_by: Columns = None,
    confidence: Confidence = 0.95,
    multiplier: float = 100000,
) -> pa.Table:
    """Indirectly standardised rates (the ratio × the reference rate), with
    ``reference_rate`` after ``method``. Arguments as :func:`isratio`, with ``multiplier``
    (default 100000) for the rate's scale."""
    group = columns(group_by)
    return _native.isr(
        to_arrow(data), True, numerator, denominator, reference_numerator,
        reference_denominator, age_band, _observed_totals(observed_totals, group, numerator),
        group, levels(confidence), None, optional_float("multiplier", multiplier),
    )


def quantile(
    data: Any,
    *,
    value: str,
    quantiles: int,
    invert: bool = False,
    invert_column: Optional[str] = None,
    group_by: Columns = None,
) -> pa.Table:
    """The quantile (decile, quintile…) of every row within its group, with PHE's tie rules.

    Returns the input rows in input order with ``quantile`` (null where the value is missing),
    ``n_quantiles`` and ``inverted`` added.

    Args:
        value: column of values to rank.
        quantiles: how many: 10 for deciles, 5 for quintiles.
        invert: quantile 1 holds the highest values (e.g. deprivation scores).
        invert_column: column of TRUE/FALSE saying, per group, whether to invert.
        group_by: columns defining groups.
    """
    if invert and invert_column is not None:
        from ._errors import InputError

        raise InputError("give invert=True or invert_column, not both")
    return _native.quantile(
        to_arrow(data), value, _whole("quantiles", quantiles, 2), bool(invert), invert_column,
        columns(group_by),
    )


def life_expectancy(
    data: Any,
    *,
    numerator: str,
    denominator: str,
    age_band: str,
    group_by: Columns = None,
    confidence: Confidence = 0.95,
) -> pa.Table:
    """Life expectancy at the start of each of 20 age bands (0, 1, 5, 10, …, 90): Chiang's
    abridged life table with Silcocks' variance.

    Args:
        numerator: column of deaths per age band.
        denominator: column of populations per age band.
        age_band: column of each band's start age (labels like ``5-9`` are read by their first
            number).

    Returns:
        ``pyarrow.Table``: the group columns, ``start_age``, then the usual columns
        (``numerator``: deaths from that age on, ``denominator``: population from that age on).
    """
    return _native.life_expectancy(
        to_arrow(data), numerator, denominator, age_band, columns(group_by), levels(confidence)
    )


def sii(
    data: Any,
    *,
    population: str,
    quantile: str,
    value: Optional[str] = None,
    numerator: Optional[str] = None,
    se: Optional[str] = None,
    lower: Optional[str] = None,
    upper: Optional[str] = None,
    value_type: str = "other",
    transform: bool = False,
    multiplier: float = 1,
    rii: bool = False,
    intercept: bool = False,
    interval: str = "simulation",
    repetitions: int = 100_000,
    seed: int = 1,
    group_by: Columns = None,
    confidence: Confidence = 0.95,
) -> pa.Table:
    """The slope index of inequality (and the relative index) across deprivation quantiles,
    as PHE's ``phe_sii``.

    Args:
        population: column of each quantile's population.
        quantile: column of the quantile number (1 = most deprived); 5 to 100 quantiles.
        value: column of values; or ``numerator`` (with ``value_type="proportion"``) for
            proportions of the population.
        se: column of standard errors; or ``lower`` and ``upper``, the 95% limits.
        value_type: ``"rate"``, ``"proportion"`` or ``"other"`` (default).
        transform: fit log rates or logit proportions and back-transform the end points.
        multiplier: scale of SII (negative flips SII and inverts RII).
        rii: also report RII with its limits.
        intercept: also report the fitted value at the most deprived end.
        interval: ``"simulation"`` (as ``phe_sii``, seeded) or ``"exact"``.
        repetitions: Monte Carlo repetitions (at least 1,000).
        seed: seed of the random stream; the same seed gives the same limits.

    Returns:
        ``pyarrow.Table``: one row per group with ``sii``, (``rii``, ``intercept``),
        ``sii_lower_ci_95_0``…, Monte Carlo errors of the limits, ``confidence``,
        ``ci_method``, ``value_type``, ``transform``, ``diagnostic``.
    """
    if interval not in ("simulation", "exact"):
        from ._errors import InputError

        raise InputError(f"interval {interval!r}: give \"simulation\" or \"exact\"")
    return _native.sii(
        to_arrow(data), value, numerator, se, lower, upper, population, quantile, value_type,
        bool(transform), _number("multiplier", multiplier), bool(rii), bool(intercept),
        interval == "exact",
        _whole("repetitions", repetitions, 0), _whole("seed", seed, 0), columns(group_by),
        levels(confidence),
    )
