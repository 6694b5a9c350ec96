"""What the functions accept and promise beyond the reference numbers: the same result from
every input kind, keyword-only options, grouping as the command line does it, missing values,
and the types of key columns kept."""

import random

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import levelfield
from conftest import PHE, as_kind, read_arrow

S = levelfield.stats


def rate_by_area(data, **kw):
    return S.rate(data, numerator="x", denominator="n", group_by=["area", "imd_quintile"],
                  confidence=[0.95, 0.998], multiplier=100000, **kw)


def example():
    rng = random.Random(7)
    rows = [(f"E0{a}", q, rng.randint(0, 40), rng.randint(1000, 9000))
            for a in range(3) for q in range(1, 6) for _ in range(3)]
    rng.shuffle(rows)
    area, q, x, n = zip(*rows)
    return pa.table({"area": list(area), "imd_quintile": list(q), "x": list(x), "n": list(n)})


def test_every_input_kind_gives_the_same_numbers():
    table = example()
    results = [rate_by_area(as_kind(table, k)) for k in ("pandas", "polars", "pyarrow")]
    numbers = [r.drop_columns(["area"]).to_pylist() for r in results]
    assert numbers[0] == numbers[1] == numbers[2]
    assert [r.column("area").to_pylist() for r in results][0] == \
        results[2].column("area").to_pylist()
    assert results[0].num_rows == 15


def test_rows_are_summed_within_groups_and_sorted_by_key():
    table = example()
    out = rate_by_area(table).to_pylist()
    keys = [(o["area"], o["imd_quintile"]) for o in out]
    assert keys == sorted(keys)
    df = table.to_pandas().groupby(["area", "imd_quintile"], as_index=False)[["x", "n"]].sum()
    for o in out:
        row = df[(df.area == o["area"]) & (df.imd_quintile == o["imd_quintile"])].iloc[0]
        assert (o["numerator"], o["denominator"]) == (row.x, row.n)
        assert o["value"] == pytest.approx(row.x / row.n * 100000, rel=1e-12)
        assert o["lower_ci_95_0"] > o["lower_ci_99_8"] and o["upper_ci_95_0"] < o["upper_ci_99_8"]
    # Input order never changes the result.
    shuffled = table.take(list(reversed(range(table.num_rows))))
    assert rate_by_area(shuffled).equals(rate_by_area(table))


def test_numeric_keys_sort_as_numbers():
    table = pa.table({"g": ["10", "9", "100", "x"], "x": [1, 2, 3, 4], "n": [10, 10, 10, 10]})
    out = S.proportion(table, numerator="x", denominator="n", group_by="g")
    assert out.column("g").to_pylist() == ["9", "10", "100", "x"]


def test_key_column_types_are_kept():
    df = example().to_pandas()
    df["area"] = df["area"].astype("category")
    out = rate_by_area(df)
    assert pa.types.is_dictionary(out.schema.field("area").type)
    assert pa.types.is_integer(out.schema.field("imd_quintile").type)
    plain = rate_by_area(example())
    assert out.column("area").to_pylist() == plain.column("area").to_pylist()
    assert out.drop_columns(["area"]).equals(plain.drop_columns(["area"]))


def test_polars_lazy_frames_and_chunked_tables_are_read():
    table = example()
    chunked = pa.Table.from_batches(table.to_batches(max_chunksize=7))
    assert chunked.column("x").num_chunks > 1
    expected = rate_by_area(table)
    assert rate_by_area(chunked).equals(expected)
    lazy = rate_by_area(pl.from_arrow(table).lazy())
    assert lazy.drop_columns(["area"]).equals(expected.drop_columns(["area"]))


def test_missing_counts_give_an_empty_row_with_the_reason(kind):
    table = pa.table({"id": ["a", "b"], "x": [3.0, None], "n": [10.0, 10.0]})
    out = S.proportion(as_kind(table, kind), numerator="x", denominator="n").to_pylist()
    assert out[0]["value"] == pytest.approx(0.3)
    assert out[1]["value"] is None and out[1]["lower_ci_95_0"] is None
    assert out[1]["method"] is None
    assert out[1]["diagnostic"] == "numerator missing: not estimated"
    assert out[0]["diagnostic"] is None


def test_numbers_given_as_text_are_read_and_bad_text_is_named():
    table = pa.table({"x": ["3", " 4 ", "NA"], "n": ["10", "10", "10"]})
    out = S.rate(table, numerator="x", denominator="n").to_pylist()
    assert [o["numerator"] for o in out] == [3.0, 4.0, None]
    with pytest.raises(levelfield.InputError) as e:
        S.rate(pa.table({"x": ["3", "three"], "n": [1, 1]}), numerator="x", denominator="n")
    assert (e.value.row, e.value.column) == (1, "x")
    assert "`three` is not a number" in str(e.value)


