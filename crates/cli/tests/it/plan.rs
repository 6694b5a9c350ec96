//! `levelfield plan`: the PCREF template judged against a synthetic profile, and the
//! judgements in the report.

use std::fs;

use crate::support::{levelfield, read_csv, report_page, run_ok, synthetic_profile};

#[test]
fn the_pcref_template_is_judged_period_by_period_and_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let profile = synthetic_profile(tmp.path(), 60000, 6);
    let template = String::from_utf8(run_ok(&["plan", "template"]).stdout).unwrap();
    let plan = tmp.path().join("plan.toml");
    // The synthetic periods are quarters: an annual threshold on a rate is refused, never
    // judged "met" against a quarter's rate.
    let annual = template.replace(
        "below = 37.5\nper = \"quarter\"",
        "below = 150.0\nper = \"year\"",
    );
    assert_ne!(annual, template);
    fs::write(&plan, &annual).unwrap();
    let err = crate::support::run_fails(
        &[
            "plan",
            "assess",
            "--plan",
            plan.to_str().unwrap(),
            "--profile",
            profile.to_str().unwrap(),
        ],
        2,
    );
    assert!(
        err.contains("`detentions` is a rate per quarter, but the threshold is per year: write `per = \"quarter\"`"),
        "{err}"
    );
    // The template as it is: quarterly, like the profile.
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

/// A plan naming an indicator (or group) the profile does not have is an error in the plan,
/// named, with exit 2 — never a target "not yet assessable" as if data were pending. The demo's
/// folder is read as `demo` wrote it (its tables in `tables/`).
#[test]
fn targets_the_profile_lacks_are_refused_and_the_demo_folder_reads_as_written() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    run_ok(&["demo", "--out", demo.to_str().unwrap()]);
    let template = tmp.path().join("plan.toml");
    fs::write(&template, run_ok(&["plan", "template"]).stdout).unwrap();
    let err = crate::support::run_fails(
        &[
            "plan",
            "assess",
            "--plan",
            template.to_str().unwrap(),
            "--profile",
            demo.to_str().unwrap(),
        ],
        2,
    );
    assert!(
        err.contains("no indicator `cto`") && err.contains("no indicator `recovery`"),
        "{err}"
    );
    // A target on one of the demo's own groups is judged, from the folder as it is.
    let rows = read_csv(&demo.join("tables/estimates.csv"));
    let row = rows
        .iter()
        .find(|r| {
            r["dimension"] != levelfield_profile::schema::OVERALL
                && r["value"].parse::<f64>().is_ok()
        })
        .expect("a group with a value");
    let plan = tmp.path().join("own.toml");
    let target = |group: &str| {
        format!(
            "name = \"own\"\n[[action]]\nid = \"a\"\ntitle = \"A\"\nowner = \"O\"\ndeadline = \"2027-28\"\n[[action.target]]\nkind = \"level\"\nindicator = \"{}\"\ndimension = \"{}\"\ngroup = \"{group}\"\nbelow = 1.0\n",
            row["indicator_id"], row["dimension"]
        )
    };
    fs::write(&plan, target(&row["group"])).unwrap();
    let out = tmp.path().join("judged.csv");
    run_ok(&[
        "plan",
        "assess",
        "--plan",
        plan.to_str().unwrap(),
        "--profile",
        demo.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!read_csv(&out).is_empty());
    // The same group mistyped is named, with the near match.
    fs::write(&plan, target(&row["group"].to_uppercase())).unwrap();
    let err = crate::support::run_fails(
        &[
            "plan",
            "assess",
            "--plan",
            plan.to_str().unwrap(),
            "--profile",
            demo.to_str().unwrap(),
        ],
        2,
    );
    assert!(
        err.contains(&format!("did you mean `{}`?", row["group"])),
        "{err}"
    );
}
