//! Bad input: every invalid call in PHEindicatormethods' `expected_errors.csv` has a CLI
//! equivalent here that is refused with exit code 2, a message naming the
//! file, row and column (or option) and what to do, and no output file left behind.
//!
//! Three of PHE's "errors" are limits of PHE that levelfield removes on purpose (any number of
//! confidence levels, in any order; groups with different numbers of age bands): for those the
//! test asserts the call succeeds.

use std::{collections::HashMap, path::Path};

use crate::support::{levelfield, phe, read_csv};

/// What the equivalent CLI call must do.
enum Expect {
    /// Exit 2 and stderr containing every fragment.
    Refused(&'static [&'static str]),
    /// Succeed (a PHE limit that levelfield removes).
    Accepted,
}

struct Case {
    files: &'static [(&'static str, &'static str)],
    /// The command line, split on whitespace (no argument contains a space).
    args: &'static str,
    expect: Expect,
}

const PROP_OK: (&str, &str) = ("ok.csv", "id,x,n\na,1,10\nb,5,20\n");
const DSR: (&str, &str) = (
    "d.csv",
    "g,band,x,n,w,f\nA,1,10,1000,5000,1\nA,2,12,1500,5500,1\nA,2,3,1500,5500,2\nB,1,30,900,5000,1\n",
);

