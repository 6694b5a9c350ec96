//! `levelfield funnel` and `levelfield spc` as a user runs them: PHE's funnel limits for
//! proportions reproduced from the reference output, over-dispersed limits per unit, and the SPC
//! worked example with every point's label and the assurance verdicts.

use std::collections::HashMap;

use crate::support::{levelfield, number, phe, read_csv, run_csv, run_ok};

#[test]
fn funnel_limits_for_proportions_equal_phe() {
    let ours = run_csv(&[
        "funnel",
        "limits",
        "--input",
        phe("in_funnel_prop.csv").to_str().unwrap(),
        "--statistic",
        "proportion",
        "--numerator",
        "numerator",
        "--denominator",
        "denominator",
        "--multiplier",
        "100",
    ]);
    let theirs = read_csv(&phe("out_funnel_prop__limits_m100.csv"));
    assert_eq!(ours.len(), theirs.len());
    for (o, t) in ours.iter().zip(&theirs) {
        for col in [
            "Population",
            "lower_2s_limit",
            "upper_2s_limit",
            "lower_3s_limit",
            "upper_3s_limit",
            "baseline",
        ] {
            let (a, b) = (number(&o[col]).unwrap(), number(&t[col]).unwrap());
            assert!(
                (a - b).abs() <= 1e-9 * b.abs().max(1e-300),
                "{col} at {}: {a} vs {b}",
                t["Population"]
            );
        }
        assert_eq!(
            (o["statistic"].as_str(), o["method"].as_str()),
            (t["statistic"].as_str(), t["method"].as_str())
        );
    }
}