def test_true_false_is_not_a_count():
    with pytest.raises(levelfield.InputError, match="true/false"):
        S.rate(pa.table({"x": [True], "n": [1]}), numerator="x", denominator="n")


def test_infinite_values_are_refused(kind):
    table = pa.table({"x": [1.0, float("inf")], "n": [10.0, 10.0]})
    with pytest.raises(levelfield.InputError) as e:
        S.rate(as_kind(table, kind), numerator="x", denominator="n")
    assert (e.value.row, e.value.column) == (1, "x")


def test_an_input_column_named_like_an_output_is_refused():
    table = pa.table({"value": [1], "x": [1], "n": [2]})
    with pytest.raises(levelfield.InputError, match="same name as an output column"):
        S.proportion(table, numerator="x", denominator="n")


def test_a_missing_column_lists_the_columns_there_are():
    with pytest.raises(levelfield.InputError) as e:
        S.rate(example(), numerator="events", denominator="n")
    assert e.value.column == "events"
    assert "`area`, `imd_quintile`, `x`, `n`" in str(e.value)


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        S.rate(example(), "x", "n")


def test_other_objects_are_refused_clearly():
    with pytest.raises(TypeError, match="pandas or Polars DataFrame or a PyArrow table"):
        S.rate([1, 2, 3], numerator="x", denominator="n")


def test_confidence_forms():
    table = example()
    a = S.rate(table, numerator="x", denominator="n", confidence=[0.95, 0.998])
    b = S.rate(table, numerator="x", denominator="n", confidence=[95, 99.8])
    c = S.rate(table, numerator="x", denominator="n", confidence="95,99.8%")
    assert a.equals(b) and a.equals(c)
    assert a.column("confidence")[0].as_py() == "95%, 99.8%"
    none = S.rate(table, numerator="x", denominator="n", confidence=None)
    assert "confidence" not in none.column_names
    with pytest.raises(levelfield.InputError, match="more than once"):
        S.rate(table, numerator="x", denominator="n", confidence=[0.95, 95])
    with pytest.raises(levelfield.InputError, match="not a number"):
        S.rate(table, numerator="x", denominator="n", confidence="high")


def test_input_is_not_changed():
    df = example().to_pandas()
    before = df.copy()
    rate_by_area(df)
    pd.testing.assert_frame_equal(df, before)


def test_results_convert_to_pandas_and_polars():
    out = rate_by_area(example())
    assert list(out.to_pandas().columns) == out.column_names
    assert pl.from_arrow(out).shape == (out.num_rows, out.num_columns)


def test_dsr_event_frequencies():
    table = pa.table({"g": ["A"] * 5, "band": [1, 1, 2, 2, 3], "freq": [1, 2, 1, 2, 1],
                      "people": [10, 3, 20, 4, 15], "n": [1000, 1000, 2000, 2000, 1500],
                      "w": [5000, 5000, 6000, 6000, 4000]})
    r = S.dsr(table, numerator="people", denominator="n", standard_population="w",
              age_band="band", event_frequency="freq", group_by="g").to_pylist()[0]
    assert (r["numerator"], r["denominator"]) == (59, 4500)
    assert r["value"] == pytest.approx(204 / 15000 * 1e5, rel=1e-12)
    assert r["method"] == "Dobson, with confidence adjusted for non-independent events"


def test_isr_observed_totals_from_a_second_table():
    data = read_arrow(PHE / "in_isr_cases.csv")
    summed = S.isratio(data, numerator="x", denominator="n", reference_numerator="x_ref",
                       reference_denominator="n_ref", age_band="ageband", group_by="group")
    totals = pd.DataFrame({"group": summed.column("group").to_pylist(),
                           "x": summed.column("observed").to_pylist()})
    by_totals = S.isratio(data, numerator="x", denominator="n", reference_numerator="x_ref",
                          reference_denominator="n_ref", age_band="ageband", group_by="group",
                          observed_totals=totals)
    assert by_totals.column("value").to_pylist() == summed.column("value").to_pylist()
    with pytest.raises(levelfield.InputError, match="has no row in observed_totals"):
        S.isratio(data, numerator="x", denominator="n", reference_numerator="x_ref",
                  reference_denominator="n_ref", age_band="ageband", group_by="group",
                  observed_totals=totals.iloc[1:])


