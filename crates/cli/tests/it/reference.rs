//! Every PHEindicatormethods 2.1.0 reference output for the core statistics, reproduced by
//! running the CLI on the matching input: numbers to 1e-9 relative, labels and integers exactly.
//!
//! Deliberate differences (documented in docs/METHODS.md):
//! - rows with a missing count have an empty `method` (PHE writes `Wilson` for proportions and
//!   `NA` for rates) and a `diagnostic` saying why;
//! - a mean of one value has empty limits (PHE writes NaN).

use std::collections::HashMap;

use crate::support::{assert_close, levelfield, number, phe, read_csv, run_csv};

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
    assert!(!theirs.is_empty(), "the reference has no rows");
    for t in theirs {
        let id = k(t);
        let o = ours_by_key
            .get(&id)
            .unwrap_or_else(|| panic!("no output row for {id}"));
        check(&id, o, t);
    }
}

/// PHE's input without the rows (or, with `group`, the groups) whose count in `count` is not
/// a whole number: levelfield refuses fractional counts (`whole_counts_are_required` checks
/// that), so its outputs are compared on the rest. Returns the folder holding the copy, the
/// copy, and the kept keys (values of `key`).
pub(crate) fn whole_counts_only(
    input: &str,
    count: &str,
    key: &str,
) -> (
    tempfile::TempDir,
    std::path::PathBuf,
    std::collections::HashSet<String>,
) {
    let rows = read_csv(&phe(input));
    let fractional: std::collections::HashSet<String> = rows
        .iter()
        .filter(|r| number(&r[count]).is_some_and(|x| x.fract() != 0.0))
        .map(|r| r[key].clone())
        .collect();
    assert!(
        !fractional.is_empty(),
        "{input} has fractional counts to leave out"
    );
    let mut reader = csv::Reader::from_path(phe(input)).unwrap();
    let headers = reader.headers().unwrap().clone();
    let k = headers.iter().position(|h| h == key).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(input);
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(&headers).unwrap();
    let mut kept = std::collections::HashSet::new();
    for record in reader.records() {
        let record = record.unwrap();
        if !fractional.contains(&record[k]) {
            kept.insert(record[k].to_string());
            w.write_record(&record).unwrap();
        }
    }
    w.flush().unwrap();
    (dir, path, kept)
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
    // Rates need whole counts (Poisson); proportions take PHE's whole input.
    let (_dir, whole, kept) = if command == "rate" {
        whole_counts_only(input, "x", "id")
    } else {
        let all = read_csv(&phe(input))
            .iter()
            .map(|r| r["id"].clone())
            .collect();
        (tempfile::tempdir().unwrap(), phe(input), all)
    };
    let ours = run_csv(&[
        "stats",
        command,
        "--input",
        whole.to_str().unwrap(),
        "--numerator",
        "x",
        "--denominator",
        "n",
        "--confidence",
        confidence,
        "--multiplier",
        multiplier,
    ]);
    let mut theirs = read_csv(&phe(reference));
    theirs.retain(|t| kept.contains(&t["id"]));
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
    let (_dir, whole, kept) = whole_counts_only("in_dsr_cases.csv", "x", "group");
    let ours = run_csv(&[
        "stats",
        "dsr",
        "--input",
        whole.to_str().unwrap(),
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
    let mut theirs = read_csv(&phe(reference));
    theirs.retain(|t| kept.contains(&t["group"]));
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
    let (_dir, input, _) = whole_counts_only("in_dsr_cases.csv", "x", "group");
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

/// Life expectancy: PHEindicatormethods' own unit-test life table (`testLifeExpectancy.R`, df1,
/// whose expected values come from PHE's life-expectancy calculator), to 1e-7 years.
#[test]
fn life_expectancy_matches_phe_test_table() {
    let ages = [
        0, 1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90,
    ];
    let pops = [
        7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601, 50209, 56416, 46411,
        39820, 37978, 37039, 33288, 23306, 11936, 11936,
    ];
    let deaths = [
        17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872, 1390, 1605, 1936, 1937,
    ];
    let value = [
        80.16960813,
        79.36245674,
        75.44193645,
        70.47299936,
        65.52909542,
        60.67510088,
        55.78835987,
        50.92752727,
        46.06740425,
        41.24505636,
        36.49322717,
        31.83343842,
        27.26027992,
        22.9719144,
        18.76856852,
        14.95858336,
        11.51684445,
        8.618849241,
        6.163942934,
        6.16210635,
    ];
    let lower = [
        79.88268548,
        79.0898816,
        75.17407307,
        70.20675732,
        65.26548673,
        60.41876577,
        55.53801579,
        50.68279939,
        45.82666794,
        41.00842831,
        36.26223216,
        31.60996318,
        27.04337271,
        22.76653134,
        18.57570352,
        14.77985004,
        11.34831778,
        8.451134045,
        5.978358351,
        5.887683386,
    ];
    let upper = [
        80.45653078,
        79.63503188,
        75.70979983,
        70.7392414,
        65.79270412,
        60.931436,
        56.03870395,
        51.17225516,
        46.30814055,
        41.48168441,
        36.72422219,
        32.05691365,
        27.47718713,
        23.17729746,
        18.96143352,
        15.13731667,
        11.68537112,
        8.786564437,
        6.349527517,
        6.436529314,
    ];
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("le.csv");
    // Rows deliberately out of age order: the command sorts by start age.
    let mut text = String::from("age,deaths,pops\n");
    for i in (0..20).rev() {
        text.push_str(&format!("{},{},{}\n", ages[i], deaths[i], pops[i]));
    }
    std::fs::write(&input, text).unwrap();
    let out = run_csv(&[
        "stats",
        "life-expectancy",
        "--input",
        input.to_str().unwrap(),
        "--numerator",
        "deaths",
        "--denominator",
        "pops",
        "--age-band",
        "age",
    ]);
    assert_eq!(out.len(), 20);
    let mut deaths_used = 0.0;
    for i in (0..20).rev() {
        let row = &out[i];
        assert_eq!(row["start_age"], ages[i].to_string());
        let close = |col: &str, want: f64| {
            let got: f64 = row[col].parse().unwrap();
            assert!(
                (got - want).abs() < 1e-7,
                "age {}: {col} {got} vs {want}",
                ages[i]
            );
        };
        close("value", value[i]);
        // The calculator behind these expected values used z = 1.96; PHEindicatormethods (and
        // levelfield) use qnorm(0.975) = 1.959963985, so the half-widths differ by 1.84e-5
        // relative. Rescale the expected half-width to compare the method, not the rounding of z.
        let z_ratio = 1.959963984540054 / 1.96;
        close("lower_ci_95_0", value[i] - (value[i] - lower[i]) * z_ratio);
        close("upper_ci_95_0", value[i] + (upper[i] - value[i]) * z_ratio);
        deaths_used += f64::from(deaths[i]);
        assert_eq!(number(&row["numerator"]), Some(deaths_used));
        assert_eq!(row["statistic"], format!("life expectancy at {}", ages[i]));
        assert_eq!(
            row["method"],
            "Chiang, using Silcocks et al for confidence limits"
        );
    }
}

/// Real published Fingertips limits (OHID, OGL v3.0): every row classed `match` for Wilson
/// proportions, Byar/exact crude rates and ISRs reproduces within the per-row tolerance of
/// `verification.csv` (half a unit in the last published decimal plus 1e-9 relative).
#[test]
fn fingertips_published_limits_reproduce() {
    let dir = crate::support::reference().join("fingertips");
    let verification = read_csv(&dir.join("verification.csv"));
    let indicators = read_csv(&dir.join("indicators.csv"));
    let multiplier: HashMap<&str, &str> = indicators
        .iter()
        .map(|r| (r["indicator_id"].as_str(), r["multiplier"].as_str()))
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for (file, command) in [
        ("fingertips_proportions.csv", "proportion"),
        ("fingertips_crude_rates.csv", "rate"),
        ("fingertips_isr.csv", "isratio"),
    ] {
        let data = read_csv(&dir.join(file));
        let wanted: Vec<&Row> = verification
            .iter()
            .filter(|v| v["file"] == file && v["status"] == "match")
            .collect();
        // One run per multiplier.
        let mut by_multiplier: HashMap<&str, Vec<(&Row, &Row)>> = HashMap::new();
        for v in &wanted {
            let row: usize = v["row"].parse().unwrap();
            let d = &data[row - 1];
            assert_eq!(d["indicator_id"], v["indicator_id"]);
            by_multiplier
                .entry(multiplier[d["indicator_id"].as_str()])
                .or_default()
                .push((d, v));
        }
        for (m, rows) in by_multiplier {
            let input = tmp.path().join(format!("{command}_{m}.csv"));
            let mut text = String::from("id,x,n,one\n");
            for (i, (d, _)) in rows.iter().enumerate() {
                text.push_str(&format!("{i},{},{},1\n", d["count"], d["denominator"]));
            }
            std::fs::write(&input, text).unwrap();
            let path = input.to_str().unwrap();
            let out = match command {
                // An ISR's published denominator is the expected count: a reference rate of 1/1
                // makes expected = denominator.
                "isratio" => run_csv(&[
                    "stats",
                    "isratio",
                    "--input",
                    path,
                    "--numerator",
                    "x",
                    "--denominator",
                    "n",
                    "--reference-numerator",
                    "one",
                    "--reference-denominator",
                    "one",
                    "--group-by",
                    "id",
                    "--reference-value",
                    m,
                ]),
                _ => run_csv(&[
                    "stats",
                    command,
                    "--input",
                    path,
                    "--numerator",
                    "x",
                    "--denominator",
                    "n",
                    "--multiplier",
                    m,
                ]),
            };
            let by_id: HashMap<&str, &Row> = out.iter().map(|r| (r["id"].as_str(), r)).collect();
            for (i, (d, v)) in rows.iter().enumerate() {
                let o = by_id[i.to_string().as_str()];
                for (ours, theirs, tol) in [
                    ("lower_ci_95_0", "lower_95", "tol_lower"),
                    ("upper_ci_95_0", "upper_95", "tol_upper"),
                ] {
                    let got = number(&o[ours]).unwrap();
                    let want = number(&d[theirs]).unwrap();
                    let tol: f64 = v[tol].parse().unwrap();
                    assert!(
                        (got - want).abs() <= tol,
                        "{file} row {}: {ours} {got} vs published {want} (tol {tol})",
                        v["row"]
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 838 + 470 + 66);
}

/// Non-independent events through the command line: rows per group × band × event frequency
/// give the events and variance the method defines (see the unit test of the same data).
#[test]
fn dsr_with_event_frequencies() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("f.csv");
    std::fs::write(
        &input,
        "g,band,freq,people,n,w\nA,1,1,10,1000,5000\nA,1,2,3,1000,5000\nA,2,1,20,2000,6000\nA,2,2,4,2000,6000\nA,3,1,15,1500,4000\n",
    )
    .unwrap();
    let rows = run_csv(&[
        "stats",
        "dsr",
        "--input",
        input.to_str().unwrap(),
        "--numerator",
        "people",
        "--denominator",
        "n",
        "--standard-population",
        "w",
        "--age-band",
        "band",
        "--event-frequency",
        "freq",
        "--group-by",
        "g",
    ]);
    let r = &rows[0];
    assert_eq!(r["numerator"], "59", "events, not people");
    assert_eq!(r["denominator"], "4500", "each band's population once");
    assert!((number(&r["value"]).unwrap() - 204.0 / 15000.0 * 1e5).abs() < 1e-9);
    assert_eq!(
        r["method"],
        "Dobson, with confidence adjusted for non-independent events"
    );
    // Wider than if the 59 events had been 59 people.
    let independent = dir.path().join("i.csv");
    std::fs::write(
        &independent,
        "g,band,x,n,w\nA,1,16,1000,5000\nA,2,28,2000,6000\nA,3,15,1500,4000\n",
    )
    .unwrap();
    let plain = run_csv(&[
        "stats",
        "dsr",
        "--input",
        independent.to_str().unwrap(),
        "--numerator",
        "x",
        "--denominator",
        "n",
        "--standard-population",
        "w",
        "--age-band",
        "band",
        "--group-by",
        "g",
    ]);
    assert_eq!(plain[0]["value"], r["value"]);
    let width =
        |r: &Row| number(&r["upper_ci_95_0"]).unwrap() - number(&r["lower_ci_95_0"]).unwrap();
    assert!(width(r) > width(&plain[0]));
}

/// PHE gives fractional counts an exact Poisson interval; levelfield refuses them for the
/// Poisson methods (rates, DSRs), naming the file, row and column. (Proportions keep PHE's
/// behaviour: Wilson's interval is defined for weighted, fractional counts.)
#[test]
fn whole_counts_are_required() {
    for (command, input, extra) in [
        ("rate", "in_rate_cases.csv", &[][..]),
        (
            "dsr",
            "in_dsr_cases.csv",
            &[
                "--standard-population",
                "stdpop",
                "--age-band",
                "ageband",
                "--group-by",
                "group",
            ][..],
        ),
    ] {
        let path = phe(input);
        let args = [
            &[
                "stats",
                command,
                "--input",
                path.to_str().unwrap(),
                "--numerator",
                "x",
                "--denominator",
                "n",
            ][..],
            extra,
        ]
        .concat();
        let out = levelfield(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {err}");
        assert!(
            err.contains(input) && err.contains("column `x`") && err.contains("whole number"),
            "{command}: {err}"
        );
    }
}