fn cases() -> HashMap<(&'static str, &'static str), Case> {
    use Expect::*;
    let prop_x_neg: &[(&str, &str)] = &[("p.csv", "id,x,n\na,1,10\nb,-1,10\n")];
    let prop_n_zero: &[(&str, &str)] = &[("p.csv", "id,x,n\na,1,10\nb,0,0\n")];
    let prop_x_gt_n: &[(&str, &str)] = &[("p.csv", "id,x,n\na,1,10\nb,12,10\n")];
    let ok: &[(&str, &str)] = &[PROP_OK];
    let mut m = HashMap::new();
    let mut add = |fun, case, files, args, expect| {
        m.insert(
            (fun, case),
            Case {
                files,
                args,
                expect,
            },
        );
    };
    // Proportions.
    add(
        "phe_proportion",
        "numerator < 0",
        prop_x_neg,
        "stats proportion --input p.csv --numerator x --denominator n --output out.csv",
        Refused(&["p.csv", "row 2", "column `x`", "negative"]),
    );
    add(
        "phe_proportion",
        "denominator = 0",
        prop_n_zero,
        "stats proportion --input p.csv --numerator x --denominator n --output out.csv",
        Refused(&["p.csv", "row 2", "column `n`", "greater than zero"]),
    );
    add(
        "phe_proportion",
        "numerator > denominator",
        prop_x_gt_n,
        "stats proportion --input p.csv --numerator x --denominator n --output out.csv",
        Refused(&["row 2", "column `x`", "greater than denominator"]),
    );
    add(
        "phe_proportion",
        "type invalid",
        ok,
        "stats proportion --input ok.csv --numerator x --denominator n --format docx --output out.csv",
        Refused(&["--format", "docx", "csv, parquet, xlsx, json"]),
    );
    add(
        "phe_proportion",
        "three confidence levels",
        ok,
        "stats proportion --input ok.csv --numerator x --denominator n --confidence 0.9,0.95,0.998",
        Accepted,
    );
    add(
        "phe_proportion",
        "two levels not 0.95,0.998",
        ok,
        "stats proportion --input ok.csv --numerator x --denominator n --confidence 0.9,0.99",
        Accepted,
    );
    add(
        "phe_proportion",
        "confidence 0.5",
        ok,
        "stats proportion --input ok.csv --numerator x --denominator n --confidence 0.5 --output out.csv",
        Refused(&["--confidence", "0.5", "between 0.9 and 1"]),
    );
    add(
        "phe_proportion",
        "confidence 50 (percent form)",
        ok,
        "stats proportion --input ok.csv --numerator x --denominator n --confidence 50 --output out.csv",
        Refused(&["--confidence", "50", "between 90 and 100"]),
    );
    add(
        "phe_proportion",
        "missing n argument",
        ok,
        "stats proportion --input ok.csv --numerator x --output out.csv",
        Refused(&["required", "--denominator"]),
    );
    // Rates.
    add(
        "phe_rate",
        "numerator < 0",
        prop_x_neg,
        "stats rate --input p.csv --numerator x --denominator n --output out.csv",
        Refused(&["row 2", "column `x`", "negative"]),
    );
    add(
        "phe_rate",
        "denominator = 0",
        prop_n_zero,
        "stats rate --input p.csv --numerator x --denominator n --output out.csv",
        Refused(&["row 2", "column `n`", "greater than zero"]),
    );
    add(
        "phe_rate",
        "confidence 0.8",
        ok,
        "stats rate --input ok.csv --numerator x --denominator n --confidence 0.8 --output out.csv",
        Refused(&["--confidence", "0.8", "give a level between 0.9 and 1"]),
    );
    add(
        "phe_rate",
        "confidence 101",
        ok,
        "stats rate --input ok.csv --numerator x --denominator n --confidence 101 --output out.csv",
        Refused(&["--confidence", "101", "give a level between 0.9 and 1"]),
    );
    // Means.
    let mean: &[(&str, &str)] = &[("m.csv", "g,v\na,1\na,2\na,4\n")];
    add(
        "phe_mean",
        "confidence 0.8",
        mean,
        "stats mean --input m.csv --value v --confidence 0.8 --output out.csv",
        Refused(&["--confidence", "0.8", "give a level between 0.9 and 1"]),
    );
    add(
        "phe_mean",
        "two levels wrong order",
        mean,
        "stats mean --input m.csv --value v --confidence 0.998,0.95",
        Accepted,
    );
    // Directly standardised rates.
    let dsr: &[(&str, &str)] = &[DSR];
    add(
        "calculate_dsr",
        "stdpop not given",
        dsr,
        "stats dsr --input d.csv --numerator x --denominator n --output out.csv",
        Refused(&["required", "--standard-population"]),
    );
    add(
        "calculate_dsr",
        "stdpop column missing",
        dsr,
        "stats dsr --input d.csv --numerator x --denominator n --standard-population stdpop --output out.csv",
        Refused(&["d.csv", "no column `stdpop`", "g, band, x, n, w, f"]),
    );
    add(
        "calculate_dsr",
        "numerator < 0",
        &[("d.csv", "g,x,n,w\nA,-3,100,10\n")],
        "stats dsr --input d.csv --numerator x --denominator n --standard-population w --output out.csv",
        Refused(&["row 1", "column `x`", "negative"]),
    );
    add(
        "calculate_dsr",
        "denominator 0",
        &[("d.csv", "g,x,n,w\nA,3,0,10\n")],
        "stats dsr --input d.csv --numerator x --denominator n --standard-population w --output out.csv",
        Refused(&["row 1", "column `n`", "greater than zero"]),
    );
    add(
        "calculate_dsr",
        "NA denominator",
        &[("d.csv", "g,x,n,w\nA,3,100,10\nA,4,NA,10\n")],
        "stats dsr --input d.csv --numerator x --denominator n --standard-population w --output out.csv",
        Refused(&["row 2", "column `n`", "population is missing"]),
    );
    add(
        "calculate_dsr",
        "NA stdpop",
        &[("d.csv", "g,x,n,w\nA,3,100,\n")],
        "stats dsr --input d.csv --numerator x --denominator n --standard-population w --output out.csv",
        Refused(&["row 1", "column `w`", "standard population is missing"]),
    );
    add(
        "calculate_dsr",
        "negative stdpop",
        &[("d.csv", "g,x,n,w\nA,3,100,-5\n")],
        "stats dsr --input d.csv --numerator x --denominator n --standard-population w --output out.csv",
        Refused(&["row 1", "column `w`", "negative"]),
    );
    add(
        "calculate_dsr",
        "multiplier 0",
        dsr,
        "stats dsr --input d.csv --numerator x --denominator n --standard-population w --multiplier 0 --output out.csv",
        Refused(&["multiplier 0", "positive"]),
    );
    add(
        "calculate_dsr",
        "confidence 0.5",
        dsr,
        "stats dsr --input d.csv --numerator x --denominator n --standard-population w --confidence 0.5 --output out.csv",
        Refused(&["--confidence", "0.5", "give a level between 0.9 and 1"]),
    );
    add(
        "calculate_dsr",
        "independent_events not logical",
        &[("d.csv", "g,band,x,n,w,f\nA,1,3,100,10,often\n")],
        "stats dsr --input d.csv --numerator x --denominator n --standard-population w --age-band band --event-frequency f --output out.csv",
        Refused(&["row 1", "column `f`", "`often` is not a number"]),
    );
    add(
        "calculate_dsr",
        "non-independent without eventfreq",
        dsr,
        "stats dsr --input d.csv --numerator x --denominator n --standard-population w --event-frequency f --output out.csv",
        Refused(&["--event-frequency needs --age-band"]),
    );
    add(
        "calculate_dsr",
        "non-independent with differing n per ageband",
        &[(
            "d.csv",
            "g,band,x,n,w,f\nA,1,10,1000,5000,1\nA,1,3,1200,5000,2\n",
        )],
        "stats dsr --input d.csv --numerator x --denominator n --standard-population w --age-band band --event-frequency f --output out.csv",
        Refused(&["rows 1 and 2", "same population", "age band `1`"]),
    );
    add(
        "phe_dsr",
        "unequal rows per group",
        dsr,
        "stats dsr --input d.csv --numerator x --denominator n --standard-population w --age-band band --group-by g",
        Accepted,
    );
    // Indirect standardisation.
    add(
        "calculate_ISRatio",
        "numerator < 0",
        &[("i.csv", "g,x,n,xr,nr\nA,-1,100,10,1000\n")],
        "stats isratio --input i.csv --numerator x --denominator n --reference-numerator xr --reference-denominator nr --output out.csv",
        Refused(&["row 1", "column `x`", "negative"]),
    );
    add(
        "calculate_ISRatio",
        "denominator < 0",
        &[("i.csv", "g,x,n,xr,nr\nA,1,-100,10,1000\n")],
        "stats isratio --input i.csv --numerator x --denominator n --reference-numerator xr --reference-denominator nr --output out.csv",
        Refused(&["row 1", "column `n`", "negative"]),
    );
    add(
        "calculate_ISRatio",
        "x_ref vector wrong length",
        &[("i.csv", "g,x,n,xr,nr\nA,1,100,10,1000\nA,2,100,,\n")],
        "stats isratio --input i.csv --numerator x --denominator n --reference-numerator xr --reference-denominator nr --output out.csv",
        Refused(&["row 2", "column `nr`", "reference denominator"]),
    );
    add(
        "calculate_ISRate",
        "refpoptype invalid",
        &[("i.csv", "g,x,n,xr,nr\nA,1,100,10,1000\n")],
        "stats israte --input i.csv --numerator x --denominator n --reference-numerator ref_x --reference-denominator nr --output out.csv",
        Refused(&["no column `ref_x`"]),
    );
    // Quantiles.
    add(
        "phe_quantile",
        "non-numeric values",
        &[("q.csv", "a,v\nA,1\nB,high\n")],
        "stats quantile --input q.csv --value v --quantiles 2 --output out.csv",
        Refused(&["row 2", "column `v`", "`high` is not a number"]),
    );
    add(
        "phe_quantile",
        "invert not logical",
        &[("q.csv", "a,v,inv\nA,1,maybe\nB,2,maybe\n")],
        "stats quantile --input q.csv --value v --quantiles 2 --invert-column inv --output out.csv",
        Refused(&["row 1", "column `inv`", "TRUE or FALSE"]),
    );
    // Life expectancy.
    let le_bad: &[(&str, &str)] = &[("le.csv", "age,d,p\n1,5,1000\n5,5,1000\n")];
    add(
        "phe_life_expectancy",
        "first age band not 0",
        le_bad,
        "stats life-expectancy --input le.csv --numerator d --denominator p --age-band age --output out.csv",
        Refused(&["must start at 0", "starts at 1"]),
    );
    add(
        "phe_life_expectancy",
        "confidence 0.5",
        le_bad,
        "stats life-expectancy --input le.csv --numerator d --denominator p --age-band age --confidence 0.5 --output out.csv",
        Refused(&["--confidence", "0.5", "give a level between 0.9 and 1"]),
    );
    // Slope index of inequality.
    const SII5: (&str, &str) = (
        "s.csv",
        "q,v,se,pop\n1,10,1,100\n2,9,1,100\n3,8,1,100\n4,7,1,100\n5,6,1,100\n",
    );
    let sii5: &[(&str, &str)] = &[SII5];
    add(
        "phe_sii",
        "fewer than 5 quantiles",
        &[(
            "s.csv",
            "q,v,se,pop\n1,10,1,100\n2,9,1,100\n3,8,1,100\n4,7,1,100\n",
        )],
        "stats sii --input s.csv --value v --se se --population pop --quantile q --output out.csv",
        Refused(&["column `q` has 4 distinct quantiles", "between 5 and 100"]),
    );
    add(
        "phe_sii",
        "repetitions < 1000",
        sii5,
        "stats sii --input s.csv --value v --se se --population pop --quantile q --repetitions 999 --output out.csv",
        Refused(&["999 repetitions are too few", "1,000 or more"]),
    );
    add(
        "phe_sii",
        "zero population",
        &[(
            "s.csv",
            "q,v,se,pop\n1,10,1,100\n2,9,1,0\n3,8,1,100\n4,7,1,100\n5,6,1,100\n",
        )],
        "stats sii --input s.csv --value v --se se --population pop --quantile q --output out.csv",
        Refused(&["row 2", "column `pop`", "greater than zero"]),
    );
    add(
        "phe_sii",
        "transform with value_type 0",
        sii5,
        "stats sii --input s.csv --value v --se se --population pop --quantile q --transform --output out.csv",
        Refused(&["--transform needs --value-type rate or proportion"]),
    );
    // Funnel plots.
    add(
        "assign_funnel_significance",
        "proportion with NA numerator",
        &[("f.csv", "unit,o,n\nA,3,10\nB,NA,20\n")],
        "funnel significance --input f.csv --statistic proportion --numerator o --denominator n --output out.csv",
        Refused(&["f.csv", "row 2", "must be given for every row"]),
    );
    add(
        "calculate_funnel_limits",
        "rate with zero numerator and no denominator",
        &[("f.csv", "unit,x,rate\nA,3,30\nB,0,\n")],
        "funnel limits --input f.csv --statistic rate --rate-type crude --numerator x --rate rate --years-of-data 1 --output out.csv",
        Refused(&["f.csv", "row 2", "0 events the denominator must be given"]),
    );
    m
}