def test_sii_exact_and_seeded_simulation_are_reproducible():
    data = read_arrow(PHE / "in_sii_normal.csv")
    kw = dict(value="value", se="se", population="population", quantile="quantile",
              group_by="area", repetitions=2000)
    a, b = S.sii(data, seed=3, **kw), S.sii(data, seed=3, **kw)
    assert a.equals(b)
    exact = S.sii(data, interval="exact", **kw)
    assert "sii_lower_mc_error_95_0" not in exact.column_names
    assert exact.column("sii").to_pylist() == a.column("sii").to_pylist()


def test_polars_categoricals_and_decimal_counts():
    import decimal

    table = example()
    frame = pl.from_arrow(table).with_columns(pl.col("area").cast(pl.Categorical))
    out = rate_by_area(frame)
    plain = rate_by_area(table)
    assert out.column("area").to_pylist() == plain.column("area").to_pylist()
    assert out.drop_columns(["area"]).equals(plain.drop_columns(["area"]))
    dec = table.set_column(2, "x", pa.array([decimal.Decimal(v) for v in table.column("x").to_pylist()],
                                            type=pa.decimal128(12, 0)))
    assert rate_by_area(dec).equals(plain)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summing_within_groups_equals_presummed_input(seed):
    """Grouped results equal the ungrouped results of the same data summed beforehand (rows
    split into parts in random order), for rates, proportions and DSRs."""
    rng = random.Random(seed)
    rows = []
    for g in range(40):
        for band in range(1, 20):
            n = rng.randint(50, 5000)
            x = rng.randint(0, n // 20)
            # Split each (group, band) into one to three rows.
            parts = rng.randint(1, 3)
            for k in range(parts):
                rows.append((f"G{g:02d}", band, x if k == 0 else 0, n if k == 0 else 0))
    rng.shuffle(rows)
    g, band, x, n = map(list, zip(*rows))
    table = pa.table({"g": g, "band": band, "x": x, "n": [max(v, 1) for v in n]})
    df = table.to_pandas()
    summed = df.groupby("g", as_index=False)[["x", "n"]].sum().sort_values("g")
    for fun in (S.rate, S.proportion):
        grouped = fun(table, numerator="x", denominator="n", group_by="g").drop_columns(["g"])
        direct = fun(pa.Table.from_pandas(summed, preserve_index=False), numerator="x",
                     denominator="n").drop_columns(["g"])
        assert grouped.equals(direct)
    banded = df.groupby(["g", "band"], as_index=False)[["x", "n"]].sum()
    banded["w"] = 1000 + banded["band"] * 10
    df["w"] = 1000 + df["band"] * 10
    kw = dict(numerator="x", denominator="n", standard_population="w", age_band="band",
              group_by="g")
    a = S.dsr(df, **kw).to_pylist()
    b = S.dsr(banded.sample(frac=1, random_state=seed), **kw).to_pylist()
    assert [r["g"] for r in a] == sorted({r["g"] for r in a})
    for ra, rb in zip(a, b):
        for c in ("numerator", "denominator", "value", "lower_ci_95_0", "upper_ci_95_0"):
            assert ra[c] == pytest.approx(rb[c], rel=1e-12), (ra["g"], c)


@pytest.mark.parametrize("fun,kw", [
    (S.proportion, dict(numerator="x", denominator="n")),
    (S.rate, dict(numerator="x", denominator="n", group_by="g")),
    (S.mean, dict(value="x")),
    (S.dsr, dict(numerator="x", denominator="n", standard_population="n")),
    (S.isratio, dict(numerator="x", denominator="n", reference_numerator="x",
                     reference_denominator="n")),
    (S.quantile, dict(value="x", quantiles=5)),
    (S.life_expectancy, dict(numerator="x", denominator="n", age_band="g")),
    (S.sii, dict(value="x", se="x", population="n", quantile="x")),
])
def test_an_empty_table_is_refused(kind, fun, kw):
    empty = pa.table({"g": pa.array([], pa.string()), "x": pa.array([], pa.int64()),
                      "n": pa.array([], pa.int64())})
    with pytest.raises(levelfield.InputError, match="the table has no rows"):
        fun(as_kind(empty, kind), **kw)


def test_whole_number_options_are_checked():
    table = pa.table({"x": [1.0, 2.0, 3.0]})
    for bad in (-1, 1, 2.5, "10", True):
        with pytest.raises(levelfield.InputError, match="quantiles"):
            S.quantile(table, value="x", quantiles=bad)
    data = read_arrow(PHE / "in_sii_normal.csv")
    with pytest.raises(levelfield.InputError, match="seed"):
        S.sii(data, value="value", se="se", population="population", quantile="quantile",
              group_by="area", seed=-1)
