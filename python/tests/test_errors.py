"""Bad input: every invalid call in PHEindicatormethods' expected_errors.csv that concerns the
statistics has an equivalent here that raises levelfield.InputError, naming the row (0-based
position) and column where there is one, and what to do. Three of PHE's "errors" are limits
that levelfield removes on purpose (any number of confidence levels, in any order; groups with
different numbers of age bands): those calls succeed. The funnel cases go through the
``levelfield`` program (see test_program.py)."""

import pyarrow as pa
import pytest

import levelfield
from conftest import PHE, as_kind, read_rows

S = levelfield.stats

PROP_OK = {"id": ["a", "b"], "x": [1, 5], "n": [10, 20]}
DSR = {"g": ["A", "A", "A", "B"], "band": [1, 2, 2, 1], "x": [10, 12, 3, 30],
       "n": [1000, 1500, 1500, 900], "w": [5000, 5500, 5500, 5000], "f": [1, 1, 2, 1]}
MEAN = {"g": ["a", "a", "a"], "v": [1, 2, 4]}
SII5 = {"q": [1, 2, 3, 4, 5], "v": [10, 9, 8, 7, 6], "se": [1] * 5, "pop": [100] * 5}
LE_BAD = {"age": [1, 5], "d": [5, 5], "p": [1000, 1000]}


def refused(fragments, row=None, column=None):
    return ("refused", fragments, row, column)


ACCEPTED = ("accepted",)