#[test]
fn every_reference_error_has_a_cli_equivalent() {
    let cases = cases();
    let expected = read_csv(&phe("expected_errors.csv"));
    let mut covered = 0;
    for row in &expected {
        let (fun, case) = (row["fun"].as_str(), row["case"].as_str());
        let c = cases
            .get(&(fun, case))
            .unwrap_or_else(|| panic!("no CLI equivalent for {fun}: {case}"));
        run_case(fun, case, c);
        covered += 1;
    }
    assert_eq!(
        covered,
        cases.len(),
        "every case in the table appears in expected_errors.csv"
    );
}

fn run_case(fun: &str, case: &str, c: &Case) {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in c.files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    let args: Vec<String> = c
        .args
        .split_whitespace()
        .map(|a| {
            if c.files.iter().any(|(n, _)| *n == a) || a == "out.csv" {
                dir.path().join(a).display().to_string()
            } else {
                a.to_string()
            }
        })
        .collect();
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = levelfield(&refs);
    let stderr = String::from_utf8_lossy(&out.stderr);
    match c.expect {
        Expect::Accepted => {
            assert!(
                out.status.success(),
                "{fun}: {case}: expected success, got {stderr}"
            );
            // The output has rows, and one pair of limit columns per level, in the order given.
            let text = if args.iter().any(|a| a.ends_with("out.csv")) {
                std::fs::read_to_string(dir.path().join("out.csv")).unwrap()
            } else {
                String::from_utf8(out.stdout.clone()).unwrap()
            };
            let mut lines = text.lines();
            let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
            assert!(lines.next().is_some(), "{fun}: {case}: no rows");
            let words: Vec<&str> = c.args.split_whitespace().collect();
            if let Some(i) = words.iter().position(|w| *w == "--confidence") {
                let want: Vec<String> = words[i + 1]
                    .split(',')
                    .map(|l| {
                        let l: f64 = l.parse().unwrap();
                        let pct = if l < 1.0 { l * 100.0 } else { l };
                        format!("lower_ci_{}", format!("{pct:.1}").replace('.', "_"))
                    })
                    .collect();
                let got: Vec<&str> = header
                    .iter()
                    .copied()
                    .filter(|h| h.starts_with("lower_ci_"))
                    .collect();
                assert_eq!(got, want, "{fun}: {case}");
            }
        }
        Expect::Refused(fragments) => {
            assert_eq!(
                out.status.code(),
                Some(2),
                "{fun}: {case}: exit code; stderr: {stderr}"
            );
            for f in fragments {
                assert!(
                    stderr.contains(f),
                    "{fun}: {case}: message lacks `{f}`: {stderr}"
                );
            }
            assert!(
                !Path::new(&dir.path().join("out.csv")).exists(),
                "{fun}: {case}: output file left behind"
            );
            let leftovers: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .filter_map(Result::ok)
                .map(|e| e.file_name())
                .filter(|n| n.to_string_lossy().contains(".tmp"))
                .collect();
            assert!(
                leftovers.is_empty(),
                "{fun}: {case}: temporary files left: {leftovers:?}"
            );
        }
    }
}

