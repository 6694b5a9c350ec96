//! Properties of the whole command: splitting a group's rows in two and letting the command sum
//! them gives the same result, and permuting input rows changes nothing.

use std::collections::HashMap;

use proptest::prelude::*;

use crate::support::{number, run_csv};

/// A random grouped table: group, age band (1–19), count, population, standard weight.
fn table() -> impl Strategy<Value = Vec<(u8, u8, u32, u32)>> {
    prop::collection::vec((0u8..4, 1u8..20, 0u32..400, 1u32..60_000), 4..60).prop_map(|rows| {
        // One row per group and band, so splitting is the only source of repeated keys.
        let mut seen = std::collections::HashSet::new();
        rows.into_iter()
            .filter(|r| seen.insert((r.0, r.1)))
            .map(|(g, b, x, n)| (g, b, x.min(n), n))
            .collect()
    })
}

fn write(dir: &std::path::Path, name: &str, rows: &[(u8, u8, u32, u32)]) -> String {
    let mut text = String::from("g,band,x,n,xr,nr\n");
    for &(g, b, x, n) in rows {
        // Reference rates depend only on the band.
        text.push_str(&format!(
            "G{g},{b},{x},{n},{},{}\n",
            40 * u32::from(b),
            100_000
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn commands(path: &str) -> Vec<Vec<String>> {
    let base = |v: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = vec!["stats".into()];
        a.extend(v.iter().map(|s| s.to_string()));
        a.extend([
            "--input".to_string(),
            path.to_string(),
            "--group-by".into(),
            "g".into(),
            "--confidence".into(),
            "0.95,0.998".into(),
        ]);
        a
    };
    vec![
        base(&["proportion", "--numerator", "x", "--denominator", "n"]),
        base(&["rate", "--numerator", "x", "--denominator", "n"]),
        base(&[
            "dsr",
            "--numerator",
            "x",
            "--denominator",
            "n",
            "--standard-population",
            "esp2013",
            "--age-band",
            "band",
        ]),
        base(&[
            "isratio",
            "--numerator",
            "x",
            "--denominator",
            "n",
            "--reference-numerator",
            "xr",
            "--reference-denominator",
            "nr",
            "--age-band",
            "band",
        ]),
        base(&[
            "israte",
            "--numerator",
            "x",
            "--denominator",
            "n",
            "--reference-numerator",
            "xr",
            "--reference-denominator",
            "nr",
            "--age-band",
            "band",
        ]),
    ]
}

fn run(args: &[String]) -> Vec<HashMap<String, String>> {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run_csv(&refs)
}

/// Same rows, same text columns, numbers equal to 1e-12 relative (sums may round differently).
fn assert_same(a: &[HashMap<String, String>], b: &[HashMap<String, String>], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: row count");
    for (ra, rb) in a.iter().zip(b) {
        assert_eq!(ra.len(), rb.len(), "{what}: column count");
        for (k, va) in ra {
            let vb = &rb[k];
            match (va.parse::<f64>(), vb.parse::<f64>()) {
                (Ok(x), Ok(y)) => assert!(
                    (x - y).abs() <= 1e-12 * x.abs().max(1e-300),
                    "{what}: {k} {x} vs {y}"
                ),
                _ => assert_eq!(va, vb, "{what}: {k}"),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn splitting_rows_and_summing_gives_the_same_result(rows in table(), cut in 0.0f64..1.0) {
        let dir = tempfile::tempdir().unwrap();
        let whole = write(dir.path(), "whole.csv", &rows);
        // Split every row's count and population into two rows of the same group and band.
        let mut split = Vec::new();
        for &(g, b, x, n) in &rows {
            if n > 1 {
                let n1 = ((f64::from(n) * cut) as u32).clamp(1, n - 1);
                // Keep each part's count within its population, so proportions accept both.
                let x1 = ((f64::from(x) * cut) as u32).min(n1).max(x.saturating_sub(n - n1));
                split.push((g, b, x1, n1));
                split.push((g, b, x - x1, n - n1));
            } else {
                split.push((g, b, x, n));
            }
        }
        let parts = write(dir.path(), "split.csv", &split);
        for (a, b) in commands(&whole).iter().zip(commands(&parts)) {
            assert_same(&run(a), &run(&b), &a[1]);
        }
    }

    #[test]
    fn permuting_rows_changes_nothing(rows in table(), seed in any::<u64>()) {
        let dir = tempfile::tempdir().unwrap();
        let original = write(dir.path(), "a.csv", &rows);
        let mut shuffled = rows.clone();
        for i in (1..shuffled.len()).rev() {
            let j = (seed.wrapping_mul(2862933555777941757).wrapping_add(i as u64 * 3037000493) % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        let permuted = write(dir.path(), "b.csv", &shuffled);
        for (a, b) in commands(&original).iter().zip(commands(&permuted)) {
            let (ra, rb) = (run(a), run(&b));
            assert_same(&ra, &rb, &a[1]);
            prop_assert!(!ra.is_empty(), "{} gave no rows", a[1]);
            for r in &ra {
                if let (Some(v), Some(lo), Some(hi)) = (number(&r["value"]), number(&r["lower_ci_95_0"]), number(&r["upper_ci_95_0"])) {
                    prop_assert!(lo <= v && v <= hi);
                }
            }
        }
    }
}
