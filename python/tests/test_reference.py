"""Every PHEindicatormethods 2.1.0 reference output the Rust tests use, reproduced through the
Python functions from pandas, Polars and PyArrow inputs: numbers to 1e-9 relative, labels and
integers exactly.

Deliberate differences (docs/METHODS.md), as in the command line: rows with a missing count have
no ``method`` (PHE writes ``Wilson`` for proportions and ``NA`` for rates) and a ``diagnostic``;
a mean of one value has no limits (PHE writes NaN).
"""

from collections import defaultdict

import pytest

import levelfield
from conftest import FINGERTIPS, PHE, as_kind, assert_close, number, read_arrow, read_rows, rows


def joined(ours, theirs, key):
    """Pairs our rows with PHE's by the key columns, checking the counts match."""
    assert len(ours) == len(theirs), "row count"
    assert theirs, "the reference has no rows"
    by_key = {tuple(str(o[k]) for k in key): o for o in ours}
    for t in theirs:
        k = tuple(t[c] for c in key)
        assert k in by_key, f"no output row for {k}"
        yield k, by_key[k], t


def ci_columns(levels):
    single = len(levels) == 1
    out = []
    for level in levels:
        suffix = level.replace(".", "_")
        theirs = ("lowercl", "uppercl") if single else (f"lower{suffix}cl", f"upper{suffix}cl")
        out += [(f"lower_ci_{suffix}", theirs[0]), (f"upper_ci_{suffix}", theirs[1])]
    return out


def check_labels(k, o, t, names):
    for c in names:
        if c == "method" and (t[c] == "NA" or (o["diagnostic"] or "").startswith("numerator missing")):
            assert o[c] is None, f"{k}: method of a row with a missing count"
            continue
        assert o[c] == t[c], f"{k}: column {c}: {o[c]!r} vs {t[c]!r}"


RATIO_RUNS = [
    ("proportion", "in_prop_cases.csv", "out_prop_cases__c95_m1.csv", 0.95, 1, ["95.0"]),
    ("proportion", "in_prop_cases.csv", "out_prop_cases__c998_m100.csv", 0.998, 100, ["99.8"]),
    ("proportion", "in_prop_cases.csv", "out_prop_cases__c95_998_m100.csv", [0.95, 0.998], 100,
     ["95.0", "99.8"]),
    ("proportion", "in_prop_cases.csv", "out_prop_cases__c99pct_m1000.csv", 99, 1000, ["99.0"]),
    ("proportion", "in_prop_cases.csv", "out_prop_cases__cNA_m100.csv", None, 100, []),
    ("rate", "in_rate_cases.csv", "out_rate_cases__c95_m100000.csv", 0.95, 100000, ["95.0"]),
    ("rate", "in_rate_cases.csv", "out_rate_cases__c998_m100000.csv", 0.998, 100000, ["99.8"]),
    ("rate", "in_rate_cases.csv", "out_rate_cases__c95_998_m100000.csv", [95, 99.8], 100000,
     ["95.0", "99.8"]),
    ("rate", "in_rate_cases.csv", "out_rate_cases__c90_m1000.csv", 0.90, 1000, ["90.0"]),
]


@pytest.mark.parametrize("fun,inp,ref,confidence,multiplier,levels", RATIO_RUNS,
                         ids=[r[2] for r in RATIO_RUNS])
def test_proportions_and_rates(kind, fun, inp, ref, confidence, multiplier, levels):
    data = as_kind(read_arrow(PHE / inp), kind)
    out = getattr(levelfield.stats, fun)(
        data, numerator="x", denominator="n", confidence=confidence, multiplier=multiplier
    )
    ours, theirs = rows(out), read_rows(PHE / ref)
    names = out.column_names
    assert names[:2] == ["id", "note"], "ungrouped: the input's other columns come first"
    for k, o, t in joined(ours, theirs, ["id"]):
        assert o["note"] == t["note"], f"{k}: input columns are kept"
        assert_close(f"{k} numerator", o["numerator"], number(t["x"]))
        assert_close(f"{k} denominator", o["denominator"], number(t["n"]))
        assert_close(f"{k} value", o["value"], number(t["value"]))
        for oc, tc in ci_columns(levels):
            assert_close(f"{k} {oc}", o[oc], number(t[tc]))
        check_labels(k, o, t, ["confidence", "statistic", "method"] if levels else ["statistic"])
    if not levels:
        assert "confidence" not in names and not any(n.startswith("lower_ci") for n in names)