#[test]
fn three_levels_give_three_pairs_of_columns_in_the_order_given() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("ok.csv");
    std::fs::write(&input, PROP_OK.1).unwrap();
    let args = [
        "stats",
        "proportion",
        "--input",
        input.to_str().unwrap(),
        "--numerator",
        "x",
        "--denominator",
        "n",
        "--confidence",
        "99.8,0.9,95",
    ];
    let raw = levelfield(&args);
    assert!(
        raw.status.success(),
        "{}",
        String::from_utf8_lossy(&raw.stderr)
    );
    let stdout = String::from_utf8(raw.stdout).unwrap();
    let header: Vec<&str> = stdout.lines().next().unwrap().split(',').collect();
    let limits: Vec<&str> = header
        .iter()
        .copied()
        .filter(|h| h.contains("_ci_"))
        .collect();
    assert_eq!(
        limits,
        [
            "lower_ci_99_8",
            "upper_ci_99_8",
            "lower_ci_90_0",
            "upper_ci_90_0",
            "lower_ci_95_0",
            "upper_ci_95_0"
        ]
    );
    let out = crate::support::parse_csv(stdout.as_bytes());
    assert_eq!(out[0]["confidence"], "99.8%, 90%, 95%");
    // Each pair belongs to its level: 90% inside 95% inside 99.8%.
    let n = |k: &str| out[0][k].parse::<f64>().unwrap();
    assert!(n("lower_ci_99_8") < n("lower_ci_95_0") && n("lower_ci_95_0") < n("lower_ci_90_0"));
    assert!(n("upper_ci_90_0") < n("upper_ci_95_0") && n("upper_ci_95_0") < n("upper_ci_99_8"));
}

