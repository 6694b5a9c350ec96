//! `levelfield demo`, `levelfield report` and `profile --report` end to end.

use std::fs;

use crate::support::{levelfield, number, read_csv, run_ok};

#[test]
fn demo_writes_tables_report_and_workbook_with_the_published_headlines() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let o = run_ok(&["demo", "--out", out.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    for path in [
        "report.html",
        "workbook.xlsx",
        "tables/estimates.csv",
        "tables/profile.json",
    ] {
        assert!(out.join(path).is_file(), "{path}");
    }
    assert!(stdout.contains(out.join("report.html").to_str().unwrap()));
    assert!(
        stdout.contains("3.54 times")
            && stdout.contains("7.07 times")
            && stdout.contains("3.49 times"),
        "{stdout}"
    );
    assert!(stdout.contains("Open Government Licence v3.0"));

    // The tables carry the published figures and the 3.54 ratio.
    let est = read_csv(&out.join("tables/estimates.csv"));
    let value = |id: &str, group: &str| {
        est.iter()
            .find(|r| {
                r["indicator_id"] == id && r["group"] == group && r["area_code"] == "E92000001"
            })
            .and_then(|r| number(&r["value"]))
            .unwrap()
    };
    assert_eq!(value("detentions_std", "Black or Black British"), 242.3);
    assert_eq!(value("detentions_std", "White"), 68.4);
    assert_eq!(value("cto_std", "Black or Black British"), 48.8);
    let cmp = read_csv(&out.join("tables/comparisons.csv"));
    let ratio = |id: &str, group: &str| {
        cmp.iter()
            .find(|r| r["indicator_id"] == id && r["group"] == group)
            .and_then(|r| number(&r["ratio"]))
            .unwrap()
    };
    assert_eq!(
        format!("{:.2}", ratio("detentions_std", "Black or Black British")),
        "3.54"
    );
    assert_eq!(
        format!("{:.2}", ratio("cto_std", "Black or Black British")),
        "7.07"
    );
    assert_eq!(
        format!("{:.2}", ratio("detentions", "Decile 1 (most deprived)")),
        "3.49"
    );

    // `report` renders the same report from the folder's tables.
    let again = tmp.path().join("again.html");
    run_ok(&[
        "report",
        "--profile",
        out.join("tables").to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert!(tmp.path().join("again.xlsx").is_file());
    let a = fs::read_to_string(out.join("report.html")).unwrap();
    let b = fs::read_to_string(&again).unwrap();
    assert!(
        a == b,
        "the report from the written tables differs from the demo's own"
    );
    // Without --out, into the demo's folder as it is, under the names the demo and
    // `profile --report` use: never a second workbook beside the first.
    fs::remove_file(out.join("workbook.xlsx")).unwrap();
    run_ok(&["report", "--profile", out.to_str().unwrap()]);
    assert!(out.join("workbook.xlsx").is_file());
    assert!(!out.join("report.xlsx").exists());
    assert_eq!(fs::read_to_string(out.join("report.html")).unwrap(), a);
}

#[test]
fn profile_report_writes_the_report_beside_the_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("D");
    run_ok(&[
        "synth",
        "--rows",
        "20000",
        "--seed",
        "3",
        "--areas",
        "4",
        "--out",
        data.to_str().unwrap(),
    ]);
    let out = tmp.path().join("P");
    run_ok(&[
        "profile",
        "--spec",
        data.join("profile.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--report",
        "--quiet",
    ]);
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<figure class=\"chart\""));
    assert!(out.join("workbook.xlsx").is_file());
    let meta = fs::read_to_string(out.join("profile.json")).unwrap();
    assert!(meta.contains("\"comparator_code\""));
}

#[test]
fn report_of_a_missing_folder_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nothing");
    let o = levelfield(&["report", "--profile", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("nothing") && err.contains("levelfield profile --out"),
        "{err}"
    );
    // An empty folder: no estimates table.
    fs::create_dir(&missing).unwrap();
    let o = levelfield(&["report", "--profile", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("estimates.csv"));
    assert!(!missing.join("report.html").exists(), "no partial output");
}
