"""Shared helpers: the reference data in tests/reference, the three input kinds, comparisons."""

import csv
import math
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

ROOT = Path(__file__).resolve().parents[2]
PHE = ROOT / "tests" / "reference" / "phe"
FINGERTIPS = ROOT / "tests" / "reference" / "fingertips"
REL = 1e-9
KINDS = ["pandas", "polars", "pyarrow"]


def read_rows(path):
    """A reference CSV as a list of dicts of text, as the Rust tests read it."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_arrow(path):
    """An input CSV as a PyArrow table (NA and empty cells are missing)."""
    return pacsv.read_csv(path)


def as_kind(table, kind):
    """The same table as a pandas DataFrame, a Polars DataFrame or a PyArrow table."""
    if kind == "pandas":
        return table.to_pandas()
    if kind == "polars":
        import polars as pl

        return pl.from_arrow(table)
    assert kind == "pyarrow"
    return table


@pytest.fixture(params=KINDS)
def kind(request):
    return request.param


def number(text):
    """A reference cell as a number (None for NA)."""
    if text in ("", "NA", "NaN"):
        return None
    return float(text)


def assert_close(what, actual, expected, rel=REL):
    if actual is None or expected is None:
        assert actual is None and expected is None, f"{what}: got {actual}, expected {expected}"
        return
    assert not math.isnan(actual), f"{what}: got NaN, expected {expected}"
    tol = rel * max(abs(expected), 1e-300)
    assert abs(actual - expected) <= tol, (
        f"{what}: got {actual!r}, expected {expected!r} (diff {abs(actual - expected):e})"
    )


def rows(table):
    """A result table as a list of dicts."""
    return table.to_pylist()