def test_mean_grouped(kind):
    data = as_kind(read_arrow(PHE / "in_mean_cases.csv"), kind)
    out = levelfield.stats.mean(data, value="x", group_by="group")
    theirs = read_rows(PHE / "out_mean_cases__c95.csv")
    for k, o, t in joined(rows(out), theirs, ["group"]):
        assert_close(f"{k} numerator", o["numerator"], number(t["value_sum"]))
        assert_close(f"{k} denominator", o["denominator"], number(t["value_count"]))
        assert_close(f"{k} sd", o["standard_deviation"], number(t["stdev"]))
        assert_close(f"{k} value", o["value"], number(t["value"]))
        if k == ("single_value",):
            assert (o["lower_ci_95_0"], o["upper_ci_95_0"]) == (None, None)
            assert o["diagnostic"] == "one value only: no interval"
        else:
            assert_close(f"{k} lower", o["lower_ci_95_0"], number(t["lowercl"]))
            assert_close(f"{k} upper", o["upper_ci_95_0"], number(t["uppercl"]))
        check_labels(k, o, t, ["confidence", "statistic", "method"])


def test_mean_ungrouped_with_a_missing_value(kind):
    data = as_kind(read_arrow(PHE / "in_mean_cases.csv"), kind)
    ours = rows(levelfield.stats.mean(data, value="x"))
    t = read_rows(PHE / "out_mean_cases__ungrouped_c95.csv")[0]
    assert len(ours) == 1
    o = ours[0]
    assert_close("numerator", o["numerator"], number(t["value_sum"]))
    assert_close("denominator", o["denominator"], number(t["value_count"]))
    assert_close("value", o["value"], number(t["value"]))
    assert_close("lower", o["lower_ci_95_0"], number(t["lowercl"]))
    assert o["diagnostic"] == "1 missing value(s): mean not estimated"


DSR_RUNS = [
    ("out_dsr_cases__c95.csv", 0.95, 100000, ["95.0"], True),
    ("out_dsr_cases__c998.csv", 0.998, 100000, ["99.8"], True),
    ("out_dsr_cases__c95_998.csv", [0.95, 0.998], 100000, ["95.0", "99.8"], True),
    ("out_dsr_cases__c95_m1000_standard.csv", 0.95, 1000, ["95.0"], False),
]


@pytest.mark.parametrize("ref,confidence,multiplier,levels,labels", DSR_RUNS,
                         ids=[r[0] for r in DSR_RUNS])
def test_dsr(kind, ref, confidence, multiplier, levels, labels):
    data = as_kind(read_arrow(PHE / "in_dsr_cases.csv"), kind)
    out = levelfield.stats.dsr(
        data, numerator="x", denominator="n", standard_population="stdpop", age_band="ageband",
        group_by="group", confidence=confidence, multiplier=multiplier,
    )
    for k, o, t in joined(rows(out), read_rows(PHE / ref), ["group"]):
        assert_close(f"{k} numerator", o["numerator"], number(t["total_count"]))
        assert_close(f"{k} denominator", o["denominator"], number(t["total_pop"]))
        assert_close(f"{k} value", o["value"], number(t["value"]))
        for oc, tc in ci_columns(levels):
            assert_close(f"{k} {oc}", o[oc], number(t[tc]))
        if labels:
            check_labels(k, o, t, ["confidence", "statistic", "method"])


def test_dsr_with_esp2013_equals_the_stdpop_column(kind):
    data = as_kind(read_arrow(PHE / "in_dsr_cases.csv"), kind)
    common = dict(numerator="x", denominator="n", age_band="ageband", group_by="group")
    by_column = levelfield.stats.dsr(data, standard_population="stdpop", **common)
    by_name = levelfield.stats.dsr(data, standard_population="esp2013", **common)
    assert by_column.equals(by_name)