#[test]
fn funnel_significance_and_overdispersed_units() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pr.csv");
    let o = [8, 30, 60, 18, 40, 25, 95, 50, 22, 70];
    let n = [100, 200, 300, 150, 400, 250, 500, 200, 100, 300];
    let mut text = String::from("unit,o,n\n");
    for (i, (a, b)) in o.iter().zip(n).enumerate() {
        text.push_str(&format!("u{i},{a},{b}\n"));
    }
    std::fs::write(&path, text).unwrap();
    let p = path.to_str().unwrap();
    let units = run_csv(&[
        "funnel",
        "units",
        "--input",
        p,
        "--type",
        "PR",
        "--numerator",
        "o",
        "--denominator",
        "n",
    ]);
    let first = &units[0];
    // METHODS.md example: at n = 100 the additive 95 % limits are 0.061831–0.310652 and the
    // 99.8 % upper limit is 0.404408.
    assert!((number(&first["lower_limit_95_0"]).unwrap() - 0.061831).abs() < 5e-6);
    assert!((number(&first["upper_limit_95_0"]).unwrap() - 0.310652).abs() < 5e-6);
    assert!((number(&first["upper_limit_99_8"]).unwrap() - 0.404408).abs() < 5e-6);
    assert!(
        first["overdispersion"].starts_with("phi 5.29684"),
        "{}",
        first["overdispersion"]
    );
    assert!(units.iter().all(|u| {
        ["none", "high 95%", "low 95%", "high 99.8%", "low 99.8%"].contains(&u["outlier"].as_str())
    }));
    let unadjusted = run_csv(&[
        "funnel",
        "units",
        "--input",
        p,
        "--type",
        "PR",
        "--numerator",
        "o",
        "--denominator",
        "n",
        "--adjust",
        "none",
    ]);
    let outliers =
        |rows: &[HashMap<String, String>]| rows.iter().filter(|r| r["outlier"] != "none").count();
    assert!(
        outliers(&unadjusted) > outliers(&units),
        "over-dispersion adjustment flags fewer units"
    );

    let sig = run_csv(&[
        "funnel",
        "significance",
        "--input",
        p,
        "--statistic",
        "proportion",
        "--numerator",
        "o",
        "--denominator",
        "n",
    ]);
    let labels = [
        "High (0.001)",
        "High (0.025)",
        "Not significant",
        "Low (0.025)",
        "Low (0.001)",
    ];
    assert!(
        sig.iter()
            .all(|r| labels.contains(&r["significance"].as_str()))
    );
    // u6 (95/500 = 19 %) is near the 16.7 % average; u0 (8 %) is well below it.
    assert_eq!(sig[6]["significance"], "Not significant");
    assert!(sig[0]["significance"].starts_with("Low"));
    let bad = levelfield(&[
        "funnel",
        "significance",
        "--input",
        p,
        "--statistic",
        "proportion",
        "--numerator",
        "n",
        "--denominator",
        "o",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn funnel_units_sum_the_rows_of_each_unit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.csv");
    // The METHODS.md proportion example, each unit split over two rows that are not adjacent.
    let o = [8, 30, 60, 18, 40, 25, 95, 50, 22, 70];
    let n = [100, 200, 300, 150, 400, 250, 500, 200, 100, 300];
    let mut text = String::from("unit,o,n\n");
    for (i, (a, b)) in o.iter().zip(n).enumerate() {
        text.push_str(&format!("u{i},{},{}\n", a / 2, b / 2));
    }
    for (i, (a, b)) in o.iter().zip(n).enumerate().rev() {
        text.push_str(&format!("u{i},{},{}\n", a - a / 2, b - b / 2));
    }
    std::fs::write(&path, text).unwrap();
    let p = path.to_str().unwrap();
    let units = run_csv(&[
        "funnel",
        "units",
        "--input",
        p,
        "--type",
        "PR",
        "--numerator",
        "o",
        "--denominator",
        "n",
        "--group-by",
        "unit",
    ]);
    assert_eq!(units.len(), 10, "one row per unit");
    for (i, row) in units.iter().enumerate() {
        assert_eq!(row["unit"], format!("u{i}"));
        assert_eq!(number(&row["o"]).unwrap(), f64::from(o[i]));
        assert_eq!(number(&row["n"]).unwrap(), f64::from(n[i]));
    }
    // The same limits as the units given one row each (METHODS.md: at n = 100 the additive 95 %
    // limits are 0.061831–0.310652).
    let first = &units[0];
    assert!((number(&first["lower_limit_95_0"]).unwrap() - 0.061831).abs() < 5e-6);
    assert!((number(&first["upper_limit_95_0"]).unwrap() - 0.310652).abs() < 5e-6);
    assert!((number(&first["upper_limit_99_8"]).unwrap() - 0.404408).abs() < 5e-6);
    assert!(
        first["overdispersion"].starts_with("phi 5.29684"),
        "{}",
        first["overdispersion"]
    );
    // PHE's tables compare the rows of one table: there --group-by is still refused.
    let refused = levelfield(&[
        "funnel",
        "limits",
        "--input",
        p,
        "--statistic",
        "proportion",
        "--numerator",
        "o",
        "--denominator",
        "n",
        "--group-by",
        "unit",
    ]);
    assert_eq!(refused.status.code(), Some(2));
}

#[test]
fn spc_example_c_through_the_command_line() {
    let y = [
        50, 53, 48, 51, 47, 52, 49, 54, 50, 46, 51, 49, 55, 56, 54, 57, 55, 58, 56, 49, 47, 45, 44,
        42, 40, 38, 51, 59, 60, 50,
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.csv");
    // Periods as ISO months, written out of order: the chart sorts them.
    let mut text = String::from("month,value\n");
    for (i, v) in y.iter().enumerate().rev() {
        text.push_str(&format!("{}-{:02},{v}\n", 2022 + i / 12, i % 12 + 1));
    }
    std::fs::write(&path, text).unwrap();
    let rows = run_csv(&[
        "spc",
        "--input",
        path.to_str().unwrap(),
        "--period",
        "month",
        "--value",
        "value",
        "--baseline",
        "12",
        "--improvement",
        "increase",
        "--target",
        "65",
    ]);
    assert_eq!(rows.len(), 30);
    let label = |i: usize| rows[i - 1]["special_cause_rule"].as_str();
    for i in 1..=30 {
        let want = match i {
            13..=15 | 17 => "shift",
            16 | 28 | 29 => "two_of_three",
            18..=25 => "trend",
            26 => "outside_limits",
            _ => "",
        };
        assert_eq!(label(i), want, "point {i}");
    }
    assert!((number(&rows[0]["lower_process_limit"]).unwrap() - 39.60182).abs() < 5e-6);
    assert_eq!(rows[0]["assurance"], "consistently failing");
    assert_eq!(rows[25]["point_type"], "special cause concern");

    // A missing month is a gap, reported, not closed up.
    let mut text = String::from("month,value\n");
    for (i, v) in y.iter().enumerate() {
        let v = if i == 5 { String::new() } else { v.to_string() };
        text.push_str(&format!("{}-{:02},{v}\n", 2022 + i / 12, i % 12 + 1));
    }
    std::fs::write(&path, text).unwrap();
    let rows = run_csv(&[
        "spc",
        "--input",
        path.to_str().unwrap(),
        "--period",
        "month",
        "--value",
        "value",
    ]);
    assert_eq!(rows[5]["value"], "");
    assert!(rows[5]["diagnostic"].contains("gap"));
    assert_eq!(rows[6]["moving_range"], "");
}

#[test]
fn ratio_and_rate_funnels_narrow_around_their_targets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    std::fs::write(&path, "unit,observed,expected,rate\nA,30,25,30\nB,5,12,25\nC,120,100,60\nD,80,90,53\nE,400,380,40\n").unwrap();
    let p = path.to_str().unwrap();
    let rows = run_csv(&[
        "funnel",
        "limits",
        "--input",
        p,
        "--statistic",
        "ratio",
        "--ratio-type",
        "isr",
        "--numerator",
        "observed",
        "--denominator",
        "expected",
    ]);
    assert_eq!(rows.len(), 100);
    let width = |r: &HashMap<String, String>| {
        number(&r["upper_2s_limit"]).unwrap() - number(&r["lower_2s_limit"]).unwrap()
    };
    assert!(width(&rows[99]) < width(&rows[10]) && width(&rows[10]) < width(&rows[1]));
    for r in &rows {
        let (lo, hi) = (
            number(&r["lower_3s_limit"]).unwrap(),
            number(&r["upper_3s_limit"]).unwrap(),
        );
        assert!(lo < 100.0 && hi > 100.0, "ISR limits straddle 100");
        assert!(lo <= number(&r["lower_2s_limit"]).unwrap());
    }
    assert_eq!(rows[0]["statistic"], "ratio (isr)");
    let sig = run_csv(&[
        "funnel",
        "significance",
        "--input",
        p,
        "--statistic",
        "ratio",
        "--numerator",
        "observed",
        "--denominator",
        "expected",
    ]);
    assert_eq!(sig[4]["significance"], "Not significant");

    let rates = run_csv(&[
        "funnel",
        "limits",
        "--input",
        p,
        "--statistic",
        "rate",
        "--rate-type",
        "crude",
        "--numerator",
        "observed",
        "--rate",
        "rate",
        "--years-of-data",
        "3",
        "--multiplier",
        "100000",
    ]);
    assert_eq!(rates[0]["statistic"], "rate (crude per 100,000)");
    let baseline = number(&rates[0]["baseline"]).unwrap();
    let last = &rates[99];
    assert!(
        number(&last["lower_2s_limit"]).unwrap() < baseline
            && baseline < number(&last["upper_2s_limit"]).unwrap()
    );
    let dsr = run_csv(&[
        "funnel",
        "significance",
        "--input",
        p,
        "--statistic",
        "rate",
        "--rate-type",
        "dsr",
        "--numerator",
        "observed",
        "--rate",
        "rate",
        "--multiplier",
        "100000",
    ]);
    assert_eq!(
        dsr[1]["significance"],
        "Not applicable for events less than 10 for dsrs"
    );
    let points = run_csv(&[
        "funnel",
        "points",
        "--input",
        p,
        "--statistic",
        "rate",
        "--rate-type",
        "crude",
        "--numerator",
        "observed",
        "--rate",
        "rate",
        "--years-of-data",
        "3",
        "--multiplier",
        "100000",
    ]);
    // 30 events at 30 per 100,000 over 3 years: 100,000 people, 33,333 a year.
    assert!((number(&points[0]["denominator_derived"]).unwrap() - 100000.0 / 3.0).abs() < 1e-6);
}

#[test]
fn charts_are_drawn_as_self_contained_svg() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("s.csv");
    let mut text = String::from("series,period,value\n");
    for s in ["north", "south"] {
        for i in 0..24 {
            text.push_str(&format!(
                "{s},{i},{}\n",
                50 + (i * 7) % 5 + if i > 17 { 12 } else { 0 }
            ));
        }
    }
    std::fs::write(&data, text).unwrap();
    let svg = dir.path().join("spc.svg");
    run_ok(&[
        "spc",
        "--input",
        data.to_str().unwrap(),
        "--period",
        "period",
        "--value",
        "value",
        "--group-by",
        "series",
        "--svg",
        svg.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"));
    assert_eq!(
        text.matches("role=\"img\"").count(),
        2,
        "one chart per series"
    );
    assert!(text.contains("value — north") && text.contains("value — south"));
    assert!(
        !text.contains("href") && !text.contains("<script"),
        "no remote resources, no scripts"
    );

    let funnel_svg = dir.path().join("f.svg");
    run_ok(&[
        "funnel",
        "limits",
        "--input",
        phe("in_funnel_prop.csv").to_str().unwrap(),
        "--statistic",
        "proportion",
        "--numerator",
        "numerator",
        "--denominator",
        "denominator",
        "--svg",
        funnel_svg.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&funnel_svg).unwrap();
    assert!(text.contains("Funnel plot (proportion)") && text.contains("unit(s) lie outside"));
    let refused = levelfield(&[
        "funnel",
        "significance",
        "--input",
        phe("in_funnel_prop.csv").to_str().unwrap(),
        "--statistic",
        "proportion",
        "--numerator",
        "numerator",
        "--denominator",
        "denominator",
        "--svg",
        funnel_svg.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(2));
}

#[test]
fn run_g_and_t_charts_through_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("g.csv");
    std::fs::write(
        &data,
        "event,days\n1,10\n2,25\n3,3\n4,40\n5,18\n6,7\n7,30\n8,12\n9,200\n",
    )
    .unwrap();
    let g = run_csv(&[
        "spc",
        "--input",
        data.to_str().unwrap(),
        "--period",
        "event",
        "--value",
        "days",
        "--chart",
        "g",
        "--improvement",
        "increase",
    ]);
    assert_eq!(g[8]["special_cause_rule"], "outside_limits");
    assert_eq!(g[8]["point_type"], "special cause improvement");
    let t = run_csv(&[
        "spc",
        "--input",
        data.to_str().unwrap(),
        "--period",
        "event",
        "--value",
        "days",
        "--chart",
        "t",
    ]);
    assert_eq!(t.len(), 9);
    let run = run_csv(&[
        "spc",
        "--input",
        data.to_str().unwrap(),
        "--period",
        "event",
        "--value",
        "days",
        "--chart",
        "run",
    ]);
    assert_eq!(
        run[0]["mean"], "18",
        "the run chart's centre line is the median"
    );
    assert_eq!(run[0]["upper_process_limit"], "");
}

/// Large SPC outputs are streamed to CSV in chunks; the result equals the whole table written at
/// once (here, as Parquet read back), and a bad series anywhere leaves no output file.
#[test]
fn streamed_spc_output_equals_the_whole_table() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("many.csv");
    let mut text = String::from("series,period,value\n");
    for s in 0..2600 {
        for p in 0..40 {
            text.push_str(&format!("S{s:04},{p},{}\n", 100 + (s * 7 + p * 13) % 17));
        }
    }
    std::fs::write(&data, &text).unwrap();
    let csv_out = dir.path().join("out.csv");
    let pq_out = dir.path().join("out.parquet");
    for out in [&csv_out, &pq_out] {
        run_ok(&[
            "spc",
            "--input",
            data.to_str().unwrap(),
            "--period",
            "period",
            "--value",
            "value",
            "--group-by",
            "series",
            "--output",
            out.to_str().unwrap(),
        ]);
    }
    let streamed = read_csv(&csv_out);
    assert_eq!(streamed.len(), 104_000);
    // The Parquet was written whole; every cell of the streamed CSV must equal it.
    let whole = levelfield_table::read(&pq_out).unwrap();
    let parts = levelfield_table::read(&csv_out).unwrap();
    assert_eq!(parts.names(), whole.names());
    assert_eq!(parts.n_rows(), whole.n_rows());
    for c in 0..whole.names().len() {
        for r in 0..whole.n_rows() {
            assert_eq!(
                parts.text(c, r),
                whole.text(c, r),
                "column `{}`, row {r}",
                whole.names()[c]
            );
        }
    }
    assert_eq!(streamed[103_999]["series"], "S2599");
    assert_eq!(streamed[103_999]["period"], "39");

    // A repeated period in the very last series: refused before anything is written.
    std::fs::write(&data, format!("{text}S2599,39,100\n")).unwrap();
    std::fs::remove_file(&csv_out).unwrap();
    let run = levelfield(&[
        "spc",
        "--input",
        data.to_str().unwrap(),
        "--period",
        "period",
        "--value",
        "value",
        "--group-by",
        "series",
        "--output",
        csv_out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(!csv_out.exists());
    let leftovers = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp")
        })
        .count();
    assert_eq!(leftovers, 0);
}
