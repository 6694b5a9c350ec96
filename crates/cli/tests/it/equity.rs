//! `levelfield stats sii`, `inequality`, `compare` and `benchmark` as a user runs them: SII
//! against PHEindicatormethods' reference output, the METHODS.md datasets N and O through the
//! command line, comparisons with a reference group and Fingertips-style benchmarking.

use std::collections::HashMap;

use crate::support::{levelfield, number, phe, read_csv, run_csv};

type Row = HashMap<String, String>;

fn sii_rows(extra: &[&str]) -> Vec<Row> {
    let input = phe("in_sii_normal.csv");
    let mut args = vec![
        "stats",
        "sii",
        "--input",
        input.to_str().unwrap(),
        "--value",
        "value",
        "--se",
        "se",
        "--population",
        "population",
        "--quantile",
        "quantile",
        "--group-by",
        "area",
        "--intercept",
    ];
    args.extend_from_slice(extra);
    run_csv(&args)
}

#[test]
fn sii_equals_phe_sii() {
    let ours = sii_rows(&[]);
    let theirs = read_csv(&phe("out_sii_normal__vt0_se_c95_intercept.csv"));
    let by_area: HashMap<&str, &Row> = ours.iter().map(|r| (r["area"].as_str(), r)).collect();
    for t in &theirs {
        let o = by_area[t["area"].as_str()];
        for (col, tcol) in [("sii", "sii"), ("intercept", "intercept")] {
            let (a, b) = (number(&o[col]).unwrap(), number(&t[tcol]).unwrap());
            assert!(
                (a - b).abs() <= 1e-10 * b.abs(),
                "{} {col}: {a} vs {b}",
                t["area"]
            );
        }
        // Simulated limits: within five Monte Carlo standard errors of PHE's (seed 1, 1e5 reps).
        for (col, tcol, err) in [
            (
                "sii_lower_ci_95_0",
                "sii_lower95_0cl",
                "sii_lower_mc_error_95_0",
            ),
            (
                "sii_upper_ci_95_0",
                "sii_upper95_0cl",
                "sii_upper_mc_error_95_0",
            ),
        ] {
            let (a, b, sd) = (
                number(&o[col]).unwrap(),
                number(&t[tcol]).unwrap(),
                number(&o[err]).unwrap(),
            );
            assert!(sd > 0.0 && sd < 0.05, "{} {err} = {sd}", t["area"]);
            assert!(
                (a - b).abs() <= 5.0 * sd + 1e-9,
                "{} {col}: {a} vs {b} (sd {sd})",
                t["area"]
            );
        }
        assert_eq!(o["ci_method"], "simulation (100000 repetitions, seed 1)");
    }
    // The area with a missing decile is reported, not dropped.
    let missing = by_area["missing_decile"];
    assert_eq!(missing["sii"], "");
    assert!(
        missing["diagnostic"].contains("9 of the 10 quantiles"),
        "{}",
        missing["diagnostic"]
    );
    assert_eq!(ours.len(), theirs.len() + 1);
}

#[test]
fn sii_exact_interval_is_where_the_simulation_converges() {
    let exact = sii_rows(&["--interval", "exact"]);
    let simulated = sii_rows(&[]);
    assert_eq!(exact.len(), simulated.len());
    let mut compared = 0;
    for (e, s) in exact.iter().zip(&simulated) {
        if e["sii"].is_empty() {
            continue;
        }
        compared += 1;
        for (col, err) in [
            ("sii_lower_ci_95_0", "sii_lower_mc_error_95_0"),
            ("sii_upper_ci_95_0", "sii_upper_mc_error_95_0"),
        ] {
            let (a, b, sd) = (
                number(&e[col]).unwrap(),
                number(&s[col]).unwrap(),
                number(&s[err]).unwrap(),
            );
            assert!(
                (a - b).abs() <= 5.0 * sd,
                "{}: exact {a} vs simulated {b} (sd {sd})",
                e["area"]
            );
        }
        assert_eq!(e["sii"], s["sii"]);
    }
    assert!(compared > 0, "no area had an SII to compare");
}