@pytest.mark.parametrize("fun,ref,extra", [
    ("isratio", "out_isr_cases__isratio_c95_ref1.csv", {"reference_value": 1}),
    ("israte", "out_isr_cases__israte_c95_m100000.csv", {"multiplier": 100000}),
])
def test_isr(kind, fun, ref, extra):
    data = as_kind(read_arrow(PHE / "in_isr_cases.csv"), kind)
    out = getattr(levelfield.stats, fun)(
        data, numerator="x", denominator="n", reference_numerator="x_ref",
        reference_denominator="n_ref", age_band="ageband", group_by="group", **extra,
    )
    for k, o, t in joined(rows(out), read_rows(PHE / ref), ["group"]):
        assert_close(f"{k} observed", o["observed"], number(t["observed"]))
        assert_close(f"{k} expected", o["expected"], number(t["expected"]))
        assert_close(f"{k} value", o["value"], number(t["value"]))
        assert_close(f"{k} lower", o["lower_ci_95_0"], number(t["lowercl"]))
        assert_close(f"{k} upper", o["upper_ci_95_0"], number(t["uppercl"]))
        if fun == "israte":
            assert_close(f"{k} reference rate", o["reference_rate"], number(t["ref_rate"]))
        check_labels(k, o, t, ["confidence", "statistic", "method"])


def test_quantiles_deciles_inverted_per_group(kind):
    source = read_arrow(PHE / "in_quantile_cases.csv")
    out = levelfield.stats.quantile(
        as_kind(source, kind), value="x", quantiles=10, invert_column="invert", group_by="parent"
    )
    ours = rows(out)
    theirs = read_rows(PHE / "out_quantile_cases__q10_invertT.csv")
    for k, o, t in joined(ours, theirs, ["parent", "area"]):
        expected = None if t["quantile"] == "NA" else int(t["quantile"])
        assert o["quantile"] == expected, f"{k}: quantile"
        assert o["n_quantiles"] == int(t["nquantiles"])
        assert o["inverted"] == (t["qinverted"] == "lowest quantile represents highest values")
    # The input rows, in input order.
    assert [o["area"] for o in ours] == source.column("area").to_pylist()


LE_AGES = [0, 1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90]
LE_POPS = [7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601, 50209, 56416,
           46411, 39820, 37978, 37039, 33288, 23306, 11936, 11936]
LE_DEATHS = [17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872, 1390, 1605, 1936,
             1937]
LE_VALUE = [80.16960813, 79.36245674, 75.44193645, 70.47299936, 65.52909542, 60.67510088,
            55.78835987, 50.92752727, 46.06740425, 41.24505636, 36.49322717, 31.83343842,
            27.26027992, 22.9719144, 18.76856852, 14.95858336, 11.51684445, 8.618849241,
            6.163942934, 6.16210635]
LE_LOWER = [79.88268548, 79.0898816, 75.17407307, 70.20675732, 65.26548673, 60.41876577,
            55.53801579, 50.68279939, 45.82666794, 41.00842831, 36.26223216, 31.60996318,
            27.04337271, 22.76653134, 18.57570352, 14.77985004, 11.34831778, 8.451134045,
            5.978358351, 5.887683386]
LE_UPPER = [80.45653078, 79.63503188, 75.70979983, 70.7392414, 65.79270412, 60.931436,
            56.03870395, 51.17225516, 46.30814055, 41.48168441, 36.72422219, 32.05691365,
            27.47718713, 23.17729746, 18.96143352, 15.13731667, 11.68537112, 8.786564437,
            6.349527517, 6.436529314]


def test_life_expectancy_matches_phe_test_table(kind):
    """PHEindicatormethods' own unit-test life table (testLifeExpectancy.R, df1), to 1e-7 years,
    as the Rust test checks it; rows given out of age order."""
    import pyarrow as pa

    order = list(reversed(range(20)))
    table = pa.table({
        "age": [LE_AGES[i] for i in order],
        "deaths": [LE_DEATHS[i] for i in order],
        "pops": [LE_POPS[i] for i in order],
    })
    out = rows(levelfield.stats.life_expectancy(
        as_kind(table, kind), numerator="deaths", denominator="pops", age_band="age"
    ))
    assert len(out) == 20
    # The calculator behind the expected values used z = 1.96; PHEindicatormethods (and
    # levelfield) use qnorm(0.975): rescale the expected half-widths.
    z_ratio = 1.959963984540054 / 1.96
    deaths_used = 0
    for i in reversed(range(20)):
        o = out[i]
        assert o["start_age"] == LE_AGES[i]
        assert abs(o["value"] - LE_VALUE[i]) < 1e-7
        lower = LE_VALUE[i] - (LE_VALUE[i] - LE_LOWER[i]) * z_ratio
        upper = LE_VALUE[i] + (LE_UPPER[i] - LE_VALUE[i]) * z_ratio
        assert abs(o["lower_ci_95_0"] - lower) < 1e-7
        assert abs(o["upper_ci_95_0"] - upper) < 1e-7
        deaths_used += LE_DEATHS[i]
        assert o["numerator"] == deaths_used
        assert o["statistic"] == f"life expectancy at {LE_AGES[i]}"
        assert o["method"] == "Chiang, using Silcocks et al for confidence limits"


