//! Every PHEindicatormethods 2.1.0 reference output for the core statistics, reproduced by
//! running the CLI on the matching input: numbers to 1e-9 relative, labels and integers exactly.
//!
//! Deliberate differences (documented in docs/METHODS.md):
//! - rows with a missing count have an empty `method` (PHE writes `Wilson` for proportions and
//!   `NA` for rates) and a `diagnostic` saying why;
//! - a mean of one value has empty limits (PHE writes NaN).

use std::collections::HashMap;

use crate::support::{assert_close, number, phe, read_csv, run_csv};

const REL: f64 = 1e-9;

type Row = HashMap<String, String>;

/// Joins our rows to PHE's by `key` columns and checks each pair with `check`.
fn compare(ours: &[Row], theirs: &[Row], key: &[&str], check: impl Fn(&str, &Row, &Row)) {
    let k = |r: &Row| {
        key.iter()
            .map(|c| r[*c].clone())
            .collect::<Vec<_>>()
            .join("|")
    };
    let ours_by_key: HashMap<String, &Row> = ours.iter().map(|r| (k(r), r)).collect();
    assert_eq!(ours.len(), theirs.len(), "row count");
    for t in theirs {
        let id = k(t);
        let o = ours_by_key
            .get(&id)
            .unwrap_or_else(|| panic!("no output row for {id}"));
        check(&id, o, t);
    }
}

/// Checks our column `ours_col` against PHE's `theirs_col` as numbers.
fn num(id: &str, o: &Row, ours_col: &str, t: &Row, theirs_col: &str) {
    assert_close(
        &format!("{id} {ours_col}"),
        number(&o[ours_col]),
        number(&t[theirs_col]),
        REL,
    );
}

/// Maps PHE's CI column names to ours for the levels of a run.
fn ci_columns(levels: &[&str], theirs_single: bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for level in levels {
        let suffix = level.replace('.', "_");
        let (tl, tu) = if theirs_single {
            ("lowercl".to_string(), "uppercl".to_string())
        } else {
            (format!("lower{suffix}cl"), format!("upper{suffix}cl"))
        };
        out.push((format!("lower_ci_{suffix}"), tl));
        out.push((format!("upper_ci_{suffix}"), tu));
    }
    out
}

fn labels(id: &str, o: &Row, t: &Row, columns: &[&str]) {
    for c in columns {
        let theirs = t[*c].as_str();
        let ours = o[*c].as_str();
        if *c == "method" && (theirs == "NA" || o["diagnostic"].starts_with("numerator missing")) {
            assert_eq!(ours, "", "{id}: method of a row with a missing count");
            continue;
        }
        assert_eq!(ours, theirs, "{id}: column {c}");
    }
}

fn check_ratio_run(
    command: &str,
    input: &str,
    reference: &str,
    confidence: &str,
    multiplier: &str,
    levels: &[&str],
) {
    let ours = run_csv(&[
        "stats",
        command,
        "--input",
        phe(input).to_str().unwrap(),
        "--numerator",
        "x",
        "--denominator",
        "n",
        "--confidence",
        confidence,
        "--multiplier",
        multiplier,
    ]);
    let theirs = read_csv(&phe(reference));
    let cis = ci_columns(levels, levels.len() == 1);
    compare(&ours, &theirs, &["id"], |id, o, t| {
        assert_eq!(o["note"], t["note"], "{id}: input columns are kept");
        num(id, o, "numerator", t, "x");
        num(id, o, "denominator", t, "n");
        num(id, o, "value", t, "value");
        for (oc, tc) in &cis {
            num(id, o, oc, t, tc);
        }
        let label_cols: &[&str] = if levels.is_empty() {
            &["statistic"]
        } else {
            &["confidence", "statistic", "method"]
        };
        labels(id, o, t, label_cols);
    });
}

#[test]
fn proportion_95_multiplier_1() {
    check_ratio_run(
        "proportion",
        "in_prop_cases.csv",
        "out_prop_cases__c95_m1.csv",
        "0.95",
        "1",
        &["95.0"],
    );
}

#[test]
fn proportion_998_multiplier_100() {
    check_ratio_run(
        "proportion",
        "in_prop_cases.csv",
        "out_prop_cases__c998_m100.csv",
        "0.998",
        "100",
        &["99.8"],
    );
}

#[test]
fn proportion_two_levels_multiplier_100() {
    check_ratio_run(
        "proportion",
        "in_prop_cases.csv",
        "out_prop_cases__c95_998_m100.csv",
        "0.95,0.998",
        "100",
        &["95.0", "99.8"],
    );
}