#[test]
fn sii_is_reproducible_for_a_seed() {
    assert_eq!(
        sii_rows(&["--repetitions", "5000", "--seed", "9"]),
        sii_rows(&["--repetitions", "5000", "--seed", "9"])
    );
    assert_ne!(
        sii_rows(&["--repetitions", "5000", "--seed", "9"]),
        sii_rows(&["--repetitions", "5000", "--seed", "10"])
    );
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn measures(rows: &[Row]) -> HashMap<String, Row> {
    rows.iter()
        .map(|r| (r["measure"].clone(), r.clone()))
        .collect()
}

fn near(rows: &HashMap<String, Row>, measure: &str, col: &str, want: f64, tol: f64) {
    let got = number(&rows[measure][col]).unwrap_or_else(|| panic!("{measure} {col} is empty"));
    assert!(
        (got - want).abs() <= tol,
        "{measure} {col}: {got} vs {want}"
    );
}

#[test]
fn inequality_reproduces_datasets_n_and_o() {
    let dir = tempfile::tempdir().unwrap();
    let n = write(
        dir.path(),
        "n.csv",
        "group,value,se,pop\nA,30,1.0,1000\nB,20,1.5,2000\nC,15,1.2,3000\nD,10,0.8,4000\n",
    );
    let rows = run_csv(&[
        "inequality",
        "--input",
        &n,
        "--group",
        "group",
        "--value",
        "value",
        "--se",
        "se",
        "--population",
        "pop",
        "--dimension-type",
        "unordered",
        "--polarity",
        "adverse",
        "--reference",
        "B",
        "--bounds",
        "0,100",
    ]);
    let m = measures(&rows);
    assert_eq!(rows.len(), 25, "one row per measure");
    near(&m, "D", "value", 20.0, 1e-12);
    near(&m, "D", "lower_ci_95_0", 17.490, 5e-4);
    near(&m, "R", "upper_ci_95_0", 3.5554, 5e-5);
    near(&m, "PAR", "value", -5.5, 1e-12);
    near(&m, "PAF", "value", -35.484, 5e-4);
    near(&m, "BGV", "lower_ci_95_0", 26.718, 5e-4);
    near(&m, "BGSD", "value", 6.1033, 5e-5);
    near(&m, "COV", "value", 39.376, 5e-4);
    near(&m, "MDRW", "value", 6.5, 1e-12);
    near(&m, "IDISW", "value", 30.323, 5e-4);
    near(&m, "TI", "value", 70.972, 5e-3);
    near(&m, "MLD", "value", 68.125, 5e-3);
    assert_eq!(m["D"]["comparison"], "A vs D");
    assert_eq!(m["SII"]["applies"], "FALSE");
    assert!(m["SII"]["diagnostic"].contains("ordered dimensions"));
    assert!(number(&m["BGSD"]["mc_error"]).unwrap() > 0.0);
    assert!(m["BGSD"]["ci_method"].starts_with("simulation"));

    let o = write(
        dir.path(),
        "o.csv",
        "decile,value,se,pop\n5,8,0.9,100\n1,16,0.9,300\n2,13,0.8,250\n3,11,0.7,200\n4,9,0.8,150\n",
    );
    let rows = run_csv(&[
        "inequality",
        "--input",
        &o,
        "--group",
        "decile",
        "--value",
        "value",
        "--se",
        "se",
        "--population",
        "pop",
        "--dimension-type",
        "ordered",
        "--polarity",
        "adverse",
        "--bounds",
        "0,100",
    ]);
    let m = measures(&rows);
    near(&m, "D", "value", 8.0, 1e-12);
    near(&m, "R", "lower_ci_95_0", 1.5630, 5e-5);
    near(&m, "ACI", "value", -1.59, 1e-12);
    near(&m, "RCI", "value", -0.12823, 5e-6);
    near(&m, "SII", "value", -10.0952, 5e-5);
    near(&m, "SII", "lower_ci_95_0", -12.906, 5e-4);
    near(&m, "RII", "value", 0.42140, 5e-6);
    near(&m, "ERREYGERS", "value", -0.0636, 1e-12);
    near(&m, "SII_LOGISTIC", "value", -9.985, 5e-4);
    near(&m, "RII_LOGISTIC", "value", 0.44472, 5e-6);
    near(&m, "WAGSTAFF", "value", -0.14638, 5e-6);
    // Oriented so that > 0 means the disadvantaged are worse off (adverse: higher values at
    // the deprived end).
    near(&m, "SII", "value_disadvantage", 10.0952, 5e-5);
    near(&m, "ACI", "value_disadvantage", 1.59, 1e-12);
    assert_eq!(m["BGV"]["applies"], "FALSE");
    assert_eq!(m["D"]["comparison"], "1 vs 5");
}

#[test]
fn compare_gives_exact_rate_ratios_and_newcombe_differences() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/mha_2023_24_england_ethnicity.csv");
    let rows = run_csv(&[
        "compare",
        "--input",
        data.to_str().unwrap(),
        "--group",
        "ethnic_group",
        "--reference",
        "White",
        "--numerator",
        "count",
        "--denominator",
        "population",
        "--statistic",
        "rate",
        "--group-by",
        "measure",
        "--polarity",
        "adverse",
    ]);
    assert_eq!(rows.len(), 12, "three measures × four groups");
    let black = rows
        .iter()
        .find(|r| r["measure"] == "detentions" && r["ethnic_group"] == "Black or Black British")
        .unwrap();
    let ratio = number(&black["ratio"]).unwrap();
    // Counts and populations from the bundled file: Black 5,693 / 2,382,008; White 31,735 /
    // 45,661,871.
    let (x1, n1, x2, n2) = (5693.0, 2382008.0, 31735.0, 45661871.0);
    let want: f64 = (x1 / n1) / (x2 / n2);
    assert!((ratio - want).abs() < 1e-12 * want);
    let (lo, hi) = (
        number(&black["ratio_lower_ci_95_0"]).unwrap(),
        number(&black["ratio_upper_ci_95_0"]).unwrap(),
    );
    // With counts this large the exact conditional interval is within 0.1 % of the log-normal
    // one, exp(ln r ± 1.959964·√(1/x₁ + 1/x₂)).
    let half = 1.959964 * (1.0 / x1 + 1.0 / x2).sqrt();
    let (lo_approx, hi_approx) = (want * (-half).exp(), want * half.exp());
    assert!((lo / lo_approx - 1.0).abs() < 1e-3, "{lo} vs {lo_approx}");
    assert!((hi / hi_approx - 1.0).abs() < 1e-3, "{hi} vs {hi_approx}");
    assert!(lo < ratio && ratio < hi);
    assert_eq!(black["significant"], "TRUE");
    assert_eq!(
        black["rank"], "1",
        "highest detention rate ranks first for an adverse measure"
    );
    assert_eq!(black["ratio_method"], "Exact conditional binomial");

    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "p.csv", "g,x,n\nnew,56,70\nold,48,80\n");
    let rows = run_csv(&[
        "compare",
        "--input",
        &p,
        "--group",
        "g",
        "--reference",
        "old",
        "--numerator",
        "x",
        "--denominator",
        "n",
        "--statistic",
        "proportion",
        "--multiplier",
        "1",
    ]);
    let r = &rows[0];
    assert!((number(&r["difference_lower_ci_95_0"]).unwrap() - 0.0524).abs() < 1e-4);
    assert!((number(&r["difference_upper_ci_95_0"]).unwrap() - 0.3339).abs() < 1e-4);
    let out = levelfield(&[
        "compare",
        "--input",
        &p,
        "--group",
        "g",
        "--reference",
        "nobody",
        "--numerator",
        "x",
        "--denominator",
        "n",
        "--statistic",
        "proportion",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no reference group `nobody`"));
}

#[test]
fn benchmark_labels_areas_against_england() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "b.csv",
        "period,area,value,lo,hi\n2023,E92000001,50,49,51\n2023,A,60,55,65\n2023,B,48,40,56\n2023,C,30,25,35\n2024,E92000001,40,39,41\n2024,A,60,55,65\n",
    );
    let rows = run_csv(&[
        "benchmark",
        "--input",
        &p,
        "--value",
        "value",
        "--lower",
        "lo",
        "--upper",
        "hi",
        "--comparator-area",
        "E92000001",
        "--area",
        "area",
        "--group-by",
        "period",
        "--polarity",
        "adverse",
    ]);
    let label: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["period"].as_str(),
                r["area"].as_str(),
                r["benchmark"].as_str(),
            )
        })
        .collect();
    assert!(label.contains(&("2023", "A", "Worse")));
    assert!(label.contains(&("2023", "B", "Similar")));
    assert!(label.contains(&("2023", "C", "Better")));
    assert!(label.contains(&("2024", "A", "Worse")));
    assert!(label.contains(&("2023", "E92000001", "Comparator")));
    assert!(
        rows.iter()
            .all(|r| r["benchmark_method"] == "CI overlap, 95%")
    );
    let q = run_csv(&[
        "benchmark",
        "--input",
        &p,
        "--value",
        "value",
        "--method",
        "quintiles",
    ]);
    // Quintiles by PHE's rule (ties share the lower quintile): 30 is in the lowest, the two 60s
    // share the 2nd highest.
    let by_value = |v: &str| {
        q.iter()
            .filter(|r| r["value"] == v)
            .map(|r| r["benchmark"].as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(by_value("30"), vec!["Lowest quintile"]);
    assert_eq!(
        by_value("60"),
        vec!["2nd highest quintile", "2nd highest quintile"]
    );
    assert!(q.iter().all(|r| r["benchmark_method"] == "Quintiles"));
}