def test_sii_equals_phe_sii(kind):
    data = as_kind(read_arrow(PHE / "in_sii_normal.csv"), kind)
    out = levelfield.stats.sii(
        data, value="value", se="se", population="population", quantile="quantile",
        group_by="area", intercept=True,
    )
    ours = {o["area"]: o for o in rows(out)}
    for t in read_rows(PHE / "out_sii_normal__vt0_se_c95_intercept.csv"):
        o = ours[t["area"]]
        assert_close(f"{t['area']} sii", o["sii"], number(t["sii"]), 1e-10)
        assert_close(f"{t['area']} intercept", o["intercept"], number(t["intercept"]), 1e-10)
        # Simulated limits: within five Monte Carlo standard errors of PHE's (seed 1, 1e5 reps).
        for col, tcol, err in [
            ("sii_lower_ci_95_0", "sii_lower95_0cl", "sii_lower_mc_error_95_0"),
            ("sii_upper_ci_95_0", "sii_upper95_0cl", "sii_upper_mc_error_95_0"),
        ]:
            sd = o[err]
            assert 0 < sd < 0.05
            assert abs(o[col] - number(t[tcol])) <= 5 * sd + 1e-9, (t["area"], col)
        assert o["ci_method"] == "simulation (100000 repetitions, seed 1)"
    missing = ours["missing_decile"]
    assert missing["sii"] is None
    assert "9 of the 10 quantiles" in missing["diagnostic"]


def test_fingertips_published_limits_reproduce(kind):
    """Real published Fingertips limits (OHID, OGL v3.0): every row classed `match` for Wilson
    proportions, Byar/exact crude rates and ISRs, within verification.csv's per-row tolerance."""
    import pyarrow as pa

    verification = read_rows(FINGERTIPS / "verification.csv")
    multiplier = {r["indicator_id"]: float(r["multiplier"])
                  for r in read_rows(FINGERTIPS / "indicators.csv")}
    checked = 0
    for file, fun in [("fingertips_proportions.csv", "proportion"),
                      ("fingertips_crude_rates.csv", "rate"),
                      ("fingertips_isr.csv", "isratio")]:
        data = read_rows(FINGERTIPS / file)
        by_multiplier = defaultdict(list)
        for v in verification:
            if v["file"] == file and v["status"] == "match":
                d = data[int(v["row"]) - 1]
                assert d["indicator_id"] == v["indicator_id"]
                by_multiplier[multiplier[d["indicator_id"]]].append((d, v))
        for m, pairs in by_multiplier.items():
            table = pa.table({
                "id": [str(i) for i in range(len(pairs))],
                "x": [float(d["count"]) for d, _ in pairs],
                "n": [float(d["denominator"]) for d, _ in pairs],
                "one": [1.0] * len(pairs),
            })
            data_in = as_kind(table, kind)
            if fun == "isratio":
                out = levelfield.stats.isratio(
                    data_in, numerator="x", denominator="n", reference_numerator="one",
                    reference_denominator="one", group_by="id", reference_value=m,
                )
            else:
                out = getattr(levelfield.stats, fun)(
                    data_in, numerator="x", denominator="n", multiplier=m
                )
            by_id = {o["id"]: o for o in rows(out)}
            for i, (d, v) in enumerate(pairs):
                o = by_id[str(i)]
                for ours, theirs, tol in [("lower_ci_95_0", "lower_95", "tol_lower"),
                                          ("upper_ci_95_0", "upper_95", "tol_upper")]:
                    assert abs(o[ours] - float(d[theirs])) <= float(v[tol]), (file, v["row"], ours)
                checked += 1
    assert checked == 838 + 470 + 66