#[test]
fn proportion_percent_form_99_multiplier_1000() {
    check_ratio_run(
        "proportion",
        "in_prop_cases.csv",
        "out_prop_cases__c99pct_m1000.csv",
        "99",
        "1000",
        &["99.0"],
    );
}

#[test]
fn proportion_without_intervals() {
    check_ratio_run(
        "proportion",
        "in_prop_cases.csv",
        "out_prop_cases__cNA_m100.csv",
        "none",
        "100",
        &[],
    );
}

#[test]
fn rate_95_per_100000() {
    check_ratio_run(
        "rate",
        "in_rate_cases.csv",
        "out_rate_cases__c95_m100000.csv",
        "0.95",
        "100000",
        &["95.0"],
    );
}

#[test]
fn rate_998_per_100000() {
    check_ratio_run(
        "rate",
        "in_rate_cases.csv",
        "out_rate_cases__c998_m100000.csv",
        "0.998",
        "100000",
        &["99.8"],
    );
}

#[test]
fn rate_two_levels_per_100000() {
    check_ratio_run(
        "rate",
        "in_rate_cases.csv",
        "out_rate_cases__c95_998_m100000.csv",
        "95,99.8",
        "100000",
        &["95.0", "99.8"],
    );
}

#[test]
fn rate_90_per_1000() {
    check_ratio_run(
        "rate",
        "in_rate_cases.csv",
        "out_rate_cases__c90_m1000.csv",
        "0.90",
        "1000",
        &["90.0"],
    );
}

#[test]
fn mean_grouped_95() {
    let ours = run_csv(&[
        "stats",
        "mean",
        "--input",
        phe("in_mean_cases.csv").to_str().unwrap(),
        "--value",
        "x",
        "--group-by",
        "group",
    ]);
    let theirs = read_csv(&phe("out_mean_cases__c95.csv"));
    compare(&ours, &theirs, &["group"], |id, o, t| {
        num(id, o, "numerator", t, "value_sum");
        num(id, o, "denominator", t, "value_count");
        num(id, o, "standard_deviation", t, "stdev");
        num(id, o, "value", t, "value");
        if id == "single_value" {
            // PHE writes NaN limits for one value; we leave them empty and say why.
            assert_eq!(
                (o["lower_ci_95_0"].as_str(), o["upper_ci_95_0"].as_str()),
                ("", "")
            );
            assert_eq!(o["diagnostic"], "one value only: no interval");
        } else {
            num(id, o, "lower_ci_95_0", t, "lowercl");
            num(id, o, "upper_ci_95_0", t, "uppercl");
        }
        labels(id, o, t, &["confidence", "statistic", "method"]);
    });
}

#[test]
fn mean_ungrouped_with_a_missing_value() {
    let ours = run_csv(&[
        "stats",
        "mean",
        "--input",
        phe("in_mean_cases.csv").to_str().unwrap(),
        "--value",
        "x",
    ]);
    let theirs = read_csv(&phe("out_mean_cases__ungrouped_c95.csv"));
    assert_eq!(ours.len(), 1);
    let (o, t) = (&ours[0], &theirs[0]);
    num("all", o, "numerator", t, "value_sum");
    num("all", o, "denominator", t, "value_count");
    num("all", o, "value", t, "value");
    num("all", o, "lower_ci_95_0", t, "lowercl");
    assert_eq!(o["diagnostic"], "1 missing value(s): mean not estimated");
}

fn check_dsr(
    reference: &str,
    confidence: &str,
    multiplier: &str,
    levels: &[&str],
    with_labels: bool,
) {
    let ours = run_csv(&[
        "stats",
        "dsr",
        "--input",
        phe("in_dsr_cases.csv").to_str().unwrap(),
        "--numerator",
        "x",
        "--denominator",
        "n",
        "--standard-population",
        "stdpop",
        "--age-band",
        "ageband",
        "--group-by",
        "group",
        "--confidence",
        confidence,
        "--multiplier",
        multiplier,
    ]);
    let theirs = read_csv(&phe(reference));
    let cis = ci_columns(levels, levels.len() == 1);
    compare(&ours, &theirs, &["group"], |id, o, t| {
        num(id, o, "numerator", t, "total_count");
        num(id, o, "denominator", t, "total_pop");
        num(id, o, "value", t, "value");
        for (oc, tc) in &cis {
            num(id, o, oc, t, tc);
        }
        if with_labels {
            labels(id, o, t, &["confidence", "statistic", "method"]);
        }
    });
}