# (fun, case) -> (data, call, expectation)
CASES = {
    ("phe_proportion", "numerator < 0"): (
        {"id": ["a", "b"], "x": [1, -1], "n": [10, 10]},
        lambda d: S.proportion(d, numerator="x", denominator="n"),
        refused(["row 1", "column `x`", "negative"], 1, "x")),
    ("phe_proportion", "denominator = 0"): (
        {"id": ["a", "b"], "x": [1, 0], "n": [10, 0]},
        lambda d: S.proportion(d, numerator="x", denominator="n"),
        refused(["row 1", "column `n`", "greater than zero"], 1, "n")),
    ("phe_proportion", "numerator > denominator"): (
        {"id": ["a", "b"], "x": [1, 12], "n": [10, 10]},
        lambda d: S.proportion(d, numerator="x", denominator="n"),
        refused(["row 1", "column `x`", "greater than denominator"], 1, "x")),
    # PHE's `type` argument: Python has keyword arguments, so a wrong option is a TypeError.
    ("phe_proportion", "type invalid"): (
        PROP_OK, lambda d: S.proportion(d, numerator="x", denominator="n", type="bad"),
        ("type_error",)),
    ("phe_proportion", "three confidence levels"): (
        PROP_OK,
        lambda d: S.proportion(d, numerator="x", denominator="n", confidence=[0.9, 0.95, 0.998]),
        ACCEPTED),
    ("phe_proportion", "two levels not 0.95,0.998"): (
        PROP_OK,
        lambda d: S.proportion(d, numerator="x", denominator="n", confidence=[0.9, 0.99]),
        ACCEPTED),
    ("phe_proportion", "confidence 0.5"): (
        PROP_OK, lambda d: S.proportion(d, numerator="x", denominator="n", confidence=0.5),
        refused(["confidence", "0.5", "between 0.9 and 1"])),
    ("phe_proportion", "confidence 50 (percent form)"): (
        PROP_OK, lambda d: S.proportion(d, numerator="x", denominator="n", confidence=50),
        refused(["confidence", "50", "between 90 and 100"])),
    ("phe_proportion", "missing n argument"): (
        PROP_OK, lambda d: S.proportion(d, numerator="x"), ("type_error",)),
    ("phe_rate", "numerator < 0"): (
        {"id": ["a", "b"], "x": [1, -1], "n": [10, 10]},
        lambda d: S.rate(d, numerator="x", denominator="n"),
        refused(["row 1", "column `x`", "negative"], 1, "x")),
    ("phe_rate", "denominator = 0"): (
        {"id": ["a", "b"], "x": [1, 0], "n": [10, 0]},
        lambda d: S.rate(d, numerator="x", denominator="n"),
        refused(["row 1", "column `n`", "greater than zero"], 1, "n")),
    ("phe_rate", "confidence 0.8"): (
        PROP_OK, lambda d: S.rate(d, numerator="x", denominator="n", confidence=0.8),
        refused(["confidence", "0.8", "give a level between 0.9 and 1"])),
    ("phe_rate", "confidence 101"): (
        PROP_OK, lambda d: S.rate(d, numerator="x", denominator="n", confidence=101),
        refused(["confidence", "101", "give a level between 0.9 and 1"])),
    ("phe_mean", "confidence 0.8"): (
        MEAN, lambda d: S.mean(d, value="v", confidence=0.8),
        refused(["confidence", "0.8", "give a level between 0.9 and 1"])),
    ("phe_mean", "two levels wrong order"): (
        MEAN, lambda d: S.mean(d, value="v", confidence=[0.998, 0.95]), ACCEPTED),
    ("calculate_dsr", "stdpop not given"): (
        DSR, lambda d: S.dsr(d, numerator="x", denominator="n"), ("type_error",)),
    ("calculate_dsr", "stdpop column missing"): (
        DSR, lambda d: S.dsr(d, numerator="x", denominator="n", standard_population="stdpop"),
        refused(["column `stdpop`", "no such column", "`g`, `band`, `x`, `n`, `w`, `f`"],
                None, "stdpop")),
    ("calculate_dsr", "numerator < 0"): (
        {"g": ["A"], "x": [-3], "n": [100], "w": [10]},
        lambda d: S.dsr(d, numerator="x", denominator="n", standard_population="w"),
        refused(["row 0", "column `x`", "negative"], 0, "x")),
    ("calculate_dsr", "denominator 0"): (
        {"g": ["A"], "x": [3], "n": [0], "w": [10]},
        lambda d: S.dsr(d, numerator="x", denominator="n", standard_population="w"),
        refused(["row 0", "column `n`", "greater than zero"], 0, "n")),
    ("calculate_dsr", "NA denominator"): (
        {"g": ["A", "A"], "x": [3, 4], "n": [100, None], "w": [10, 10]},
        lambda d: S.dsr(d, numerator="x", denominator="n", standard_population="w"),
        refused(["row 1", "column `n`", "population is missing"], 1, "n")),
    ("calculate_dsr", "NA stdpop"): (
        {"g": ["A"], "x": [3], "n": [100], "w": [None]},
        lambda d: S.dsr(d, numerator="x", denominator="n", standard_population="w"),
        refused(["row 0", "column `w`", "standard population is missing"], 0, "w")),
    ("calculate_dsr", "negative stdpop"): (
        {"g": ["A"], "x": [3], "n": [100], "w": [-5]},
        lambda d: S.dsr(d, numerator="x", denominator="n", standard_population="w"),
        refused(["row 0", "column `w`", "negative"], 0, "w")),
    ("calculate_dsr", "multiplier 0"): (
        DSR, lambda d: S.dsr(d, numerator="x", denominator="n", standard_population="w",
                             multiplier=0),
        refused(["multiplier 0", "positive"])),
    ("calculate_dsr", "confidence 0.5"): (
        DSR, lambda d: S.dsr(d, numerator="x", denominator="n", standard_population="w",
                             confidence=0.5),
        refused(["confidence", "0.5", "give a level between 0.9 and 1"])),
    ("calculate_dsr", "independent_events not logical"): (
        {"g": ["A"], "band": [1], "x": [3], "n": [100], "w": [10], "f": ["often"]},
        lambda d: S.dsr(d, numerator="x", denominator="n", standard_population="w",
                        age_band="band", event_frequency="f"),
        refused(["row 0", "column `f`", "`often` is not a number"], 0, "f")),
    ("calculate_dsr", "non-independent without eventfreq"): (
        DSR, lambda d: S.dsr(d, numerator="x", denominator="n", standard_population="w",
                             event_frequency="f"),
        refused(["event_frequency needs age_band"])),
    ("calculate_dsr", "non-independent with differing n per ageband"): (
        {"g": ["A", "A"], "band": [1, 1], "x": [10, 3], "n": [1000, 1200], "w": [5000, 5000],
         "f": [1, 2]},
        lambda d: S.dsr(d, numerator="x", denominator="n", standard_population="w",
                        age_band="band", event_frequency="f"),
        refused(["rows 0 and 1", "same population", "age band `1`"])),
    ("phe_dsr", "unequal rows per group"): (
        DSR, lambda d: S.dsr(d, numerator="x", denominator="n", standard_population="w",
                             age_band="band", group_by="g"),
        ACCEPTED),
    ("calculate_ISRatio", "numerator < 0"): (
        {"g": ["A"], "x": [-1], "n": [100], "xr": [10], "nr": [1000]},
        lambda d: S.isratio(d, numerator="x", denominator="n", reference_numerator="xr",
                            reference_denominator="nr"),
        refused(["row 0", "column `x`", "negative"], 0, "x")),
    ("calculate_ISRatio", "denominator < 0"): (
        {"g": ["A"], "x": [1], "n": [-100], "xr": [10], "nr": [1000]},
        lambda d: S.isratio(d, numerator="x", denominator="n", reference_numerator="xr",
                            reference_denominator="nr"),
        refused(["row 0", "column `n`", "negative"], 0, "n")),
    ("calculate_ISRatio", "x_ref vector wrong length"): (
        {"g": ["A", "A"], "x": [1, 2], "n": [100, 100], "xr": [10, None], "nr": [1000, None]},
        lambda d: S.isratio(d, numerator="x", denominator="n", reference_numerator="xr",
                            reference_denominator="nr"),
        refused(["row 1", "column `nr`", "reference denominator"], 1, "nr")),
    ("calculate_ISRate", "refpoptype invalid"): (
        {"g": ["A"], "x": [1], "n": [100], "xr": [10], "nr": [1000]},
        lambda d: S.israte(d, numerator="x", denominator="n", reference_numerator="ref_x",
                           reference_denominator="nr"),
        refused(["column `ref_x`", "no such column"], None, "ref_x")),
    ("phe_quantile", "non-numeric values"): (
        {"a": ["A", "B"], "v": ["1", "high"]},
        lambda d: S.quantile(d, value="v", quantiles=2),
        refused(["row 1", "column `v`", "`high` is not a number"], 1, "v")),
    ("phe_quantile", "invert not logical"): (
        {"a": ["A", "B"], "v": [1, 2], "inv": ["maybe", "maybe"]},
        lambda d: S.quantile(d, value="v", quantiles=2, invert_column="inv"),
        refused(["row 0", "column `inv`", "TRUE or FALSE"], 0, "inv")),
    ("phe_life_expectancy", "first age band not 0"): (
        LE_BAD, lambda d: S.life_expectancy(d, numerator="d", denominator="p", age_band="age"),
        refused(["must start at 0", "starts at 1"])),
    ("phe_life_expectancy", "confidence 0.5"): (
        LE_BAD, lambda d: S.life_expectancy(d, numerator="d", denominator="p", age_band="age",
                                            confidence=0.5),
        refused(["confidence", "0.5", "give a level between 0.9 and 1"])),
    ("phe_sii", "fewer than 5 quantiles"): (
        {k: v[:4] for k, v in SII5.items()},
        lambda d: S.sii(d, value="v", se="se", population="pop", quantile="q"),
        refused(["column `q`", "4 distinct quantiles", "between 5 and 100"], None, "q")),
    ("phe_sii", "repetitions < 1000"): (
        SII5, lambda d: S.sii(d, value="v", se="se", population="pop", quantile="q",
                              repetitions=999),
        refused(["999 repetitions are too few", "1,000 or more"])),
    ("phe_sii", "zero population"): (
        {**SII5, "pop": [100, 0, 100, 100, 100]},
        lambda d: S.sii(d, value="v", se="se", population="pop", quantile="q"),
        refused(["row 1", "column `pop`", "greater than zero"], 1, "pop")),
    ("phe_sii", "transform with value_type 0"): (
        SII5, lambda d: S.sii(d, value="v", se="se", population="pop", quantile="q",
                              transform=True),
        refused(["transform needs --value-type rate or proportion"])),
}

PROGRAM_FUNCTIONS = {"assign_funnel_significance", "calculate_funnel_limits"}


def test_every_reference_error_of_the_statistics_has_a_case():
    expected = {(r["fun"], r["case"]) for r in read_rows(PHE / "expected_errors.csv")}
    statistics = {c for c in expected if c[0] not in PROGRAM_FUNCTIONS}
    assert statistics == set(CASES)
    assert len(expected) == 42 and len(statistics) == 40


@pytest.mark.parametrize("case", sorted(CASES), ids=lambda c: f"{c[0]}: {c[1]}")
def test_reference_error(kind, case):
    data, call, expect = CASES[case]
    table = as_kind(pa.table(data), kind)
    if expect[0] == "accepted":
        out = call(table)
        assert out.num_rows > 0
        return
    if expect[0] == "type_error":
        with pytest.raises(TypeError):
            call(table)
        return
    _, fragments, row, column = expect
    with pytest.raises(levelfield.InputError) as caught:
        call(table)
    err = caught.value
    for fragment in fragments:
        assert fragment in str(err), f"{fragment!r} not in {str(err)!r}"
    assert err.row == row
    assert err.column == column
    assert isinstance(err, ValueError)
