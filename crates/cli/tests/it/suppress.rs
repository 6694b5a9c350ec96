//! `levelfield suppress`: published counts obey the rule, derived values go with their counts,
//! secondary suppression protects lone hidden cells, and the rule is recorded on every row.

use crate::support::{levelfield, run_csv};

#[test]
fn suppression_rules_secondary_suppression_and_derived_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, "area,group,detained,cto,rate\nA,Black,3,0,12.1\nA,White,40,9,4.0\nA,Asian,12,6,6.0\nB,Black,25,11,30.2\nB,White,7,2,1.0\nB,Asian,0,1,0\n").unwrap();
    let p = path.to_str().unwrap();
    let mha = run_csv(&[
        "suppress",
        "--input",
        p,
        "--rule",
        "nhs-mha",
        "--count",
        "detained,cto",
        "--derived",
        "rate",
        "--group-by",
        "area",
    ]);
    assert_eq!(mha.len(), 6, "one output row per input row");
    for r in &mha {
        for col in ["detained", "cto"] {
            let v = &r[col];
            assert!(
                v == "*" || v.parse::<f64>().unwrap() % 5.0 == 0.0,
                "{col} = {v}"
            );
            assert!(!["1", "2", "3", "4"].contains(&v.as_str()));
        }
        // Rounded counts: a rate from the true count would give it back (rate × denominator),
        // so derived values are withheld on every row, and the note says why.
        assert_eq!(
            r["rate"], "",
            "a derived value is not published beside rounded counts"
        );
        assert!(r["suppression_note"].contains("rate withheld"));
        assert!(r["suppression_rule"].starts_with("NHS MHA statistics"));
    }
    let hes = run_csv(&[
        "suppress", "--input", p, "--rule", "hes-2018", "--count", "detained",
    ]);
    assert_eq!(hes[5]["detained"], "0", "HES shows zeros");
    assert_eq!(hes[4]["detained"], "*", "and hides 1 to 7");

    // Without rounding a lone hidden count in a column would be the total minus the rest: a
    // second count is hidden with it.
    let custom = run_csv(&[
        "suppress",
        "--input",
        p,
        "--rule",
        "custom",
        "--threshold",
        "5",
        "--count",
        "detained",
        "--group-by",
        "area",
    ]);
    let hidden_a = custom
        .iter()
        .filter(|r| r["area"] == "A" && r["detained"] == "*")
        .count();
    assert_eq!(hidden_a, 2);
    assert_eq!(
        custom[0]["suppression_rule"],
        "custom: counts 1 to 4 shown as *"
    );
    let out = levelfield(&[
        "suppress", "--input", p, "--rule", "custom", "--count", "detained",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--threshold"));
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "g,n\nA,2.5\n").unwrap();
    let out = levelfield(&[
        "suppress",
        "--input",
        bad.to_str().unwrap(),
        "--rule",
        "nhs-mha",
        "--count",
        "n",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("row 1, column `n`"));
}
