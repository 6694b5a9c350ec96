//! `levelfield plan`: the PCREF template judged against a synthetic profile, and the
//! judgements in the report.

use std::fs;

use crate::support::{levelfield, read_csv, report_page, run_ok, synthetic_profile};

#[test]
fn the_pcref_template_is_judged_period_by_period_and_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let profile = synthetic_profile(tmp.path(), 60000, 6);
    let template = run_ok(&["plan", "template"]).stdout;
    let plan = tmp.path().join("plan.toml");
    fs::write(&plan, &template).unwrap();
    let out = profile.join("plan_assessment.csv");
    let o = run_ok(&[
        "plan",
        "assess",
        "--plan",
        plan.to_str().unwrap(),
        "--profile",
        profile.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let rows = read_csv(&out);
    let periods = read_csv(&profile.join("estimates.csv"))
        .into_iter()
        .map(|r| r["period"].clone())
        .collect::<std::collections::BTreeSet<_>>();
    // Every target of the template, judged in every period of the profile.
    let targets: std::collections::BTreeSet<_> = rows
        .iter()
        .map(|r| (r["action_id"].clone(), r["target"].clone()))
        .collect();
    assert_eq!(targets.len(), 5, "{targets:?}");
    assert_eq!(rows.len(), 5 * periods.len());
    for r in &rows {
        assert!(
            ["met", "on track", "off track", "not yet assessable"].contains(&r["verdict"].as_str()),
            "{r:?}"
        );
        assert!(!r["reasoning"].is_empty());
    }
    // Too few periods at the start to fit a trend.
    let first = periods.iter().next().unwrap();
    assert!(
        rows.iter()
            .filter(|r| &r["period"] == first)
            .all(|r| r["verdict"] != "on track")
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("detentions:"), "{stderr}");
    // In the profile folder, the judgements are in the report.
    let page = report_page(&profile, tmp.path());
    assert!(page.contains("id=\"plans\"") && page.contains("Director of Nursing"));

    // A plan with mistakes is refused with each one named.
    let bad = tmp.path().join("bad.toml");
    fs::write(&bad, "name = \"x\"\n[[action]]\nid = \"a\"\ntitle = \"A\"\nowner = \"O\"\ndeadline = \"never\"\n[[action.target]]\nkind = \"level\"\nindicator = \"access\"\n").unwrap();
    let o = levelfield(&[
        "plan",
        "assess",
        "--plan",
        bad.to_str().unwrap(),
        "--profile",
        profile.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("deadline `never`") && err.contains("`below` or `above`"),
        "{err}"
    );
}