#[test]
fn a_failed_run_keeps_an_existing_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("p.csv");
    let output = dir.path().join("out.csv");
    std::fs::write(&input, "id,x,n\na,1,10\nb,-1,10\n").unwrap();
    std::fs::write(&output, "earlier results\n").unwrap();
    let out = levelfield(&[
        "stats",
        "rate",
        "--input",
        input.to_str().unwrap(),
        "--numerator",
        "x",
        "--denominator",
        "n",
        "--output",
        output.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "earlier results\n"
    );
}

#[test]
fn unreadable_inputs_are_reported_with_the_file() {
    let out = levelfield(&[
        "stats",
        "rate",
        "--input",
        "/nonexistent/file.csv",
        "--numerator",
        "x",
        "--denominator",
        "n",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/file.csv"));
    let dir = tempfile::tempdir().unwrap();
    let ragged = dir.path().join("r.csv");
    std::fs::write(&ragged, "id,x,n\na,1,10\nb,2\n").unwrap();
    let out = levelfield(&[
        "stats",
        "rate",
        "--input",
        ragged.to_str().unwrap(),
        "--numerator",
        "x",
        "--denominator",
        "n",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3"), "{err}");
}

#[test]
fn an_input_column_named_like_an_output_column_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // Each input already has the column the command would add.
    let calls: [(&str, &str, &str, &str); 3] = [
        (
            "quantile",
            "q.csv",
            "id,x,quantile\na,1,\nb,2,\nc,3,\n",
            "stats quantile --input q.csv --value x --quantiles 2",
        ),
        (
            "significance",
            "f.csv",
            "id,o,n,significance\na,5,100,\nb,20,100,\nc,12,100,\n",
            "funnel significance --input f.csv --statistic proportion --numerator o --denominator n",
        ),
        (
            "suppression_rule",
            "s.csv",
            "id,c,suppression_rule\na,3,\nb,40,\n",
            "suppress --input s.csv --rule nhs-mha --count c",
        ),
    ];
    for (column, file, text, call) in calls {
        std::fs::write(dir.path().join(file), text).unwrap();
        let path = dir.path().join(file).display().to_string();
        let args: Vec<&str> = call
            .split_whitespace()
            .map(|a| if a == file { path.as_str() } else { a })
            .collect();
        let out = levelfield(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{call}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "input column `{column}` has the same name as an output column"
            )),
            "{call}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{call}: nothing is written");
    }
}

#[test]
fn a_trim_fraction_outside_zero_to_a_half_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("f.csv");
    std::fs::write(&input, "id,o,n\na,5,100\nb,20,100\nc,12,100\nd,9,120\n").unwrap();
    for (trim, fraction) in [("winsorise", "2"), ("truncate", "0.6")] {
        let out = levelfield(&[
            "funnel",
            "units",
            "--input",
            input.to_str().unwrap(),
            "--type",
            "PR",
            "--numerator",
            "o",
            "--denominator",
            "n",
            "--trim",
            trim,
            "--trim-fraction",
            fraction,
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{trim} {fraction}: {stderr}");
        assert!(
            stderr.contains(&format!("trim fraction {fraction} is outside [0, 0.5)")),
            "{stderr}"
        );
        assert!(out.stdout.is_empty());
    }
}