#[test]
fn dsr_95() {
    check_dsr("out_dsr_cases__c95.csv", "0.95", "100000", &["95.0"], true);
}

#[test]
fn dsr_998() {
    check_dsr(
        "out_dsr_cases__c998.csv",
        "0.998",
        "100000",
        &["99.8"],
        true,
    );
}

#[test]
fn dsr_two_levels() {
    check_dsr(
        "out_dsr_cases__c95_998.csv",
        "0.95,0.998",
        "100000",
        &["95.0", "99.8"],
        true,
    );
}

#[test]
fn dsr_per_1000() {
    check_dsr(
        "out_dsr_cases__c95_m1000_standard.csv",
        "0.95",
        "1000",
        &["95.0"],
        false,
    );
}

#[test]
fn dsr_with_esp2013_equals_the_stdpop_column() {
    // The input's stdpop column is ESP2013, so naming the standard gives the same numbers.
    let input = phe("in_dsr_cases.csv");
    let common = [
        "--input",
        input.to_str().unwrap(),
        "--numerator",
        "x",
        "--denominator",
        "n",
        "--age-band",
        "ageband",
        "--group-by",
        "group",
    ];
    let by_column = run_csv(
        &[
            &["stats", "dsr", "--standard-population", "stdpop"],
            &common[..],
        ]
        .concat(),
    );
    let by_name = run_csv(
        &[
            &["stats", "dsr", "--standard-population", "esp2013"],
            &common[..],
        ]
        .concat(),
    );
    assert_eq!(by_column, by_name);
}

fn check_isr(command: &str, reference: &str, extra: &[&str], rate: bool) {
    let ours = run_csv(
        &[
            &[
                "stats",
                command,
                "--input",
                phe("in_isr_cases.csv").to_str().unwrap(),
                "--numerator",
                "x",
                "--denominator",
                "n",
                "--reference-numerator",
                "x_ref",
                "--reference-denominator",
                "n_ref",
                "--age-band",
                "ageband",
                "--group-by",
                "group",
            ][..],
            extra,
        ]
        .concat(),
    );
    let theirs = read_csv(&phe(reference));
    compare(&ours, &theirs, &["group"], |id, o, t| {
        num(id, o, "observed", t, "observed");
        num(id, o, "expected", t, "expected");
        num(id, o, "value", t, "value");
        num(id, o, "lower_ci_95_0", t, "lowercl");
        num(id, o, "upper_ci_95_0", t, "uppercl");
        if rate {
            num(id, o, "reference_rate", t, "ref_rate");
        }
        labels(id, o, t, &["confidence", "statistic", "method"]);
    });
}

#[test]
fn isratio_95_reference_1() {
    check_isr(
        "isratio",
        "out_isr_cases__isratio_c95_ref1.csv",
        &["--reference-value", "1"],
        false,
    );
}

#[test]
fn israte_95_per_100000() {
    check_isr(
        "israte",
        "out_isr_cases__israte_c95_m100000.csv",
        &["--multiplier", "100000"],
        true,
    );
}

#[test]
fn quantiles_deciles_inverted_per_group() {
    let ours = run_csv(&[
        "stats",
        "quantile",
        "--input",
        phe("in_quantile_cases.csv").to_str().unwrap(),
        "--value",
        "x",
        "--quantiles",
        "10",
        "--invert-column",
        "invert",
        "--group-by",
        "parent",
    ]);
    let theirs = read_csv(&phe("out_quantile_cases__q10_invertT.csv"));
    compare(&ours, &theirs, &["parent", "area"], |id, o, t| {
        let expected = if t["quantile"] == "NA" {
            ""
        } else {
            t["quantile"].as_str()
        };
        assert_eq!(o["quantile"], expected, "{id}: quantile");
        assert_eq!(o["n_quantiles"], t["nquantiles"], "{id}: nquantiles");
        let inverted = t["qinverted"] == "lowest quantile represents highest values";
        assert_eq!(
            o["inverted"],
            if inverted { "TRUE" } else { "FALSE" },
            "{id}: inverted"
        );
    });
    // Output keeps the input rows in input order.
    let input = read_csv(&phe("in_quantile_cases.csv"));
    let order: Vec<&str> = ours.iter().map(|r| r["area"].as_str()).collect();
    let expected: Vec<&str> = input.iter().map(|r| r["area"].as_str()).collect();
    assert_eq!(order, expected);
}
